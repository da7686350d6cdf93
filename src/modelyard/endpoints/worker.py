"""The deployment worker: one process serving one model version over HTTP.

Started by the server's :class:`~modelyard.endpoints.supervisor.EndpointSupervisor` (never
imported by the server itself: this is where models are unpickled and user code runs)::

    python -m modelyard.endpoints.worker --fd 7|--port 8080 --model-dir /ws/artifacts/models/churn/abc \
        [--code DIR --scoring-script score.py] [--max-batch-size 32 --max-wait-ms 2]

Routes: ``GET /health`` (alive), ``GET /ready`` (model loaded), ``POST /score``,
``GET /openapi.json`` (generated from the model signature). A no-code deployment checks each
request against the signature (400 naming the column) and scores through the micro-batcher;
a custom ``score.py`` gets ``init()`` once and ``run(raw_data)`` (the body as text) per
request. The app is plain ASGI to keep the per-request cost low.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import logging
import socket
import sys
from pathlib import Path
from typing import Any

import orjson

from modelyard.errors import InvalidArgument, ModelyardError, PayloadTooLarge, UserCodeFailed

__all__ = ["WorkerApp", "import_scoring_script", "main"]

logger = logging.getLogger(__name__)

_JSON = [(b"content-type", b"application/json")]


class WorkerApp:
    """The ASGI app of one worker.

    Args:
        model_dir: the model folder (its ``MLmodel`` is read for the signature even with a
            custom script).
        code / scoring_script: a custom ``score.py`` to use instead of the flavored model.
        max_batch_size / max_wait_ms: micro-batching (flavored models only; 1 turns it off).
        max_body_bytes: larger request bodies get 413.
    """

    def __init__(self, *, model_dir: Path, code: Path | None = None, scoring_script: str | None = None,
                 max_batch_size: int = 32, max_wait_ms: float = 2.0, max_body_bytes: int = 64 * 1024 * 1024) -> None:
        from modelyard.endpoints.scoring import MicroBatcher
        from modelyard.models.descriptor import read_descriptor

        self.max_body = max_body_bytes
        self.script: Any = None
        self.model: Any = None
        self.descriptor = read_descriptor(model_dir) if (model_dir / "MLmodel").is_file() else None
        if scoring_script:
            self.script = import_scoring_script(code or model_dir, scoring_script, model_dir)
        else:
            from modelyard.models.packaging import load_model_folder

            self.model = load_model_folder(model_dir)
        self.fast = _fast_plan(self.model) if self.model is not None else None
        self.batcher = None
        if self.model is not None and max_batch_size > 1:
            self.batcher = MicroBatcher(self._score_rows, max_batch_size=max_batch_size,
                                        max_wait_ms=max_wait_ms, inline_rows=_INLINE_ROWS)

    def _score_rows(self, rows: Any) -> Any:
        """Score checked input: a DataFrame, or an array from the numeric fast path."""
        fast = self.fast
        if fast is not None and not hasattr(rows, "columns"):
            columns, _dtype, native = fast
            if native is not None:
                return native.predict(rows)
            import pandas as pd

            rows = pd.DataFrame(rows, columns=columns)
        return self.model.predict(rows, checked=True)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        path, method = scope["path"], scope["method"]
        if path in ("/health", "/ready") and method in ("GET", "HEAD"):
            await _send(send, 200, b'{"status":"ok"}')
        elif path == "/openapi.json" and method == "GET":
            from modelyard.endpoints.openapi import scoring_openapi

            await _send(send, 200, orjson.dumps(scoring_openapi(self.descriptor)))
        elif path == "/score" and method == "POST":
            await self._score(scope, receive, send)
        else:
            await _send(send, 404, orjson.dumps({"error": {"code": "NOT_FOUND", "message": f"no route {method} {path}"}}))

    async def _score(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        try:
            body = await _read_body(scope, receive, self.max_body)
            result = await self._predict(body)
            await _send(send, 200, orjson.dumps(result, option=orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS))
        except ModelyardError as e:
            await _send(send, e.http_status, orjson.dumps({"error": e.to_dict()}))
        except Exception as e:
            logger.exception("scoring failed")
            await _send(send, 500, orjson.dumps({"error": {"code": "INTERNAL", "message": f"scoring failed: {type(e).__name__}: {e}"}}))

    async def _predict(self, body: bytes) -> Any:
        from modelyard.endpoints.scoring import parse_payload, to_predictions

        if self.script is not None:
            try:
                out = await asyncio.to_thread(self.script.run, body.decode("utf-8", errors="replace"))
            except Exception as e:
                raise UserCodeFailed(f"score.py run() failed: {type(e).__name__}: {e}") from e
            return out if isinstance(out, dict) else {"predictions": to_predictions(out)}
        frame = None
        if self.fast is not None:
            from modelyard.endpoints.scoring import numeric_rows

            frame = numeric_rows(body, self.fast[0], self.fast[1])
        if frame is None:
            frame = self.model.prepare(parse_payload(body))
        if self.batcher is not None:
            result = await self.batcher.submit(frame)
        elif len(frame) <= _INLINE_ROWS:
            result = self._score_rows(frame)
        else:
            result = await asyncio.to_thread(self._score_rows, frame)
        return {"predictions": to_predictions(result)}


_INLINE_ROWS = 256


def _fast_plan(model: Any) -> tuple[list[str], str, Any] | None:
    """(columns, dtype, estimator or None) when the signature is all double or all float
    columns, so a plain numeric request can skip the per-column checks; the estimator is
    set when it is a plain scikit-learn estimator, which then scores the array itself
    (the columns were checked to be the signature's, in its order). The same rules as batch
    scoring's fast path (:mod:`~modelyard.endpoints.batch_scorer`)."""
    from modelyard.endpoints.batch_scorer import native_estimator, numeric_columns

    numeric = numeric_columns(model.signature)
    if numeric is None:
        return None
    columns = list(numeric)
    native = native_estimator(model, columns)
    if native is not None:
        import warnings

        # the array's columns are the signature's, which are the fitted feature names
        warnings.filterwarnings("ignore", message="X does not have valid feature names")
    return columns, next(iter(numeric.values())), native


async def _read_body(scope: dict[str, Any], receive: Any, limit: int) -> bytes:
    for name, value in scope.get("headers", ()):
        if name == b"content-length" and value.isdigit() and int(value) > limit:
            raise PayloadTooLarge(f"the request body is larger than {limit} bytes")
    chunks, size = [], 0
    while True:
        message = await receive()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"the request body is larger than {limit} bytes")
        chunks.append(chunk)
        if not message.get("more_body"):
            return b"".join(chunks)


