#!/usr/bin/env bash
# Create benchmarks/.venv-peers with the peers our benchmarks compare against (MLflow >= 3).
# The peers never become dependencies of Modelyard: they live in this separate, git-ignored
# virtual environment, and the benchmark scripts drive them through subprocesses.
# Idempotent: quick when the venv already has what it needs.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv-peers"
python="${PYTHON:-python3}"

if [ ! -x "$venv/bin/python" ]; then
  "$python" -m venv "$venv"
fi
if "$venv/bin/python" - <<'PY' 2>/dev/null
import importlib.metadata as m, sys
v = m.version("mlflow")
sys.exit(0 if int(v.split(".")[0]) >= 3 else 1)
PY
then
  echo "peers ready: $("$venv/bin/python" -c 'import importlib.metadata as m; print("mlflow", m.version("mlflow"))')"
  exit 0
fi

# uv is much faster than pip when it is around (our .venv has it); pip otherwise.
uv="$here/../.venv/bin/uv"
if [ -x "$uv" ]; then
  "$uv" pip install -q --compile-bytecode -p "$venv/bin/python" 'mlflow>=3'
else
  "$venv/bin/python" -m pip install -q --upgrade pip
  "$venv/bin/python" -m pip install -q --compile 'mlflow>=3'
fi
"$venv/bin/python" -c 'import importlib.metadata as m; print("peers ready: mlflow", m.version("mlflow"))'
