"""Options shared by several commands."""

from __future__ import annotations

from typing import Annotated

import typer

from modelyard.cli.render import Output

__all__ = ["OutputOpt", "parse_pairs"]

OutputOpt = Annotated[
    Output,
    typer.Option("--output", "-o", help="Output format: table, json or yaml.", case_sensitive=False),
]


def parse_pairs(pairs: list[str] | None, what: str = "--tag") -> dict[str, str]:
    """``["a=1", "b=x"]`` -> ``{"a": "1", "b": "x"}``; a pair without ``=`` is a usage error."""
    out: dict[str, str] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise typer.BadParameter(f"expected KEY=VALUE, got {pair!r}", param_hint=what)
        out[key.strip()] = value
    return out
