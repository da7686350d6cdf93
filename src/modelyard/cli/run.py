"""``modelyard run list|show|metrics|artifacts|download|compare|delete|restore``."""

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
    from modelyard.sdk.workspace import Workspace
    from modelyard.tracking.entities import Run

app = typer.Typer(help="List, inspect, compare, download, delete and restore runs.", no_args_is_help=True)

RunIdArg = Annotated[str, typer.Argument(help="Run id.", show_default=False)]
_TABLE_METRICS = 4


def _experiment_names(ws: Workspace, runs: list[Run]) -> dict[str, str]:
    from modelyard.errors import NotFound

    names: dict[str, str] = {}
    for r in runs:
        if r.experiment_id not in names:
            try:
                names[r.experiment_id] = ws.experiments.get(r.experiment_id).name
            except NotFound:
                names[r.experiment_id] = r.experiment_id
    return names


def run_to_dict(run: Run, experiment_name: str | None = None) -> dict[str, Any]:
    """A run as plain JSON-ready data (the shape of ``-o json``)."""
    data = render.to_plain(run)
    if experiment_name is not None:
        data = {"id": data.pop("id"), "experiment_name": experiment_name, **data}
    data["duration_seconds"] = run.duration_seconds
    return data


@app.command("list")
@handle_errors
def list_(
    ctx: typer.Context,
    experiment: Annotated[
        list[str] | None, typer.Option("--experiment", "-e", help="Experiment name or id (repeatable; default: all).")
    ] = None,
    filter_: Annotated[
        str | None, typer.Option("--filter", "-f", help="e.g. \"metrics.acc > 0.9 and params.model = 'rf'\".")
    ] = None,
    order_by: Annotated[
        list[str] | None, typer.Option("--order-by", help="e.g. 'metrics.acc DESC' (repeatable).")
    ] = None,
    max_results: Annotated[int | None, typer.Option("--max-results", "-n", min=1, help="At most this many runs.")] = None,
    all_: Annotated[bool, typer.Option("--all", "-a", help="Include deleted runs.")] = False,
    output: OutputOpt = Output.table,
) -> None:
    """List and search runs."""
    ws = workspace(ctx)
    runs = ws.runs.search(
        filter_, experiment=experiment or None, order_by=order_by or None, max_results=max_results, include_deleted=all_
    )
    names = _experiment_names(ws, runs)
    metric_keys = sorted({k for r in runs for k in r.metrics})[:_TABLE_METRICS]
    columns: list[tuple[str, Any]] = [
        ("ID", lambda r: r.id),
        ("EXPERIMENT", lambda r: names.get(r.experiment_id)),
        ("NAME", lambda r: r.name),
        ("STATUS", lambda r: r.status),
        ("STARTED", lambda r: r.start_time),
        ("DURATION", lambda r: _duration(r.duration_seconds)),
        *((k, (lambda r, k=k: r.metrics[k].latest if k in r.metrics else None)) for k in metric_keys),
    ]
    render.render_list(
        runs, output, columns=columns, title="Runs", plain=lambda r: run_to_dict(r, names.get(r.experiment_id))
    )


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, sec = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{sec:02d}s"


@app.command("show")
@handle_errors
def show(ctx: typer.Context, run_id: RunIdArg, output: OutputOpt = Output.table) -> None:
    """Show one run: attributes, source, params, metrics and tags."""
    ws = workspace(ctx)
    run = ws.runs.get(run_id)
    name = _experiment_names(ws, [run])[run.experiment_id]
    s = run.source
    rows: list[tuple[str, Any]] = [
        ("id", run.id),
        ("name", run.name),
        ("experiment", f"{name} ({run.experiment_id})"),
        ("status", run.status),
        ("kind", run.kind),
        ("parent", run.parent_id),
        ("started", run.start_time),
        ("ended", run.end_time),
        ("duration", _duration(run.duration_seconds)),
        ("stage", run.lifecycle_stage),
        ("artifacts", run.artifact_location),
        ("git", " ".join(x for x in (s.git_branch, (s.git_commit or "")[:12], "(dirty)" if s.git_dirty else "") if x)),
        ("git remote", s.git_remote),
        ("entry point", s.entry_point),
        ("user@host", f"{s.user or ''}@{s.host or ''}".strip("@")),
        ("python", s.python_version),
        *((f"params.{k}", v) for k, v in sorted(run.params.items())),
        *(
            (f"metrics.{k}", f"{render.fmt_value(m.latest)} (step {m.latest_step}, min {render.fmt_value(m.min)}, max {render.fmt_value(m.max)})")
            for k, m in sorted(run.metrics.items())
        ),
        *((f"tags.{k}", v) for k, v in sorted(run.tags.items())),
    ]
    if run.error:
        rows.append(("error", run.error.strip().splitlines()[0]))
    render.render_object(run_to_dict(run, name), output, rows=[(k, v) for k, v in rows if v not in (None, "")])


