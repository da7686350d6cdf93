"""Run comparison: one row per attribute, param and metric; one column per run."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from modelyard.tracking.entities import Run

__all__ = ["ComparisonRow", "RunComparison", "compare_runs"]

Cell = str | float | int | None


@dataclass(frozen=True, slots=True)
class ComparisonRow:
    """One compared key (``name``, ``params.lr``, ``metrics.acc``...) across the runs."""

    key: str
    values: tuple[Cell, ...]

    @property
    def differs(self) -> bool:
        """True when the runs do not all have the same value."""
        return len({repr(v) for v in self.values}) > 1


@dataclass(frozen=True, slots=True)
class RunComparison:
    """Runs side by side, ready to print: ``columns`` are run ids, ``rows`` the keys.

    Example:
        >>> for row in comparison.rows:
        ...     print(row.key, *row.values)
    """

    run_ids: tuple[str, ...]
    rows: tuple[ComparisonRow, ...]

    def to_dict(self) -> dict[str, Any]:
        """``{"runs": [ids], "rows": [{"key": ..., "values": [...], "differs": bool}]}``."""
        return {
            "runs": list(self.run_ids),
            "rows": [{"key": r.key, "values": list(r.values), "differs": r.differs} for r in self.rows],
        }


def compare_runs(runs: Sequence[Run], *, experiment_names: Mapping[str, str] | None = None) -> RunComparison:
    """Build a :class:`RunComparison` of already-fetched runs (in the given order)."""
    names = experiment_names or {}
    rows: list[ComparisonRow] = [
        ComparisonRow("name", tuple(r.name for r in runs)),
        ComparisonRow("experiment", tuple(names.get(r.experiment_id, r.experiment_id) for r in runs)),
        ComparisonRow("status", tuple(str(r.status) for r in runs)),
        ComparisonRow(
            "start_time", tuple(r.start_time.isoformat() if r.start_time else None for r in runs)
        ),
        ComparisonRow("duration_s", tuple(_round(r.duration_seconds) for r in runs)),
    ]
    for key in sorted({k for r in runs for k in r.params}):
        rows.append(ComparisonRow(f"params.{key}", tuple(r.params.get(key) for r in runs)))
    for key in sorted({k for r in runs for k in r.metrics}):
        rows.append(
            ComparisonRow(
                f"metrics.{key}",
                tuple(r.metrics[key].latest if key in r.metrics else None for r in runs),
            )
        )
    for key in sorted({k for r in runs for k in r.tags}):
        rows.append(ComparisonRow(f"tags.{key}", tuple(r.tags.get(key) for r in runs)))
    return RunComparison(run_ids=tuple(r.id for r in runs), rows=tuple(rows))


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)
