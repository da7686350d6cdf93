"""The fast path of CSV profiles (pandas' parser on byte ranges) agrees with DuckDB's, and
hands every file it cannot vouch for to DuckDB."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import pytest

from modelyard.data import _plaincsv
from modelyard.data import profile as prof
from modelyard.data.entities import DataProfile, TableFormat, TableSpec
from modelyard.errors import InvalidArgument
from tests.data._helpers import generate_csv

CSV = TableSpec(format=TableFormat.CSV)


@pytest.fixture
def small_ranges(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cut files of a few hundred KB into several ranges, as large ones are."""
    monkeypatch.setattr(_plaincsv, "MIN_RANGE_BYTES", 64 * 1024)


def _duckdb(paths: list[str], spec: TableSpec = CSV) -> DataProfile:
    source = prof.table_source_sql(paths, spec)
    return prof._with_budget(lambda con: prof._profile_relation(con, source))


def _fast(paths: list[str], spec: TableSpec = CSV) -> DataProfile | None:
    return prof._profile_plain_csv(paths, spec)


def _assert_same(fast: DataProfile, slow: DataProfile, *, same_first_batch: bool = True) -> None:
    """Equal profiles. Histogram grids start from the first batch folded: the same rows when
    the first range holds at least a batch (65,536 rows), as large files' ranges do."""
    assert fast.row_count == slow.row_count
    assert [c.name for c in fast.columns] == [c.name for c in slow.columns]
    for a, b in zip(fast.columns, slow.columns, strict=True):
        for field in dataclasses.fields(b):
            x, y = getattr(a, field.name), getattr(b, field.name)
            if field.name == "histogram" and y is not None:
                assert [lo for lo, _, _ in x] == pytest.approx([lo for lo, _, _ in y])
                assert sum(n for *_, n in x) == sum(n for *_, n in y)
                moved = sum(abs(p[2] - q[2]) for p, q in zip(x, y, strict=True))
                # else values near a bin edge may sit in the neighbouring bin (1 % each)
                assert moved == 0 if same_first_batch else moved <= 0.02 * a.count, a.name
            elif isinstance(y, float) and not (isinstance(x, float) and math.isnan(x)):
                assert x == pytest.approx(y, rel=1e-9, abs=1e-12), (a.name, field.name)
            else:
                assert x == y, (a.name, field.name)


def test_the_fast_path_agrees_with_duckdb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = str(generate_csv(tmp_path / "t.csv", 240_000, cols=8, seed=5))  # ~12 MB
    monkeypatch.setattr(_plaincsv, "MIN_RANGE_BYTES", 3 * 1024 * 1024)  # 3 ranges
    plan = _plaincsv.plain_csv([path], CSV, workers=3)
    assert plan is not None and len(plan.ranges) == 3  # cut into ranges at line starts
    fast = _fast([path])
    assert fast is not None
    _assert_same(fast, _duckdb([path]))


