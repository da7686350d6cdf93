"""Errors of the data domain, in the one error tree of :mod:`modelyard.errors`.

::

    InvalidState                 409 INVALID_STATE
    └── DataChanged              409 DATA_CHANGED

Imported by :mod:`modelyard.data.store`, so the REST client rebuilds them by code.
"""

from __future__ import annotations

from modelyard.errors import InvalidState

__all__ = ["DataChanged"]


class DataChanged(InvalidState):
    """Data a version references outside the workspace (an S3 object) changed since the
    version was registered: a version is immutable, so it is no longer readable.

    ``details`` holds ``ref`` (the version), ``path`` (the file) and ``registered_at``.
    """

    code = "DATA_CHANGED"
