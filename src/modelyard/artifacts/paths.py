"""Artifact keys: the one place where a caller-supplied path is checked and cleaned.

Every artifact store passes each key through :func:`normalize_key` (or
:func:`normalize_prefix` where the store root itself may be named) before it touches a disk or
a bucket. A normalized key is a relative POSIX path whose components are never ``..``,
empty or ``.``, so joining it under any root stays under that root.

Examples:
    >>> normalize_key("model//./weights.bin")
    'model/weights.bin'
    >>> normalize_key("plots/")
    'plots/'
    >>> join_key("runs/abc", "model/model.pkl")
    'runs/abc/model/model.pkl'
"""

from __future__ import annotations

import re
import unicodedata

from modelyard.errors import InvalidArgument

__all__ = [
    "MAX_COMPONENT_BYTES",
    "MAX_KEY_LENGTH",
    "is_folder_key",
    "join_key",
    "normalize_key",
    "normalize_prefix",
]

MAX_KEY_LENGTH = 1024
MAX_COMPONENT_BYTES = 255

_DRIVE = re.compile(r"^[A-Za-z]:")
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def _fail(key: object, why: str) -> InvalidArgument:
    shown = repr(key) if len(repr(key)) <= 120 else repr(key)[:117] + "..."
    return InvalidArgument(f"invalid artifact path {shown}: {why}", details={"reason": why})


def _check_characters(key: str) -> None:
    for ch in key:
        if ch == "\x00":
            raise _fail(key, "it contains a NUL byte")
        if unicodedata.category(ch) == "Cc":
            raise _fail(key, f"it contains the control character {ch!r}")
        if "\ud800" <= ch <= "\udfff":
            raise _fail(key, "it is not valid Unicode (lone surrogate)")
    if "\\" in key:
        raise _fail(key, "backslashes are not allowed; use '/' to separate folders")


def normalize_key(key: str) -> str:
    """Return ``key`` as a clean relative POSIX path, or raise InvalidArgument.

    Duplicate slashes and ``.`` components are collapsed; one trailing slash (a folder) is
    kept. Rejected: empty keys, ``..`` components, absolute paths, Windows drive letters, UNC
    paths, backslashes, NUL and other control characters, components over 255 UTF-8 bytes and
    keys over 1,024 characters, and URIs (``s3://...``).

    Args:
        key: the path a caller gave, relative to an artifact root.

    Returns:
        The normalized key; normalizing it again returns it unchanged.

    Raises:
        InvalidArgument: the key is unsafe; the message says why.
    """
    if not isinstance(key, str):
        raise _fail(key, f"expected a string, got {type(key).__name__}")
    if not key:
        raise _fail(key, "the path is empty")
    if len(key) > MAX_KEY_LENGTH:
        raise _fail(key, f"the path is longer than {MAX_KEY_LENGTH} characters")
    if key.startswith(("\\\\", "//")):
        raise _fail(key, "UNC paths (//server/share) are not allowed")
    if _URI.match(key):
        raise _fail(key, "a URI (scheme://...) is not a path; give a path relative to the root")
    if _DRIVE.match(key):
        raise _fail(key, f"Windows drive letters ({key[:2]!r}) are not allowed")
    _check_characters(key)
    if key.startswith("/"):
        raise _fail(key, "absolute paths are not allowed; give a path relative to the root")
    parts: list[str] = []
    for part in key.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            raise _fail(key, "'..' components are not allowed")
        if _DRIVE.match(part):
            raise _fail(key, f"Windows drive letters ({part[:2]!r}) are not allowed")
        if len(part.encode("utf-8")) > MAX_COMPONENT_BYTES:
            raise _fail(key, f"a component is longer than {MAX_COMPONENT_BYTES} bytes")
        parts.append(part)
    if not parts:
        raise _fail(key, "the path is empty")
    clean = "/".join(parts)
    return clean + "/" if key.endswith("/") else clean


def normalize_prefix(prefix: str) -> str:
    """Like :func:`normalize_key`, but ``""`` (or ``"."``, ``"./"``) names the root.

    Returns ``""`` for the root, else the normalized key without its trailing slash.
    """
    if (
        isinstance(prefix, str)
        and not prefix.startswith("/")
        and all(part in ("", ".") for part in prefix.split("/"))
    ):
        return ""
    return normalize_key(prefix).rstrip("/")


def is_folder_key(key: str) -> bool:
    """True when a normalized key names a folder (ends with ``/``)."""
    return key.endswith("/")


def join_key(prefix: str, path: str) -> str:
    """Join ``path`` under ``prefix``; both are normalized and the result stays under prefix.

    ``prefix`` may be ``""`` (the root). A trailing slash of ``path`` is kept.

    Raises:
        InvalidArgument: either part is unsafe, or the joined key is too long.
    """
    head = normalize_prefix(prefix)
    tail = normalize_key(path)
    joined = f"{head}/{tail}" if head else tail
    if len(joined) > MAX_KEY_LENGTH:
        raise _fail(joined, f"the joined path is longer than {MAX_KEY_LENGTH} characters")
    if head and not joined.startswith(head + "/"):  # pragma: no cover - guaranteed above
        raise _fail(joined, "the path leaves its prefix")
    return joined
