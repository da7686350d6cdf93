"""``modelyard job|compute|environment ...``: thin commands over ``ws.jobs``,
``ws.computes`` and ``ws.environments``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from modelyard.cli import render
from modelyard.cli._errors import handle_errors
from modelyard.cli._options import OutputOpt
from modelyard.cli._state import workspace
from modelyard.cli.render import Output

if TYPE_CHECKING:
    from modelyard.jobs.entities import Compute, Environment, Job

__all__ = ["compute_app", "environment_app", "job_app"]

job_app = typer.Typer(help="Submit, watch, cancel and download command jobs.", no_args_is_help=True)
compute_app = typer.Typer(help="Register compute targets (local, ray).", no_args_is_help=True)
environment_app = typer.Typer(help="Register named, versioned environments.", no_args_is_help=True)

JobIdArg = Annotated[str, typer.Argument(help="Job id (its run id).", show_default=False)]
FileOpt = Annotated[Path, typer.Option("--file", "-f", help="YAML spec.", show_default=False)]
SetOpt = Annotated[list[str] | None, typer.Option("--set", help="Override a spec value: key.sub=value (repeatable).")]


def job_to_dict(job: Job) -> dict[str, Any]:
    data = render.to_plain(job)
    data["spec"] = job.spec.to_dict()
    return data


def _job_rows(job: Job) -> list[tuple[str, Any]]:
    return [
        ("id", job.id), ("name", job.name), ("status", job.status), ("compute", job.compute),
        ("command", job.spec.command), ("attempt", f"{job.attempt} of {job.max_retries + 1}"),
        ("created", job.created_at), ("started", job.started_at), ("ended", job.ended_at),
        ("exit code", job.exit_code), ("signal", job.signal), ("error", job.error),
        ("stderr (last lines)", job.stderr_tail), ("snapshot", job.snapshot),
    ]  # fmt: skip


@job_app.command("create")
@handle_errors
def job_create(
    ctx: typer.Context,
    file: FileOpt,
    set_: SetOpt = None,
    stream: Annotated[bool, typer.Option("--stream", help="Print the log until the job ends.")] = False,
    output: OutputOpt = Output.table,
) -> None:
    """Submit a command job from YAML; every check runs before anything does."""
    from modelyard.jobs.spec import load_job_file

    spec = load_job_file(file, overrides=set_ or [])
    submitted = workspace(ctx).jobs.create_or_update(spec)
    if stream:
        job = submitted.stream(file=sys.stdout)
        if job.status.value != "Finished":
            _report_end(job)
            raise typer.Exit(1)
        return
    render.render_object(job_to_dict(submitted.job), output, rows=_job_rows(submitted.job), title="Job")


@job_app.command("list")
@handle_errors
def job_list(
    ctx: typer.Context,
    experiment: Annotated[str | None, typer.Option("--experiment", "-e", help="Experiment name (default: all).")] = None,
    filter_: Annotated[str | None, typer.Option("--filter", help="Run filter, e.g. \"metrics.acc > 0.9\".")] = None,
    order_by: Annotated[list[str] | None, typer.Option("--order-by", help="e.g. 'metrics.acc DESC'.")] = None,
    status: Annotated[str | None, typer.Option("--status", help="Queued, Running, Finished, Failed, Canceled.")] = None,
    max_results: Annotated[int, typer.Option("--max-results", "-n", min=1)] = 1000,
    output: OutputOpt = Output.table,
) -> None:
    """List jobs, newest first."""
    ws = workspace(ctx)
    if filter_ or order_by:
        runs = ws.runs.search(filter_, experiment=experiment, order_by=order_by or None, max_results=max_results)
        jobs = []
        for r in runs:
            if r.kind == "job":
                jobs.append(ws.jobs.store.get_job(r.id))
        if status:
            jobs = [j for j in jobs if j.status.value.lower() == status.lower()]
    else:
        jobs = ws.jobs.list(experiment=experiment, status=status.capitalize() if status else None,
                            max_results=max_results)  # fmt: skip
    columns = [
        ("ID", lambda j: j.id), ("NAME", lambda j: j.name), ("STATUS", lambda j: j.status),
        ("COMPUTE", lambda j: j.compute), ("CREATED", lambda j: j.created_at),
        ("ERROR", lambda j: j.error),
    ]  # fmt: skip
    render.render_list(jobs, output, columns=columns, title="Jobs", plain=job_to_dict)


@job_app.command("show")
@handle_errors
def job_show(ctx: typer.Context, job_id: JobIdArg, output: OutputOpt = Output.table) -> None:
    """Show one job."""
    job = workspace(ctx).jobs.get(job_id)
    render.render_object(job_to_dict(job), output, rows=_job_rows(job), title="Job")


@job_app.command("logs")
@handle_errors
def job_logs(
    ctx: typer.Context,
    job_id: JobIdArg,
    follow: Annotated[bool, typer.Option("--follow", "-F", help="Keep printing until the job ends.")] = False,
) -> None:
    """Print the job's stdout/stderr."""
    for chunk in workspace(ctx).jobs.iter_log(job_id, follow=follow):
        sys.stdout.write(chunk.decode("utf-8", errors="replace"))
        sys.stdout.flush()