def test_integers_with_gaps_booleans_and_empty_chunks(tmp_path: Path, small_ranges: None) -> None:
    path = tmp_path / "g.csv"
    rows = ["id,n,flag,label,late"]
    for i in range(30_000):
        n = "" if i % 7 == 0 else str(i * 3)
        flag = "" if i % 11 == 0 else ("true" if i % 3 else "false")
        late = f"w{i % 13}" if i > 25_000 else ""  # all missing in the first chunks
        rows.append(f"{i},{n},{flag},name {i % 50},{late}")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    fast = _fast([str(path)])
    assert fast is not None
    slow = _duckdb([str(path)])
    _assert_same(fast, slow, same_first_batch=False)
    n = fast.column("n")
    assert (n.type, n.physical_type, n.missing_count) == ("integer", "int64", 30_000 // 7 + 1)
    assert (fast.column("flag").type, fast.column("late").missing_count) == ("boolean", 25_001)


def test_several_files_with_one_header(tmp_path: Path) -> None:
    a = generate_csv(tmp_path / "a.csv", 3_000, cols=5, seed=1)
    b = generate_csv(tmp_path / "b.csv", 2_000, cols=5, seed=2)
    fast = _fast([str(a), str(b)])
    assert fast is not None and fast.row_count == 5_000
    _assert_same(fast, _duckdb([str(a), str(b)]))


def _write(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    ("case", "text"),
    [
        # a float deep in an integer column (beyond the sniffer's sample)
        ("late float", "a,b\n" + "1,2\n" * 9_000 + "1.5,2\n"),
        # codes that pandas would read as numbers: "007" must stay text
        ("zero-padded codes", "code,v\n" + "x1,1\n" * 5 + "007,2\n" * 70_000),
        # a delimiter inside a quoted field, beyond the first MB (the plan looks there)
        ("quoted delimiter", "name,v\n" + "Smith J,1\n" * 150_000 + '"Smith, J",2\n'),
        # a short row, which pandas pads and DuckDB refuses
        ("short row", "a,b\n1,2\n3\n" + "4,5\n" * 100),
    ],
)
def test_what_the_fast_path_cannot_vouch_for_goes_to_duckdb(tmp_path: Path, case: str,
                                                           text: str) -> None:
    path = _write(tmp_path / "x.csv", text)
    assert _fast([path]) is None, case
    try:
        expected: DataProfile | str = _duckdb([path])
    except InvalidArgument as e:
        expected = str(e)
    try:
        got: DataProfile | str = prof.profile_files([path], CSV)
    except InvalidArgument as e:
        got = str(e)
    if isinstance(expected, str):
        assert got == expected and "cannot be read" in got
    else:
        assert isinstance(got, DataProfile) and got.row_count == expected.row_count
        assert [c.type for c in got.columns] == [c.type for c in expected.columns]


def test_quoted_delimiters_are_found_before_parsing(tmp_path: Path) -> None:
    path = _write(tmp_path / "q.csv", "name,v\n" + '"Smith, J",1\n' * 100)
    assert _plaincsv.plain_csv([path], CSV, workers=2) is None  # seen in the first MB
    quoted = _write(tmp_path / "ok.csv", "name,v\n" + '"Smith J",1\n' * 100)
    assert _fast([quoted]) is not None  # quotes without delimiters in them are plain


def test_a_cut_inside_a_quoted_field_goes_to_duckdb(tmp_path: Path, small_ranges: None) -> None:
    note = '"' + "line one\n" * 40_000 + 'line two"'  # one field of ~360 KB over many lines
    path = _write(tmp_path / "q.csv", f"id,note\n1,{note}\n2,short\n")
    plan = _plaincsv.plain_csv([path], CSV, workers=2)
    assert plan is not None and len(plan.ranges) == 2  # the cut falls inside the field
    assert _fast([path]) is None
    got = prof.profile_files([path], CSV)
    assert got.row_count == 2 and got.column("note").distinct_count == 2


@pytest.mark.parametrize(
    ("case", "text", "spec"),
    [
        ("dates", "d,v\n2024-01-01,1\n2024-01-02,2\n", CSV),
        ("one column", "v\n1.5\n2.5\n", CSV),
        ("latin-1", "a,b\n1,2\n3,4\n", dataclasses.replace(CSV, encoding="latin-1")),
    ],
)
def test_files_that_are_not_plain_go_to_duckdb(tmp_path: Path, case: str, text: str,
                                               spec: TableSpec) -> None:
    path = _write(tmp_path / "p.csv", text)
    plan = _plaincsv.plain_csv([path], spec, workers=2)
    if plan is not None:  # the sniffer, running beside the parser threads, says why
        with pytest.raises(_plaincsv.Unsuitable):
            plan.columns()
    assert prof._profile_plain_csv([path], spec) is None, case
    assert prof.profile_files([path], spec).row_count == 2


def test_files_with_different_headers_are_not_planned(tmp_path: Path) -> None:
    a = _write(tmp_path / "a.csv", "x,y\n1,2\n")
    b = _write(tmp_path / "b.csv", "y,x\n3,4\n")
    assert _plaincsv.plain_csv([a, b], CSV, workers=2) is None
    profile = prof.profile_files([a, b], CSV)  # DuckDB unites them by name
    assert profile.row_count == 2 and profile.column("x").max == 4


def test_header_only_and_long_lines(tmp_path: Path, small_ranges: None) -> None:
    assert _plaincsv.plain_csv([_write(tmp_path / "h.csv", "a,b")], CSV, workers=2) is None
    long_text = "x" * 300_000  # a line longer than the ranges are apart
    path = _write(tmp_path / "l.csv", "a,b\n" + f"1,{long_text}\n" * 3 + "2,y\n" * 1000)
    fast = _fast([path])
    assert fast is not None and fast.row_count == 1003
    _assert_same(fast, _duckdb([path]), same_first_batch=False)
