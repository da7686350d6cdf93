"""Short-lived bearer tokens for endpoints with ``auth_mode: aml_token``.

Such an endpoint keeps two secrets like a keyed one, but callers never send them: they send
a token that names the endpoint and its expiry, signed with HMAC-SHA256 by one of the
endpoint's secrets. Tokens expire (one hour by default, ``get-credentials`` hands out a new
one), are bound to one endpoint, and regenerating the secret that signed a token revokes it.

Example::

    creds = issue_token(endpoint)            # {"accessToken": ..., "expiryTimeUtc": ...}
    verify_token(endpoint, creds["accessToken"])  # -> True until it expires
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from datetime import UTC, datetime
from typing import Any

from modelyard.endpoints.entities import Endpoint
from modelyard.errors import InvalidArgument, InvalidState

__all__ = ["DEFAULT_LIFETIME", "issue_token", "verify_token"]

DEFAULT_LIFETIME = 3600  # seconds
_PREFIX = "yt1"  # the token format's version


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(secret: str, payload: str) -> str:
    return _b64(hmac.new(secret.encode(), f"{_PREFIX}.{payload}".encode(), hashlib.sha256).digest())


def issue_token(endpoint: Endpoint, *, lifetime: int = DEFAULT_LIFETIME, now: float | None = None) -> dict[str, Any]:
    """A new token for ``endpoint``, in the shape ``get-credentials`` prints.

    Raises:
        InvalidState: the endpoint does not use tokens.
        InvalidArgument: ``lifetime`` is not between 60 s and 24 h.
    """
    if str(endpoint.auth_mode) != "aml_token" or not endpoint.keys:
        raise InvalidState(f"endpoint {endpoint.name!r} does not use tokens (auth_mode {endpoint.auth_mode})")
    if isinstance(lifetime, bool) or not isinstance(lifetime, int) or not 60 <= lifetime <= 86400:
        raise InvalidArgument("token lifetime: an integer number of seconds from 60 to 86400")
    issued = int(time.time() if now is None else now)
    expires = issued + lifetime
    payload = _b64(json.dumps({"e": endpoint.name, "exp": expires}, separators=(",", ":")).encode())
    token = f"{_PREFIX}.{payload}.{_sign(endpoint.keys[0], payload)}"

    def iso(t: int) -> str:
        return datetime.fromtimestamp(t, UTC).isoformat().replace("+00:00", "Z")

    return {"accessToken": token, "tokenType": "Bearer", "expiryTimeUtc": iso(expires),
            "refreshAfterTimeUtc": iso(issued + lifetime // 2)}


def verify_token(endpoint: Endpoint, token: str, *, now: float | None = None) -> bool:
    """True if ``token`` was signed by one of ``endpoint``'s secrets, names it, and has not
    expired."""
    parts = token.split(".")
    if len(parts) != 3 or parts[0] != _PREFIX:
        return False
    _, payload, signature = parts
    if not any(hmac.compare_digest(signature, _sign(secret, payload)) for secret in endpoint.keys):
        return False
    try:
        claims = json.loads(_unb64(payload))
        name, expires = claims["e"], claims["exp"]
    except (ValueError, KeyError, TypeError):
        return False
    return name == endpoint.name and isinstance(expires, int) and expires > (time.time() if now is None else now)