@job_app.command("stream")
@handle_errors
def job_stream(ctx: typer.Context, job_id: JobIdArg) -> None:
    """Print the job's log as it grows until the job ends (exit 1 if it did not finish)."""
    job = workspace(ctx).jobs.stream(job_id, file=sys.stdout)
    if job.status.value != "Finished":
        _report_end(job)
        raise typer.Exit(1)


def _report_end(job: Job) -> None:
    """One line on stderr saying how a job that did not finish ended."""
    sys.stderr.write(f"Error: job {job.id} {job.status.value}: {job.error or ''}".rstrip(": ") + "\n")
    sys.stderr.flush()


@job_app.command("cancel")
@handle_errors
def job_cancel(ctx: typer.Context, job_id: JobIdArg, output: OutputOpt = Output.table) -> None:
    """Cancel a job: SIGTERM to its process group, SIGKILL after a grace period."""
    job = workspace(ctx).jobs.cancel(job_id)
    render.render_object(job_to_dict(job), output, rows=_job_rows(job), title="Job")


@job_app.command("download")
@handle_errors
def job_download(
    ctx: typer.Context,
    job_id: JobIdArg,
    path: Annotated[Path, typer.Option("--download-path", "-p", help="Destination folder.")] = Path("."),
    what: Annotated[str, typer.Option("--what", help="all, outputs or logs.")] = "all",
) -> None:
    """Download a job's outputs and logs."""
    dest = workspace(ctx).jobs.download(job_id, path / job_id, what=what)
    render.message(f"Downloaded to {dest}")


# ---------------------------------------------------------------------------- compute
def _compute_rows(c: Compute) -> list[tuple[str, Any]]:
    return [("name", c.name), ("type", c.type), ("max_concurrent_jobs", c.max_concurrent_jobs),
            ("address", c.address), ("description", c.description), ("created", c.created_at)]  # fmt: skip


@compute_app.command("create")
@handle_errors
def compute_create(ctx: typer.Context, file: FileOpt, set_: SetOpt = None, output: OutputOpt = Output.table) -> None:
    """Register a compute from YAML (name, type: local|ray, max_concurrent_jobs, address)."""
    c = workspace(ctx).computes.create_from_file(file, overrides=set_ or [])
    render.render_object(render.to_plain(c), output, rows=_compute_rows(c), title="Compute")


@compute_app.command("list")
@handle_errors
def compute_list(ctx: typer.Context, output: OutputOpt = Output.table) -> None:
    """List compute targets."""
    items = workspace(ctx).computes.list()
    columns = [("NAME", lambda c: c.name), ("TYPE", lambda c: c.type),
               ("MAX JOBS", lambda c: c.max_concurrent_jobs), ("ADDRESS", lambda c: c.address)]  # fmt: skip
    render.render_list(items, output, columns=columns, title="Computes", plain=render.to_plain)


@compute_app.command("show")
@handle_errors
def compute_show(ctx: typer.Context, name: str, output: OutputOpt = Output.table) -> None:
    """Show a compute target."""
    c = workspace(ctx).computes.get(name)
    render.render_object(render.to_plain(c), output, rows=_compute_rows(c), title="Compute")


@compute_app.command("delete")
@handle_errors
def compute_delete(ctx: typer.Context, name: str) -> None:
    """Remove a compute target (not while jobs on it are queued or running)."""
    workspace(ctx).computes.delete(name)
    render.message(f"Deleted compute {name}")


# ------------------------------------------------------------------------ environment
def _env_rows(e: Environment) -> list[tuple[str, Any]]:
    return [("name", e.name), ("version", e.version), ("python", e.spec.python),
            ("pip", "\n".join(e.spec.pip)), ("image", e.spec.image),
            ("description", e.description), ("created", e.created_at)]  # fmt: skip


@environment_app.command("create")
@handle_errors
def environment_create(ctx: typer.Context, file: FileOpt, output: OutputOpt = Output.table) -> None:
    """Register an environment version from YAML (name, version, conda_file, pip, python)."""
    e = workspace(ctx).environments.create_from_file(file)
    render.render_object(render.to_plain(e), output, rows=_env_rows(e), title="Environment")


@environment_app.command("list")
@handle_errors
def environment_list(ctx: typer.Context, output: OutputOpt = Output.table) -> None:
    """List environment versions."""
    items = workspace(ctx).environments.list()
    columns = [("NAME", lambda e: e.name), ("VERSION", lambda e: e.version),
               ("PYTHON", lambda e: e.spec.python), ("PACKAGES", lambda e: len(e.spec.pip))]  # fmt: skip
    render.render_list(items, output, columns=columns, title="Environments", plain=render.to_plain)


@environment_app.command("show")
@handle_errors
def environment_show(
    ctx: typer.Context,
    name: str,
    version: Annotated[str | None, typer.Option("--version", "-v", help="Default: latest.")] = None,
    output: OutputOpt = Output.table,
) -> None:
    """Show an environment version."""
    e = workspace(ctx).environments.get(name, version)
    render.render_object(render.to_plain(e), output, rows=_env_rows(e), title="Environment")
