"""``modelyard data create|list|show|download|archive|restore|profile|preview`` and
``modelyard datastore create|list|show|delete``: parse, one SDK call, render."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from modelyard.cli import render
from modelyard.cli._errors import handle_errors
from modelyard.cli._options import OutputOpt
from modelyard.cli._state import workspace
from modelyard.cli.render import Output

if TYPE_CHECKING:
    from modelyard.data.entities import Datastore, DataVersion

data_app = typer.Typer(help="Versioned data assets: create, list, show, download, archive, profile, preview.",
                       no_args_is_help=True)
datastore_app = typer.Typer(help="Datastores: local folders, S3 buckets, SQL databases.",
                            no_args_is_help=True)

RefArg = Annotated[str, typer.Argument(help="NAME:VERSION, NAME@latest or NAME.", show_default=False)]
FileOpt = Annotated[Path, typer.Option("--file", "-f", help="A YAML spec.", show_default=False)]
SetOpt = Annotated[list[str] | None, typer.Option("--set", help="KEY=VALUE override, repeatable.")]

_COLUMNS = [
    ("NAME", lambda v: v.name),
    ("VERSION", lambda v: v.version),
    ("TYPE", lambda v: v.type),
    ("ROWS", lambda v: v.row_count),
    ("SIZE", lambda v: v.size_bytes),
    ("CREATED", lambda v: v.created_at),
    ("ARCHIVED", lambda v: "yes" if v.archived else ""),
    ("DESCRIPTION", lambda v: v.description),
]
_DS_COLUMNS = [
    ("NAME", lambda d: d.name),
    ("TYPE", lambda d: d.type),
    ("LOCATION", lambda d: d.config.get("path") or d.config.get("bucket") or d.config.get("url")
     or f"${d.config.get('url_env')}"),
    ("DESCRIPTION", lambda d: d.description),
]


def _overrides(pairs: list[str] | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise typer.BadParameter(f"expected KEY=VALUE, got {pair!r}", param_hint="--set")
        out[key] = value
    return out


def _version_plain(v: DataVersion, lineage: list[Any] | None = None) -> dict[str, Any]:
    plain = render.to_plain(v)
    plain["ref"] = v.ref
    if lineage is not None:
        plain["lineage"] = render.to_plain(lineage)
    return plain


def _show(v: DataVersion, output: Output, lineage: list[Any] | None = None) -> None:
    if output is not Output.table:
        render.render_object(_version_plain(v, lineage), output)
        return
    rows: list[tuple[str, Any]] = [
        ("ref", v.ref), ("type", v.type), ("source", v.source), ("storage", v.storage),
        ("content_hash", v.content_hash), ("size_bytes", v.size_bytes), ("files", v.file_count),
        ("rows", v.row_count), ("created", v.created_at), ("archived", v.archived),
        ("description", v.description),
        *((f"tags.{k}", val) for k, val in sorted(v.tags.items())),
        *((f"columns.{k}", t) for k, t in (v.columns or {}).items()),
        *((f"{e.direction}", f"run {e.run_id}") for e in (lineage or [])),
    ]
    render.render_object(v, output, rows=rows)


@data_app.command("create")
@handle_errors
def data_create(ctx: typer.Context, file: FileOpt, set_: SetOpt = None,
                output: OutputOpt = Output.table) -> None:
    """Register a new data asset version from a YAML spec."""
    v = workspace(ctx).data.create_from_yaml(file, **_overrides(set_))
    _show(v, output)


@data_app.command("list")
@handle_errors
def data_list(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Argument(help="List this asset's versions.")] = None,
    all_: Annotated[bool, typer.Option("--all", "-a", help="Include archived versions.")] = False,
    output: OutputOpt = Output.table,
) -> None:
    """List data assets (their newest versions), or every version of NAME."""
    items = workspace(ctx).data.list(name, include_archived=all_)
    render.render_list(items, output, columns=_COLUMNS, title="Data", plain=_version_plain)


@data_app.command("show")
@handle_errors
def data_show(ctx: typer.Context, ref: RefArg, output: OutputOpt = Output.table) -> None:
    """Show one version with the runs that read and wrote it."""
    ws = workspace(ctx)
    v = ws.data.get_ref(ref)
    _show(v, output, ws.data.lineage(v.name, v.version))


@data_app.command("download")
@handle_errors
def data_download(
    ctx: typer.Context, ref: RefArg,
    dest: Annotated[Path, typer.Option("--download-path", "-p", help="Folder to write into.")] = Path("."),
) -> None:
    """Download a version's files into a folder named NAME-VERSION under the destination."""
    ws = workspace(ctx)
    v = ws.data.get_ref(ref)
    folder = ws.data.download(v.name, v.version, dest / f"{v.name}-{v.version}")
    render.message(f"Downloaded {v.ref} to {folder}")


