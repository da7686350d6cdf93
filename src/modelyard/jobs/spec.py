"""Parsing ``type: command`` job YAML (Azure ML CLI v2 style) into a :class:`CommandJobSpec`.

Example::

    $schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json
    type: command
    code: ./src
    command: python train.py --lr ${{inputs.lr}} --data ${{inputs.data}} --out ${{outputs.model}}
    inputs:
      lr: 0.1
      data: {type: uri_file, path: ./data/iris.csv}
    outputs:
      model: {type: uri_folder}
    environment: {conda_file: ./conda.yml}
    compute: local
    limits: {timeout: 600}
    retries: 1
    experiment_name: iris

Every error names the file and line. Relative paths (``code``, input paths, conda files)
are resolved against the YAML file's folder, as the Azure CLI does.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from modelyard.errors import InvalidArgument
from modelyard.jobs._yaml import LinedMap, line_of, load_yaml, load_yaml_file
from modelyard.jobs.entities import CommandJobSpec, EnvironmentSpec, JobInput, JobOutput

__all__ = [
    "apply_overrides",
    "command_references",
    "load_environment_file",
    "load_job_file",
    "parse_environment",
    "parse_job",
    "render_command",
]

_TOP_KEYS = {
    "$schema", "type", "name", "display_name", "description", "experiment_name", "tags",
    "code", "command", "inputs", "outputs", "environment", "environment_variables",
    "compute", "resources", "limits", "retries", "properties",
    # accepted from Azure specs and ignored: they have no meaning on local or Ray compute
    "identity", "queue_settings", "services", "distribution", "is_deterministic",
}  # fmt: skip
_INPUT_KEYS = {"type", "path", "value", "default", "mode", "description", "optional"}
_OUTPUT_KEYS = {"type", "mode", "path", "description", "name", "version"}
_LITERAL_TYPES = {"string", "integer", "number", "boolean", "literal"}
_PATH_TYPES = {"uri_file", "uri_folder", "mltable", "mlflow_model", "custom_model"}
_ENV_KEYS = {
    "$schema", "name", "version", "description", "tags", "image", "conda_file", "pip",
    "python", "requirements", "build", "os_type", "inference_config",
}  # fmt: skip
_LIMIT_KEYS = {"timeout"}
_REF = re.compile(r"\$\{\{\s*(inputs|outputs)\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
_OPTIONAL = re.compile(r"\$\[\[(.*?)\]\]", re.DOTALL)
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _fail(source: str, line: int | None, message: str) -> InvalidArgument:
    where = f"{source}:{line}" if line else source
    return InvalidArgument(f"{where}: {message}", details={"line": line} if line else None)


def _check_keys(m: Mapping[str, Any], allowed: set[str], source: str, where: str) -> None:
    for key in m:
        if key not in allowed:
            what = f"unknown key {key!r}" + (f" in {where}" if where else "")
            raise _fail(source, line_of(m, key), f"{what}; allowed: {', '.join(sorted(allowed))}")


def _mapping(value: Any, source: str, line: int | None, what: str) -> Mapping[str, Any]:
    if value is None:
        return LinedMap()
    if not isinstance(value, Mapping):
        raise _fail(source, line, f"{what} must be a mapping, not {type(value).__name__}")
    return value


def load_job_file(path: str | Path, *, overrides: Sequence[str] = ()) -> CommandJobSpec:
    """Read a job YAML file, apply ``--set`` overrides and parse it.

    Raises:
        InvalidArgument: the file is missing or malformed; the message names the line.
    """
    data = load_yaml_file(path)
    return parse_job(
        data, source=str(path), base_dir=Path(path).resolve().parent, overrides=overrides
    )


def apply_overrides(data: dict[str, Any], overrides: Sequence[str]) -> None:
    """Apply ``key.sub=value`` overrides in place; values are parsed as YAML scalars.

    ``inputs.lr=0.1`` on an input written as ``{type: number, value: 0.01}`` sets its value.

    Raises:
        InvalidArgument: an override lacks ``=`` or walks through a non-mapping.
    """
    for item in overrides:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise InvalidArgument(f"--set {item!r}: expected key=value, e.g. inputs.lr=0.1")
        try:
            value = yaml.safe_load(raw) if raw.strip() else ""
        except yaml.YAMLError:
            value = raw
        parts = key.strip().split(".")
        node: Any = data
        for i, part in enumerate(parts[:-1]):
            nxt = node.get(part) if isinstance(node, dict) else None
            if nxt is None:
                nxt = LinedMap()
                node[part] = nxt
            elif not isinstance(nxt, dict):
                where = ".".join(parts[: i + 1])
                raise InvalidArgument(f"--set {item!r}: {where} is not a mapping")
            node = nxt
        last = parts[-1]
        current = node.get(last)
        if parts[0] == "inputs" and len(parts) == 2 and isinstance(current, dict):
            if current.get("type") in _PATH_TYPES or "path" in current:
                current["path"] = value
            else:
                current["value"] = value
        else:
            node[last] = value


def parse_job(
    data: Any,
    *,
    source: str = "<job>",
    base_dir: Path | None = None,
    overrides: Sequence[str] = (),
) -> CommandJobSpec:
    """Validate a job mapping (as loaded from YAML) and resolve its local paths.

    Raises:
        InvalidArgument: an unknown key (naming the key and line), a missing or wrong-typed
            field, a missing ``code`` folder or input path, or a command that references an
            undefined input or output.
    """
    if not isinstance(data, Mapping):
        raise _fail(source, None, "a job spec must be a mapping")
    data = data if isinstance(data, dict) else dict(data)
    apply_overrides(data, overrides)
    base = (base_dir or Path.cwd()).resolve()
    _check_keys(data, _TOP_KEYS, source, "")
    kind = data.get("type", "command")
    if kind != "command":
        raise _fail(source, line_of(data, "type"), f"type {kind!r} is not a command job")
    command = data.get("command")
    if not isinstance(command, str) or not command.strip():
        raise _fail(source, line_of(data, "command"), "'command' is required (a string)")

    inputs = _parse_inputs(data.get("inputs"), source, base, line_of(data, "inputs"))
    outputs = _parse_outputs(data.get("outputs"), source, line_of(data, "outputs"))
    _check_references(command, inputs, outputs, source, line_of(data, "command"))

    code = data.get("code")
    code_path: str | None = None
    if code is not None:
        if not isinstance(code, str) or not code:
            raise _fail(source, line_of(data, "code"), "'code' must be a folder path")
        p = (base / code).resolve()
        if not p.is_dir():
            raise _fail(source, line_of(data, "code"), f"code folder not found: {p}")
        code_path = str(p)

    env_spec, env_ref = None, None
    env = data.get("environment")
    if isinstance(env, str):
        env_ref = env
    elif env is not None:
        env_spec = parse_environment(
            _mapping(env, source, line_of(data, "environment"), "environment"),
            source=source, base_dir=base,
        )  # fmt: skip

    limits = _mapping(data.get("limits"), source, line_of(data, "limits"), "limits")
    _check_keys(limits, _LIMIT_KEYS, source, "limits")
    timeout = limits.get("timeout")
    if timeout is not None and (
        isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0
    ):
        raise _fail(source, line_of(limits, "timeout"), "limits.timeout must be seconds > 0")
    retries = data.get("retries", 0)
    if isinstance(retries, bool) or not isinstance(retries, int) or not 0 <= retries <= 10:
        raise _fail(source, line_of(data, "retries"), "retries must be an integer in 0..10")
    compute = data.get("compute") or "local"
    if not isinstance(compute, str):
        raise _fail(source, line_of(data, "compute"), "compute must be a name")
    compute = compute.removeprefix("azureml:")
    resources = _mapping(data.get("resources"), source, line_of(data, "resources"), "resources")
    return CommandJobSpec(
        command=command.strip(),
        code=code_path,
        inputs=inputs,
        outputs=outputs,
        environment=env_spec,
        environment_ref=env_ref,
        environment_variables=_str_map(data, "environment_variables", source),
        compute=compute,
        resources=dict(resources),
        timeout=float(timeout) if timeout is not None else None,
        retries=retries,
        experiment_name=_opt_str(data, "experiment_name", source),
        display_name=_opt_str(data, "display_name", source) or _opt_str(data, "name", source),
        description=_opt_str(data, "description", source),
        tags=_str_map(data, "tags", source),
    )


def _opt_str(data: Mapping[str, Any], key: str, source: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise _fail(source, line_of(data, key), f"{key} must be a string")
    return str(value)


def _str_map(data: Mapping[str, Any], key: str, source: str) -> dict[str, str]:
    m = _mapping(data.get(key), source, line_of(data, key), key)
    return {str(k): "" if v is None else str(v) for k, v in m.items()}


def _parse_inputs(raw: Any, source: str, base: Path, line: int | None) -> dict[str, JobInput]:
    out: dict[str, JobInput] = {}
    for name, value in _mapping(raw, source, line, "inputs").items():
        where = line_of(raw, name)
        if not isinstance(name, str) or not _NAME.match(name):
            raise _fail(source, where, f"invalid input name {name!r}")
        if not isinstance(value, Mapping):
            if value is not None and not isinstance(value, str | int | float | bool):
                raise _fail(source, where, f"input {name!r} must be a literal or a mapping")
            out[name] = JobInput(type="literal", value=value)
            continue
        _check_keys(value, _INPUT_KEYS, source, f"inputs.{name}")
        typ = value.get("type", "uri_folder" if "path" in value else "literal")
        if typ in _PATH_TYPES:
            path = value.get("path")
            if not isinstance(path, str) or not path:
                raise _fail(source, where, f"input {name!r} of type {typ} needs a 'path'")
            out[name] = JobInput(
                type=typ, path=_resolve_input_path(path, typ, base, source, where, name),
                mode=value.get("mode"),
            )  # fmt: skip
        elif typ in _LITERAL_TYPES:
            lit = value.get("value", value.get("default"))
            out[name] = JobInput(type=typ, value=lit)
        else:
            raise _fail(source, line_of(value, "type"), f"unknown input type {typ!r}")
    return out


def _resolve_input_path(
    path: str, typ: str, base: Path, source: str, line: int | None, name: str
) -> str:
    if "://" in path:
        return path  # a remote URI, passed through as written
    if path.startswith(("azureml:", "data:")) or re.match(r"^[A-Za-z0-9_.-]+[:@][A-Za-z0-9_.-]+$", path):
        text = path.removeprefix("azureml:").removeprefix("data:")
        if not re.match(r"^[A-Za-z0-9][A-Za-z0-9_.-]*([:@][A-Za-z0-9_.-]+)?$", text):
            raise _fail(source, line, f"input {name!r}: malformed data asset reference {path!r}")
        return f"data:{text}"  # a data asset version, checked at submit, resolved at run time
    p = (base / path).resolve()
    if typ == "uri_file" and not p.is_file():
        raise _fail(source, line, f"input {name!r}: file not found: {p}")
    if typ != "uri_file" and not p.exists():
        raise _fail(source, line, f"input {name!r}: path not found: {p}")
    return str(p)


def _parse_outputs(raw: Any, source: str, line: int | None) -> dict[str, JobOutput]:
    out: dict[str, JobOutput] = {}
    for name, value in _mapping(raw, source, line, "outputs").items():
        where = line_of(raw, name)
        if not isinstance(name, str) or not _NAME.match(name):
            raise _fail(source, where, f"invalid output name {name!r}")
        value = _mapping(value, source, where, f"outputs.{name}")
        _check_keys(value, _OUTPUT_KEYS, source, f"outputs.{name}")
        typ = value.get("type", "uri_folder")
        if typ not in ("uri_folder", "uri_file", "mlflow_model", "custom_model"):
            raise _fail(source, line_of(value, "type"), f"unsupported output type {typ!r}")
        asset, version = value.get("name"), value.get("version")
        if asset is not None and (not isinstance(asset, str) or not re.match(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$", asset)):
            raise _fail(source, line_of(value, "name"), f"invalid data asset name {asset!r} for output {name!r}")
        if version is not None and asset is None:
            raise _fail(source, line_of(value, "version"), f"output {name!r}: 'version' needs a 'name'")
        out[name] = JobOutput(type=typ, mode=value.get("mode"), name=asset,
                              version=None if version is None else str(version))  # fmt: skip
    return out


def command_references(command: str) -> list[tuple[str, str]]:
    """Every ``${{inputs.x}}`` / ``${{outputs.y}}`` in a command, as (kind, name)."""
    return [(m.group(1), m.group(2)) for m in _REF.finditer(command)]


def _check_references(
    command: str,
    inputs: Mapping[str, JobInput],
    outputs: Mapping[str, JobOutput],
    source: str,
    line: int | None,
) -> None:
    outside = _OPTIONAL.sub("", command)
    for kind, name in command_references(outside):
        defined = inputs if kind == "inputs" else outputs
        if name not in defined:
            raise _fail(
                source, line, f"the command references ${{{{{kind}.{name}}}}}, "
                f"which is not defined under '{kind}'",
            )  # fmt: skip
    for kind, name in command_references(command):
        if kind == "outputs" and name not in outputs:
            raise _fail(source, line, f"the command references undefined output {name!r}")


def render_command(
    command: str, *, inputs: Mapping[str, str | None], outputs: Mapping[str, str]
) -> str:
    """Substitute references: literal values as written, paths shell-quoted.

    ``$[[ ... ]]`` parts that mention an input given as None (or not given) are dropped,
    the Azure way of writing optional arguments.
    """

    def sub_optional(m: re.Match[str]) -> str:
        refs = command_references(m.group(1))
        if any(k == "inputs" and inputs.get(n) is None for k, n in refs):
            return ""
        return m.group(1)

    text = _OPTIONAL.sub(sub_optional, command)

    def sub(m: re.Match[str]) -> str:
        kind, name = m.group(1), m.group(2)
        value = inputs.get(name) if kind == "inputs" else outputs.get(name)
        return "" if value is None else value

    return _REF.sub(sub, text)


def literal_text(value: Any) -> str | None:
    """How a literal input value is written into a command."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "True" if value else "False"
    return str(value)


