"""``modelyard data ...`` and ``modelyard datastore ...`` against an embedded workspace and a
server: JSON output, one-line errors with exit code 1."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from modelyard.cli.main import app
from tests.data._helpers import write_csv


@pytest.fixture(params=["embedded", "server"])
def location(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "embedded":
        yield str(tmp_path / "ws")
        return
    yield request.getfixturevalue("served_data").url


def _run(location: str, *args: str):
    return CliRunner().invoke(app, ["-w", location, *args])


def test_data_commands(location: str, tmp_path: Path) -> None:
    write_csv(tmp_path / "iris.csv", [[5.1, "setosa"], [6.2, "virginica"], [None, "setosa"]],
              ["sepal", "species"])
    spec = tmp_path / "data.yml"
    spec.write_text("name: iris\ntype: mltable\npath: iris.csv\ndescription: flowers\n", encoding="utf-8")
    created = _run(location, "data", "create", "-f", str(spec), "-o", "json")
    assert created.exit_code == 0, created.output
    assert json.loads(created.stdout)["ref"] == "data:iris:1"
    again = _run(location, "data", "create", "-f", str(spec), "--set", "version=1")
    assert again.exit_code == 1 and "exists already" in again.output
    listed = json.loads(_run(location, "data", "list", "-o", "json").stdout)
    assert [(d["name"], d["version"]) for d in listed] == [("iris", "1")]
    profile = json.loads(_run(location, "data", "profile", "iris:1", "-o", "json").stdout)
    sepal = next(c for c in profile["columns"] if c["name"] == "sepal")
    assert (profile["row_count"], sepal["missing_count"], sepal["max"]) == (3, 1, 6.2)
    head = json.loads(_run(location, "data", "preview", "iris:1", "--rows", "2", "-o", "json").stdout)
    assert head["rows"] == [[5.1, "setosa"], [6.2, "virginica"]] and head["truncated"]
    assert [c["name"] for c in head["columns"]] == ["sepal", "species"]
    table = _run(location, "data", "preview", "iris@latest")
    assert table.exit_code == 0 and "virginica" in table.stdout
    assert "first 3 rows" in " ".join(table.stdout.split())  # the title may wrap
    bad = _run(location, "data", "preview", "iris:1", "--rows", "0")
    assert bad.exit_code == 1 and "rows must be" in bad.output and len(bad.output.strip().splitlines()) == 1
    shown = json.loads(_run(location, "data", "show", "iris@latest", "-o", "json").stdout)
    assert shown["row_count"] == 3 and shown["lineage"] == []
    down = _run(location, "data", "download", "iris:1", "-p", str(tmp_path / "out"))
    assert down.exit_code == 0, down.output
    assert (tmp_path / "out" / "iris-1" / "iris.csv").read_bytes() == (tmp_path / "iris.csv").read_bytes()
    assert _run(location, "data", "archive", "iris:1").exit_code == 0
    assert json.loads(_run(location, "data", "list", "-o", "json").stdout) == []
    missing = _run(location, "data", "show", "nope:1")
    assert missing.exit_code == 1 and "Traceback" not in missing.output


def test_datastore_commands(location: str, tmp_path: Path) -> None:
    spec = tmp_path / "ds.yml"
    spec.write_text(f"name: lake\ntype: local\npath: {tmp_path}\n", encoding="utf-8")
    created = _run(location, "datastore", "create", "-f", str(spec), "-o", "json")
    assert created.exit_code == 0, created.output
    assert json.loads(created.stdout)["config"] == {"path": str(tmp_path.resolve())}
    assert [d["name"] for d in json.loads(_run(location, "datastore", "list", "-o", "json").stdout)] == ["lake"]
    assert json.loads(_run(location, "datastore", "show", "lake", "-o", "json").stdout)["type"] == "local"
    secret = tmp_path / "s3.yml"
    secret.write_text("name: b\ntype: s3\nbucket: my-bucket\nsecret_key: abc\n", encoding="utf-8")
    refused = _run(location, "datastore", "create", "-f", str(secret))
    assert refused.exit_code == 1 and "secret" in refused.output
    assert _run(location, "datastore", "delete", "lake").exit_code == 0
    assert json.loads(_run(location, "datastore", "list", "-o", "json").stdout) == []
