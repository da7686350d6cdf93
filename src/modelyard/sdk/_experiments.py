"""``Workspace.experiments``: create, get, find, list, update, delete, restore, tag."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from modelyard.errors import AlreadyExists, NotFound

if TYPE_CHECKING:
    from modelyard.sdk.workspace import Workspace
    from modelyard.tracking.entities import Experiment

__all__ = ["Experiments"]

_PAGE = 1000


class Experiments:
    """Operations on the experiments of a workspace (``ws.experiments``).

    Methods that take ``experiment`` accept an experiment id or an exact name.
    """

    def __init__(self, workspace: Workspace) -> None:
        self._ws = workspace

    def create(
        self, name: str, *, description: str | None = None, tags: Mapping[str, str] | None = None
    ) -> Experiment:
        """Create an experiment.

        Args:
            name: a unique name.
            description: free text shown in the Studio.
            tags: initial tags.

        Raises:
            AlreadyExists: the name is taken (also by a deleted experiment).
            InvalidArgument: the name is empty or too long.

        Example:
            >>> ws.experiments.create("churn", tags={"team": "growth"}).name
            'churn'
        """
        return self._ws.tracking_store.create_experiment(
            name, description=description, tags=dict(tags) if tags else None
        )

    def get(self, experiment: str) -> Experiment:
        """Return an experiment (active or deleted) by id or name.

        Raises:
            NotFound: no experiment has that id or name.

        Example:
            >>> ws.experiments.get("churn").id == ws.experiments.find("churn").id
            True
        """
        store = self._ws.tracking_store
        try:
            return store.get_experiment(experiment)
        except NotFound:
            found = store.find_experiment(experiment)
            if found is None:
                raise NotFound(f"no experiment with id or name {experiment!r}") from None
            return found

    def find(self, name: str) -> Experiment | None:
        """Return the experiment with exactly that name, or None.

        Example:
            >>> ws.experiments.find("no such thing") is None
            True
        """
        return self._ws.tracking_store.find_experiment(name)

    def get_or_create(self, name: str) -> Experiment:
        """Return the experiment called ``name``, creating it if missing (race-safe).

        Example:
            >>> ws.experiments.get_or_create("Default").name
            'Default'
        """
        store = self._ws.tracking_store
        found = store.find_experiment(name)
        if found is not None:
            return found
        try:
            return store.create_experiment(name)
        except AlreadyExists:
            found = store.find_experiment(name)
            if found is None:  # pragma: no cover - deleted between the two calls
                raise
            return found

    def list(self, *, include_deleted: bool = False, max_results: int | None = None) -> list[Experiment]:
        """List experiments, newest first.

        Args:
            include_deleted: also list deleted experiments.
            max_results: at most this many (default: all).

        Example:
            >>> [e.name for e in ws.experiments.list()]
            ['churn', 'Default']
        """
        store = self._ws.tracking_store
        out: list[Experiment] = []
        token: str | None = None
        while True:
            want = _PAGE if max_results is None else min(_PAGE, max_results - len(out))
            if want <= 0:
                break
            page = store.list_experiments(include_deleted=include_deleted, max_results=want, page_token=token)
            out.extend(page.experiments)
            token = page.next_page_token
            if not token:
                break
        return out

    def update(self, experiment: str, *, name: str | None = None, description: str | None = None) -> Experiment:
        """Rename an experiment and/or change its description.

        Raises:
            NotFound; AlreadyExists when the new name is taken.

        Example:
            >>> ws.experiments.update("churn", name="churn-v2").name
            'churn-v2'
        """
        exp = self.get(experiment)
        return self._ws.tracking_store.update_experiment(exp.id, name=name, description=description)

    def set_tag(self, experiment: str, key: str, value: str) -> None:
        """Set one tag of an experiment.

        Example:
            >>> ws.experiments.set_tag("churn", "team", "growth")
        """
        exp = self.get(experiment)
        self._ws.tracking_store.set_experiment_tag(exp.id, key, str(value))

    def delete(self, experiment: str) -> None:
        """Delete an experiment and its runs (restorable until ``modelyard gc``).

        Raises:
            NotFound; InvalidState if it is already deleted.

        Example:
            >>> ws.experiments.delete("churn")
        """
        exp = self.get(experiment)
        self._ws.tracking_store.delete_experiment(exp.id)

    def restore(self, experiment: str) -> None:
        """Restore a deleted experiment and the runs deleted with it.

        Raises:
            NotFound; InvalidState if it is not deleted.

        Example:
            >>> ws.experiments.restore("churn")
        """
        exp = self.get(experiment)
        self._ws.tracking_store.restore_experiment(exp.id)
