"""Parsing job YAML: Azure ML CLI v2 command jobs, errors with lines, --set overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelyard.errors import InvalidArgument
from modelyard.jobs.spec import load_environment_file, load_job_file, render_command


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


AZURE_JOB = """\
$schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json
type: command
code: ./src
command: >-
  python train.py --lr ${{inputs.lr}} --data ${{inputs.data}}
  --out ${{outputs.model}} $[[--seed ${{inputs.seed}}]]
inputs:
  lr: 0.01
  epochs: {type: integer, value: 3}
  data: {type: uri_file, path: ./data/iris.csv}
outputs:
  model: {type: uri_folder}
environment: azureml:AzureML-sklearn-1.0-ubuntu20.04-py38-cpu@latest
compute: azureml:local
resources: {instance_count: 1}
limits: {timeout: 600}
retries: 2
experiment_name: iris
display_name: first-try
tags: {team: ml}
"""


def test_an_azure_style_command_job_parses(tmp_path: Path) -> None:
    write(tmp_path / "src/train.py", "print('hi')\n")
    write(tmp_path / "data/iris.csv", "a,b\n1,2\n")
    spec = load_job_file(write(tmp_path / "job.yml", AZURE_JOB))
    assert spec.code == str((tmp_path / "src").resolve())
    assert spec.inputs["lr"].value == 0.01
    assert spec.inputs["epochs"].value == 3
    assert spec.inputs["data"].path == str((tmp_path / "data/iris.csv").resolve())
    assert spec.outputs["model"].type == "uri_folder"
    assert spec.environment_ref.startswith("azureml:AzureML-sklearn")
    assert (spec.compute, spec.timeout, spec.retries) == ("local", 600.0, 2)
    assert (spec.experiment_name, spec.display_name, spec.tags) == ("iris", "first-try", {"team": "ml"})


def test_set_overrides_a_literal_input(tmp_path: Path) -> None:
    write(tmp_path / "src/train.py", "")
    write(tmp_path / "data/iris.csv", "a\n")
    spec = load_job_file(write(tmp_path / "job.yml", AZURE_JOB), overrides=["inputs.lr=0.5", "inputs.epochs=7"])
    assert spec.inputs["lr"].value == 0.5
    assert spec.inputs["epochs"].value == 7


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("command: echo hi\nfoo: 1\n", "job.yml:2: unknown key 'foo'"),
        ("command: echo\ninputs:\n  a:\n    type: string\n    typo: 1\n", "job.yml:5: unknown key 'typo' in inputs.a"),
        ("command: echo\nlimits:\n  timeout: 5\n  max_nodes: 2\n", "job.yml:4: unknown key 'max_nodes' in limits"),
        ("type: command\ncommand: echo ${{inputs.b}}\n", "job.yml:2: the command references ${{inputs.b}}"),
        ("command: echo ${{outputs.m}}\n", "job.yml:1: the command references ${{outputs.m}}"),
        ("command: echo\ncode: ./nowhere\n", "job.yml:2: code folder not found"),
        ("command: echo\ninputs:\n  d: {type: uri_file, path: ./missing.csv}\n", "job.yml:3: input 'd': file not found"),
        ("command: echo\ncommand: ls\n", "job.yml:2: duplicate key 'command'"),
        ("type: pipeline\ncommand: echo\n", "job.yml:1: type 'pipeline' is not a command job"),
        ("inputs: {}\n", "'command' is required"),
        ("command: echo\nlimits: {timeout: -1}\n", "job.yml:2: limits.timeout must be seconds > 0"),
        ("command: [echo\n", "job.yml:2: invalid YAML"),
    ],
)
def test_bad_specs_are_refused_with_the_line(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path / "job.yml", text)
    with pytest.raises(InvalidArgument) as info:
        load_job_file(path)
    assert expected in str(info.value).replace(str(path), "job.yml")


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgument, match="file not found"):
        load_job_file(tmp_path / "nope.yml")


def test_render_command_drops_optional_parts_and_fills_values() -> None:
    cmd = "python t.py --lr ${{inputs.lr}} $[[--seed ${{inputs.seed}}]] --out ${{outputs.m}}"
    assert render_command(cmd, inputs={"lr": "0.1", "seed": None}, outputs={"m": "/o"}) == (
        "python t.py --lr 0.1  --out /o"
    )
    assert "--seed 3" in render_command(cmd, inputs={"lr": "0.1", "seed": "3"}, outputs={"m": "/o"})


def test_conda_environment_file_uses_its_pip_part_and_python(tmp_path: Path) -> None:
    write(tmp_path / "conda.yml", "name: x\nchannels: [conda-forge]\ndependencies:\n  - python=3.11\n  - pip\n  - pip:\n    - numpy>=1.26\n    - pandas\n")
    _, spec = load_environment_file(write(tmp_path / "env.yml", "name: sk\nversion: 1\nconda_file: conda.yml\nimage: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04\n"))
    assert spec.pip == ("numpy>=1.26", "pandas")
    assert spec.python == "3.11"
    assert spec.image.startswith("mcr.")


def test_environment_spec_digest_is_a_content_key() -> None:
    from modelyard.jobs.entities import EnvironmentSpec

    a = EnvironmentSpec(pip=("numpy",), python="3.11")
    assert a.digest() == EnvironmentSpec(pip=("numpy",), python="3.11", image="other").digest()
    assert a.digest() != EnvironmentSpec(pip=("numpy==2",), python="3.11").digest()
    assert a.digest() != EnvironmentSpec(pip=("numpy",), python="3.12").digest()
