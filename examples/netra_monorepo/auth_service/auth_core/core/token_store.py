"""Refresh-token bookkeeping and access-token revocation (in memory).

Refresh tokens are opaque random strings; only their SHA-256 digest is stored.
Rotation is single-use: presenting an already-rotated token is treated as
theft and revokes every refresh token of that user.
"""
from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from typing import Callable


class RefreshTokenError(Exception):
    """The refresh token is unknown, expired or revoked."""


class RefreshTokenReuseError(RefreshTokenError):
    """A rotated refresh token was presented again."""


@dataclass
class RefreshTokenRecord:
    user_id: str
    expires_at: float
    revoked: bool = False
    rotated: bool = False


def _digest(raw_token: str) -> str:
    return hashlib.sha256(raw_token.encode("utf-8")).hexdigest()


class TokenStore:
    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._refresh: dict[str, RefreshTokenRecord] = {}
        self._revoked_jti: dict[str, float] = {}

    def issue_refresh_token(self, user_id: str, ttl: int) -> str:
        if ttl <= 0:
            raise ValueError("ttl must be positive")
        raw = secrets.token_urlsafe(32)
        self._refresh[_digest(raw)] = RefreshTokenRecord(user_id, self._clock() + ttl)
        return raw

    def _live_record(self, raw_token: str) -> RefreshTokenRecord:
        record = self._refresh.get(_digest(raw_token))
        if record is None:
            raise RefreshTokenError("unknown refresh token")
        if record.rotated:
            self.revoke_all_for_user(record.user_id)
            raise RefreshTokenReuseError("refresh token was already used")
        if record.revoked:
            raise RefreshTokenError("refresh token was revoked")
        if self._clock() >= record.expires_at:
            raise RefreshTokenError("refresh token expired")
        return record

    def rotate_refresh_token(self, raw_token: str, ttl: int) -> tuple[str, str]:
        """Consume ``raw_token``; return ``(user_id, new_raw_token)``."""
        record = self._live_record(raw_token)
        record.rotated = True
        return record.user_id, self.issue_refresh_token(record.user_id, ttl)

    def revoke_refresh_token(self, raw_token: str) -> bool:
        record = self._refresh.get(_digest(raw_token))
        if record is None or record.revoked:
            return False
        record.revoked = True
        return True

    def revoke_all_for_user(self, user_id: str) -> int:
        count = 0
        for record in self._refresh.values():
            if record.user_id == user_id and not record.revoked:
                record.revoked = True
                count += 1
        return count

    def revoke_jti(self, jti: str, expires_at: float) -> None:
        """Deny-list an access token id until its natural expiry."""
        self._revoked_jti[jti] = expires_at

    def is_jti_revoked(self, jti: str | None) -> bool:
        return jti is not None and jti in self._revoked_jti

    def purge_expired(self) -> int:
        now = self._clock()
        stale_refresh = [key for key, rec in self._refresh.items() if rec.expires_at <= now]
        stale_jti = [jti for jti, exp in self._revoked_jti.items() if exp <= now]
        for key in stale_refresh:
            del self._refresh[key]
        for jti in stale_jti:
            del self._revoked_jti[jti]
        return len(stale_refresh) + len(stale_jti)
