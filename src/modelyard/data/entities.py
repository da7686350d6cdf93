"""Data entities: datastores, data asset versions, lineage and profiles.

Frozen, typed objects with no database or wire concerns. Stores convert their rows into
these in one place; :mod:`modelyard.data.schemas` converts them to and from JSON.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

__all__ = [
    "PREVIEW_MAX_ROWS",
    "ColumnProfile",
    "DataPreview",
    "DataProfile",
    "DataType",
    "DataVersion",
    "Datastore",
    "DatastoreType",
    "LineageDirection",
    "LineageEntry",
    "TableFormat",
    "TableSpec",
]


class DatastoreType(enum.StrEnum):
    LOCAL = "local"
    S3 = "s3"
    SQL = "sql"


class DataType(enum.StrEnum):
    URI_FILE = "uri_file"
    URI_FOLDER = "uri_folder"
    MLTABLE = "mltable"


class TableFormat(enum.StrEnum):
    CSV = "csv"
    PARQUET = "parquet"
    JSONL = "jsonl"
    SQL = "sql"


class LineageDirection(enum.StrEnum):
    INPUT = "input"
    OUTPUT = "output"


@dataclass(frozen=True, slots=True)
class Datastore:
    """A named place data lives in.

    ``config`` holds the type's settings and never a secret: ``local`` has ``path``; ``s3``
    has ``bucket``, ``prefix``, ``endpoint_url``, ``region`` and optionally ``profile`` (a
    named AWS profile) — keys come from the environment or that profile; ``sql`` has ``url``
    (a SQLAlchemy URL without a password) and optionally ``password_env`` or ``url_env``
    (names of environment variables read when the datastore is used).
    """

    name: str
    type: DatastoreType
    config: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    description: str | None = None
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class TableSpec:
    """How an ``mltable`` asset reads as a table.

    ``format`` is csv, parquet, jsonl (files of the asset) or sql (``query`` run on the
    ``sql`` datastore named ``datastore``). ``delimiter``, ``header`` and ``encoding`` apply to
    CSV files.
    """

    format: TableFormat
    delimiter: str = ","
    header: bool = True
    encoding: str = "utf-8"
    query: str | None = None
    datastore: str | None = None


@dataclass(frozen=True, slots=True)
class DataVersion:
    """One immutable version of a data asset.

    Attributes:
        storage: where the content is: ``workspace:<key prefix>`` for content copied into the
            workspace artifact store, ``datastore://<name>/<path>`` for data left in a
            datastore, ``sql://<datastore>`` for a query.
        source: what the user gave as the path (for display only).
        content_hash: ``sha256:<hex>`` over the content (for a folder: over the sorted list of
            relative paths, sizes and file hashes; for a query: over the datastore and query).
        columns: column name -> type for tables, recorded when the version was created.
    """

    name: str
    version: str
    type: DataType
    storage: str
    source: str
    content_hash: str
    size_bytes: int
    file_count: int
    created_at: datetime
    description: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    archived: bool = False
    table: TableSpec | None = None
    columns: dict[str, str] | None = None
    row_count: int | None = None

    @property
    def ref(self) -> str:
        """The canonical reference, ``data:name:version``."""
        return f"data:{self.name}:{self.version}"


@dataclass(frozen=True, slots=True)
class LineageEntry:
    """A run that read (``input``) or wrote (``output``) a data version."""

    name: str
    version: str
    run_id: str
    direction: LineageDirection
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ColumnProfile:
    """Statistics of one column.

    ``distinct_count`` is exact when ``distinct_exact`` (fewer than 2,048 distinct values,
    or an integer column spanning at most 65,536 values) and otherwise an estimate within a
    few percent. ``histogram`` holds ``(lower, upper, count)`` equal-width bins over [min,
    max] for numeric columns: exact for such integer columns; otherwise a value sits in a
    bin by its fine-grid cell, so counts at bin edges may be off by the values within 1/4096
    of the range. ``top_values`` holds ``(value, count)`` pairs, most frequent first, for
    non-numeric columns.
    """

    name: str
    type: str
    physical_type: str
    count: int
    missing_count: int
    missing_share: float
    distinct_count: int
    distinct_exact: bool
    min: Any = None
    max: Any = None
    mean: float | None = None
    std: float | None = None
    histogram: list[tuple[float, float, int]] | None = None
    top_values: list[tuple[Any, int]] | None = None


@dataclass(frozen=True, slots=True)
class DataProfile:
    """A table's profile, computed once per version and cached."""

    row_count: int
    columns: list[ColumnProfile]
    computed_at: datetime
    seconds: float

    def column(self, name: str) -> ColumnProfile:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)


PREVIEW_MAX_ROWS = 1000


@dataclass(frozen=True, slots=True)
class DataPreview:
    """The first rows of a table version, as the table reads (the same reader as
    ``load_table`` and the profile).

    ``types`` are the profile's type names (integer, float, string, boolean, date,
    datetime, other); ``rows`` hold JSON values (dates and times as ISO text, NaN and
    infinities as text, None where a value is missing); ``truncated`` says more rows follow.
    """

    columns: list[str]
    types: list[str]
    rows: list[list[Any]]
    truncated: bool
