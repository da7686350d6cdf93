"""What the global options set up for every command: the workspace location, opened lazily."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from modelyard.sdk.workspace import Workspace
    from modelyard.settings import Settings

__all__ = ["CliState", "settings", "workspace"]


class CliState:
    """Holds ``--workspace`` and the Workspace opened from it (closed when the CLI exits)."""

    def __init__(self, location: str | None) -> None:
        self.location = location
        self._settings: Settings | None = None
        self._workspace: Workspace | None = None

    def settings(self) -> Settings:
        if self._settings is None:
            from modelyard.settings import Settings

            self._settings = Settings()
            if self.location:
                self._settings = self._settings.model_copy(update={"workspace": self.location})
        return self._settings

    def workspace(self) -> Workspace:
        if self._workspace is None:
            from modelyard.sdk.workspace import Workspace

            self._workspace = Workspace(self.location, settings=self.settings())
        return self._workspace

    def close(self) -> None:
        if self._workspace is not None:
            ws, self._workspace = self._workspace, None
            ws.close()


def _state(ctx: typer.Context) -> CliState:
    root = ctx.find_root()
    if not isinstance(root.obj, CliState):
        root.obj = CliState(None)
    return root.obj


def workspace(ctx: typer.Context) -> Workspace:
    """The workspace named by ``--workspace``/``MODELYARD_WORKSPACE`` (or the default)."""
    return _state(ctx).workspace()


def settings(ctx: typer.Context) -> Settings:
    """The settings, with ``--workspace`` applied."""
    return _state(ctx).settings()
