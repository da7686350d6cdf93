"""Seeds a workspace with the work the Studio's end-to-end test looks at, through the SDK.

Learning curves follow a noisy exponential approach whose rate depends on the params, so
sorting by a metric has one clear best run; artifacts cover every preview kind.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Seeded", "SeededJobs", "seed_jobs", "seed_workspace", "wait_endpoint"]

# A tiny valid 8x8 PNG (a red square), so the image preview has something real to draw.
_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000008000000080802000000"
    "4b6d29dc0000001549444154789c63f8cfc0f09f8118c04c0c0c0c00c0a90ffd"
    "cfba4e4f0000000049454e44ae426082"
)


@dataclass
class Seeded:
    experiment_id: str
    experiment_name: str
    run_ids: list[str] = field(default_factory=list)
    best_run_name: str = ""
    best_run_id: str = ""
    parent_run_id: str = ""
    long_run_id: str = ""
    data_asset: str = ""
    model_name: str = ""
    model_version: int = 0
    model_run_id: str = ""
    model_data_input: str = ""
    endpoint_name: str = ""
    deployment_name: str = ""


def seed_workspace(folder: Path, *, runs: int = 24, long_points: int = 20_000) -> Seeded:
    """Fill ``folder`` (an embedded workspace) and return what the test needs to find."""
    from modelyard.sdk import Workspace

    rng = random.Random(7)
    ws = Workspace(str(folder))
    name = "mnist-mlp"
    seeded: Seeded | None = None
    for i in range(runs):
        lr = [0.3, 0.1, 0.03, 0.01, 0.003][i % 5]
        hidden = [64, 128, 256][i % 3]
        opt = ["sgd", "adam"][i % 2]
        rate = 0.08 + 0.5 * lr * (2 if opt == "adam" else 1) + hidden / 4000
        ceiling = 0.9 + 0.07 * (1 - abs(math.log10(lr) + 1.7) / 1.5) + rng.uniform(-0.01, 0.01)
        run = ws.runs.start(experiment=name, name=f"mlp-{opt}-lr{lr}-h{hidden}-{i:02d}",
                            tags={"team": "vision", "dataset": "mnist"})
        run.log_params({"lr": lr, "hidden": hidden, "optimizer": opt, "epochs": 30, "batch_size": 64})
        t0 = 1_767_225_600_000 + i * 3_600_000  # 2026-01-01, one run an hour
        for step in range(30):
            acc = ceiling * (1 - math.exp(-rate * (step + 1))) + rng.gauss(0, 0.004)
            loss = 2.3 * math.exp(-rate * 1.3 * (step + 1)) + 0.05 + abs(rng.gauss(0, 0.01))
            run.log_metrics({"acc": acc, "loss": loss, "val_loss": loss * 1.08 + 0.02}, step=step,
                            timestamp=t0 + step * 2_000 + rng.randint(0, 300))
        run.log_dict({"lr": lr, "hidden": hidden, "optimizer": opt, "layers": [784, hidden, 10]}, "config.json")
        if i < 3:
            run.log_text(f"model:\n  hidden: {hidden}\n  optimizer: {opt}\n# learning rate\nlr: {lr}\n", "config.yaml")
            rows = "\n".join(f"{k},{k % 10},{(k * 7) % 10},{0.5 + (k % 5) / 10:.2f}" for k in range(40))
            run.log_text("id,label,prediction,confidence\n" + rows + "\n", "eval/predictions.csv")
            run.log_text("Training finished.\nBest epoch: 29\n", "logs/train.log")
            png = folder.parent / "confusion.png"
            png.write_bytes(_PNG)
            run.log_artifact(png, "plots")
        run.end()
        if seeded is None:
            seeded = Seeded(experiment_id=run.info.experiment_id, experiment_name=name)
        seeded.run_ids.append(run.id)

    assert seeded is not None
    # The best run by its *latest* acc, as the server sorts.
    latest = {r.id: r.metrics["acc"].latest for r in ws.runs.search(experiment=name, max_results=1000)}
    best_id = max(latest, key=latest.__getitem__)
    seeded.best_run_id = best_id
    seeded.best_run_name = ws.runs.get(best_id).name

    parent = ws.runs.start(experiment=name, name="sweep-lr")
    for j, lr in enumerate([0.1, 0.01, 0.001]):
        child = ws.runs.start(experiment=name, name=f"trial-{j}", parent=parent)
        child.log_param("lr", lr)
        child.log_metric("acc", 0.8 + j * 0.05, step=0)
        child.end()
    parent.end()
    seeded.parent_run_id = parent.id

    failed = ws.runs.start(experiment=name, name="diverged-lr1.0")
    failed.log_param("lr", 1.0)
    failed.log_metric("loss", float("nan"), step=0)
    failed.end("Failed", error="ValueError: loss became NaN at step 0")

    long = ws.runs.start(experiment="long-curves", name="long-run")
    long.log_metrics({"noise": 0.0}, step=0)
    for step in range(1, long_points):
        long.log_metric("noise", math.sin(step / 500) + rng.gauss(0, 0.1), step=step)
    long.end()
    seeded.long_run_id = long.id

    ws.experiments.create("empty-experiment")
    seeded.data_asset = _seed_data(ws, folder.parent / "penguins.csv", seeded.best_run_id)
    _seed_model_and_endpoint(ws, seeded)
    ws.close()
    return seeded


def _seed_data(ws, csv: Path, run_id: str) -> str:
    """A small table asset in two versions, with a profile and lineage to a run."""
    rng = random.Random(11)
    species = ["Adelie", "Gentoo", "Chinstrap"]
    lines = ["species,island,bill_length_mm,body_mass_g,sex"]
    for i in range(120):
        sp = species[i % 3]
        bill = "" if i % 17 == 5 else f"{rng.gauss(39 + 6 * (i % 3), 2.5):.1f}"
        mass = f"{rng.gauss(3700 + 800 * (sp == 'Gentoo'), 350):.0f}"
        lines.append(f"{sp},{rng.choice(['Biscoe', 'Dream', 'Torgersen'])},{bill},{mass},"
                     f"{'' if i % 23 == 7 else rng.choice(['male', 'female'])}")
    csv.write_text("\n".join(lines[:61]) + "\n")
    ws.data.create_or_update(name="penguins", path=csv, type="mltable",
                             description="Palmer penguins, a sample")
    csv.write_text("\n".join(lines) + "\n")
    v2 = ws.data.create_or_update(name="penguins", path=csv, type="mltable",
                                  description="Palmer penguins, a sample (more rows)")
    ws.data.record_use(f"penguins:{v2.version}", run_id=run_id, direction="input")
    return "penguins"


def _seed_model_and_endpoint(ws, seeded: Seeded) -> None:
    """A real scikit-learn model trained on the iris asset, registered, and an online endpoint
    serving it (recorded in the store: the server's supervisor starts it)."""
    from sklearn.linear_model import LogisticRegression

    from modelyard import datasets
    from modelyard.models.operations import log_model_to_run

    iris = ws.data.create_or_update(name="iris", path=datasets.path("iris"), type="mltable")
    df = datasets.load("iris")
    # Species as class numbers: signature inference rejects string predictions (an object array).
    x, y = df.drop(columns=["species"]), df["species"].astype("category").cat.codes
    run = ws.runs.start(experiment="iris-models", name="iris-logreg")
    ws.data.record_use(f"iris:{iris.version}", run_id=run.id, direction="input")
    model = LogisticRegression(max_iter=500).fit(x, y)
    run.log_metric("train_acc", model.score(x, y))
    log_model_to_run(run, model, name="model", input_example=x.head(2), registered_model_name="iris-classifier")
    run.end()
    ws.models.set_alias("iris-classifier", "champion", 1)
    # token auth: the e2e test console must fetch a token (POST .../token) to get its 200
    ws.endpoints.create(name="iris-online", auth_mode="aml_token", description="Iris species from four measurements")
    ws.endpoints.create_deployment("iris-online", name="blue", model="models:/iris-classifier/1",
                                   settings={"request_logging_rate": 1.0})
    seeded.model_name, seeded.model_version, seeded.model_run_id = "iris-classifier", 1, run.id
    seeded.model_data_input = f"iris:{iris.version}"
    seeded.endpoint_name, seeded.deployment_name = "iris-online", "blue"


def wait_endpoint(url: str, seeded: Seeded) -> None:
    """Block until the server at ``url`` has started the seeded deployment."""
    from modelyard.sdk import Workspace

    ws = Workspace(url)
    ws.endpoints.wait_ready(seeded.endpoint_name, seeded.deployment_name, timeout=240)
    ws.close()


@dataclass
class SeededJobs:
    finished_job_id: str
    finished_job_name: str
    live_job_id: str
    live_job_name: str
    release_file: str


# A training-like job: progress lines on stdout, a warning on stderr, exit 0.
_TRAIN = """
import sys, time
print("loading data: 60000 rows, 784 features", flush=True)
for epoch in range(1, 6):
    print(f"epoch {epoch}/5  loss={1.0 / epoch:.4f}  acc={1 - 0.5 / epoch:.4f}", flush=True)
print("warning: learning rate schedule ended early", file=sys.stderr, flush=True)
print("saved model to outputs/model.pkl", flush=True)
"""

# A job that keeps running until the test creates the release file (no timing involved).
_LIVE = """
import os, sys, time
for i in range(5):
    print(f"tick {i}", flush=True)
release = sys.argv[1]
while not os.path.exists(release):
    time.sleep(0.1)
print("released: finishing", flush=True)
"""


def seed_jobs(url: str, release_file: Path) -> SeededJobs:
    """Submit, through the SDK and the server at ``url``, a job that finishes with a log and
    a job that stays running (printing) until ``release_file`` exists."""
    import shlex
    import sys

    from modelyard.jobs.client import command
    from modelyard.sdk import Workspace

    ws = Workspace(url)
    py = shlex.quote(sys.executable)
    done = ws.jobs.create_or_update(command(
        command=f"{py} -c {shlex.quote(_TRAIN)}", experiment_name="jobs-demo",
        display_name="train-mnist-job", timeout=300,
    ))  # fmt: skip
    finished = done.wait(timeout=180)
    assert finished.status.value == "Finished", finished
    live = ws.jobs.create_or_update(command(
        command=f"{py} -c {shlex.quote(_LIVE)} {shlex.quote(str(release_file))}",
        experiment_name="jobs-demo", display_name="live-tail-job", timeout=300,
    ))  # fmt: skip
    ws.close()
    return SeededJobs(finished_job_id=done.id, finished_job_name="train-mnist-job",
                      live_job_id=live.id, live_job_name="live-tail-job",
                      release_file=str(release_file))

