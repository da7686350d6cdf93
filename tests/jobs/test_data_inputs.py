"""Data asset inputs (``azureml:iris:1``, ``data:iris@latest``) resolve to local paths inside the
job and record the job in the asset's lineage; named outputs become new data versions."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelyard.errors import AlreadyExists, NotFound
from modelyard.jobs.spec import load_job_file
from modelyard.tracking.entities import RunStatus

WAIT = 60

JOB = """\
type: command
command: >-
  wc -l < ${{inputs.pinned}} > ${{outputs.counted}}/count.txt &&
  cat ${{inputs.latest}}/b.txt >> ${{outputs.counted}}/count.txt
inputs:
  pinned: {type: uri_file, path: azureml:iris:1}
  latest: {type: uri_folder, path: data:folder@latest}
outputs:
  counted: {type: uri_folder, name: counts, version: "7"}
"""


@pytest.fixture
def assets(ws, tmp_path: Path):
    return _register(ws, tmp_path)


def _register(ws, tmp_path: Path) -> Path:
    csv = tmp_path / "iris.csv"
    csv.write_text("a,b\n1,2\n3,4\n")
    ws.data.create_or_update(name="iris", type="uri_file", path=str(csv))
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "b.txt").write_text("old\n")
    ws.data.create_or_update(name="folder", type="uri_folder", path=str(folder))
    (folder / "b.txt").write_text("newest\n")
    ws.data.create_or_update(name="folder", type="uri_folder", path=str(folder))
    return tmp_path


def test_data_inputs_resolve_and_outputs_register(ws, dispatcher, assets: Path) -> None:
    (assets / "job.yml").write_text(JOB)
    spec = load_job_file(assets / "job.yml")
    job = ws.jobs.create_or_update(spec, start_agent=False)
    assert job.job.spec.inputs["latest"].path == "data:folder:2"  # @latest pinned at submit
    ended = job.wait(timeout=WAIT)
    assert ended.status is RunStatus.FINISHED, (ended.error, ws.jobs.logs(job.id))
    counts = ws.data.get("counts", "7")
    content = (ws.data.path(counts.ref) / "count.txt").read_text().split()
    assert content == ["3", "newest"]
    reads = ws.data.lineage("iris", "1")
    assert [(e.run_id, e.direction.value) for e in reads] == [(job.id, "input")]
    assert [e.run_id for e in ws.data.lineage("folder", "2")] == [job.id]
    assert [(e.run_id, e.direction.value) for e in ws.data.lineage("counts", "7")] == [(job.id, "output")]
    with pytest.raises(AlreadyExists):  # checked before anything runs
        ws.jobs.create_or_update(load_job_file(assets / "job.yml"), start_agent=False)


def test_an_unknown_data_asset_is_refused_before_anything_runs(ws, assets: Path) -> None:
    (assets / "job.yml").write_text(JOB.replace("azureml:iris:1", "azureml:iris:9"))
    with pytest.raises(NotFound, match="iris"):
        ws.jobs.create_or_update(load_job_file(assets / "job.yml"), start_agent=False)
    assert ws.jobs.list() == []


def test_data_inputs_and_outputs_through_a_server(tmp_path: Path) -> None:
    import modelyard as yard
    from tests.support.server import live_server

    with live_server(tmp_path / "served") as srv, yard.Workspace(srv.url) as ws:
        _register(ws, tmp_path)
        (tmp_path / "job.yml").write_text(JOB)
        job = ws.jobs.create_or_update(load_job_file(tmp_path / "job.yml"))
        ended = ws.jobs.wait(job.id, timeout=WAIT)
        assert ended.status is RunStatus.FINISHED, (ended.error, ws.jobs.logs(job.id))
        assert [e.run_id for e in ws.data.lineage("iris", "1")] == [job.id]
        assert [e.direction.value for e in ws.data.lineage("counts", "7")] == ["output"]
