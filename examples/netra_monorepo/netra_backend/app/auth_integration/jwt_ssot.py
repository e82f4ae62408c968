"""Single source of truth for JWT handling inside netra_backend.

Backend modules must import from here, never from
``auth_service.auth_core.core.jwt_handler`` directly: this layer is where the
backend pins algorithm, issuer and token-type policy.
"""
from __future__ import annotations

from typing import Any, Mapping

from auth_service.auth_core.core.jwt_handler import (
    JWTHandler,
    TokenError,
    TokenExpiredError,
)
from shared.config import Settings, get_settings
from shared.logging_utils import get_logger, redact_token
from shared.utils import parse_bearer_token

__all__ = ["JwtSsotIntegration", "jwt_ssot", "TokenError", "TokenExpiredError"]

logger = get_logger("backend.jwt_ssot")


class JwtSsotIntegration:
    """Backend facade over ``JWTHandler``.

    Without explicit arguments the handler follows the process settings and is
    rebuilt whenever ``shared.config.get_settings()`` returns new settings.
    """

    def __init__(
        self,
        handler: JWTHandler | None = None,
        *,
        secret: str | None = None,
        algorithm: str = "HS256",
        issuer: str | None = None,
        access_token_ttl: int = 900,
        settings: Settings | None = None,
    ) -> None:
        if handler is not None and secret is not None:
            raise ValueError("pass either a handler or a secret, not both")
        if secret is not None:
            handler = JWTHandler(secret, algorithm=algorithm, issuer=issuer,
                                 access_token_ttl=access_token_ttl)
        elif handler is None and settings is not None:
            handler = JWTHandler.from_settings(settings)
        self._pinned = handler
        self._cached: tuple[Settings, JWTHandler] | None = None

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> "JwtSsotIntegration":
        return cls(settings=settings or get_settings())

    @property
    def handler(self) -> JWTHandler:
        if self._pinned is not None:
            return self._pinned
        settings = get_settings()
        if self._cached is None or self._cached[0] is not settings:
            self._cached = (settings, JWTHandler.from_settings(settings))
        return self._cached[1]

    # -- backend API -----------------------------------------------------
    def create_token(self, user_id: str, *, token_type: str = "access", ttl: int | None = None,
                     extra_claims: Mapping[str, Any] | None = None) -> str:
        return self.handler.create_token(user_id, token_type=token_type, ttl=ttl,
                                         extra_claims=extra_claims)

    def create_access_token(self, subject: str, *, extra_claims: Mapping[str, Any] | None = None,
                            ttl: int | None = None) -> str:
        return self.create_token(subject, ttl=ttl, extra_claims=extra_claims)

    def decode_token(self, token: str) -> dict[str, Any]:
        return self.handler.decode(token)

    def validate_token(self, token: str, *, audience: str | None = None,
                       expected_type: str | None = "access") -> dict[str, Any] | None:
        claims = self.handler.validate(token, audience=audience, expected_type=expected_type)
        if claims is None:
            logger.debug("rejected token %s", redact_token(token))
        return claims

    def validate_bearer_header(self, header: str | None) -> dict[str, Any] | None:
        token = parse_bearer_token(header)
        return self.validate_token(token) if token else None

    def extract_user_id(self, token: str) -> str | None:
        claims = self.validate_token(token)
        return claims["sub"] if claims else None

    # -- JWTHandler-compatible surface (drop-in for legacy call sites) -----
    def encode(self, claims: Mapping[str, Any]) -> str:
        return self.handler.encode(claims)

    def decode(self, token: str, **options: Any) -> dict[str, Any]:
        return self.handler.decode(token, **options)

    def validate(self, token: str, **options: Any) -> dict[str, Any] | None:
        return self.validate_token(token, **options)


jwt_ssot = JwtSsotIntegration()