@data_app.command("archive")
@handle_errors
def data_archive(ctx: typer.Context, ref: RefArg) -> None:
    """Archive one version (NAME:VERSION) or every version (NAME)."""
    from modelyard.data.assets import parse_ref

    name, version = parse_ref(ref)
    workspace(ctx).data.archive(name, version)
    render.message(f"Archived {name}{':' + version if version else ' (all versions)'}")


@data_app.command("restore")
@handle_errors
def data_restore(ctx: typer.Context, ref: RefArg) -> None:
    """Undo an archive."""
    from modelyard.data.assets import parse_ref

    name, version = parse_ref(ref)
    workspace(ctx).data.restore(name, version)
    render.message(f"Restored {name}{':' + version if version else ' (all versions)'}")


@data_app.command("profile")
@handle_errors
def data_profile(ctx: typer.Context, ref: RefArg, output: OutputOpt = Output.table) -> None:
    """Show the profile of a table version (computed once, then cached)."""
    ws = workspace(ctx)
    v = ws.data.get_ref(ref)
    profile = ws.data.profile(v.name, v.version)
    if output is not Output.table:
        from modelyard.data.schemas import profile_to_wire

        render.render_object(profile_to_wire(profile), output)
        return
    columns = [
        ("COLUMN", lambda c: c.name), ("TYPE", lambda c: c.type),
        ("MISSING", lambda c: f"{c.missing_share:.1%}"),
        ("DISTINCT", lambda c: c.distinct_count if c.distinct_exact else f"~{c.distinct_count}"),
        ("MIN", lambda c: c.min), ("MAX", lambda c: c.max), ("MEAN", lambda c: c.mean),
        ("STD", lambda c: c.std),
        ("TOP", lambda c: ", ".join(f"{val} ({n})" for val, n in (c.top_values or [])[:3])),
    ]
    render.render_list(profile.columns, output, columns=columns,
                       title=f"{v.ref}: {profile.row_count} rows")


@data_app.command("preview")
@handle_errors
def data_preview(
    ctx: typer.Context,
    ref: RefArg,
    rows: Annotated[int, typer.Option("--rows", "-n", help="How many rows (1 to 1000).")] = 20,
    output: OutputOpt = Output.table,
) -> None:
    """Show the first rows of a table version."""
    ws = workspace(ctx)
    v = ws.data.get_ref(ref)
    preview = ws.data.preview(v.name, v.version, rows=rows)
    if output is not Output.table:
        from modelyard.data.schemas import preview_to_wire

        render.render_object(preview_to_wire(preview), output)
        return
    columns = [(name, lambda r, i=i: r[i]) for i, name in enumerate(preview.columns)]
    more = ", more follow" if preview.truncated else ""
    render.render_list(preview.rows, output, columns=columns,
                       title=f"{v.ref}: first {len(preview.rows)} rows{more}")


# ---------------------------------------------------------------- datastores
def _show_ds(ds: Datastore, output: Output) -> None:
    rows = [("name", ds.name), ("type", ds.type), ("created", ds.created_at),
            ("description", ds.description),
            *((f"config.{k}", v) for k, v in sorted(ds.config.items())),
            *((f"tags.{k}", v) for k, v in sorted(ds.tags.items()))]
    render.render_object(ds, output, rows=rows)


@datastore_app.command("create")
@handle_errors
def datastore_create(ctx: typer.Context, file: FileOpt, output: OutputOpt = Output.table) -> None:
    """Register a datastore from a YAML spec (secrets come from the environment)."""
    _show_ds(workspace(ctx).datastores.create_from_yaml(file), output)


@datastore_app.command("list")
@handle_errors
def datastore_list(ctx: typer.Context, output: OutputOpt = Output.table) -> None:
    """List datastores."""
    render.render_list(workspace(ctx).datastores.list(), output, columns=_DS_COLUMNS, title="Datastores")


@datastore_app.command("show")
@handle_errors
def datastore_show(ctx: typer.Context, name: Annotated[str, typer.Argument(help="Datastore name.")],
                   output: OutputOpt = Output.table) -> None:
    """Show one datastore."""
    _show_ds(workspace(ctx).datastores.get(name), output)


@datastore_app.command("delete")
@handle_errors
def datastore_delete(ctx: typer.Context, name: Annotated[str, typer.Argument(help="Datastore name.")]) -> None:
    """Remove a datastore (refused while a data version reads from it)."""
    workspace(ctx).datastores.delete(name)
    render.message(f"Deleted datastore {name}")
