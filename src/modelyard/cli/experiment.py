"""``modelyard experiment create|list|show|update|delete|restore``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from modelyard.cli import render
from modelyard.cli._errors import handle_errors
from modelyard.cli._options import OutputOpt, parse_pairs
from modelyard.cli._state import workspace
from modelyard.cli.render import Output

if TYPE_CHECKING:
    from modelyard.tracking.entities import Experiment

app = typer.Typer(help="Create, list, show, update, delete and restore experiments.", no_args_is_help=True)

ExperimentArg = Annotated[str, typer.Argument(help="Experiment name or id.", show_default=False)]

_COLUMNS = [
    ("ID", lambda e: e.id),
    ("NAME", lambda e: e.name),
    ("STAGE", lambda e: e.lifecycle_stage),
    ("CREATED", lambda e: e.created_at),
    ("DESCRIPTION", lambda e: e.description),
]


def _show(exp: Experiment, output: Output) -> None:
    rows = [
        ("id", exp.id),
        ("name", exp.name),
        ("stage", exp.lifecycle_stage),
        ("created", exp.created_at),
        ("updated", exp.updated_at),
        ("description", exp.description),
        *((f"tags.{k}", v) for k, v in sorted(exp.tags.items())),
    ]
    render.render_object(exp, output, rows=rows)


@app.command("create")
@handle_errors
def create(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="A unique experiment name.")],
    description: Annotated[str | None, typer.Option("--description", "-d", help="Free text.")] = None,
    tag: Annotated[list[str] | None, typer.Option("--tag", "-t", help="KEY=VALUE, repeatable.")] = None,
    output: OutputOpt = Output.table,
) -> None:
    """Create an experiment."""
    tags = parse_pairs(tag)
    exp = workspace(ctx).experiments.create(name, description=description, tags=tags or None)
    _show(exp, output)


@app.command("list")
@handle_errors
def list_(
    ctx: typer.Context,
    all_: Annotated[bool, typer.Option("--all", "-a", help="Include deleted experiments.")] = False,
    max_results: Annotated[int | None, typer.Option("--max-results", min=1, help="At most this many.")] = None,
    output: OutputOpt = Output.table,
) -> None:
    """List experiments, newest first."""
    items = workspace(ctx).experiments.list(include_deleted=all_, max_results=max_results)
    render.render_list(items, output, columns=_COLUMNS, title="Experiments")


@app.command("show")
@handle_errors
def show(ctx: typer.Context, experiment: ExperimentArg, output: OutputOpt = Output.table) -> None:
    """Show one experiment."""
    _show(workspace(ctx).experiments.get(experiment), output)


@app.command("update")
@handle_errors
def update(
    ctx: typer.Context,
    experiment: ExperimentArg,
    name: Annotated[str | None, typer.Option("--name", "-n", help="New name.")] = None,
    description: Annotated[str | None, typer.Option("--description", "-d", help="New description.")] = None,
    tag: Annotated[list[str] | None, typer.Option("--tag", "-t", help="KEY=VALUE to set, repeatable.")] = None,
    output: OutputOpt = Output.table,
) -> None:
    """Rename an experiment, change its description or set tags."""
    tags = parse_pairs(tag)
    if name is None and description is None and not tags:
        raise typer.BadParameter("nothing to change: give --name, --description or --tag")
    ws = workspace(ctx)
    exp = ws.experiments.get(experiment)
    if name is not None or description is not None:
        exp = ws.experiments.update(exp.id, name=name, description=description)
    for key, value in tags.items():
        ws.experiments.set_tag(exp.id, key, value)
    _show(ws.experiments.get(exp.id), output)


@app.command("delete")
@handle_errors
def delete(ctx: typer.Context, experiment: ExperimentArg) -> None:
    """Delete an experiment and its runs (restorable until `modelyard gc`)."""
    ws = workspace(ctx)
    exp = ws.experiments.get(experiment)
    ws.experiments.delete(exp.id)
    render.message(f"Deleted experiment {exp.name} ({exp.id})")


@app.command("restore")
@handle_errors
def restore(ctx: typer.Context, experiment: ExperimentArg) -> None:
    """Restore a deleted experiment and the runs deleted with it."""
    ws = workspace(ctx)
    exp = ws.experiments.get(experiment)
    ws.experiments.restore(exp.id)
    render.message(f"Restored experiment {exp.name} ({exp.id})")
