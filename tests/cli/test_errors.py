"""Bad input: one line on stderr starting with "Error:", exit 1 (2 for usage), no traceback."""

from __future__ import annotations

import pytest

from modelyard.sdk.workspace import Workspace


def _assert_one_line_error(res, code: int) -> str:
    assert res.exit_code == code, (res.exit_code, res.stdout, res.stderr)
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert lines[0].startswith("Error: ")
    assert "Traceback" not in res.stderr + res.stdout
    return lines[0]


def test_unknown_run_id(cli, location: str) -> None:
    line = _assert_one_line_error(cli("-w", location, "run", "show", "0" * 32), 1)
    assert "0" * 32 in line
    _assert_one_line_error(cli("-w", location, "run", "metrics", "nope"), 1)
    _assert_one_line_error(cli("-w", location, "run", "delete", "nope"), 1)
    _assert_one_line_error(cli("-w", location, "run", "compare", "nope", "nope2"), 1)


@pytest.mark.parametrize(
    "bad_filter",
    ["metrics.acc >>> 1", "metrics.acc > 0.5; DROP TABLE runs", "params.x = 'unterminated", "nonsense"],
)
def test_bad_filter(cli, location: str, bad_filter: str) -> None:
    line = _assert_one_line_error(cli("-w", location, "run", "list", "--filter", bad_filter), 1)
    assert len(line) < 400


def test_bad_order_by_and_unknown_experiment(cli, location: str) -> None:
    _assert_one_line_error(cli("-w", location, "run", "list", "--order-by", "metrics.acc SIDEWAYS"), 1)
    line = _assert_one_line_error(cli("-w", location, "run", "list", "--experiment", "no-such"), 1)
    assert "no-such" in line
    _assert_one_line_error(cli("-w", location, "experiment", "show", "no-such"), 1)


def test_user_errors_on_existing_objects(cli, location: str) -> None:
    with Workspace(location) as ws:
        ws.experiments.create("taken")
        with ws.runs.start(experiment="taken") as run:
            pass
    _assert_one_line_error(cli("-w", location, "experiment", "create", "taken"), 1)
    _assert_one_line_error(cli("-w", location, "run", "metrics", run.id, "never-logged"), 1)
    _assert_one_line_error(cli("-w", location, "run", "download", run.id, "../../etc/passwd"), 1)
    _assert_one_line_error(cli("-w", location, "run", "restore", run.id), 1)  # not deleted


@pytest.mark.parametrize(
    "args",
    [
        ["run", "list", "-o", "xml"],
        ["run", "list", "--max-results", "0"],
        ["run", "show"],
        ["run", "frobnicate"],
        ["frobnicate"],
        ["experiment", "create", "x", "--tag", "no-equals-sign"],
        ["experiment", "update", "x"],
        ["run", "list", "--no-such-option"],
    ],
)
def test_usage_errors_exit_2(cli, tmp_path, args: list[str]) -> None:
    _assert_one_line_error(cli("-w", str(tmp_path / "ws"), *args), 2)


def test_unreachable_server(cli) -> None:
    from tests.support.server import listening_socket

    sock = listening_socket()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    sock.close()
    line = _assert_one_line_error(cli("-w", url, "run", "list"), 1)
    assert url in line


def test_unsupported_workspace_location(cli) -> None:
    _assert_one_line_error(cli("-w", "ftp://example.com/ws", "run", "list"), 1)


def test_server_refuses_an_open_bind_without_auth(cli, tmp_path) -> None:
    line = _assert_one_line_error(cli("-w", str(tmp_path / "ws"), "server", "--host", "0.0.0.0"), 1)
    assert "--allow-insecure" in line


def test_server_needs_a_folder_not_a_url(cli) -> None:
    _assert_one_line_error(cli("-w", "http://127.0.0.1:9", "server"), 1)