async def _send(send: Any, status: int, body: bytes) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [*_JSON, (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def import_scoring_script(code: Path, script: str, model_dir: Path) -> Any:
    """Import ``code/script`` as the module ``score`` (the model's folder in
    ``AZUREML_MODEL_DIR`` / ``MODELYARD_MODEL_DIR``) and call its ``init()``.

    Raises:
        InvalidArgument: the script is missing, outside ``code``, or has no ``run``.
        UserCodeFailed: importing it or its ``init()`` failed.
    """
    import os

    path = (code / script).resolve()
    if not path.is_relative_to(code.resolve()):
        raise InvalidArgument(f"scoring script {script!r} is outside its code folder")
    if not path.is_file():
        raise InvalidArgument(f"scoring script {script!r} not found in the deployment's code")
    os.environ.setdefault("AZUREML_MODEL_DIR", str(model_dir))
    os.environ.setdefault("MODELYARD_MODEL_DIR", str(model_dir))
    sys.path.insert(0, str(code.resolve()))
    spec = importlib.util.spec_from_file_location("score", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
        if not callable(getattr(module, "run", None)):
            raise InvalidArgument(f"{script} must define run(raw_data)")
        if callable(getattr(module, "init", None)):
            module.init()
    except ModelyardError:
        raise
    except Exception as e:
        raise UserCodeFailed(f"{script} failed to load: {type(e).__name__}: {e}") from e
    return module


def _exit_with_parent(parent: int) -> None:
    """Exit when the supervising server dies (even by SIGKILL): no orphaned workers."""
    import os
    import threading
    import time

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


_PRELOAD = ("numpy", "pandas", "uvicorn", "uvloop", "httptools", "uvicorn.protocols.http.httptools_impl",
            "modelyard.server.transport", "orjson", "cloudpickle", "modelyard.models.packaging",
            "modelyard.models.flavors.sklearn", "modelyard.endpoints.scoring", "sklearn.base",
            "sklearn.pipeline", "sklearn.preprocessing", "sklearn.linear_model", "sklearn.tree",
            "sklearn.ensemble")


def _wait_warm(channel_fd: int, parent: int | None) -> list[str]:
    """A pre-started worker: import the heavy modules now, then wait for the supervisor to
    hand over a deployment (its arguments, its log file and its listening socket)."""
    import json
    import os

    if parent:
        _exit_with_parent(parent)
    for name in _PRELOAD:
        try:
            importlib.import_module(name)
        except ImportError:
            continue
    channel = socket.socket(fileno=channel_fd)
    message, fds, _flags, _addr = socket.recv_fds(channel, 1024 * 1024, 1)
    channel.close()
    if not message or not fds:
        sys.exit(0)  # the supervisor closed the channel: not needed any more
    config = json.loads(message)
    log = os.open(config["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(log)
    return [*config["argv"], "--fd", str(fds[0])]


def _fast_server() -> dict[str, Any]:
    """httptools and uvloop when installed; one write per response and TCP_NODELAY (as the
    main server does, see :mod:`modelyard.server.transport`)."""
    from modelyard.server.transport import coalescing_protocol_class

    options: dict[str, Any] = {}
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

        options["http"] = coalescing_protocol_class(HttpToolsProtocol)
    except ImportError:
        from uvicorn.protocols.http.h11_impl import H11Protocol

        options["http"] = coalescing_protocol_class(H11Protocol)
    try:
        import uvloop  # noqa: F401

        options["loop"] = "uvloop"
    except ImportError:
        options["loop"] = "asyncio"
    return options


def main(argv: list[str] | None = None) -> None:
    """Load the model, then serve on the inherited listening socket ``--fd``."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] == ["--warm-fd"]:
        parent = int(args_list[3]) if args_list[2:3] == ["--parent-pid"] else None
        args_list = _wait_warm(int(args_list[1]), parent)
    parser = argparse.ArgumentParser(prog="modelyard-worker")
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--fd", type=int, help="an inherited listening socket")
    group.add_argument("--port", type=int, help="bind this port (a packaged server)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--model-dir", required=True)
    parser.add_argument("--code")
    parser.add_argument("--scoring-script")
    parser.add_argument("--max-batch-size", type=int, default=32)
    parser.add_argument("--max-wait-ms", type=float, default=2.0)
    parser.add_argument("--max-body-bytes", type=int, default=64 * 1024 * 1024)
    parser.add_argument("--parent-pid", type=int, help="exit when this process is gone")
    args = parser.parse_args(args_list)
    if args.parent_pid:
        _exit_with_parent(args.parent_pid)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(message)s")
    if args.fd is not None:
        sock = socket.socket(fileno=args.fd)
    else:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((args.host, args.port))
        sock.listen(1024)
    try:
        app = WorkerApp(model_dir=Path(args.model_dir), code=Path(args.code) if args.code else None,
                        scoring_script=args.scoring_script, max_batch_size=args.max_batch_size,
                        max_wait_ms=args.max_wait_ms, max_body_bytes=args.max_body_bytes)
    except ModelyardError as e:
        sys.stderr.write(f"deployment failed to start: {e.message}\n")
        sys.exit(3)
    import uvicorn

    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on", timeout_keep_alive=75,
                            h11_max_incomplete_event_size=args.max_body_bytes, **_fast_server())
    logger.info("worker ready on %s", sock.getsockname())
    uvicorn.Server(config).run(sockets=[sock])


if __name__ == "__main__":  # pragma: no cover
    main()
