"""``modelyard online-endpoint …``, ``online-deployment …`` and ``batch-endpoint …``:
parse, one SDK call, render. Specs follow the Azure ML CLI v2 YAML (``$schema`` ignored)::

    # ep.yml                         # dep.yml
    name: churn                      name: blue
    auth_mode: key                   endpoint_name: churn
                                     model: azureml:clf:1          # or models:/clf/1
                                     instance_count: 2
                                     code_configuration:           # optional: a custom score.py
                                       code: ./src
                                       scoring_script: score.py
                                     settings: {max_batch_size: 32, max_wait_ms: 2}
"""

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
    from modelyard.endpoints.entities import Deployment, Endpoint

online_endpoint_app = typer.Typer(help="Real-time endpoints: create, update traffic, invoke, keys.",
                                  no_args_is_help=True)
online_deployment_app = typer.Typer(help="Deployments behind real-time endpoints.", no_args_is_help=True)
batch_endpoint_app = typer.Typer(help="Batch endpoints (scoring jobs over a data asset).", no_args_is_help=True)

NameArg = Annotated[str, typer.Argument(help="Endpoint name.", show_default=False)]
FileOpt = Annotated[Path | None, typer.Option("--file", "-f", help="A YAML spec.")]
SetOpt = Annotated[list[str] | None, typer.Option("--set", help="KEY=VALUE override, repeatable.")]

_EP_COLUMNS = [("NAME", lambda e: e.name), ("AUTH", lambda e: e.auth_mode),
               ("TRAFFIC", lambda e: " ".join(f"{k}={v}" for k, v in e.traffic.items())),
               ("MIRROR", lambda e: " ".join(f"{k}={v}" for k, v in e.mirror_traffic.items())),
               ("UPDATED", lambda e: e.updated_at)]
_DEP_COLUMNS = [("ENDPOINT", lambda d: d.endpoint), ("NAME", lambda d: d.name), ("MODEL", lambda d: d.model),
                ("INSTANCES", lambda d: d.instance_count), ("STATE", lambda d: d.state),
                ("SCRIPT", lambda d: d.scoring_script or "(no-code)"), ("ERROR", lambda d: d.error)]


