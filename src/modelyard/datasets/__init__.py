"""Open datasets: small, real tables shipped inside the package (no download).

Example::

    import modelyard as yard

    yard.datasets.list()              # ['airline_passengers', 'diabetes', 'iris']
    df = yard.datasets.load("iris")   # a pandas DataFrame
    path = yard.datasets.path("iris") # the CSV file, e.g. to register it as a data asset

Sources and licenses: ``files/SOURCES.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from modelyard.errors import NotFound

__all__ = ["DatasetInfo", "info", "list", "load", "path"]

_FILES = Path(__file__).with_name("files")


@dataclass(frozen=True, slots=True)
class DatasetInfo:
    name: str
    task: str
    target: str
    description: str
    rows: int
    time_column: str | None = None


_CATALOG = {
    "iris": DatasetInfo(
        "iris", "classification", "species",
        "Fisher's iris flowers: four measurements (cm) and the species.", 150,
    ),
    "diabetes": DatasetInfo(
        "diabetes", "regression", "progression",
        "Ten baseline variables of 442 diabetes patients and disease progression a year later.",
        442,
    ),
    "airline_passengers": DatasetInfo(
        "airline_passengers", "forecasting", "passengers",
        "Monthly international airline passengers (thousands), 1949-1960 (Box & Jenkins).", 144,
        time_column="month",
    ),
}


def list() -> list[str]:
    """Names of the bundled datasets."""
    return sorted(_CATALOG)


def info(name: str) -> DatasetInfo:
    """What a dataset is (task, target column, size). Raises NotFound."""
    try:
        return _CATALOG[name]
    except KeyError:
        raise NotFound(f"no open dataset named {name!r}; available: {', '.join(sorted(_CATALOG))}") from None


def path(name: str) -> Path:
    """The CSV file of a dataset inside the installed package."""
    return _FILES / f"{info(name).name}.csv"


def load(name: str, *, as_arrow: bool = False) -> Any:
    """Load a dataset as a pandas DataFrame (or an Arrow table with ``as_arrow=True``)."""
    source = path(name)
    if as_arrow:
        import pyarrow.csv as pacsv

        return pacsv.read_csv(source)
    import pandas as pd

    frame = pd.read_csv(source)
    meta = info(name)
    if meta.time_column:
        frame[meta.time_column] = pd.PeriodIndex(frame[meta.time_column], freq="M").to_timestamp()
    return frame
