"""The filter language parser: examples, error positions and property tests."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modelyard.errors import FilterSyntaxError, InvalidArgument
from modelyard.tracking.filter import (
    STRING_ATTRIBUTES,
    TIME_ATTRIBUTES,
    Comparison,
    Filter,
    OrderBy,
    format_filter,
    format_order_by,
    parse_filter,
    parse_order_by,
)


def one(kind: str, key: str, op: str, value) -> Filter:
    return Filter((Comparison(kind, key, op, value),))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "metrics.acc > 0.9 and params.model = 'rf' and tags.team = 'x'",
            Filter(
                (
                    Comparison("metric", "acc", ">", 0.9),
                    Comparison("param", "model", "=", "rf"),
                    Comparison("tag", "team", "=", "x"),
                )
            ),
        ),
        ("metrics.acc>=1", one("metric", "acc", ">=", 1)),
        ("metric.acc <= -2.5e-3", one("metric", "acc", "<=", -0.0025)),
        ("metrics.train.loss < 1", one("metric", "train.loss", "<", 1)),
        ("metrics.`val acc` != 1", one("metric", "val acc", "!=", 1)),
        ('metrics."a.b c" = 1', one("metric", "a.b c", "=", 1)),
        ("metrics.`we\\`ird` = 1", one("metric", "we`ird", "=", 1)),
        ("params.p == 'x'", one("param", "p", "=", "x")),
        ("params.p <> 'x'", one("param", "p", "!=", "x")),
        ("params.p LIKE 'a%'", one("param", "p", "like", "a%")),
        ("params.p ILike 'a%'", one("param", "p", "ilike", "a%")),
        ("params.p in ('a', \"b\")", one("param", "p", "in", ("a", "b"))),
        ("params.p NOT   IN ('a')", one("param", "p", "not in", ("a",))),
        ("metrics.m in (1, 2.5)", one("metric", "m", "in", (1, 2.5))),
        ("tags.t = 'it\\'s'", one("tag", "t", "=", "it's")),
        ('tags.t = "say \\"hi\\""', one("tag", "t", "=", 'say "hi"')),
        ("tags.t = 'tab\\there\\\\'", one("tag", "t", "=", "tab\there\\")),
        ("attributes.status = 'finished'", one("attribute", "status", "=", "finished")),
        ("attributes.run_name = 'r'", one("attribute", "name", "=", "r")),
        ("attr.id = 'abc'", one("attribute", "run_id", "=", "abc")),
        ("run.start_time > 1700000000000", one("attribute", "start_time", ">", 1700000000000)),
        (
            "attributes.created_at >= '2024-01-01T00:00:00Z'",
            one("attribute", "created_at", ">=", "2024-01-01T00:00:00Z"),
        ),
        (
            "  metrics.a = 1   AND   metrics.b = 2  ",
            Filter((Comparison("metric", "a", "=", 1), Comparison("metric", "b", "=", 2))),
        ),
        ("", Filter(())),
        ("   ", Filter(())),
    ],
)
def test_parses(text: str, expected: Filter) -> None:
    assert parse_filter(text) == expected


def test_none_is_an_empty_filter() -> None:
    assert parse_filter(None) == Filter(())


@pytest.mark.parametrize(
    ("text", "position", "words"),
    [
        ("metrics.acc > 0.9; DROP TABLE runs", 17, "expected 'and'"),
        ("metrics.acc > 0.9 or metrics.b < 1", 18, "'or' is not supported"),
        ("metrics.acc > 'abc'", 14, "numbers"),
        ("params.lr = 0.1", 12, "quote"),
        ("params.lr > '0.1'", 10, "does not apply"),
        ("metrics.acc like '%'", 12, "does not apply"),
        ("tags.x = 'unterminated", 9, "unterminated string"),
        ("metrics.`open = 1", 8, "unterminated quoted key"),
        ("foo.bar = 1", 0, "unknown prefix 'foo'"),
        ("attributes.colour = 'red'", 11, "unknown attribute 'colour'"),
        ("attributes.status = 'weird'", 20, "unknown status"),
        ("attributes.start_time > 'yesterday'", 24, "ISO-8601"),
        ("attributes.start_time like '2024%'", 22, "does not apply"),
        ("metrics.acc >", 13, "expected a number"),
        ("metrics.acc 0.9", 12, "expected an operator"),
        ("metrics.", 8, "expected a key"),
        ("metrics acc > 1", 7, "expected '.'"),
        ("metrics.acc > 1 and", 19, "expected a condition"),
        ("metrics.a = (1, 2)", 12, "needs 'in'"),
        ("metrics.a in 1", 13, "expected '('"),
        ("metrics.a in (1 2)", 16, "expected ',' or ')'"),
        ("metrics.a not like 1", 14, "expected 'in'"),
        ("metrics.a > 1e999", 12, "out of range"),
        ("metrics.a > 1.2.3", 12, "malformed number"),
        ("tags.t = 'bad \\q escape'", 14, "unknown escape"),
        ("(metrics.a > 1)", 0, "expected a name"),
        ("' OR 1=1 --", 0, "expected a name"),
    ],
)
def test_errors_say_what_and_where(text: str, position: int, words: str) -> None:
    with pytest.raises(FilterSyntaxError) as info:
        parse_filter(text)
    assert info.value.details == {"position": position}
    assert words in info.value.message
    assert f"at position {position}" in info.value.message
    assert isinstance(info.value, InvalidArgument)  # a 400 for the server


def test_filter_must_be_a_string() -> None:
    with pytest.raises(FilterSyntaxError):
        parse_filter(42)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("metrics.acc DESC", OrderBy("metric", "acc", False)),
        ("metrics.acc", OrderBy("metric", "acc", True)),
        ("params.lr asc", OrderBy("param", "lr", True)),
        ("attributes.start_time desc", OrderBy("attribute", "start_time", False)),
        ("attributes.run_name", OrderBy("attribute", "name", True)),
        ("tags.`a b`  DESC ", OrderBy("tag", "a b", False)),
    ],
)
def test_order_by(text: str, expected: OrderBy) -> None:
    assert parse_order_by(text) == expected
    assert parse_order_by(format_order_by(expected)) == expected


@pytest.mark.parametrize(
    "text", ["metrics.acc DOWN", "", "metrics.acc DESC x", "x.y", "metrics.a; DROP"]
)
def test_bad_order_by(text: str) -> None:
    with pytest.raises(FilterSyntaxError):
        parse_order_by(text)


# ----------------------------------------------------------------- property tests
_keys = st.text(min_size=1, max_size=12)
_strings = st.text(max_size=12)
_numbers = st.one_of(
    st.integers(min_value=-(2**63) + 1, max_value=2**63 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
)
_statuses = st.sampled_from(["Queued", "Running", "Finished", "failed", "CANCELED"])
_iso = st.datetimes().map(lambda d: d.isoformat())


@st.composite
def comparisons(draw) -> Comparison:
    kind = draw(st.sampled_from(["metric", "param", "tag", "attribute"]))
    if kind == "metric":
        key = draw(_keys)
        op = draw(st.sampled_from(["=", "!=", "<", "<=", ">", ">=", "in", "not in"]))
        if op in ("in", "not in"):
            return Comparison(
                kind, key, op, tuple(draw(st.lists(_numbers, min_size=1, max_size=4)))
            )
        return Comparison(kind, key, op, draw(_numbers))
    if kind == "attribute":
        key = draw(st.sampled_from(sorted(STRING_ATTRIBUTES | TIME_ATTRIBUTES)))
        if key in TIME_ATTRIBUTES:
            op = draw(st.sampled_from(["=", "!=", "<", "<=", ">", ">="]))
            value = draw(st.one_of(st.integers(min_value=0, max_value=2**41), _iso))
            return Comparison(kind, key, op, value)
        values = _statuses if key == "status" else _strings
    else:
        key = draw(_keys)
        values = _strings
    op = draw(st.sampled_from(["=", "!=", "like", "ilike", "in", "not in"]))
    if key == "status" and op in ("like", "ilike"):
        values = _strings
    if op in ("in", "not in"):
        return Comparison(kind, key, op, tuple(draw(st.lists(values, min_size=1, max_size=4))))
    return Comparison(kind, key, op, draw(values))


filters = st.lists(comparisons(), max_size=5).map(lambda cs: Filter(tuple(cs)))


@settings(max_examples=300, deadline=None)
@given(filters)
def test_round_trip(f: Filter) -> None:
    text = format_filter(f)
    assert parse_filter(text) == f
    assert format_filter(parse_filter(text)) == text


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(["metric", "param", "tag"]), _keys, st.booleans())
def test_order_by_round_trip(kind: str, key: str, ascending: bool) -> None:
    o = OrderBy(kind, key, ascending)
    assert parse_order_by(format_order_by(o)) == o


_garbage_alphabet = st.sampled_from(
    list("metrics.params.tags.attributes.acc=!<>()'\"`\\,; -_01234.5eE%andorinotlike\t\n")
    + ["and", " or ", "not in", "metrics.", "attributes.status", "'", "\x00", "é"]
)


@settings(max_examples=500, deadline=None)
@given(st.lists(_garbage_alphabet, max_size=30).map("".join))
def test_garbage_raises_only_filter_syntax_errors(text: str) -> None:
    try:
        parse_filter(text)
    except FilterSyntaxError as e:
        assert 0 <= e.details["position"] <= len(text)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_any_text_raises_only_filter_syntax_errors(text: str) -> None:
    for parse in (parse_filter, parse_order_by):
        try:
            parse(text)
        except FilterSyntaxError as e:
            assert 0 <= e.details["position"] <= len(text)
