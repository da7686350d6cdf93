"""Example work for ``modelyard demo``: a workspace that shows every part of Modelyard.

* An experiment of six real training runs on scikit-learn's bundled digits: a linear
  classifier trained epoch by epoch (``SGDClassifier.partial_fit``) with different losses and
  regularisation, each logging its parameters, per-epoch learning curves, final scores, a
  confusion-matrix figure, a JSON report, a predictions table and the model (scaler and
  classifier as one pipeline, with an input example).
* The best run's model registered as ``digits-classifier`` (alias ``champion``).
* A data asset ``iris`` (an open dataset of ``modelyard.datasets``) with its profile.
* A command job on the local compute that cross-validates a tree on that asset, with its log.
* An online endpoint ``digits`` with one deployment of the registered model; the server's
  supervisor starts it when ``modelyard server`` (or ``demo`` without ``--no-serve``) runs.

No download: every dataset ships with scikit-learn or Modelyard. Each part is made once;
running the demo again adds nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from modelyard.errors import InvalidArgument

if TYPE_CHECKING:
    from modelyard.sdk.workspace import Workspace

__all__ = ["CONFIGS", "DEMO_ENDPOINT", "DEMO_EXPERIMENT", "DEMO_JOB", "DEMO_MODEL", "fill_workspace"]

DEMO_EXPERIMENT = "demo-digits"
DEMO_MODEL = "digits-classifier"
DEMO_ENDPOINT = "digits"
DEMO_DEPLOYMENT = "blue"
DEMO_DATA = "iris"
DEMO_JOB_EXPERIMENT = "demo-jobs"
DEMO_JOB = "iris-cross-validation"
EPOCHS = 15

#: (run name, SGDClassifier parameters)
CONFIGS: list[tuple[str, dict[str, Any]]] = [
    ("logreg-l2-weak", {"loss": "log_loss", "penalty": "l2", "alpha": 1e-4}),
    ("logreg-l2-strong", {"loss": "log_loss", "penalty": "l2", "alpha": 1e-2}),
    ("logreg-elasticnet", {"loss": "log_loss", "penalty": "elasticnet", "alpha": 1e-3, "l1_ratio": 0.3}),
    ("svm-hinge", {"loss": "hinge", "penalty": "l2", "alpha": 1e-4}),
    ("huber-l1", {"loss": "modified_huber", "penalty": "l1", "alpha": 1e-3}),
    ("perceptron-lr-high", {"loss": "perceptron", "penalty": None, "alpha": 1e-4, "eta0": 1.0,
                            "learning_rate": "constant"}),
]


def _load() -> Any:
    try:
        from sklearn.datasets import load_digits
        from sklearn.model_selection import train_test_split
        from sklearn.preprocessing import StandardScaler
    except ImportError as e:
        raise InvalidArgument(
            "the demo trains scikit-learn models: pip install 'modelyard[automl]'"
        ) from e
    data = load_digits()
    x_train, x_test, y_train, y_test = train_test_split(
        data.data, data.target, test_size=0.25, random_state=0, stratify=data.target
    )
    scaler = StandardScaler().fit(x_train)
    return scaler.transform(x_train), scaler.transform(x_test), y_train, y_test, scaler, x_test


def _confusion_figure(matrix: Any, title: str) -> Any | None:
    try:
        import matplotlib

        matplotlib.use("Agg", force=False)
        from matplotlib.figure import Figure
    except ImportError:
        return None
    fig = Figure(figsize=(5, 4.5))
    ax = fig.add_subplot()
    im = ax.imshow(matrix, cmap="Blues")
    ax.set_xlabel("predicted digit")
    ax.set_ylabel("true digit")
    ax.set_xticks(range(10))
    ax.set_yticks(range(10))
    ax.set_title(title)
    for i in range(10):
        for j in range(10):
            if matrix[i][j]:
                ax.text(j, i, int(matrix[i][j]), ha="center", va="center", fontsize=7,
                        color="white" if matrix[i][j] > matrix.max() / 2 else "black")
    fig.colorbar(im, ax=ax)
    return fig


def _train_one(ws: Workspace, name: str, params: dict[str, Any], data: Any) -> str:
    import numpy as np
    import pandas as pd
    from sklearn.linear_model import SGDClassifier
    from sklearn.metrics import (
        accuracy_score,
        classification_report,
        confusion_matrix,
        f1_score,
        log_loss,
    )
    from sklearn.pipeline import Pipeline

    from modelyard.models.operations import log_model_to_run

    x_train, x_test, y_train, y_test, scaler, raw_test = data
    classes = np.unique(y_train)
    model = SGDClassifier(random_state=42, **params)
    with ws.runs.start(experiment=DEMO_EXPERIMENT, name=name, tags={"dataset": "digits", "source": "demo"}) as run:
        run.log_params({"model": "SGDClassifier", "epochs": EPOCHS, **{k: v for k, v in params.items()}})
        rng = np.random.default_rng(0)
        for epoch in range(EPOCHS):
            order = rng.permutation(len(x_train))
            model.partial_fit(x_train[order], y_train[order], classes=classes)
            metrics = {
                "train_acc": accuracy_score(y_train, model.predict(x_train)),
                "val_acc": accuracy_score(y_test, model.predict(x_test)),
            }
            if hasattr(model, "predict_proba") and params["loss"] in ("log_loss", "modified_huber"):
                metrics["val_loss"] = log_loss(y_test, model.predict_proba(x_test), labels=classes)
            run.log_metrics(metrics, step=epoch)
        predicted = model.predict(x_test)
        acc = accuracy_score(y_test, predicted)
        run.log_metrics({"acc": acc, "f1_macro": f1_score(y_test, predicted, average="macro")})
        report = classification_report(y_test, predicted, output_dict=True, zero_division=0)
        run.log_dict(report, "report.json")
        matrix = confusion_matrix(y_test, predicted)
        figure = _confusion_figure(matrix, f"{name}: accuracy {acc:.3f}")
        if figure is not None:
            run.log_figure(figure, "confusion_matrix.png")
        run.log_table(
            {"true": y_test.tolist(), "predicted": predicted.tolist()}, "predictions.csv"
        )
        # The fitted scaler and classifier as one pipeline: it takes the raw 8x8 pixels.
        example = pd.DataFrame(raw_test[:2], columns=[f"pixel_{i}" for i in range(raw_test.shape[1])])
        log_model_to_run(run, Pipeline([("scale", scaler), ("classify", model)]), name="model",
                         input_example=example)
        return run.id


def _train_all(ws: Workspace, *, force: bool, say: Callable[[str], None]) -> list[str]:
    if not force:
        exp = ws.experiments.find(DEMO_EXPERIMENT)
        if exp is not None:
            done = ws.runs.search("attributes.status = 'Finished'", experiment=exp.id)
            if len(done) >= len(CONFIGS):
                say(f"The workspace already holds the demo runs (experiment {DEMO_EXPERIMENT!r}).")
                return []
    import warnings

    data = _load()
    ids = []
    for name, params in CONFIGS:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # convergence chatter of a deliberately short training
            ids.append(_train_one(ws, name, params, data))
        say(f"  trained {name}: acc {ws.runs.get(ids[-1]).metrics['acc'].latest:.3f}")
    return ids


def _register_best(ws: Workspace, say: Callable[[str], None]) -> None:
    """Register the model of the most accurate demo run (once) and point ``champion`` at it."""
    from modelyard.errors import NotFound

    try:
        ws.models.get_model(DEMO_MODEL)
        return
    except NotFound:
        pass
    runs = ws.runs.search(experiment=DEMO_EXPERIMENT, order_by=["metrics.acc DESC"], max_results=len(CONFIGS) * 4)
    best = next((r for r in runs if "acc" in r.metrics), None)
    if best is None:
        say("No demo run to register a model from.")
        return
    version = ws.models.create(name=DEMO_MODEL, path=f"runs:/{best.id}/model",
                               description="Handwritten digits (8x8 pixels) -> digit; the best demo run.",
                               tags={"task": "classification", "dataset": "digits"})
    ws.models.update(DEMO_MODEL, description="Reads a handwritten digit from its 8x8 pixels.",
                     tags={"task": "classification", "source": "demo"})
    ws.models.set_alias(DEMO_MODEL, "champion", version.version)
    say(f"  registered {DEMO_MODEL} v{version.version} from run {best.name} (acc {best.metrics['acc'].latest:.3f})")


def _data_asset(ws: Workspace, say: Callable[[str], None]) -> str:
    """Register the iris table as a data asset (once), profile it; return its ``name:version``."""
    from modelyard import datasets
    from modelyard.errors import NotFound

    try:
        return f"{DEMO_DATA}:{ws.data.get(DEMO_DATA).version}"
    except NotFound:
        pass
    v = ws.data.create_or_update(name=DEMO_DATA, path=datasets.path(DEMO_DATA), type="mltable",
                                 description=datasets.info(DEMO_DATA).description, tags={"source": "demo"})
    ws.data.profile(v.name, v.version)  # computed once and kept with the version
    say(f"  registered data asset {v.name}:{v.version} ({v.row_count} rows) with its profile")
    return f"{v.name}:{v.version}"


# The job's script: cross-validates a decision tree on the iris asset, printing and logging as it goes.
_JOB_SCRIPT = """
import sys
import modelyard as yard
from sklearn.model_selection import StratifiedKFold
from sklearn.tree import DecisionTreeClassifier