def _spec(file: Path | None, sets: list[str] | None) -> dict[str, Any]:
    from modelyard.errors import InvalidArgument

    spec: dict[str, Any] = {}
    if file is not None:
        import yaml

        if not Path(file).is_file():
            raise InvalidArgument(f"no such file: {file}")
        try:
            loaded = yaml.safe_load(Path(file).read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as e:
            raise InvalidArgument(f"{file} is not valid YAML: {e}") from e
        if not isinstance(loaded, dict):
            raise InvalidArgument(f"{file}: a spec must be a mapping")
        spec = loaded
    for pair in sets or []:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise typer.BadParameter(f"expected KEY=VALUE, got {pair!r}", param_hint="--set")
        spec[key] = value
    spec.pop("$schema", None)
    return spec


def _ep_plain(e: Endpoint) -> dict[str, Any]:
    from modelyard.endpoints.schemas import endpoint_to_wire

    plain = endpoint_to_wire(e)
    plain.pop("keys", None)
    return plain


def _dep_plain(d: Deployment) -> dict[str, Any]:
    from modelyard.endpoints.schemas import deployment_to_wire

    return deployment_to_wire(d)


def _show_ep(e: Endpoint, output: Output) -> None:
    render.render_object(_ep_plain(e), output)


# ------------------------------------------------------------------ online-endpoint
@online_endpoint_app.command("create")
@handle_errors
def endpoint_create(ctx: typer.Context, file: FileOpt = None,
                    name: Annotated[str | None, typer.Option("--name", "-n")] = None,
                    set_: SetOpt = None, output: OutputOpt = Output.table) -> None:
    """Create an online endpoint from a YAML spec (or --name)."""
    from modelyard.errors import InvalidArgument

    spec = _spec(file, set_)
    name = name or spec.get("name")
    if not name:
        raise InvalidArgument("an endpoint needs a name (--name or in the YAML file)")
    auth = str(spec.get("auth_mode", "key"))  # key, aml_token or none
    ep = workspace(ctx).endpoints.create(name=str(name), auth_mode=auth, description=spec.get("description"),
                                         tags={str(k): str(v) for k, v in (spec.get("tags") or {}).items()})
    _show_ep(ep, output)


@online_endpoint_app.command("list")
@handle_errors
def endpoint_list(ctx: typer.Context, output: OutputOpt = Output.table) -> None:
    """List online endpoints."""
    render.render_list(workspace(ctx).endpoints.list(kind="online"), output, columns=_EP_COLUMNS,
                       title="Online endpoints", plain=_ep_plain)


@online_endpoint_app.command("show")
@handle_errors
def endpoint_show(ctx: typer.Context, name: NameArg, output: OutputOpt = Output.table) -> None:
    """Show an endpoint with its traffic."""
    _show_ep(workspace(ctx).endpoints.get(name), output)


@online_endpoint_app.command("update")
@handle_errors
def endpoint_update(
    ctx: typer.Context, name: NameArg,
    traffic: Annotated[str | None, typer.Option("--traffic", help='"blue=90 green=10"')] = None,
    mirror_traffic: Annotated[str | None, typer.Option("--mirror-traffic", help='"green=10"')] = None,
    description: Annotated[str | None, typer.Option("--description", "-d")] = None,
    output: OutputOpt = Output.table,
) -> None:
    """Change traffic weights, mirror traffic or the description."""
    ep = workspace(ctx).endpoints.update(name, traffic=traffic, mirror_traffic=mirror_traffic,
                                         description=description)
    _show_ep(ep, output)


@online_endpoint_app.command("invoke")
@handle_errors
def endpoint_invoke(
    ctx: typer.Context, name: NameArg,
    request_file: Annotated[Path, typer.Option("--request-file", "-r", help="A JSON request body.")],
    deployment: Annotated[str | None, typer.Option("--deployment-name", "-d", help="Pin a deployment.")] = None,
) -> None:
    """Score a request file through the gateway and print the JSON answer."""
    import orjson

    from modelyard.errors import NotFound

    if not request_file.is_file():
        raise NotFound(f"no such request file: {request_file}")
    answer = workspace(ctx).endpoints.invoke(name, request_file.read_bytes(), deployment=deployment)
    sys.stdout.write(orjson.dumps(answer).decode() + "\n")


@online_endpoint_app.command("get-credentials")
@handle_errors
def endpoint_credentials(ctx: typer.Context, name: NameArg, output: OutputOpt = Output.json) -> None:
    """Print the endpoint's keys."""
    render.render_object(workspace(ctx).endpoints.get_credentials(name), output)


@online_endpoint_app.command("regenerate-keys")
@handle_errors
def endpoint_regenerate(ctx: typer.Context, name: NameArg,
                        key_type: Annotated[str, typer.Option("--key-type", help="primary or secondary")] = "primary") -> None:
    """Replace one of the endpoint's keys."""
    workspace(ctx).endpoints.regenerate_key(name, which=key_type)
    render.message(f"Regenerated the {key_type} key of {name}")


@online_endpoint_app.command("delete")
@handle_errors
def endpoint_delete(ctx: typer.Context, name: NameArg,
                    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask.")] = False) -> None:
    """Delete an endpoint; every worker process of its deployments stops."""
    if not yes:
        typer.confirm(f"Delete endpoint {name} and all its deployments?", abort=True)
    workspace(ctx).endpoints.delete(name)
    render.message(f"Deleted endpoint {name}")


# ---------------------------------------------------------------- online-deployment
EndpointOpt = Annotated[str | None, typer.Option("--endpoint-name", "-e", help="The endpoint.")]


def _code_configuration(spec: dict[str, Any], file: Path | None) -> tuple[str | None, str | None]:
    """A spec's ``code_configuration`` as (code folder, scoring script); a relative folder
    is relative to the spec file."""
    conf = spec.get("code_configuration") or {}
    code = conf.get("code")
    if code and file is not None and not Path(str(code)).is_absolute():
        code = str((Path(file).parent / str(code)).resolve())
    return code, conf.get("scoring_script")


@online_deployment_app.command("create")
@handle_errors
def deployment_create(ctx: typer.Context, file: FileOpt = None, endpoint: EndpointOpt = None,
                      set_: SetOpt = None,
                      all_traffic: Annotated[bool, typer.Option("--all-traffic", help="Send it 100% once created.")] = False,
                      wait: Annotated[bool, typer.Option("--wait/--no-wait", help="Wait until Ready.")] = False,
                      output: OutputOpt = Output.table) -> None:
    """Create a deployment from a YAML spec."""
    from modelyard.errors import InvalidArgument

    spec = _spec(file, set_)
    endpoint = endpoint or spec.get("endpoint_name")
    name, model = spec.get("name"), spec.get("model")
    if not endpoint or not name or not model:
        raise InvalidArgument("a deployment needs name, endpoint_name and model")
    if isinstance(model, dict):
        model = model.get("path") or model.get("name")
    code, scoring_script = _code_configuration(spec, file)
    ws = workspace(ctx)
    dep = ws.endpoints.create_deployment(
        str(endpoint), name=str(name), model=str(model), instance_count=int(spec.get("instance_count", 1)),
        code=code, scoring_script=scoring_script, settings=spec.get("settings") or None,
        description=spec.get("description"), tags={str(k): str(v) for k, v in (spec.get("tags") or {}).items()})
    if all_traffic:
        ws.endpoints.update(str(endpoint), traffic={dep.name: 100})
    if wait:
        dep = ws.endpoints.wait_ready(str(endpoint), dep.name)
    render.render_object(_dep_plain(dep), output)


@online_deployment_app.command("list")
@handle_errors
def deployment_list(ctx: typer.Context, endpoint: EndpointOpt = None, output: OutputOpt = Output.table) -> None:
    """List deployments (of one endpoint)."""
    render.render_list(workspace(ctx).endpoints.list_deployments(endpoint), output, columns=_DEP_COLUMNS,
                       title="Deployments", plain=_dep_plain)


@online_deployment_app.command("show")
@handle_errors
def deployment_show(ctx: typer.Context, name: Annotated[str, typer.Argument(help="Deployment name.")],
                    endpoint: EndpointOpt = None, output: OutputOpt = Output.table) -> None:
    """Show one deployment with its state."""
    from modelyard.errors import InvalidArgument

    if not endpoint:
        raise InvalidArgument("give the endpoint with --endpoint-name")
    render.render_object(_dep_plain(workspace(ctx).endpoints.get_deployment(endpoint, name)), output)


@online_deployment_app.command("update")
@handle_errors
def deployment_update(ctx: typer.Context, name: Annotated[str, typer.Argument(help="Deployment name.")],
                      endpoint: EndpointOpt = None,
                      instance_count: Annotated[int | None, typer.Option("--instance-count")] = None,
                      output: OutputOpt = Output.table) -> None:
    """Scale a deployment."""
    from modelyard.errors import InvalidArgument

    if not endpoint:
        raise InvalidArgument("give the endpoint with --endpoint-name")
    dep = workspace(ctx).endpoints.update_deployment(endpoint, name, instance_count=instance_count)
    render.render_object(_dep_plain(dep), output)


@online_deployment_app.command("get-logs")
@handle_errors
def deployment_logs(ctx: typer.Context, name: Annotated[str, typer.Argument(help="Deployment name.")],
                    endpoint: EndpointOpt = None,
                    lines: Annotated[int, typer.Option("--lines", help="Lines per worker.")] = 200) -> None:
    """Print the last lines of each worker's log."""
    from modelyard.errors import InvalidArgument

    if not endpoint:
        raise InvalidArgument("give the endpoint with --endpoint-name")
    sys.stdout.write(workspace(ctx).endpoints.get_logs(endpoint, name, lines=lines) + "\n")


@online_deployment_app.command("delete")
@handle_errors
def deployment_delete(ctx: typer.Context, name: Annotated[str, typer.Argument(help="Deployment name.")],
                      endpoint: EndpointOpt = None) -> None:
    """Delete a deployment (refused while it takes live traffic)."""
    from modelyard.errors import InvalidArgument

    if not endpoint:
        raise InvalidArgument("give the endpoint with --endpoint-name")
    workspace(ctx).endpoints.delete_deployment(endpoint, name)
    render.message(f"Deleted deployment {endpoint}/{name}")


# -------------------------------------------------------------------- batch-endpoint
@batch_endpoint_app.command("create")
@handle_errors
def batch_create(ctx: typer.Context, file: FileOpt = None,
                 name: Annotated[str | None, typer.Option("--name", "-n")] = None,
                 output: OutputOpt = Output.table) -> None:
    """Create a batch endpoint (its deployments are scored as jobs)."""
    from modelyard.errors import InvalidArgument

    spec = _spec(file, None)
    name = name or spec.get("name")
    if not name:
        raise InvalidArgument("an endpoint needs a name")
    _show_ep(workspace(ctx).endpoints.create(name=str(name), kind="batch", auth_mode="none",
                                             description=spec.get("description")), output)


@batch_endpoint_app.command("list")
@handle_errors
def batch_list(ctx: typer.Context, output: OutputOpt = Output.table) -> None:
    """List batch endpoints."""
    render.render_list(workspace(ctx).endpoints.list(kind="batch"), output, columns=_EP_COLUMNS,
                       title="Batch endpoints", plain=_ep_plain)


@batch_endpoint_app.command("delete")
@handle_errors
def batch_delete(ctx: typer.Context, name: NameArg) -> None:
    """Delete a batch endpoint."""
    workspace(ctx).endpoints.delete(name)
    render.message(f"Deleted batch endpoint {name}")


@batch_endpoint_app.command("show")
@handle_errors
def batch_show(ctx: typer.Context, name: NameArg, output: OutputOpt = Output.table) -> None:
    """Show a batch endpoint."""
    _show_ep(workspace(ctx).endpoints.get(name), output)


@batch_endpoint_app.command("invoke")
@handle_errors
def batch_invoke(
    ctx: typer.Context, name: NameArg,
    input_: Annotated[str, typer.Option("--input", "-i", help="data:NAME:VERSION, a file or a folder.")],
    deployment: Annotated[str | None, typer.Option("--deployment-name", "-d")] = None,
    output_name: Annotated[str | None, typer.Option("--output-name", help="Data asset for the predictions.")] = None,
    wait: Annotated[bool, typer.Option("--wait/--no-wait", help="Wait for the scoring job.")] = False,
    output: OutputOpt = Output.table,
) -> None:
    """Start a batch scoring job; print its id (and its final state with --wait)."""
    ws = workspace(ctx)
    job = ws.endpoints.invoke_batch(name, input=input_, deployment=deployment, output_name=output_name)
    info = job.wait() if wait else job.refresh()
    render.render_object({"job": job.id, "status": str(info.status)}, output)


batch_deployment_app = typer.Typer(help="Deployments behind batch endpoints.", no_args_is_help=True)


@batch_deployment_app.command("create")
@handle_errors
def batch_deployment_create(ctx: typer.Context, file: FileOpt = None, endpoint: EndpointOpt = None,
                            set_: SetOpt = None, output: OutputOpt = Output.table) -> None:
    """Create a batch deployment (model, mini_batch_size, max_concurrency, error_threshold,
    code_configuration for a custom scoring script...)."""
    from modelyard.errors import InvalidArgument

    spec = _spec(file, set_)
    endpoint = endpoint or spec.get("endpoint_name")
    name, model = spec.get("name"), spec.get("model")
    if not endpoint or not name or not model:
        raise InvalidArgument("a batch deployment needs name, endpoint_name and model")
    settings = dict(spec.get("settings") or {})
    for key in ("mini_batch_size", "max_concurrency", "retries", "error_threshold", "output_format"):
        if key in spec:
            settings[key] = spec[key]
    if "max_concurrency_per_instance" in spec:
        settings["max_concurrency"] = spec["max_concurrency_per_instance"]
    retry = spec.get("retry_settings") or {}
    if "max_retries" in retry:
        settings["retries"] = retry["max_retries"]
    code, scoring_script = _code_configuration(spec, file)
    dep = workspace(ctx).endpoints.create_deployment(str(endpoint), name=str(name), model=str(model),
                                                     code=code, scoring_script=scoring_script,
                                                     settings=settings or None)
    render.render_object(_dep_plain(dep), output)


@batch_deployment_app.command("list")
@handle_errors
def batch_deployment_list(ctx: typer.Context, endpoint: EndpointOpt = None, output: OutputOpt = Output.table) -> None:
    """List batch deployments (of one endpoint)."""
    ws = workspace(ctx)
    batch = {e.name for e in ws.endpoints.list(kind="batch")}
    deps = [d for d in ws.endpoints.list_deployments(endpoint) if d.endpoint in batch]
    render.render_list(deps, output, columns=_DEP_COLUMNS, title="Batch deployments", plain=_dep_plain)
