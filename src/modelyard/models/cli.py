"""``modelyard model create|list|show|download|update|archive|restore|delete|export|package``:
parse, one SDK call, render.

A model spec (``model create -f model.yml``)::

    $schema: https://azuremlschemas.azureedge.net/latest/model.schema.json   # ignored
    name: churn
    path: runs:/9a1b.../model        # or a folder, relative to the YAML file
    description: logistic regression
    tags: {team: growth}
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from modelyard.cli import render
from modelyard.cli._errors import handle_errors
from modelyard.cli._options import OutputOpt, parse_pairs
from modelyard.cli._state import workspace
from modelyard.cli.render import Output

if TYPE_CHECKING:
    from modelyard.models.entities import ModelVersion

model_app = typer.Typer(help="Registered models: create, list, show, download, update, archive, export.",
                        no_args_is_help=True)

RefArg = Annotated[str, typer.Argument(help="NAME, NAME:VERSION, NAME@ALIAS or models:/...", show_default=False)]
TagOpt = Annotated[list[str] | None, typer.Option("--tag", help="KEY=VALUE, repeatable.")]

_COLUMNS = [
    ("NAME", lambda v: v.name), ("VERSION", lambda v: v.version), ("FLAVORS", lambda v: ", ".join(v.flavors)),
    ("ALIASES", lambda v: ", ".join(v.aliases)), ("RUN", lambda v: v.run_id),
    ("CREATED", lambda v: v.created_at), ("ARCHIVED", lambda v: "yes" if v.archived else ""),
    ("DESCRIPTION", lambda v: v.description),
]
_MODEL_COLUMNS = [
    ("NAME", lambda m: m.name), ("LATEST", lambda m: m.latest_version),
    ("ALIASES", lambda m: ", ".join(f"{a}={v}" for a, v in m.aliases.items())),
    ("UPDATED", lambda m: m.updated_at), ("DESCRIPTION", lambda m: m.description),
]


def _plain(v: ModelVersion) -> dict[str, Any]:
    from modelyard.models.schemas import version_to_wire

    return version_to_wire(v)


def _show(v: ModelVersion, output: Output) -> None:
    if output is not Output.table:
        render.render_object(_plain(v), output)
        return
    rows: list[tuple[str, Any]] = [
        ("uri", v.uri), ("flavors", ", ".join(v.flavors)), ("aliases", ", ".join(v.aliases)),
        ("source", v.source), ("run", v.run_id), ("created", v.created_at), ("archived", v.archived),
        ("description", v.description), *((f"tags.{k}", val) for k, val in sorted(v.tags.items())),
    ]
    render.render_object(v, output, rows=rows)


def _resolve(ws: Any, ref: str) -> ModelVersion:
    from modelyard.models.registry import resolve_version
    from modelyard.models.uri import parse_model_uri

    if ref.startswith("models:") or ":" in ref:
        return resolve_version(ws.models.store, ref if ref.startswith("models:") else parse_model_uri(ref))
    if "@" in ref:
        name, alias = ref.split("@", 1)
        return ws.models.get(name, alias=alias)
    return ws.models.get(ref)


@model_app.command("create")
@handle_errors
def model_create(
    ctx: typer.Context,
    file: Annotated[Path | None, typer.Option("--file", "-f", help="A model YAML spec.")] = None,
    name: Annotated[str | None, typer.Option("--name", "-n", help="The model name.")] = None,
    path: Annotated[str | None, typer.Option("--path", "-p", help="A model folder or runs:/ID/PATH.")] = None,
    description: Annotated[str | None, typer.Option("--description", "-d")] = None,
    tag: TagOpt = None,
    output: OutputOpt = Output.table,
) -> None:
    """Register the next version of a model from a YAML spec or --name and --path."""
    from modelyard.errors import InvalidArgument

    tags = parse_pairs(tag)
    if file is not None:
        import yaml

        if not Path(file).is_file():
            raise InvalidArgument(f"no such file: {file}")
        try:
            spec = yaml.safe_load(Path(file).read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as e:
            raise InvalidArgument(f"{file} is not valid YAML: {e}") from e
        if not isinstance(spec, dict):
            raise InvalidArgument(f"{file}: a model spec must be a mapping")
        name = name or spec.get("name")
        path = path or spec.get("path")
        description = description or spec.get("description")
        tags = {**{str(k): str(v) for k, v in (spec.get("tags") or {}).items()}, **tags}
        if path and not str(path).startswith(("runs:", "azureml:")) and not Path(str(path)).is_absolute():
            path = str(Path(file).parent / str(path))
    if not name or not path:
        raise InvalidArgument("a model needs a name and a path (--name/--path or in the YAML file)")
    v = workspace(ctx).models.create(name=str(name), path=str(path), description=description, tags=tags)
    _show(v, output)


@model_app.command("list")
@handle_errors
def model_list(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Argument(help="List this model's versions.")] = None,
    all_: Annotated[bool, typer.Option("--all", "-a", help="Include archived versions.")] = False,
    output: OutputOpt = Output.table,
) -> None:
    """List registered models, or every version of NAME."""
    ws = workspace(ctx)
    if name is None:
        from modelyard.models.schemas import model_to_wire

        render.render_list(ws.models.list(), output, columns=_MODEL_COLUMNS, title="Models", plain=model_to_wire)
        return
    render.render_list(ws.models.list(name, include_archived=all_), output, columns=_COLUMNS,
                       title=f"Versions of {name}", plain=_plain)


@model_app.command("show")
@handle_errors
def model_show(ctx: typer.Context, ref: RefArg, output: OutputOpt = Output.table) -> None:
    """Show one version (default: the latest)."""
    _show(_resolve(workspace(ctx), ref), output)


@model_app.command("download")
@handle_errors
def model_download(
    ctx: typer.Context, ref: RefArg,
    dest: Annotated[Path, typer.Option("--download-path", "-p", help="Folder to write into.")] = Path("."),
) -> None:
    """Download a version's files into NAME-VERSION under the destination."""
    ws = workspace(ctx)
    v = _resolve(ws, ref)
    folder = ws.models.download(v.name, v.version, dest=dest / f"{v.name}-{v.version}")
    render.message(f"Downloaded {v.uri} to {folder}")


