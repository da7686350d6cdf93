"""The run filter language: a hand-written recursive-descent parser.

Grammar (keywords are case-insensitive)::

    filter      := [ comparison ( AND comparison )* ]
    comparison  := name op value
    name        := prefix "." key
    prefix      := metrics | params | tags | attributes      (also metric, param, tag,
                                                               attribute, attr, run)
    key         := bare-key | `quoted key` | "quoted key"
    bare-key    := one or more letters, digits, "_", "-", ".", "/" or ":"
    op          := = | != | < | <= | > | >= | LIKE | ILIKE | IN | NOT IN
    value       := number | 'string' | "string" | "(" value ( "," value )* ")"

Strings and quoted keys accept the escapes ``\\\\ \\' \\" \\` \\n \\r \\t``.

Types are checked while parsing: metrics compare with numbers (``= != < <= > >= in``);
params and tags are strings (``= != like ilike in``); attributes ``status``, ``name`` (alias
``run_name``), ``run_id`` (alias ``id``), ``experiment_id``, ``parent_id`` and ``kind`` are
strings; ``start_time``, ``end_time`` and ``created_at`` compare (``= != < <= > >=``) with
epoch milliseconds or ISO-8601 strings (a time without a zone is UTC). ``or``, parentheses
around conditions, and anything else raise :class:`~modelyard.errors.FilterSyntaxError`
whose ``details["position"]`` is the 0-based character offset of the problem.

Example::

    >>> parse_filter("metrics.acc > 0.9 and params.model = 'rf'")
    Filter(comparisons=(Comparison(kind='metric', key='acc', op='>', value=0.9), ...))
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from modelyard.errors import FilterSyntaxError
from modelyard.tracking.entities import RunStatus

__all__ = [
    "ATTRIBUTES",
    "STRING_ATTRIBUTES",
    "TIME_ATTRIBUTES",
    "Comparison",
    "Filter",
    "OrderBy",
    "format_filter",
    "format_order_by",
    "parse_filter",
    "parse_order_by",
    "parse_time_value",
]

Scalar = str | int | float
Value = Scalar | tuple[Scalar, ...]

PREFIXES = {
    "metrics": "metric", "metric": "metric",
    "params": "param", "param": "param",
    "tags": "tag", "tag": "tag",
    "attributes": "attribute", "attribute": "attribute", "attr": "attribute", "run": "attribute",
}  # fmt: skip
CANONICAL_PREFIX = {
    "metric": "metrics",
    "param": "params",
    "tag": "tags",
    "attribute": "attributes",
}
STRING_ATTRIBUTES = frozenset({"status", "name", "run_id", "experiment_id", "parent_id", "kind"})
TIME_ATTRIBUTES = frozenset({"start_time", "end_time", "created_at"})
ATTRIBUTES = STRING_ATTRIBUTES | TIME_ATTRIBUTES
ATTRIBUTE_ALIASES = {"run_name": "name", "id": "run_id"}

NUMERIC_OPS = ("=", "!=", "<", "<=", ">", ">=")
STRING_OPS = ("=", "!=", "like", "ilike")
LIST_OPS = ("in", "not in")
_BARE_EXTRA = frozenset("_-./:")
_ESCAPES = {"\\": "\\", "'": "'", '"': '"', "`": "`", "n": "\n", "r": "\r", "t": "\t"}
_UNESCAPES = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
#: lower-case status -> canonical spelling
RUN_STATUS_VALUES = {s.value.lower(): s.value for s in RunStatus}
_INT64 = 2**63 - 1
_INF = float("inf")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Comparison:
    """One condition: ``kind`` is metric, param, tag or attribute; ``op`` is lower case."""

    kind: str
    key: str
    op: str
    value: Value


@dataclass(frozen=True, slots=True)
class Filter:
    """A conjunction of comparisons (empty: every run matches)."""

    comparisons: tuple[Comparison, ...] = ()


@dataclass(frozen=True, slots=True)
class OrderBy:
    kind: str
    key: str
    ascending: bool = True


def _is_bare_char(ch: str) -> bool:
    return ch.isalnum() or ch in _BARE_EXTRA


def _error(message: str, position: int) -> FilterSyntaxError:
    return FilterSyntaxError(f"{message} at position {position}", details={"position": position})


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    # -------------------------------------------------------------- scanning helpers
    def skip_ws(self) -> None:
        text, pos = self.text, self.pos
        while pos < len(text) and text[pos].isspace():
            pos += 1
        self.pos = pos

    def at_end(self) -> bool:
        self.skip_ws()
        return self.pos >= len(self.text)

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def describe_here(self) -> str:
        if self.pos >= len(self.text):
            return "end of filter"
        return repr(self.text[self.pos : self.pos + 12])

    def word(self) -> str:
        """A run of identifier characters (may be empty); does not move past it."""
        end = self.pos
        while end < len(self.text) and (self.text[end].isalnum() or self.text[end] == "_"):
            end += 1
        return self.text[self.pos : end]

    def quoted(self, quote: str, what: str) -> str:
        start = self.pos
        self.pos += 1
        out: list[str] = []
        text = self.text
        while True:
            if self.pos >= len(text):
                raise _error(f"unterminated {what} (opened with {quote})", start)
            ch = text[self.pos]
            if ch == quote:
                self.pos += 1
                return "".join(out)
            if ch == "\\":
                nxt = text[self.pos + 1 : self.pos + 2]
                if nxt not in _ESCAPES:
                    escape = "\\" + nxt
                    raise _error(f"unknown escape {escape!r} in {what}", self.pos)
                out.append(_ESCAPES[nxt])
                self.pos += 2
                continue
            out.append(ch)
            self.pos += 1

    # ------------------------------------------------------------------- grammar
    def name(self, *, allow_order: bool = False) -> tuple[str, str, int]:
        self.skip_ws()
        start = self.pos
        prefix = self.word()
        if not prefix:
            raise _error(
                f"expected a name such as metrics.acc, found {self.describe_here()}", start
            )
        kind = PREFIXES.get(prefix.lower())
        if kind is None:
            if prefix.lower() == "or":
                raise _error("'or' is not supported: combine conditions with 'and'", start)
            raise _error(
                f"unknown prefix {prefix!r}: use metrics., params., tags. or attributes.", start
            )
        self.pos += len(prefix)
        if self.peek() != ".":
            raise _error(f"expected '.' and a key after {prefix!r}", self.pos)
        self.pos += 1
        key_pos = self.pos
        ch = self.peek()
        if ch in ("`", '"'):
            key = self.quoted(ch, "quoted key")
        else:
            end = self.pos
            while end < len(self.text) and _is_bare_char(self.text[end]):
                end += 1
            key = self.text[self.pos : end]
            self.pos = end
        if not key:
            raise _error(f"expected a key after '{prefix}.'", key_pos)
        if kind == "attribute":
            key = ATTRIBUTE_ALIASES.get(key.lower(), key.lower())
            if key not in ATTRIBUTES:
                known = ", ".join(sorted(ATTRIBUTES | set(ATTRIBUTE_ALIASES)))
                raise _error(f"unknown attribute {key!r} (known: {known})", key_pos)
        return kind, key, start

    def operator(self) -> tuple[str, int]:
        self.skip_ws()
        start = self.pos
        text = self.text
        for symbol in ("!=", "<>", "<=", ">=", "==", "=", "<", ">"):
            if text.startswith(symbol, start):
                self.pos += len(symbol)
                return {"<>": "!=", "==": "="}.get(symbol, symbol), start
        word = self.word().lower()
        if word in ("like", "ilike", "in"):
            self.pos += len(word)
            return word, start
        if word == "not":
            self.pos += 3
            self.skip_ws()
            if self.word().lower() == "in":
                self.pos += 2
                return "not in", start
            raise _error("expected 'in' after 'not'", self.pos)
        raise _error(
            f"expected an operator (= != < <= > >= like ilike in, not in), "
            f"found {self.describe_here()}",
            start,
        )

    def scalar(self) -> tuple[Scalar, int]:
        self.skip_ws()
        start = self.pos
        ch = self.peek()
        if ch in ("'", '"'):
            return self.quoted(ch, "string"), start
        if ch and (ch.isdigit() or ch in "+-."):
            end = start + (1 if ch in "+-" else 0)
            text = self.text
            while end < len(text) and (text[end].isalnum() or text[end] in ".+-"):
                # letters and signs only inside an exponent: "1e-5"
                if text[end] in "+-" and text[end - 1] not in "eE":
                    break
                end += 1
            literal = text[start:end]
            try:
                value: int | float = (
                    float(literal) if any(c in literal for c in ".eE") else int(literal)
                )
            except ValueError:
                raise _error(f"malformed number {literal!r}", start) from None
            if isinstance(value, int) and abs(value) > _INT64 or value in (_INF, -_INF):
                raise _error(f"number {literal!r} is out of range", start)
            self.pos = end
            return value, start
        raise _error(f"expected a number or a quoted string, found {self.describe_here()}", start)

    def value(self, op: str) -> tuple[Value, int]:
        self.skip_ws()
        start = self.pos
        if op in LIST_OPS:
            if self.peek() != "(":
                raise _error(f"expected '(' and a list of values after '{op}'", start)
            self.pos += 1
            items: list[Scalar] = []
            while True:
                item, _ = self.scalar()
                items.append(item)
                self.skip_ws()
                ch = self.peek()
                if ch == ",":
                    self.pos += 1
                    continue
                if ch == ")":
                    self.pos += 1
                    return tuple(items), start
                raise _error(
                    f"expected ',' or ')' in the list, found {self.describe_here()}", self.pos
                )
        if self.peek() == "(":
            raise _error(f"a list of values needs 'in' or 'not in', not '{op}'", start)
        return self.scalar()

    def comparison(self) -> Comparison:
        kind, key, _ = self.name()
        op, op_pos = self.operator()
        value, value_pos = self.value(op)
        _check_types(kind, key, op, op_pos, value, value_pos)
        return Comparison(kind=kind, key=key, op=op, value=value)

    def filter(self) -> Filter:
        comparisons: list[Comparison] = []
        if self.at_end():
            return Filter(())
        comparisons.append(self.comparison())
        while not self.at_end():
            word = self.word().lower()
            if word == "and":
                self.pos += 3
                if self.at_end():
                    raise _error("expected a condition after 'and'", self.pos)
                comparisons.append(self.comparison())
                continue
            if word == "or":
                raise _error("'or' is not supported: combine conditions with 'and'", self.pos)
            raise _error(
                f"expected 'and' or the end of the filter, found {self.describe_here()}", self.pos
            )
        return Filter(tuple(comparisons))


def _check_types(kind: str, key: str, op: str, op_pos: int, value: Value, value_pos: int) -> None:
    label = f"{CANONICAL_PREFIX[kind]}.{key}"
    items = value if isinstance(value, tuple) else (value,)
    if kind == "metric":
        if op not in NUMERIC_OPS and op not in LIST_OPS:
            raise _error(f"'{op}' does not apply to {label}: metrics compare with numbers", op_pos)
        if any(isinstance(v, str) for v in items):
            raise _error(f"{label} compares with numbers, not strings", value_pos)
        return
    if kind == "attribute" and key in TIME_ATTRIBUTES:
        if op not in NUMERIC_OPS:
            raise _error(f"'{op}' does not apply to {label}: use = != < <= > >=", op_pos)
        try:
            parse_time_value(value)  # type: ignore[arg-type]
        except ValueError:
            raise _error(
                f"{label} compares with epoch milliseconds or an ISO-8601 time, not {value!r}",
                value_pos,
            ) from None
        return
    # strings: params, tags and the string attributes
    if op not in STRING_OPS and op not in LIST_OPS:
        raise _error(f"'{op}' does not apply to {label}: use = != like ilike in or not in", op_pos)
    if any(not isinstance(v, str) for v in items):
        raise _error(f"{label} is a string: quote the value, e.g. '{items[0]}'", value_pos)
    if kind == "attribute" and key == "status" and op not in ("like", "ilike"):
        for v in items:
            if v.lower() not in RUN_STATUS_VALUES:
                allowed = ", ".join(sorted(set(RUN_STATUS_VALUES.values())))
                raise _error(f"unknown status {v!r} (one of {allowed})", value_pos)


def parse_time_value(value: str | float) -> datetime:
    """A time filter value (epoch milliseconds or ISO-8601) as an aware UTC datetime.

    Raises:
        ValueError: the string is not an ISO-8601 time.
    """
    try:
        if isinstance(value, str):
            parsed = datetime.fromisoformat(value.strip())
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=UTC)
            return parsed.astimezone(UTC)
        return _EPOCH + timedelta(milliseconds=value)
    except (OverflowError, OSError, ValueError) as e:
        raise ValueError(f"not a time: {value!r}") from e


def parse_filter(text: str | None) -> Filter:
    """Parse a filter string; ``None`` or blank gives an empty filter.

    Raises:
        FilterSyntaxError: with the position of the first problem in ``details``.
    """
    if text is None:
        return Filter(())
    if not isinstance(text, str):
        raise FilterSyntaxError("a filter must be a string", details={"position": 0})
    return _Parser(text).filter()


def parse_order_by(text: str) -> OrderBy:
    """Parse one order-by entry such as ``"metrics.acc DESC"`` (ASC when omitted).

    Raises:
        FilterSyntaxError: the entry does not parse.
    """
    if not isinstance(text, str):
        raise FilterSyntaxError("an order_by entry must be a string", details={"position": 0})
    parser = _Parser(text)
    kind, key, _ = parser.name()
    ascending = True
    parser.skip_ws()
    word = parser.word().lower()
    if word in ("asc", "desc"):
        ascending = word == "asc"
        parser.pos += len(word)
    if not parser.at_end():
        raise _error(f"expected ASC, DESC or the end, found {parser.describe_here()}", parser.pos)
    return OrderBy(kind=kind, key=key, ascending=ascending)


def _format_key(key: str) -> str:
    if key and all(_is_bare_char(c) for c in key):
        return key
    body = "".join(_UNESCAPES.get(c, "\\`" if c == "`" else c) for c in key)
    return f"`{body}`"


def _format_scalar(value: Scalar) -> str:
    if isinstance(value, str):
        body = "".join(_UNESCAPES.get(c, "\\'" if c == "'" else c) for c in value)
        return f"'{body}'"
    return repr(value)


def format_filter(f: Filter) -> str:
    """Print a filter in canonical form; ``parse_filter(format_filter(f)) == f``."""
    parts = []
    for c in f.comparisons:
        value = (
            "(" + ", ".join(_format_scalar(v) for v in c.value) + ")"
            if isinstance(c.value, tuple)
            else _format_scalar(c.value)
        )
        parts.append(f"{CANONICAL_PREFIX[c.kind]}.{_format_key(c.key)} {c.op} {value}")
    return " and ".join(parts)


def format_order_by(o: OrderBy) -> str:
    return f"{CANONICAL_PREFIX[o.kind]}.{_format_key(o.key)} {'ASC' if o.ascending else 'DESC'}"
