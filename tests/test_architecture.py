"""Checks of the package's shape: the import rules and the cheap `import modelyard`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_rules_hold() -> None:
    lint = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_import_modelyard_loads_nothing_heavy() -> None:
    code = (
        "import sys, json, modelyard\n"
        "heavy = ['sqlalchemy', 'pandas', 'numpy', 'fastapi', 'httpx', 'pydantic', 'matplotlib']\n"
        "print(json.dumps([m for m in heavy if m in sys.modules]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []


def test_public_names_are_exactly_the_intended_ones() -> None:
    import modelyard

    assert set(modelyard.__all__) == {
        "Workspace", "Run", "RunStatus", "errors", "data", "datasets", "__version__",
        "start_run", "end_run", "active_run", "flush", "set_workspace",
        "log_param", "log_params", "log_metric", "log_metrics",
        "log_artifact", "log_artifacts", "log_text", "log_dict", "log_figure", "log_table",
        "set_tag", "set_tags",
        "log_model", "load_model", "PythonModel",
        "command",
    }
    for name in modelyard.__all__:
        assert getattr(modelyard, name) is not None
