"""Example work for ``modelyard demo``: real training runs on scikit-learn's bundled digits.

Six runs of a linear classifier trained epoch by epoch (``SGDClassifier.partial_fit``) with
different losses and regularisation, each logging its parameters, per-epoch learning curves,
final scores, a confusion-matrix figure, a JSON report and a predictions table. No download:
the digits data ships with scikit-learn.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from modelyard.errors import InvalidArgument

if TYPE_CHECKING:
    from modelyard.sdk.workspace import Workspace

__all__ = ["CONFIGS", "DEMO_EXPERIMENT", "fill_workspace"]

DEMO_EXPERIMENT = "demo-digits"
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
    return scaler.transform(x_train), scaler.transform(x_test), y_train, y_test


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
    from sklearn.linear_model import SGDClassifier
    from sklearn.metrics import (
        accuracy_score,
        classification_report,
        confusion_matrix,
        f1_score,
        log_loss,
    )

    x_train, x_test, y_train, y_test = data
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
        return run.id


def fill_workspace(ws: Workspace, *, force: bool = False, say: Callable[[str], None] = print) -> list[str]:
    """Train the demo runs into ``ws``; return their ids (none if they exist, unless ``force``)."""
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