def quote_path(path: str) -> str:
    return shlex.quote(path)


# ---------------------------------------------------------------------------- environments
def load_environment_file(path: str | Path) -> tuple[LinedMap, EnvironmentSpec]:
    """Read an environment YAML (Azure style: name, version, conda_file, image; or ``pip``).

    Returns the raw mapping (for name/version/description) and the parsed spec.
    """
    data = load_yaml_file(path)
    if not isinstance(data, Mapping):
        raise _fail(str(path), None, "an environment spec must be a mapping")
    return data, parse_environment(data, source=str(path), base_dir=Path(path).resolve().parent)


def parse_environment(
    data: Mapping[str, Any], *, source: str = "<environment>", base_dir: Path | None = None
) -> EnvironmentSpec:
    """Parse an environment mapping: ``pip`` list, ``requirements`` file, ``conda_file``
    (a path or an inline mapping; its pip part is used, its ``python=X.Y`` is the version
    check) and ``python``.

    Raises:
        InvalidArgument: unknown keys, a missing file, a ``build`` context (not supported).
    """
    base = (base_dir or Path.cwd()).resolve()
    _check_keys(data, _ENV_KEYS, source, "environment")
    if "build" in data:
        raise _fail(source, line_of(data, "build"), "docker build contexts are not supported")
    pip: list[str] = []
    python = data.get("python")
    conda = data.get("conda_file")
    if conda is not None:
        conda_source = source
        if isinstance(conda, str):
            conda_path = (base / conda).resolve()
            if not conda_path.is_file():
                raise _fail(source, line_of(data, "conda_file"), f"file not found: {conda_path}")
            conda_source = str(conda_path)
            conda = load_yaml(conda_path.read_text(encoding="utf-8"), source=conda_source)
        conda_pip, conda_python = _conda_parts(conda, conda_source)
        pip.extend(conda_pip)
        python = python or conda_python
    reqs = data.get("requirements")
    if reqs is not None:
        req_path = (base / str(reqs)).resolve()
        if not req_path.is_file():
            raise _fail(source, line_of(data, "requirements"), f"file not found: {req_path}")
        pip.extend(_requirement_lines(req_path.read_text(encoding="utf-8")))
    extra = data.get("pip")
    if extra is not None:
        if not isinstance(extra, list) or not all(isinstance(x, str) for x in extra):
            raise _fail(source, line_of(data, "pip"), "pip must be a list of requirement strings")
        pip.extend(x.strip() for x in extra if x.strip())
    if python is not None:
        python = str(python).strip()
        if not re.match(r"^3(\.\d+){0,2}$", python):
            raise _fail(source, line_of(data, "python"), f"unsupported python version {python!r}")
    image = data.get("image")
    return EnvironmentSpec(pip=tuple(pip), python=python, image=str(image) if image else None)


def _requirement_lines(text: str) -> list[str]:
    lines = []
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].strip()
        if line and not line.startswith("#"):
            lines.append(line)
    return lines


def _conda_parts(conda: Any, source: str) -> tuple[list[str], str | None]:
    if not isinstance(conda, Mapping):
        raise _fail(source, None, "a conda file must be a mapping with 'dependencies'")
    deps = conda.get("dependencies") or []
    if not isinstance(deps, list):
        raise _fail(source, line_of(conda, "dependencies"), "dependencies must be a list")
    pip: list[str] = []
    python: str | None = None
    for dep in deps:
        if isinstance(dep, Mapping) and "pip" in dep:
            items = dep["pip"] or []
            pip.extend(str(x).strip() for x in items if str(x).strip())
        elif isinstance(dep, str):
            m = re.match(r"^python\s*[=<>~!]*=?\s*([0-9.]+)", dep.strip())
            if m:
                python = m.group(1).rstrip(".")
    return pip, python
