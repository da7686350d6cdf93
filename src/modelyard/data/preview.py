"""The first rows of a table version, read by the same readers as ``load_table``.

Example::

    preview = preview_files(["/data/iris.csv"], TableSpec(format=TableFormat.CSV), rows=5)
    preview.rows[0]
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from modelyard.data.entities import PREVIEW_MAX_ROWS, DataPreview, TableSpec
from modelyard.errors import InvalidArgument

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["check_rows", "preview_arrow", "preview_files"]


def check_rows(rows: int) -> int:
    """``rows`` when it is a row count a preview serves (1 to :data:`PREVIEW_MAX_ROWS`)."""
    if isinstance(rows, bool) or not isinstance(rows, int) or not 1 <= rows <= PREVIEW_MAX_ROWS:
        raise InvalidArgument(f"rows must be an integer from 1 to {PREVIEW_MAX_ROWS}, not {rows!r}")
    return rows


def preview_files(paths: Sequence[str], spec: TableSpec, *, rows: int) -> DataPreview:
    """The first ``rows`` rows of the table stored in local ``paths``.

    Raises:
        InvalidArgument: the files cannot be read as ``spec`` says.
    """
    import duckdb

    from modelyard.data.profile import describe_duckdb_error, duckdb_connection, table_source_sql

    check_rows(rows)
    con = duckdb_connection()
    try:
        table = con.sql(f"SELECT * FROM {table_source_sql(paths, spec)} LIMIT {rows + 1}").to_arrow_table()
    except duckdb.Error as e:
        raise InvalidArgument(f"the table cannot be read: {describe_duckdb_error(e)}") from e
    finally:
        con.close()
    return preview_arrow(table, rows=rows)


def preview_arrow(table: pa.Table, *, rows: int) -> DataPreview:
    """The first ``rows`` rows of an Arrow table (``truncated`` when it holds more)."""
    from modelyard.data._columns import kind_of

    check_rows(rows)
    head = table.slice(0, rows)
    columns = [[_jsonable(v) for v in head.column(i).to_pylist()] for i in range(head.num_columns)]
    return DataPreview(
        columns=list(table.column_names),
        types=[kind_of(field.type) for field in table.schema],
        rows=[list(r) for r in zip(*columns, strict=True)] if columns else [],
        truncated=table.num_rows > rows,
    )


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)  # JSON has no NaN or infinity
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, (list, dict)):
        import json

        return json.loads(json.dumps(value, default=str))
    return str(value)  # Decimal, UUID, intervals...
