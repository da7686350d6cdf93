"""The plain page served at ``/`` until the Studio UI is built (``make ui``)."""

from __future__ import annotations

from html import escape
from typing import Any

__all__ = ["placeholder_page"]


def placeholder_page(app: Any) -> str:
    """Return an HTML page saying what is running and where to go next."""
    from modelyard.server.responses import modelyard_version

    workspace = escape(str(app.state.workspace_name))
    tracking = escape(type(app.state.tracking_store).__name__)
    artifacts = escape(repr(app.state.artifact_store))
    version = escape(modelyard_version())
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Modelyard</title>
<style>body{{font-family:system-ui,sans-serif;max-width:44rem;margin:3rem auto;padding:0 1rem;
line-height:1.5;color:#222}}code{{background:#f3f3f3;padding:.1rem .3rem}}</style></head>
<body>
<h1>Modelyard is running</h1>
<p>Workspace <strong>{workspace}</strong> &middot; version {version}</p>
<p>Tracking store: <code>{tracking}</code><br>Artifact store: <code>{artifacts}</code></p>
<ul>
<li><a href="/api/v1/docs">REST API documentation</a></li>
<li><a href="/api/v1/openapi.json">OpenAPI document</a></li>
<li><a href="/healthz">Health</a> &middot; <a href="/metrics">Prometheus metrics</a></li>
</ul>
<p>The Studio web UI is not built in this installation. Build it with <code>make ui</code>
(needs Node.js and npm) and reload this page.</p>
</body></html>
"""
