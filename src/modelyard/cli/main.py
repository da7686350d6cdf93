"""The ``modelyard`` command: ``modelyard [--workspace DIR|URL] NOUN VERB ...``.

Commands are thin: parse, make one SDK call, render. Heavy imports happen inside commands
so that ``modelyard --help`` stays quick. Errors: one line on stderr, exit code 1 for user
errors and 2 for usage errors (see :mod:`modelyard.cli._errors`).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from modelyard.cli import experiment, run, workspace_cmds
from modelyard.cli._errors import error_line, report_unexpected
from modelyard.cli._state import CliState

__all__ = ["app", "main"]


class _ModelyardGroup(TyperGroup):
    """Runs the CLI and turns every error into one line on stderr and an exit code."""

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        from modelyard.errors import ModelyardError

        try:
            rv = super().main(
                args=args,
                prog_name=prog_name or "modelyard",
                complete_var=complete_var,
                standalone_mode=False,
                **extra,
            )
            code = rv if isinstance(rv, int) else 0
        except ModelyardError as e:
            error_line(e.message)
            code = 1
        except typer.Abort:
            error_line("aborted")
            code = 130
        except Exception as e:  # noqa: BLE001 - click's own errors, then bugs
            code = _click_error(e)
        if standalone_mode:
            sys.exit(code)
        return code


def _click_error(error: Exception) -> int:
    """Report a (typer-vendored or plain) click exception; anything else is a bug."""
    format_message = getattr(error, "format_message", None)
    exit_code = getattr(error, "exit_code", None)
    if not callable(format_message) or not isinstance(exit_code, int):
        report_unexpected(error)
        return 1
    if type(error).__name__ == "NoArgsIsHelpError":  # a group called without a command
        sys.stdout.write(format_message() + "\n")
        return 2
    hint = ""
    ctx = getattr(error, "ctx", None)
    if exit_code == 2 and ctx is not None:
        hint = f" (see '{ctx.command_path} --help')"
    error_line(format_message() + hint)
    return exit_code


app = typer.Typer(
    cls=_ModelyardGroup,
    name="modelyard",
    help="Modelyard: a local-first machine-learning platform.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def _root(
    ctx: typer.Context,
    workspace: Annotated[
        str | None,
        typer.Option(
            "--workspace",
            "-w",
            help="Workspace folder or http(s):// server URL "
            "(default: $MODELYARD_WORKSPACE, the nearest .modelyard/, ~/.modelyard).",
            show_default=False,
        ),
    ] = None,
) -> None:
    state = CliState(workspace)
    ctx.obj = state
    ctx.call_on_close(state.close)


app.add_typer(experiment.app, name="experiment")
app.add_typer(run.app, name="run")
from modelyard.data.cli import data_app, datastore_app

app.add_typer(data_app, name="data")
app.add_typer(datastore_app, name="datastore")
from modelyard.jobs.cli import compute_app, environment_app, job_app

app.add_typer(job_app, name="job"), app.add_typer(compute_app, name="compute"), app.add_typer(environment_app, name="environment")
from modelyard.endpoints.cli import (
    batch_deployment_app,
    batch_endpoint_app,
    online_deployment_app,
    online_endpoint_app,
)
from modelyard.models.cli import model_app

app.add_typer(model_app, name="model")
app.add_typer(online_endpoint_app, name="online-endpoint")
app.add_typer(online_deployment_app, name="online-deployment")
app.add_typer(batch_endpoint_app, name="batch-endpoint")
app.add_typer(batch_deployment_app, name="batch-deployment")
workspace_cmds.register(app)


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the ``modelyard`` console script."""
    command = typer.main.get_command(app)
    command.main(args=list(argv) if argv is not None else None, prog_name="modelyard")


if __name__ == "__main__":  # pragma: no cover
    main()
