"""Fluent tracking: ``yard.start_run()``, ``yard.log_metric()``... on the active run.

The only ambient state is held in ``ContextVar``\\ s: the active runs of the current context
(a stack, for nesting) and the current workspace. The process-wide default workspace (used
when none was set in the context) lives in a holder reached through a ``ContextVar`` too.

Inside a submitted job (``MODELYARD_RUN_ID`` set), ``start_run()`` attaches to the job's run
instead of creating one, and leaves ending it to the job.

Example::

    import modelyard as yard

    with yard.start_run(experiment="mnist", tags={"team": "vision"}) as run:
        yard.log_params({"lr": 0.01, "epochs": 3})
        for epoch in range(3):
            yard.log_metric("loss", 1 / (epoch + 1))       # steps 0, 1, 2
        with yard.start_run(name="eval"):                   # a child run
            yard.log_metric("acc", 0.97)
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from modelyard.sdk.run import Run
    from modelyard.sdk.workspace import Workspace
    from modelyard.settings import Settings
    from modelyard.tracking.entities import RunStatus

__all__ = [
    "active_run",
    "end_run",
    "flush",
    "get_workspace",
    "load_model",
    "log_artifact",
    "log_artifacts",
    "log_dict",
    "log_figure",
    "log_metric",
    "log_metrics",
    "log_model",
    "log_param",
    "log_params",
    "log_table",
    "log_text",
    "set_tag",
    "set_tags",
    "set_workspace",
    "start_run",
]

RUN_ID_ENV = "MODELYARD_RUN_ID"


class _DefaultWorkspace:
    """Holds the process-wide default workspace (shared by all threads)."""

    __slots__ = ("lock", "workspace")

    def __init__(self) -> None:
        self.workspace: Workspace | None = None
        self.lock = threading.Lock()


_active_runs: ContextVar[tuple[Run, ...]] = ContextVar("modelyard_active_runs", default=())
_workspace: ContextVar[Workspace | None] = ContextVar("modelyard_workspace", default=None)
# deliberately one holder shared by every context: it *is* the process-wide default
_default: ContextVar[_DefaultWorkspace] = ContextVar(
    "modelyard_default_workspace", default=_DefaultWorkspace()  # noqa: B039
)


# ---------------------------------------------------------------------- workspace
def set_workspace(location: str | os.PathLike[str] | Workspace | None = None, *, settings: Settings | None = None) -> Workspace:
    """Make a workspace the current one for fluent calls (in this context and as the
    process-wide default).

    Args:
        location: a folder, an ``http(s)://`` URL, a :class:`Workspace`, or None to resolve
            the default (``MODELYARD_WORKSPACE``, nearest ``.modelyard/``, ``~/.modelyard``).
        settings: settings for a workspace built from ``location``.

    Returns:
        The workspace now current.

    Example:
        >>> yard.set_workspace("http://127.0.0.1:8200")
        Workspace('http://127.0.0.1:8200')
    """
    from modelyard.sdk.workspace import Workspace

    ws = location if isinstance(location, Workspace) else Workspace(location, settings=settings)
    holder = _default.get()
    with holder.lock:
        holder.workspace = ws
    _workspace.set(ws)
    return ws


def get_workspace() -> Workspace:
    """Return the current workspace, opening the default one on first use.

    Example:
        >>> yard.get_workspace().location.folder.name
        '.modelyard'
    """
    ws = _workspace.get()
    if ws is not None:
        return ws
    holder = _default.get()
    with holder.lock:
        if holder.workspace is None:
            from modelyard.sdk.workspace import Workspace

            holder.workspace = Workspace()
        return holder.workspace


# ---------------------------------------------------------------------- runs
def _push(run: Run) -> None:
    _active_runs.set((*_active_runs.get(), run))


def _pop(run: Run) -> None:
    stack = _active_runs.get()
    if run in stack:
        _active_runs.set(tuple(r for r in stack if r is not run))


def start_run(
    experiment: str | None = None,
    *,
    name: str | None = None,
    tags: Mapping[str, Any] | None = None,
    parent: str | Run | None = None,
) -> Run:
    """Start a run and make it the active one; use it as a context manager.

    Inside another active run (and without ``parent``), the new run is its child, in the
    same experiment unless ``experiment`` says otherwise. When ``MODELYARD_RUN_ID`` is set
    (inside a submitted job) and no run is active, the job's run is attached to instead of
    creating one; leaving the block then flushes but does not end it.

    Leaving the ``with`` block ends the run: Finished, or Failed with the error's type,
    message and traceback tail recorded when the block raised (the error is re-raised).

    Args:
        experiment: the experiment name, created if missing (default: ``"Default"``).
        name: the run's display name (default: generated).
        tags: initial tags.
        parent: the parent run (handle or id); default: the active run, if any.

    Returns:
        The new (or attached) :class:`~modelyard.Run`.

    Example:
        >>> with yard.start_run(experiment="iris", name="logreg") as run:
        ...     yard.log_metric("acc", 0.95)
    """
    ws = get_workspace()
    stack = _active_runs.get()
    attach_id = os.environ.get(RUN_ID_ENV)
    if attach_id and not stack and parent is None:
        from modelyard.sdk.run import Run as RunHandle

        run = RunHandle(ws, ws.tracking_store.get_run(attach_id), owned=False, on_end=_pop)
        if tags:
            run.set_tags(tags)
        _push(run)
        return run
    if parent is None and stack:
        parent = stack[-1]
    run = ws.runs.start(experiment=experiment, name=name, tags=tags, parent=parent)
    run.add_end_callback(_pop)
    _push(run)
    return run


def active_run() -> Run | None:
    """The innermost active run of this context, or None.

    Example:
        >>> with yard.start_run() as run:
        ...     assert yard.active_run() is run
    """
    stack = _active_runs.get()
    return stack[-1] if stack else None


def end_run(status: RunStatus | str = "Finished") -> None:
    """End the active run (flushing its metrics). Does nothing when no run is active.

    Example:
        >>> run = yard.start_run()
        >>> yard.end_run()
    """
    run = active_run()
    if run is not None:
        run.end(status)


def _run() -> Run:
    """The active run; starting one (or attaching to the job's run) when there is none."""
    stack = _active_runs.get()
    if stack:
        return stack[-1]
    return start_run()


# ---------------------------------------------------------------------- logging
def log_param(key: str, value: Any) -> None:
    """Log a parameter to the active run (starting one if needed).

    Raises:
        InvalidArgument: the key was already logged with a different value.

    Example:
        >>> yard.log_param("lr", 0.01)
    """
    _run().log_param(key, value)


def log_params(params: Mapping[str, Any]) -> None:
    """Log several parameters to the active run. Example: ``yard.log_params({"lr": 0.1})``."""
    _run().log_params(params)


def log_metric(key: str, value: float, step: int | None = None, *, timestamp: int | None = None) -> None:
    """Log a metric point to the active run (buffered; the step defaults to the key's next).

    Example:
        >>> for epoch in range(10):
        ...     yard.log_metric("loss", 1 / (epoch + 1))
    """
    stack = _active_runs.get()
    (stack[-1] if stack else _run()).log_metric(key, value, step, timestamp=timestamp)


def log_metrics(metrics: Mapping[str, float], step: int | None = None, *, timestamp: int | None = None) -> None:
    """Log several metrics to the active run. Example: ``yard.log_metrics({"acc": .9, "f1": .8})``."""
    _run().log_metrics(metrics, step, timestamp=timestamp)


def set_tag(key: str, value: Any) -> None:
    """Set a tag on the active run. Example: ``yard.set_tag("team", "vision")``."""
    _run().set_tag(key, value)


def set_tags(tags: Mapping[str, Any]) -> None:
    """Set several tags on the active run. Example: ``yard.set_tags({"a": "1"})``."""
    _run().set_tags(tags)


def log_artifact(local_path: str | os.PathLike[str], artifact_path: str | None = None) -> None:
    """Upload a file or folder to the active run. Example: ``yard.log_artifact("model.pkl")``."""
    _run().log_artifact(local_path, artifact_path)


def log_artifacts(local_dir: str | os.PathLike[str], artifact_path: str | None = None) -> None:
    """Upload a folder's contents to the active run. Example: ``yard.log_artifacts("out/")``."""
    _run().log_artifacts(local_dir, artifact_path)


def log_text(text: str, artifact_file: str) -> None:
    """Save text as an artifact. Example: ``yard.log_text("ok", "notes/status.txt")``."""
    _run().log_text(text, artifact_file)


def log_dict(dictionary: Any, artifact_file: str) -> None:
    """Save a dict as JSON or YAML (by extension). Example: ``yard.log_dict(cfg, "cfg.yaml")``."""
    _run().log_dict(dictionary, artifact_file)


def log_figure(figure: Any, artifact_file: str) -> None:
    """Save a matplotlib figure (.png, .svg...). Example: ``yard.log_figure(fig, "roc.png")``."""
    _run().log_figure(figure, artifact_file)


def log_table(data: Any, artifact_file: str) -> None:
    """Save a DataFrame as .json, .csv or .parquet. Example: ``yard.log_table(df, "preds.csv")``."""
    _run().log_table(data, artifact_file)


def flush() -> None:
    """Send every buffered metric point of the current workspace; raise if that fails.

    Example:
        >>> yard.log_metric("acc", 0.9); yard.flush()
    """
    ws = _workspace.get() or _default.get().workspace
    if ws is not None:
        ws.flush()



# ---------------------------------------------------------------------- models
def log_model(
    model: Any,
    name: str = "model",
    signature: Any = None,
    input_example: Any = None,
    *,
    artifacts: Mapping[str, str] | None = None,
    model_config: Mapping[str, Any] | None = None,
    requirements: list[str] | None = None,
    registered_model_name: str | None = None,
) -> Any:
    """Save a model (scikit-learn, XGBoost, LightGBM, PyTorch, ONNX or a ``yard.PythonModel``)
    into the active run's artifacts under ``name``, with its ``MLmodel`` descriptor.

    Without an active run, a run is started for it and ended afterwards. The signature is
    inferred from ``input_example`` when not given.

    Returns:
        A :class:`~modelyard.models.operations.ModelInfo` whose ``model_uri`` is
        ``runs:/RUN_ID/NAME``.

    Example:
        >>> with yard.start_run():
        ...     info = yard.log_model(clf, "model", input_example=X[:5])
        >>> yard.load_model(info.model_uri).predict(X[:5])
    """
    from modelyard.models.operations import log_model_to_run

    kwargs: dict[str, Any] = {
        "name": name, "signature": signature, "input_example": input_example, "artifacts": artifacts,
        "model_config": model_config, "requirements": requirements,
        "registered_model_name": registered_model_name,
    }
    run = active_run()
    if run is not None:
        return log_model_to_run(run, model, **kwargs)
    with start_run() as new_run:
        return log_model_to_run(new_run, model, **kwargs)


def load_model(uri: str) -> Any:
    """Load a model from ``runs:/ID/path``, ``models:/name/3``, ``models:/name@alias``,
    ``models:/name/latest`` or a local folder, from the current workspace.

    Returns:
        A :class:`~modelyard.models.packaging.LoadedModel` (``.predict(df)``, ``.unwrap()``).

    Example:
        >>> model = yard.load_model("models:/churn@production")
        >>> model.predict(frame)
    """
    return get_workspace().models.load(uri)
