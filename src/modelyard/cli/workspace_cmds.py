"""Top-level commands: ``init``, ``server``, ``studio``, ``gc`` and ``demo``."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from modelyard.cli import render
from modelyard.cli._errors import handle_errors
from modelyard.cli._options import OutputOpt
from modelyard.cli._state import settings as cli_settings
from modelyard.cli._state import workspace
from modelyard.cli.render import Output

if TYPE_CHECKING:
    from modelyard.settings import Settings

__all__ = ["register"]


class Auth(str, Enum):
    none = "none"
    token = "token"


HostOpt = Annotated[str, typer.Option("--host", help="Address to listen on.")]
PortOpt = Annotated[int, typer.Option("--port", "-p", min=0, max=65535, help="Port to listen on.")]
StoreUrlOpt = Annotated[
    str | None, typer.Option("--store-url", help="SQLAlchemy URL of the store (default: the workspace's SQLite).")
]
ArtifactRootOpt = Annotated[
    str | None, typer.Option("--artifact-root", help="Artifact root (default: the workspace's artifacts/).")
]
AuthOpt = Annotated[Auth, typer.Option("--auth", help="none (local) or token.", case_sensitive=False)]
WorkersOpt = Annotated[int, typer.Option("--workers", min=1, help="Worker processes.")]
InsecureOpt = Annotated[
    bool, typer.Option("--allow-insecure", help="Allow a non-loopback address without authentication.")
]


def _server_settings(
    base: Settings,
    *,
    host: str,
    port: int,
    store_url: str | None = None,
    artifact_root: str | None = None,
    auth: Auth = Auth.none,
    workers: int = 1,
    allow_insecure: bool = False,
) -> Settings:
    from modelyard.errors import InvalidArgument
    from modelyard.location import resolve_location

    location = resolve_location(base.workspace)
    if location.is_remote:
        raise InvalidArgument(
            f"the workspace is a server URL ({location.url}); a server needs a workspace folder"
        )
    server = base.server.model_copy(
        update={"host": host, "port": port, "auth": auth.value, "workers": workers, "allow_insecure": allow_insecure}
    )
    update: dict[str, object] = {"server": server, "workspace": str(location.folder)}
    if store_url:
        update["store_url"] = store_url
    if artifact_root:
        update["artifact_root"] = artifact_root
    return base.model_copy(update=update)


def _configure_logging() -> None:
    import logging

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)


def _open_browser_when_up(url: str) -> None:
    """Open ``url`` in a browser once the server answers /healthz (in a daemon thread)."""
    import threading

    def wait_and_open() -> None:
        import time
        import webbrowser

        import httpx

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    webbrowser.open(url)
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)

    threading.Thread(target=wait_and_open, name="modelyard-open-browser", daemon=True).start()


def init(
    directory: Annotated[Path, typer.Argument(help="Folder to create .modelyard/ in.")] = Path("."),
) -> None:
    """Create an embedded workspace in DIR/.modelyard (DIR defaults to the current folder)."""
    from modelyard.location import init_workspace_folder
    from modelyard.sdk.workspace import Workspace

    folder = init_workspace_folder(directory.expanduser().resolve() / ".modelyard")
    with Workspace(folder) as ws:  # creates workspace.db with the current schema
        ws.tracking_store  # noqa: B018 - opening it migrates the database
    render.message(f"Initialized an empty Modelyard workspace in {folder}")


def server(
    ctx: typer.Context,
    host: HostOpt = "127.0.0.1",
    port: PortOpt = 8200,
    store_url: StoreUrlOpt = None,
    artifact_root: ArtifactRootOpt = None,
    auth: AuthOpt = Auth.none,
    workers: WorkersOpt = 1,
    allow_insecure: InsecureOpt = False,
) -> None:
    """Run the Modelyard server (REST API, MLflow-compatible API and the Studio)."""
    from modelyard.server.run import serve

    settings = _server_settings(
        cli_settings(ctx), host=host, port=port, store_url=store_url, artifact_root=artifact_root,
        auth=auth, workers=workers, allow_insecure=allow_insecure,
    )
    _configure_logging()
    serve(settings)


def studio(
    ctx: typer.Context,
    host: HostOpt = "127.0.0.1",
    port: PortOpt = 8200,
    no_browser: Annotated[bool, typer.Option("--no-browser", help="Do not open a browser.")] = False,
) -> None:
    """Start the server and open the Studio in a browser."""
    from modelyard.server.run import serve

    settings = _server_settings(cli_settings(ctx), host=host, port=port)
    _configure_logging()
    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"
    render.message(f"Modelyard Studio on {url} (workspace {settings.workspace})")
    if not no_browser:
        _open_browser_when_up(url)
    serve(settings)


def gc(
    ctx: typer.Context,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Report what would be removed; remove nothing.")] = False,
    upload_max_age: Annotated[float, typer.Option(
        "--upload-max-age", min=0.0,
        help="Hours an uncommitted data or model upload may stay idle before it is removed.")] = 24.0,
    output: OutputOpt = Output.table,
) -> None:
    """Remove deleted runs for good, with their artifacts, and abandoned data and model uploads."""
    from datetime import timedelta

    from modelyard.artifacts.gc import collect_garbage

    ws = workspace(ctx)
    remote = ws.location.is_remote  # a server's own workspace folder is collected there
    report = collect_garbage(ws.tracking_store, ws.artifact_store, dry_run=dry_run,
                             data_store=None if remote else ws.data.store,
                             model_store=None if remote else ws.models.store,
                             upload_max_age=timedelta(hours=upload_max_age))
    render.render_object(report, output, title="Garbage collection (dry run)" if dry_run else "Garbage collection")


def demo(
    ctx: typer.Context,
    host: HostOpt = "127.0.0.1",
    port: PortOpt = 8200,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="Only fill the workspace.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Add the example runs even if they exist.")] = False,
) -> None:
    """Fill the workspace with example work (real training runs), then start the Studio."""
    from modelyard.cli.demo import fill_workspace

    ws = workspace(ctx)
    made = fill_workspace(ws, force=force, say=render.message)
    if made:
        render.message(f"Logged {len(made)} example runs to {ws.location}")
    if no_serve:
        return
    ws.close()
    studio(ctx, host=host, port=port, no_browser=True)


def register(app: typer.Typer) -> None:
    """Add the top-level commands to the root app."""
    app.command("init")(handle_errors(init))
    app.command("server")(handle_errors(server))
    app.command("studio")(handle_errors(studio))
    app.command("gc")(handle_errors(gc))
    app.command("demo")(handle_errors(demo))
