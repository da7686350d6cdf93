"""Turn Python objects into artifact bytes: text, dicts (JSON/YAML), figures, tables.

matplotlib, pandas and PyYAML are imported only inside the function that needs them.
"""

from __future__ import annotations

import io
import json
from typing import Any

from modelyard.errors import InvalidArgument

__all__ = ["dict_bytes", "extension", "figure_bytes", "table_bytes", "text_bytes"]

_FIGURE_FORMATS = {"png", "svg", "pdf", "jpg", "jpeg"}
_TABLE_FORMATS = {"json", "csv", "parquet"}


def extension(artifact_file: str) -> str:
    name = artifact_file.rstrip("/").rsplit("/", 1)[-1]
    if not name:
        raise InvalidArgument("artifact_file must name a file, e.g. 'report.json'")
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def text_bytes(text: str) -> bytes:
    if not isinstance(text, str):
        raise InvalidArgument(f"log_text expects a str, got {type(text).__name__}")
    return text.encode("utf-8")


def dict_bytes(dictionary: Any, artifact_file: str) -> bytes:
    """JSON for ``.json`` (and any other extension), YAML for ``.yaml``/``.yml``."""
    ext = extension(artifact_file)
    if ext in ("yaml", "yml"):
        import yaml

        try:
            return yaml.safe_dump(_plain(dictionary), sort_keys=False, allow_unicode=True).encode("utf-8")
        except yaml.YAMLError as e:
            raise InvalidArgument(f"log_dict: the value cannot be written as YAML: {e}") from e
    try:
        return json.dumps(dictionary, indent=2, default=_json_default, allow_nan=True).encode("utf-8")
    except (TypeError, ValueError) as e:
        raise InvalidArgument(f"log_dict: the value cannot be written as JSON: {e}") from e


def _json_default(value: Any) -> Any:
    tolist = getattr(value, "tolist", None)  # numpy arrays and scalars
    if callable(tolist):
        return tolist()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    return str(value)


def _plain(value: Any) -> Any:
    """Containers and numpy values turned into plain Python for yaml.safe_dump."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    tolist = getattr(value, "tolist", None)
    if callable(tolist):
        return _plain(tolist())
    return str(value)


def figure_bytes(figure: Any, artifact_file: str) -> bytes:
    """Render a matplotlib (or plotly) figure in the format its extension names."""
    ext = extension(artifact_file)
    if ext not in _FIGURE_FORMATS and ext != "html":
        raise InvalidArgument(
            f"log_figure: unsupported extension {ext!r} in {artifact_file!r}; "
            f"use one of {sorted(_FIGURE_FORMATS | {'html'})}"
        )
    savefig = getattr(figure, "savefig", None)
    if callable(savefig):  # matplotlib Figure
        if ext == "html":
            raise InvalidArgument("log_figure: a matplotlib figure cannot be saved as .html")
        buffer = io.BytesIO()
        savefig(buffer, format=ext, bbox_inches="tight")
        return buffer.getvalue()
    to_html = getattr(figure, "to_html", None)
    if ext == "html" and callable(to_html):  # plotly Figure
        return str(to_html(include_plotlyjs="cdn")).encode("utf-8")
    write_image = getattr(figure, "to_image", None)
    if callable(write_image):
        return bytes(write_image(format=ext))
    raise InvalidArgument(
        f"log_figure expects a matplotlib or plotly figure, got {type(figure).__name__}"
    )


def table_bytes(data: Any, artifact_file: str) -> bytes:
    """Write a pandas DataFrame (or a dict of columns / list of records) as JSON, CSV or
    Parquet, by extension. JSON uses pandas' ``split`` layout (columns + data)."""
    ext = extension(artifact_file)
    if ext not in _TABLE_FORMATS:
        raise InvalidArgument(
            f"log_table: unsupported extension {ext!r} in {artifact_file!r}; "
            f"use one of {sorted(_TABLE_FORMATS)}"
        )
    import pandas as pd

    if isinstance(data, pd.DataFrame):
        frame = data
    else:
        try:
            frame = pd.DataFrame(data)
        except (ValueError, TypeError) as e:
            raise InvalidArgument(f"log_table: cannot make a table of {type(data).__name__}: {e}") from e
    if ext == "csv":
        return frame.to_csv(index=False).encode("utf-8")
    if ext == "json":
        return frame.to_json(orient="split", index=False, date_format="iso").encode("utf-8")
    buffer = io.BytesIO()
    try:
        frame.to_parquet(buffer, index=False)
    except ImportError as e:
        raise InvalidArgument(
            "log_table: writing .parquet needs pyarrow (pip install pyarrow)"
        ) from e
    return buffer.getvalue()
