"""Keeps long-lived websocket connections authenticated by refreshing tokens early."""
from __future__ import annotations

import time
from typing import Callable

import auth_service.auth_core.core.jwt_handler as jwt_handler
from netra_backend.app.core.exceptions import AuthenticationError

CARRIED_CLAIMS = ("email", "roles", "scope")


class TokenRefreshService:
    def __init__(self, *, refresh_window: int = 120, clock: Callable[[], float] = time.time) -> None:
        if refresh_window < 0:
            raise ValueError("refresh_window must not be negative")
        self.refresh_window = refresh_window
        self._clock = clock

    def seconds_until_expiry(self, token: str) -> float | None:
        """Remaining lifetime of a valid token; None if it is already unusable."""
        try:
            claims = jwt_handler.decode_token(token)
        except jwt_handler.TokenError:
            return None
        return claims["exp"] - self._clock()

    def needs_refresh(self, token: str) -> bool:
        remaining = self.seconds_until_expiry(token)
        return remaining is None or remaining <= self.refresh_window

    def refresh_if_needed(self, token: str) -> str:
        """Return ``token`` itself, or a fresh access token for the same subject."""
        try:
            claims = jwt_handler.decode_token(token)
        except jwt_handler.TokenExpiredError as exc:
            raise AuthenticationError("token already expired; client must log in again") from exc
        except jwt_handler.TokenError as exc:
            raise AuthenticationError(f"cannot refresh an invalid token: {exc}") from exc
        if claims.get("type") != "access":
            raise AuthenticationError("only access tokens can be refreshed")
        if claims["exp"] - self._clock() > self.refresh_window:
            return token
        carried = {name: claims[name] for name in CARRIED_CLAIMS if name in claims}
        return jwt_handler.create_access_token(claims["sub"], extra_claims=carried)
