"""The CLI's renderer: the only place that prints results.

``-o json`` prints a JSON array for lists and an object for single items, ``-o yaml`` the
same as YAML, ``-o table`` (default) a Rich table.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import math
import sys
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

__all__ = ["Output", "console", "fmt_time", "fmt_value", "message", "render_list", "render_object", "to_plain"]


class Output(str, enum.Enum):
    table = "table"
    json = "json"
    yaml = "yaml"


def to_plain(value: Any) -> Any:
    """Entities (frozen dataclasses), enums, datetimes and paths as JSON-ready values.

    Non-finite floats become the strings ``"NaN"``, ``"Infinity"`` and ``"-Infinity"`` so
    the output stays valid JSON.
    """
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return to_plain(value.value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_plain(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    return value


def _dump(value: Any, output: Output) -> None:
    plain = to_plain(value)
    if output is Output.yaml:
        import yaml

        sys.stdout.write(yaml.safe_dump(plain, sort_keys=False, allow_unicode=True))
    else:
        sys.stdout.write(json.dumps(plain, indent=2, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def fmt_time(value: datetime | None) -> str:
    if value is None:
        return ""
    return value.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def fmt_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, datetime):
        return fmt_time(value)
    if isinstance(value, enum.Enum):
        return str(value.value)
    return str(value)


def console() -> Any:
    from rich.console import Console

    # piped output (grep, files) gets wide lines instead of 80-column wrapping
    width = None if sys.stdout.isatty() else 200
    return Console(soft_wrap=False, highlight=False, width=width)


def render_list(
    items: Sequence[Any],
    output: Output,
    *,
    columns: Sequence[tuple[str, Callable[[Any], Any]]],
    title: str | None = None,
    plain: Callable[[Any], Any] | None = None,
) -> None:
    """Print a list: JSON/YAML of every item (through ``plain``), or a table of ``columns``."""
    if output is not Output.table:
        _dump([plain(i) if plain else i for i in items], output)
        return
    from rich.table import Table
    from rich.text import Text

    table = Table(title=title, show_edge=False, header_style="bold")
    for header, _ in columns:
        table.add_column(header, overflow="fold")
    for item in items:
        table.add_row(*(Text(fmt_value(get(item))) for _, get in columns))
    out = console()
    if not items:
        out.print(f"(no {title.lower() if title else 'results'})", markup=False)
        return
    out.print(table)


def render_object(
    item: Any,
    output: Output,
    *,
    rows: Sequence[tuple[str, Any]] | None = None,
    title: str | None = None,
) -> None:
    """Print one object: JSON/YAML of ``item``, or a two-column table of ``rows``."""
    if output is not Output.table:
        _dump(item, output)
        return
    from rich.table import Table
    from rich.text import Text

    if rows is None:
        plain = to_plain(item)
        rows = list(plain.items()) if isinstance(plain, dict) else [("value", plain)]
    table = Table(title=title, show_header=False, show_edge=False)
    table.add_column("field", style="bold")
    table.add_column("value", overflow="fold")
    for key, value in rows:
        table.add_row(Text(key), Text(fmt_value(value)))
    console().print(table)


def message(text: str) -> None:
    """Print a short confirmation (``Deleted run abc``)."""
    sys.stdout.write(text + "\n")
    sys.stdout.flush()