df = yard.datasets.load("iris")
x, y = df.drop(columns=["species"]).to_numpy(), df["species"].to_numpy()
print(f"loaded iris: {len(df)} rows, {x.shape[1]} features", flush=True)
with yard.start_run():
    yard.log_params({"model": "DecisionTreeClassifier", "max_depth": 3, "folds": 5})
    scores = []
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    for fold, (tr, te) in enumerate(folds.split(x, y)):
        tree = DecisionTreeClassifier(max_depth=3, random_state=0).fit(x[tr], y[tr])
        scores.append(tree.score(x[te], y[te]))
        yard.log_metric("fold_acc", scores[-1], step=fold)
        print(f"fold {fold + 1}/5  accuracy={scores[-1]:.4f}", flush=True)
    yard.log_metric("cv_acc", sum(scores) / len(scores))
print("warning: a depth-3 tree is a small model, on purpose", file=sys.stderr, flush=True)
print(f"mean accuracy {sum(scores) / len(scores):.4f}", flush=True)
"""


def _job(ws: Workspace, data_ref: str, say: Callable[[str], None]) -> None:
    """Run the cross-validation job on the local compute (once) and wait for it."""
    import shlex
    import sys

    from modelyard.jobs.client import command

    if ws.jobs.list(experiment=DEMO_JOB_EXPERIMENT):
        return
    submitted = ws.jobs.create_or_update(command(
        command=f"{shlex.quote(sys.executable)} -c {shlex.quote(_JOB_SCRIPT)}", compute="local",
        experiment_name=DEMO_JOB_EXPERIMENT, display_name=DEMO_JOB, timeout=600,
        description="5-fold cross-validation of a decision tree on the iris data asset",
    ))  # fmt: skip
    ws.data.record_use(data_ref, run_id=submitted.id, direction="input")
    job = submitted.wait(timeout=600)
    say(f"  ran job {DEMO_JOB}: {job.status.value}")


def _endpoint(ws: Workspace, say: Callable[[str], None]) -> None:
    """An online endpoint with one deployment of the registered model (once). The server's
    supervisor starts its workers whenever a server runs on this workspace."""
    from modelyard.errors import NotFound

    try:
        ws.endpoints.get(DEMO_ENDPOINT)
        return
    except NotFound:
        pass
    try:
        version = ws.models.get(DEMO_MODEL, alias="champion")
    except NotFound:
        return
    ws.endpoints.create(name=DEMO_ENDPOINT, description="Reads a handwritten digit (8x8 pixels)",
                        tags={"source": "demo"})
    ws.endpoints.create_deployment(DEMO_ENDPOINT, name=DEMO_DEPLOYMENT, model=f"models:/{DEMO_MODEL}/{version.version}",
                                   settings={"request_logging_rate": 1.0})
    say(f"  created endpoint {DEMO_ENDPOINT} (deployment {DEMO_DEPLOYMENT}: {DEMO_MODEL} v{version.version})")


def fill_workspace(ws: Workspace, *, force: bool = False, say: Callable[[str], None] = print) -> list[str]:
    """Fill ``ws`` with the demo's work; return the ids of the training runs made now (none
    when they exist, unless ``force``). The model, data asset, job and endpoint are each made
    once, whatever ``force`` says."""
    ids = _train_all(ws, force=force, say=say)
    _register_best(ws, say)
    data_ref = _data_asset(ws, say)
    _job(ws, data_ref, say)
    _endpoint(ws, say)
    return ids
