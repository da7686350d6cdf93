"""``modelyard model package``: a model version as something to run elsewhere.

* ``docker``: a self-contained build context (``Dockerfile``, ``requirements.txt``, the model
  under ``model/``) whose image runs the same scoring worker the endpoints use, on port 8080
  (``POST /score``, ``GET /health``, ``GET /ready``).
* ``kserve``: that build context plus ``inferenceservice.yaml``, a KServe
  ``InferenceService`` with the image as a custom predictor container.

Example::

    package_model(ws, ws.models.get("churn", version=3), Path("churn-3-docker"), format="docker")
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from modelyard.errors import AlreadyExists, InvalidArgument

__all__ = ["FORMATS", "package_model"]

FORMATS = ("docker", "kserve")
PORT = 8080


def _dockerfile(python: str) -> str:
    return f"""# Built by `modelyard model package --format docker`.
FROM python:{python}-slim
ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /srv
COPY requirements.txt /srv/requirements.txt
RUN pip install -r /srv/requirements.txt
COPY model /srv/model
EXPOSE {PORT}
HEALTHCHECK CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:{PORT}/ready')"
CMD ["python", "-m", "modelyard.endpoints.worker", "--host", "0.0.0.0", "--port", "{PORT}", "--model-dir", "/srv/model"]
"""


def _manifest(name: str, image: str) -> str:
    return f"""apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata:
  name: {name}
spec:
  predictor:
    containers:
      - name: kserve-container
        image: {image}
        ports:
          - containerPort: {PORT}
            protocol: TCP
        readinessProbe:
          httpGet: {{path: /ready, port: {PORT}}}
        livenessProbe:
          httpGet: {{path: /health, port: {PORT}}}
"""


def package_model(workspace: Any, version: Any, target: Path, *, format: str = "docker") -> Path:
    """Write the package of registry ``version`` into the new folder ``target``.

    Raises:
        InvalidArgument: an unknown format. AlreadyExists: ``target`` is not empty.
    """
    from modelyard.models.descriptor import read_descriptor
    from modelyard.models.flavors.base import library_version

    if format not in FORMATS:
        raise InvalidArgument(f"unknown package format {format!r}: use {' or '.join(FORMATS)}")
    target = Path(target)
    if target.exists() and any(target.iterdir()):
        raise AlreadyExists(f"{target} exists and is not empty")
    target.mkdir(parents=True, exist_ok=True)
    model_dir = workspace.models.download(version.name, version.version, dest=target / "model")
    descriptor = read_descriptor(model_dir)
    reqs = [r for r in descriptor.requirements if not r.startswith("modelyard")]
    lines = [f"modelyard=={library_version('modelyard') or '0.1.0'}", "uvicorn>=0.29", *reqs]
    (target / "requirements.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    python = ".".join((descriptor.python_version or "3.11").split(".")[:2])
    (target / "Dockerfile").write_text(_dockerfile(python), encoding="utf-8")
    (target / ".dockerignore").write_text("**/__pycache__\n", encoding="utf-8")
    if format == "kserve":
        name = f"{version.name}-{version.version}".lower().replace("_", "-").replace(".", "-")
        (target / "inferenceservice.yaml").write_text(_manifest(name, f"{name}:latest"), encoding="utf-8")
    return target
