"""Datastore kinds: checking their settings and reaching them.

* ``local``: ``path``, a folder.
* ``s3``: ``bucket``, ``prefix``, ``endpoint_url`` (or the standard ``AWS_ENDPOINT_URL``),
  ``region``, ``profile``. Keys come from the environment (``AWS_ACCESS_KEY_ID``...) or the
  named profile when the datastore is used; a key in the settings is refused.
* ``sql``: ``url``, a SQLAlchemy URL without a password, plus ``password_env`` (the name of
  an environment variable holding the password) or ``url_env`` (one holding the whole URL).

Example::

    config = check_config(DatastoreType.SQL, {"url": "postgresql://me@db/sales",
                                              "password_env": "SALES_DB_PASSWORD"})
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from modelyard.data.entities import Datastore, DatastoreType
from modelyard.errors import InvalidArgument, NotFound

if TYPE_CHECKING:
    import pyarrow as pa
    import sqlalchemy as sa

__all__ = [
    "check_config",
    "parse_datastore_uri",
    "run_query",
    "s3_filesystem",
    "sql_engine",
]

_ALLOWED: dict[DatastoreType, set[str]] = {
    DatastoreType.LOCAL: {"path"},
    DatastoreType.S3: {"bucket", "prefix", "endpoint_url", "region", "profile"},
    DatastoreType.SQL: {"url", "password_env", "url_env"},
}
_SECRET_WORDS = ("secret", "password", "access_key", "token", "credential")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


def check_config(type: DatastoreType, config: Mapping[str, Any]) -> dict[str, Any]:
    """Return the cleaned settings of a datastore, or raise InvalidArgument."""
    type = DatastoreType(type)
    clean: dict[str, Any] = {}
    for key, value in config.items():
        if any(word in key.lower() for word in _SECRET_WORDS) and not key.endswith("_env"):
            raise InvalidArgument(
                f"datastore setting {key!r} looks like a secret: secrets are never stored in "
                "the workspace; use environment variables or a named profile"
            )
        if key not in _ALLOWED[type]:
            raise InvalidArgument(
                f"unknown setting {key!r} for a {type} datastore "
                f"(allowed: {', '.join(sorted(_ALLOWED[type]))})"
            )
        if value is not None:
            if not isinstance(value, str):
                raise InvalidArgument(f"datastore setting {key!r} must be a string")
            clean[key] = value
    if type == DatastoreType.LOCAL:
        if not clean.get("path"):
            raise InvalidArgument("a local datastore needs a 'path'")
        clean["path"] = str(Path(clean["path"]).expanduser().resolve())
    elif type == DatastoreType.S3:
        if not _BUCKET.match(clean.get("bucket", "")):
            raise InvalidArgument("an s3 datastore needs a valid 'bucket' name")
        clean["prefix"] = clean.get("prefix", "").strip("/")
    else:
        _check_sql(clean)
    return clean


def _check_sql(clean: dict[str, Any]) -> None:
    import sqlalchemy as sa

    for key in ("password_env", "url_env"):
        if key in clean and not _ENV_NAME.match(clean[key]):
            raise InvalidArgument(f"{key!r} must name an environment variable")
    if "url" not in clean and "url_env" not in clean:
        raise InvalidArgument("a sql datastore needs a 'url' (or 'url_env')")
    if "url" in clean:
        try:
            url = sa.make_url(clean["url"])
        except sa.exc.ArgumentError as e:
            raise InvalidArgument(f"not a SQLAlchemy URL: {clean['url']!r}") from e
        if url.password is not None:
            raise InvalidArgument(
                "the URL holds a password: remove it and name an environment variable that "
                "holds it with 'password_env'"
            )


def parse_datastore_uri(uri: str) -> tuple[str, str]:
    """Split ``datastore://NAME/PATH`` or ``azureml://datastores/NAME/paths/PATH``.

    Returns:
        (datastore name, path inside it, ``""`` for its root).
    """
    if uri.startswith("datastore://"):
        rest = uri[len("datastore://") :]
        name, _, path = rest.partition("/")
    elif uri.startswith("azureml://datastores/"):
        rest = uri[len("azureml://datastores/") :]
        name, _, path = rest.partition("/")
        if path.startswith("paths/"):
            path = path[len("paths/") :]
        elif path:
            raise InvalidArgument(f"expected azureml://datastores/NAME/paths/PATH, got {uri!r}")
    else:
        raise InvalidArgument(f"not a datastore URI: {uri!r}")
    if not name:
        raise InvalidArgument(f"the datastore URI {uri!r} names no datastore")
    return name, path.strip("/")


def is_datastore_uri(text: str) -> bool:
    return text.startswith(("datastore://", "azureml://datastores/"))


def local_root(ds: Datastore) -> Path:
    return Path(ds.config["path"])


def s3_filesystem(ds: Datastore) -> Any:
    """An s3fs filesystem for the datastore; keys from the environment or its profile."""
    try:
        import s3fs
    except ImportError as e:
        raise InvalidArgument("s3 datastores need the 's3' extra: pip install modelyard[s3]") from e
    kwargs: dict[str, Any] = {}
    endpoint = ds.config.get("endpoint_url") or os.environ.get("AWS_ENDPOINT_URL")
    client_kwargs: dict[str, Any] = {}
    if endpoint:
        client_kwargs["endpoint_url"] = endpoint
    if ds.config.get("region"):
        client_kwargs["region_name"] = ds.config["region"]
    if ds.config.get("profile"):
        kwargs["profile"] = ds.config["profile"]
    return s3fs.S3FileSystem(client_kwargs=client_kwargs, skip_instance_cache=True, **kwargs)


def s3_path(ds: Datastore, path: str) -> str:
    parts = [ds.config["bucket"], ds.config.get("prefix", ""), path]
    return "/".join(p.strip("/") for p in parts if p)


def sql_engine(ds: Datastore) -> sa.Engine:
    """A SQLAlchemy engine for a ``sql`` datastore, with credentials read from the environment.

    Raises:
        InvalidArgument: the datastore is not ``sql`` or a named variable is not set.
    """
    import sqlalchemy as sa

    if ds.type != DatastoreType.SQL:
        raise InvalidArgument(f"datastore {ds.name!r} is {ds.type}, not sql")
    if "url_env" in ds.config:
        raw = os.environ.get(ds.config["url_env"])
        if not raw:
            raise InvalidArgument(
                f"datastore {ds.name!r} reads its URL from ${ds.config['url_env']}, which is not set"
            )
        url = sa.make_url(raw)
    else:
        url = sa.make_url(ds.config["url"])
    if "password_env" in ds.config:
        password = os.environ.get(ds.config["password_env"])
        if password is None:
            raise InvalidArgument(
                f"datastore {ds.name!r} reads its password from ${ds.config['password_env']}, "
                "which is not set"
            )
        url = url.set(password=password)
    if url.get_backend_name() == "postgresql" and url.get_driver_name() in ("", "psycopg2"):
        url = url.set(drivername="postgresql+psycopg")
    return sa.create_engine(url, pool_pre_ping=True)


def run_query(ds: Datastore, query: str, *, limit: int | None = None) -> pa.Table:
    """Run a read query on a ``sql`` datastore and return its rows (its first ``limit``
    rows: only those are fetched) as an Arrow table.

    Raises:
        InvalidArgument: the query failed (the database's message is included).
    """
    import pyarrow as pa
    import sqlalchemy as sa

    engine = sql_engine(ds)
    try:
        with engine.connect() as conn:
            result = conn.execute(sa.text(query))
            columns = list(result.keys())
            rows = result.fetchall() if limit is None else result.fetchmany(limit)
    except sa.exc.DBAPIError as e:
        text = str(getattr(e, "orig", e)).strip().splitlines()
        raise InvalidArgument(
            f"the query on datastore {ds.name!r} failed: {text[0] if text else type(e).__name__}"
        ) from e
    except sa.exc.SQLAlchemyError as e:
        raise InvalidArgument(f"the query on datastore {ds.name!r} failed: {e}") from e
    finally:
        engine.dispose()
    data = {col: [row[i] for row in rows] for i, col in enumerate(columns)}
    try:
        return pa.table(data)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.table({k: [None if v is None else str(v) for v in vs] for k, vs in data.items()})


def require_path(ds: Datastore, path: str) -> None:
    """Raise NotFound when ``path`` does not exist in the datastore."""
    if ds.type == DatastoreType.LOCAL:
        target = local_root(ds) / path if path else local_root(ds)
        if not target.exists():
            raise NotFound(f"no {path!r} in datastore {ds.name!r} ({target})")
    elif ds.type == DatastoreType.S3:
        fs = s3_filesystem(ds)
        full = s3_path(ds, path)
        try:
            exists = fs.exists(full)
        except Exception as e:  # botocore and s3fs raise many kinds
            raise NotFound(f"cannot reach s3://{full} in datastore {ds.name!r}: {e}") from e
        if not exists:
            raise NotFound(f"no s3://{full} in datastore {ds.name!r} (does the bucket exist?)")
