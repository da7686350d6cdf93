"""Property-based requests generated from our own OpenAPI document (schemathesis).

Every tracking, artifact and model-registry route gets generated requests; none may answer
with a 5xx, and every 4xx has our error shape. The app runs in process (ASGI) on a fresh
workspace with no job dispatcher. Jobs, computes, datastores and endpoints are left out:
their generated requests could start processes or reach addresses other than loopback.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from modelyard.server.app import create_app
from modelyard.settings import Settings

pytestmark = pytest.mark.slow

_WORKSPACE = Path(tempfile.mkdtemp(prefix="modelyard-fuzz-")) / "ws"
# the in-process client calls itself "testserver": allowed like any configured host name
_SETTINGS = Settings(workspace=str(_WORKSPACE), server={"allowed_hosts": ["testserver"]})
_APP = create_app(_SETTINGS, run_dispatcher=False)
_ROUTES = r"^/api/v1/(experiments|runs|metrics|workspace|artifacts|models)"

schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", _APP).include(path_regex=_ROUTES)


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_route_answers_a_server_error(case) -> None:
    response = case.call()
    assert response.status_code < 500, (case.method, case.formatted_path, response.text[:500])
    if response.status_code >= 400:
        body = response.json()
        assert body["error"]["code"] and body["error"]["message"], body
