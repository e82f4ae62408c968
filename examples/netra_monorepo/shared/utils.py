"""Small, dependency-free helpers used by several packages."""
from __future__ import annotations

import base64
import binascii
import hmac
import re
import secrets
import time

_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def b64url_encode(raw: bytes) -> str:
    """Base64url-encode ``raw`` without padding (RFC 7515 section 2)."""
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def b64url_decode(data: str) -> bytes:
    """Decode an unpadded base64url string; raise ``ValueError`` when invalid."""
    if not isinstance(data, str):
        raise ValueError("base64url segment must be a string")
    if not re.fullmatch(r"[A-Za-z0-9_-]*", data):
        raise ValueError("base64url segment contains invalid characters")
    padded = data + "=" * (-len(data) % 4)
    try:
        return base64.urlsafe_b64decode(padded.encode("ascii"))
    except binascii.Error as exc:
        raise ValueError(f"invalid base64url segment: {exc}") from exc


def constant_time_equals(left: str | bytes, right: str | bytes) -> bool:
    """Compare two secrets without leaking their common prefix length."""
    if isinstance(left, str):
        left = left.encode("utf-8")
    if isinstance(right, str):
        right = right.encode("utf-8")
    return hmac.compare_digest(left, right)


def utc_timestamp() -> int:
    """Seconds since the epoch, as an int (the unit JWT claims use)."""
    return int(time.time())


def generate_id(prefix: str = "", nbytes: int = 12) -> str:
    """Random, URL-safe identifier such as ``sess_5f0c...``."""
    token = secrets.token_hex(nbytes)
    return f"{prefix}_{token}" if prefix else token


def normalize_email(email: str) -> str:
    """Trim and lower-case an e-mail address; raise ``ValueError`` if malformed."""
    candidate = (email or "").strip().lower()
    if not _EMAIL_RE.match(candidate):
        raise ValueError(f"invalid e-mail address: {email!r}")
    return candidate


def parse_bearer_token(header: str | None) -> str | None:
    """Return the token of an ``Authorization: Bearer <token>`` header, else None."""
    if not header:
        return None
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or " " in token:
        return None
    return token