@app.command("metrics")
@handle_errors
def metrics(
    ctx: typer.Context,
    run_id: RunIdArg,
    key: Annotated[str | None, typer.Argument(help="A metric key: print its whole history.")] = None,
    min_step: Annotated[int | None, typer.Option("--min-step", help="History from this step on.")] = None,
    max_step: Annotated[int | None, typer.Option("--max-step", help="History up to this step.")] = None,
    max_points: Annotated[
        int | None, typer.Option("--max-points", help="Downsample a longer history (min/max buckets).")
    ] = None,
    output: OutputOpt = Output.table,
) -> None:
    """Print a run's metric summaries, or the history of one metric."""
    ws = workspace(ctx)
    if key is None:
        run = ws.runs.get(run_id)
        summaries = [run.metrics[k] for k in sorted(run.metrics)]
        render.render_list(
            summaries,
            output,
            title="Metrics",
            columns=[
                ("KEY", lambda m: m.key),
                ("LATEST", lambda m: m.latest),
                ("STEP", lambda m: m.latest_step),
                ("MIN", lambda m: m.min),
                ("MAX", lambda m: m.max),
                ("COUNT", lambda m: m.count),
            ],
        )
        return
    history = ws.runs.metric_history(
        run_id, key, max_points=max_points, min_step=min_step, max_step=max_step
    )
    if not history and min_step is None and max_step is None:
        from modelyard.errors import NotFound

        raise NotFound(f"run {run_id} has no metric {key!r}")
    render.render_list(
        history,
        output,
        title=f"History of {key}",
        columns=[("STEP", lambda m: m.step), ("VALUE", lambda m: m.value), ("TIMESTAMP", lambda m: m.timestamp)],
    )


@app.command("artifacts")
@handle_errors
def artifacts(
    ctx: typer.Context,
    run_id: RunIdArg,
    path: Annotated[str, typer.Argument(help="A folder inside the run's artifacts.")] = "",
    recursive: Annotated[bool, typer.Option("--recursive", "-r", help="List sub-folders too.")] = False,
    output: OutputOpt = Output.table,
) -> None:
    """List a run's artifacts."""
    items = workspace(ctx).runs.list_artifacts(run_id, path, recursive=recursive)
    render.render_list(
        items,
        output,
        title="Artifacts",
        columns=[("PATH", lambda a: a.path + ("/" if a.is_dir else "")), ("SIZE", lambda a: a.size)],
    )


@app.command("download")
@handle_errors
def download(
    ctx: typer.Context,
    run_id: RunIdArg,
    path: Annotated[str, typer.Argument(help="A file or folder inside the run's artifacts (default: all).")] = "",
    dest: Annotated[Path, typer.Option("--dest", "-d", help="Local folder to download into.")] = Path("."),
) -> None:
    """Download a run's artifacts (all, or one file or folder)."""
    local = workspace(ctx).runs.download_artifacts(run_id, path, dest=dest)
    render.message(str(local))


@app.command("compare")
@handle_errors
def compare(
    ctx: typer.Context,
    run_ids: Annotated[list[str], typer.Argument(help="Two or more run ids.", show_default=False)],
    only_diff: Annotated[bool, typer.Option("--diff", help="Only rows whose values differ.")] = False,
    output: OutputOpt = Output.table,
) -> None:
    """Compare runs side by side: attributes, params, latest metrics and tags."""
    comparison = workspace(ctx).runs.compare(run_ids)
    rows = [r for r in comparison.rows if r.differs or not only_diff]
    if output is not Output.table:
        data = comparison.to_dict()
        data["rows"] = [d for d in data["rows"] if d["differs"] or not only_diff]
        render.render_object(data, output)
        return
    from rich.table import Table
    from rich.text import Text

    table = Table(show_edge=False, header_style="bold")
    table.add_column("KEY", style="bold")
    for run_id in comparison.run_ids:
        table.add_column(run_id[:12], overflow="fold")
    for row in rows:
        cells = [render.fmt_value(v) for v in row.values]
        table.add_row(Text(row.key), *(Text(c, style="yellow" if row.differs else "") for c in cells))
    render.console().print(table)


@app.command("delete")
@handle_errors
def delete(ctx: typer.Context, run_id: RunIdArg) -> None:
    """Delete a run and its child runs (restorable until `modelyard gc`)."""
    workspace(ctx).runs.delete(run_id)
    render.message(f"Deleted run {run_id}")


@app.command("restore")
@handle_errors
def restore(ctx: typer.Context, run_id: RunIdArg) -> None:
    """Restore a deleted run."""
    workspace(ctx).runs.restore(run_id)
    render.message(f"Restored run {run_id}")