@model_app.command("update")
@handle_errors
def model_update(
    ctx: typer.Context, ref: RefArg,
    description: Annotated[str | None, typer.Option("--description", "-d")] = None,
    tag: TagOpt = None,
    set_alias: Annotated[list[str] | None, typer.Option("--set-alias", help="Point ALIAS at this version.")] = None,
    remove_alias: Annotated[list[str] | None, typer.Option("--remove-alias", help="Remove ALIAS.")] = None,
    output: OutputOpt = Output.table,
) -> None:
    """Change a version's description, tags or aliases."""
    ws = workspace(ctx)
    v = _resolve(ws, ref)
    if description is not None or tag:
        ws.models.update(v.name, v.version, description=description, tags={**v.tags, **parse_pairs(tag)})
    for alias in set_alias or []:
        ws.models.set_alias(v.name, alias, v.version)
    for alias in remove_alias or []:
        ws.models.delete_alias(v.name, alias)
    _show(ws.models.get(v.name, version=v.version), output)


@model_app.command("archive")
@handle_errors
def model_archive(ctx: typer.Context, ref: RefArg) -> None:
    """Archive a version: hidden from latest and listings, still loadable by number."""
    ws = workspace(ctx)
    v = _resolve(ws, ref)
    ws.models.archive(v.name, v.version)
    render.message(f"Archived {v.uri}")


@model_app.command("restore")
@handle_errors
def model_restore(ctx: typer.Context, ref: RefArg) -> None:
    """Undo an archive (give NAME:VERSION)."""
    ws = workspace(ctx)
    v = _resolve(ws, ref)
    ws.models.archive(v.name, v.version, restore=True)
    render.message(f"Restored {v.uri}")


@model_app.command("delete")
@handle_errors
def model_delete(ctx: typer.Context, name: Annotated[str, typer.Argument(help="Model name.")],
                 yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask.")] = False) -> None:
    """Delete a model with every version."""
    if not yes:
        typer.confirm(f"Delete model {name} and all its versions?", abort=True)
    workspace(ctx).models.delete(name)
    render.message(f"Deleted model {name}")


@model_app.command("export")
@handle_errors
def model_export(
    ctx: typer.Context, ref: RefArg,
    format_: Annotated[str, typer.Option("--format", help="Export format (onnx).")] = "onnx",
    dest: Annotated[Path | None, typer.Option("--output-path", help="Write the folder here.")] = None,
    register_as: Annotated[str | None, typer.Option("--register", help="Register the export under this name.")] = None,
    output: OutputOpt = Output.table,
) -> None:
    """Export a scikit-learn, LightGBM or XGBoost model to ONNX, checked to predict the same."""
    import tempfile

    from modelyard.errors import InvalidArgument
    from modelyard.models.onnx_export import export_onnx

    if format_ != "onnx":
        raise InvalidArgument(f"unknown export format {format_!r}: use onnx")
    ws = workspace(ctx)
    v = _resolve(ws, ref)
    with tempfile.TemporaryDirectory(prefix="modelyard-export-") as tmp:
        source = ws.models.download(v.name, v.version, dest=Path(tmp) / "src")
        target = dest or Path(f"{v.name}-{v.version}-onnx")
        report = export_onnx(source, target)
    report["path"] = str(target)
    if register_as:
        report["registered"] = ws.models.create(name=register_as, path=target, tags={"exported_from": v.uri}).uri
    render.render_object(report, output)


@model_app.command("package")
@handle_errors
def model_package(
    ctx: typer.Context, ref: RefArg,
    format_: Annotated[str, typer.Option("--format", help="docker or kserve.")] = "docker",
    dest: Annotated[Path | None, typer.Option("--output-path", help="Write the build context here.")] = None,
) -> None:
    """Write a self-contained Docker build context or a KServe InferenceService manifest."""
    from modelyard.endpoints.package import package_model

    ws = workspace(ctx)
    v = _resolve(ws, ref)
    target = dest or Path(f"{v.name}-{v.version}-{format_}")
    folder = package_model(ws, v, target, format=format_)
    render.message(f"Wrote {format_} package of {v.uri} to {folder}")
