"""Wire forms of the data entities, shared by the server routes, the REST store and the
profile cache. Defined once: ``*_to_wire`` and ``*_from_wire`` are inverse."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from modelyard.data.entities import (
    ColumnProfile,
    DataPreview,
    DataProfile,
    Datastore,
    DatastoreType,
    DataType,
    DataVersion,
    LineageDirection,
    LineageEntry,
    TableFormat,
    TableSpec,
)

__all__ = [
    "DatastoreCreate",
    "LineageCreate",
    "TableSchema",
    "VersionCreate",
    "VersionUpdate",
    "datastore_from_wire",
    "datastore_to_wire",
    "lineage_from_wire",
    "lineage_to_wire",
    "profile_from_wire",
    "profile_to_wire",
    "table_from_wire",
    "table_to_wire",
    "version_from_wire",
    "version_to_wire",
]


def _dt(text: str) -> datetime:
    return datetime.fromisoformat(text)


def datastore_to_wire(ds: Datastore) -> dict[str, Any]:
    return {
        "name": ds.name,
        "type": str(ds.type),
        "config": dict(ds.config),
        "description": ds.description,
        "tags": dict(ds.tags),
        "created_at": ds.created_at.isoformat(),
        "updated_at": ds.updated_at.isoformat(),
    }


def datastore_from_wire(d: dict[str, Any]) -> Datastore:
    return Datastore(
        name=d["name"],
        type=DatastoreType(d["type"]),
        config=dict(d["config"]),
        description=d.get("description"),
        tags=dict(d.get("tags") or {}),
        created_at=_dt(d["created_at"]),
        updated_at=_dt(d["updated_at"]),
    )


def table_to_wire(t: TableSpec | None) -> dict[str, Any] | None:
    if t is None:
        return None
    return {
        "format": str(t.format),
        "delimiter": t.delimiter,
        "header": t.header,
        "encoding": t.encoding,
        "query": t.query,
        "datastore": t.datastore,
    }


def table_from_wire(d: dict[str, Any] | None) -> TableSpec | None:
    if d is None:
        return None
    return TableSpec(
        format=TableFormat(d["format"]),
        delimiter=d.get("delimiter", ","),
        header=bool(d.get("header", True)),
        encoding=d.get("encoding", "utf-8"),
        query=d.get("query"),
        datastore=d.get("datastore"),
    )


def version_to_wire(v: DataVersion) -> dict[str, Any]:
    return {
        "name": v.name,
        "version": v.version,
        "ref": v.ref,
        "type": str(v.type),
        "storage": v.storage,
        "source": v.source,
        "content_hash": v.content_hash,
        "size_bytes": v.size_bytes,
        "file_count": v.file_count,
        "created_at": v.created_at.isoformat(),
        "description": v.description,
        "tags": dict(v.tags),
        "archived": v.archived,
        "table": table_to_wire(v.table),
        "columns": v.columns,
        "row_count": v.row_count,
    }


def version_from_wire(d: dict[str, Any]) -> DataVersion:
    return DataVersion(
        name=d["name"],
        version=d["version"],
        type=DataType(d["type"]),
        storage=d["storage"],
        source=d["source"],
        content_hash=d["content_hash"],
        size_bytes=int(d["size_bytes"]),
        file_count=int(d["file_count"]),
        created_at=_dt(d["created_at"]),
        description=d.get("description"),
        tags=dict(d.get("tags") or {}),
        archived=bool(d.get("archived", False)),
        table=table_from_wire(d.get("table")),
        columns=d.get("columns"),
        row_count=d.get("row_count"),
    )


def lineage_to_wire(e: LineageEntry) -> dict[str, Any]:
    return {
        "name": e.name,
        "version": e.version,
        "run_id": e.run_id,
        "direction": str(e.direction),
        "created_at": e.created_at.isoformat(),
    }


def lineage_from_wire(d: dict[str, Any]) -> LineageEntry:
    return LineageEntry(
        name=d["name"],
        version=d["version"],
        run_id=d["run_id"],
        direction=LineageDirection(d["direction"]),
        created_at=_dt(d["created_at"]),
    )


def _column_to_wire(c: ColumnProfile) -> dict[str, Any]:
    return {
        "name": c.name,
        "type": c.type,
        "physical_type": c.physical_type,
        "count": c.count,
        "missing_count": c.missing_count,
        "missing_share": c.missing_share,
        "distinct_count": c.distinct_count,
        "distinct_exact": c.distinct_exact,
        "min": c.min,
        "max": c.max,
        "mean": c.mean,
        "std": c.std,
        "histogram": (
            None
            if c.histogram is None
            else [{"lower": lo, "upper": hi, "count": n} for lo, hi, n in c.histogram]
        ),
        "top_values": (
            None if c.top_values is None else [{"value": v, "count": n} for v, n in c.top_values]
        ),
    }


def _column_from_wire(d: dict[str, Any]) -> ColumnProfile:
    hist = d.get("histogram")
    top = d.get("top_values")
    return ColumnProfile(
        name=d["name"],
        type=d["type"],
        physical_type=d["physical_type"],
        count=d["count"],
        missing_count=d["missing_count"],
        missing_share=d["missing_share"],
        distinct_count=d["distinct_count"],
        distinct_exact=d["distinct_exact"],
        min=d.get("min"),
        max=d.get("max"),
        mean=d.get("mean"),
        std=d.get("std"),
        histogram=None if hist is None else [(b["lower"], b["upper"], b["count"]) for b in hist],
        top_values=None if top is None else [(t["value"], t["count"]) for t in top],
    )


def profile_to_wire(p: DataProfile) -> dict[str, Any]:
    return {
        "row_count": p.row_count,
        "columns": [_column_to_wire(c) for c in p.columns],
        "computed_at": p.computed_at.isoformat(),
        "seconds": p.seconds,
    }


def profile_from_wire(d: dict[str, Any]) -> DataProfile:
    return DataProfile(
        row_count=d["row_count"],
        columns=[_column_from_wire(c) for c in d["columns"]],
        computed_at=_dt(d["computed_at"]),
        seconds=d["seconds"],
    )


def preview_to_wire(p: DataPreview) -> dict[str, Any]:
    return {"columns": [{"name": n, "type": t} for n, t in zip(p.columns, p.types, strict=True)],
            "rows": p.rows, "truncated": p.truncated}


def preview_from_wire(d: dict[str, Any]) -> DataPreview:
    return DataPreview(columns=[c["name"] for c in d["columns"]],
                       types=[c["type"] for c in d["columns"]], rows=d["rows"],
                       truncated=d["truncated"])


# ----------------------------------------------------------------- request bodies
class DatastoreCreate(BaseModel):
    name: str
    type: DatastoreType
    config: dict[str, Any] = Field(default_factory=dict)
    description: str | None = None
    tags: dict[str, str] = Field(default_factory=dict)


class TableSchema(BaseModel):
    format: TableFormat
    delimiter: str = ","
    header: bool = True
    encoding: str = "utf-8"
    query: str | None = None
    datastore: str | None = None


class VersionCreate(BaseModel):
    type: DataType
    source: str
    upload_id: str | None = None
    version: str | None = None
    description: str | None = None
    tags: dict[str, str] = Field(default_factory=dict)
    table: TableSchema | None = None


class VersionUpdate(BaseModel):
    description: str | None = None
    tags: dict[str, str] | None = None


class LineageCreate(BaseModel):
    run_id: str
    direction: LineageDirection
