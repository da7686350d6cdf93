"""``Workspace.runs``: start, get, search, compare, delete and restore runs; histories and
artifacts."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from modelyard.errors import InvalidArgument, NotFound
from modelyard.sdk._compare import RunComparison, compare_runs

if TYPE_CHECKING:
    from modelyard.sdk.run import Run as RunHandle
    from modelyard.sdk.workspace import Workspace
    from modelyard.tracking.entities import ArtifactInfo, Metric, Run

__all__ = ["Runs", "artifact_key"]

_PAGE = 1000


def artifact_key(run: Run, path: str = "") -> str:
    """The artifact-store key of ``path`` inside a run's artifact folder."""
    base = run.artifact_location.strip("/")
    path = path.strip("/")
    return f"{base}/{path}" if path else base


class Runs:
    """Operations on the runs of a workspace (``ws.runs``)."""

    def __init__(self, workspace: Workspace) -> None:
        self._ws = workspace

    # ------------------------------------------------------------------ create
    def start(
        self,
        *,
        experiment: str | None = None,
        name: str | None = None,
        tags: Mapping[str, str] | None = None,
        parent: str | RunHandle | None = None,
    ) -> RunHandle:
        """Create a Running run and return its :class:`~modelyard.Run` handle.

        Git and environment information are captured (unless
        ``settings.tracking.capture_source`` is off). Use the handle as a context manager
        to end the run (Finished, or Failed with the error if the block raises).

        Args:
            experiment: an experiment name, created if missing. Default: the parent's
                experiment, else ``"Default"``.
            name: a display name (default: generated).
            tags: initial tags.
            parent: the parent run (a handle or a run id) for a nested run.

        Example:
            >>> with ws.runs.start(experiment="churn", name="rf") as run:
            ...     run.log_param("n_estimators", 200)
        """
        from modelyard.sdk.run import Run as RunHandle
        from modelyard.tracking.store import DEFAULT_EXPERIMENT_NAME

        store = self._ws.tracking_store
        parent_id: str | None = None
        experiment_id: str | None = None
        if parent is not None:
            parent_id = parent if isinstance(parent, str) else parent.id
            if experiment is None:
                experiment_id = store.get_run(parent_id).experiment_id
        if experiment_id is None:
            experiment_id = self._ws.experiments.get_or_create(experiment or DEFAULT_EXPERIMENT_NAME).id
        source = None
        if self._ws.settings.tracking.capture_source:
            from modelyard.sdk._capture import capture_source

            source = capture_source(environment=self._ws._static_environment())
        entity = store.create_run(
            experiment_id,
            name=name,
            parent_id=parent_id,
            tags={k: str(v) for k, v in tags.items()} if tags else None,
            source=source,
        )
        return RunHandle(self._ws, entity)

    def attach(self, run_id: str, *, owned: bool = False) -> RunHandle:
        """Return a handle to an existing run, to log to it.

        Args:
            run_id: the run.
            owned: if True, leaving the handle's ``with`` block ends the run; if False
                (default) it only flushes.

        Raises:
            NotFound: no such run.

        Example:
            >>> ws.runs.attach(run_id).log_metric("late_metric", 1.0)
        """
        from modelyard.sdk.run import Run as RunHandle

        return RunHandle(self._ws, self._ws.tracking_store.get_run(run_id), owned=owned)

    # ------------------------------------------------------------------ read
    def get(self, run_id: str) -> Run:
        """Return a run with its params, tags and metric summaries.

        Raises:
            NotFound: no such run.

        Example:
            >>> ws.runs.get(run_id).status
            <RunStatus.FINISHED: 'Finished'>
        """
        return self._ws.tracking_store.get_run(run_id)

    def search(
        self,
        filter: str | None = None,
        *,
        experiment: str | Sequence[str] | None = None,
        order_by: str | Sequence[str] | None = None,
        max_results: int | None = None,
        include_deleted: bool = False,
    ) -> list[Run]:
        """Search runs with the filter language.

        Args:
            filter: e.g. ``"metrics.acc > 0.9 and params.model = 'rf' and tags.team = 'x'"``.
            experiment: an experiment name or id, or a list of them (default: all active).
            order_by: ``"metrics.acc DESC"`` or a list of such entries.
            max_results: at most this many runs (default: all matching).
            include_deleted: also return deleted runs.

        Raises:
            FilterSyntaxError: the filter or an order_by entry does not parse.
            NotFound: an experiment does not exist.

        Example:
            >>> best = ws.runs.search("params.model = 'rf'", order_by="metrics.acc DESC",
            ...                       max_results=1)
        """
        if max_results is not None and max_results < 1:
            raise InvalidArgument(f"max_results must be at least 1, got {max_results}")
        experiment_ids = None
        if experiment is not None:
            names = [experiment] if isinstance(experiment, str) else list(experiment)
            experiment_ids = [self._ws.experiments.get(e).id for e in names]
        orders = [order_by] if isinstance(order_by, str) else (list(order_by) if order_by else None)
        store = self._ws.tracking_store
        out: list[Run] = []
        token: str | None = None
        while True:
            want = _PAGE if max_results is None else min(_PAGE, max_results - len(out))
            if want <= 0:
                break
            page = store.search_runs(
                experiment_ids=experiment_ids,
                filter=filter or None,
                order_by=orders,
                max_results=want,
                page_token=token,
                include_deleted=include_deleted,
            )
            out.extend(page.runs)
            token = page.next_page_token
            if not token:
                break
        return out

    def metric_history(
        self,
        run_id: str,
        key: str,
        *,
        max_points: int | None = None,
        min_step: int | None = None,
        max_step: int | None = None,
    ) -> list[Metric]:
        """Every point of one metric of a run, ordered by step.

        With ``max_points``, a longer history is downsampled in the store for charts: each
        of equal step buckets keeps its lowest and highest point, plus the first and last.
        ``min_step`` / ``max_step`` (inclusive) keep only that range of steps (a zoom).

        Raises:
            NotFound: no such run (a key never logged gives an empty list).
            InvalidArgument: ``max_points`` below 4, or ``min_step`` above ``max_step``.

        Example:
            >>> [m.value for m in ws.runs.metric_history(run_id, "loss")][:3]
            [0.9, 0.5, 0.3]
        """
        return self._ws.tracking_store.get_metric_history(
            run_id, key, max_points=max_points, min_step=min_step, max_step=max_step
        )

    def compare(self, run_ids: Iterable[str]) -> RunComparison:
        """Put runs side by side: attributes, params and latest metrics, one row per key.

        Raises:
            NotFound: a run does not exist.
            InvalidArgument: no run ids were given.

        Example:
            >>> table = ws.runs.compare([a, b])
            >>> [row.key for row in table.rows if row.differs]
            ['params.lr', 'metrics.acc']
        """
        ids = list(dict.fromkeys(run_ids))
        if not ids:
            raise InvalidArgument("compare needs at least one run id")
        runs = [self.get(run_id) for run_id in ids]
        names: dict[str, str] = {}
        for run in runs:
            if run.experiment_id not in names:
                try:
                    names[run.experiment_id] = self._ws.tracking_store.get_experiment(run.experiment_id).name
                except NotFound:
                    names[run.experiment_id] = run.experiment_id
        return compare_runs(runs, experiment_names=names)

    # ------------------------------------------------------------------ artifacts
    def list_artifacts(self, run_id: str, path: str = "", *, recursive: bool = False) -> list[ArtifactInfo]:
        """List a run's artifacts under ``path`` (paths relative to ``path``).

        Raises:
            NotFound: no such run.

        Example:
            >>> [a.path for a in ws.runs.list_artifacts(run_id)]
            ['confusion_matrix.png', 'report.json']
        """
        run = self.get(run_id)
        return self._ws.artifact_store.list(artifact_key(run, path), recursive=recursive)

    def download_artifacts(
        self, run_id: str, path: str = "", *, dest: str | os.PathLike[str] = "."
    ) -> Path:
        """Download a run's artifact file or folder (default: all of them) into ``dest``.

        Returns:
            The local path of the downloaded file or folder (a folder named after the run
            when ``path`` is empty).

        Raises:
            NotFound: no such run or artifact.

        Example:
            >>> ws.runs.download_artifacts(run_id, "report.json", dest="out")
            PosixPath('out/report.json')
        """
        run = self.get(run_id)
        key = artifact_key(run, path)
        store = self._ws.artifact_store
        if store.info(key) is None:
            what = f"artifact {path!r}" if path.strip("/") else "any artifacts"
            raise NotFound(f"run {run_id} has no {what}")
        return store.download(key, Path(dest))

    # ------------------------------------------------------------------ lifecycle
    def delete(self, run_id: str) -> None:
        """Delete a run and its child runs (restorable until ``modelyard gc``).

        Raises:
            NotFound; InvalidState if it is already deleted.

        Example:
            >>> ws.runs.delete(run_id)
        """
        self._ws.tracking_store.delete_run(run_id)

    def restore(self, run_id: str) -> None:
        """Restore a deleted run.

        Raises:
            NotFound; InvalidState if it is not deleted.

        Example:
            >>> ws.runs.restore(run_id)
        """
        self._ws.tracking_store.restore_run(run_id)
