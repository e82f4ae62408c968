"""Register, log in, refresh and log out: the auth service's use cases."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from auth_service.auth_core.core.jwt_handler import JWTHandler, TokenError
from auth_service.auth_core.core.password import (
    hash_password,
    needs_rehash,
    password_problems,
    verify_password,
)
from auth_service.auth_core.core.token_store import RefreshTokenError, TokenStore
from auth_service.auth_core.services.user_store import InMemoryUserStore, UserRecord
from shared.config import Settings, get_settings
from shared.logging_utils import get_logger

logger = get_logger("auth.authentication")


class AuthenticationError(Exception):
    """Credentials or tokens were rejected."""


class WeakPasswordError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    token_type: str = "Bearer"

    def as_dict(self) -> dict[str, Any]:
        return {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "expires_in": self.expires_in,
            "token_type": self.token_type,
        }


class AuthService:
    def __init__(
        self,
        handler: JWTHandler | None = None,
        users: InMemoryUserStore | None = None,
        tokens: TokenStore | None = None,
        settings: Settings | None = None,
    ) -> None:
        self.settings = settings or get_settings()
        self.handler = handler or JWTHandler.from_settings(self.settings)
        self.users = users if users is not None else InMemoryUserStore()
        self.tokens = tokens if tokens is not None else TokenStore()
        # Verified against when the e-mail is unknown, so both paths cost the same.
        self._dummy_hash = hash_password("timing-equaliser", iterations=self.settings.password_hash_iterations)

    def register(self, email: str, password: str, roles: Iterable[str] = ("user",)) -> UserRecord:
        problems = password_problems(password)
        if problems:
            raise WeakPasswordError(problems)
        record = UserRecord(email=email, password_hash=hash_password(password), roles=tuple(roles))
        self.users.add(record)
        logger.info("registered user %s", record.user_id)
        return record

    def _issue(self, user: UserRecord) -> TokenPair:
        access = self.handler.create_token(
            user.user_id, extra_claims={"email": user.email, "roles": list(user.roles)}
        )
        refresh = self.tokens.issue_refresh_token(user.user_id, self.settings.refresh_token_ttl_seconds)
        return TokenPair(access, refresh, self.handler.access_token_ttl)

    def login(self, email: str, password: str) -> TokenPair:
        user = self.users.get_by_email(email)
        if user is None:
            verify_password(password, self._dummy_hash)
            raise AuthenticationError("invalid e-mail or password")
        if not verify_password(password, user.password_hash) or not user.is_active:
            raise AuthenticationError("invalid e-mail or password")
        if needs_rehash(user.password_hash):
            self.users.update_password_hash(user.user_id, hash_password(password))
        return self._issue(user)

    def refresh(self, refresh_token: str) -> TokenPair:
        try:
            user_id, new_refresh = self.tokens.rotate_refresh_token(
                refresh_token, self.settings.refresh_token_ttl_seconds
            )
        except RefreshTokenError as exc:
            raise AuthenticationError(str(exc)) from exc
        user = self.users.get_by_id(user_id)
        if user is None or not user.is_active:
            self.tokens.revoke_refresh_token(new_refresh)
            raise AuthenticationError("account is disabled")
        access = self.handler.create_token(
            user.user_id, extra_claims={"email": user.email, "roles": list(user.roles)}
        )
        return TokenPair(access, new_refresh, self.handler.access_token_ttl)

    def verify_access_token(self, token: str) -> dict[str, Any]:
        try:
            claims = self.handler.decode(token)
        except TokenError as exc:
            raise AuthenticationError(str(exc)) from exc
        if claims.get("type") != "access":
            raise AuthenticationError("not an access token")
        if self.tokens.is_jti_revoked(claims.get("jti")):
            raise AuthenticationError("token was revoked")
        user = self.users.get_by_id(claims["sub"])
        if user is None or not user.is_active:
            raise AuthenticationError("account is disabled")
        return claims

    def logout(self, access_token: str, refresh_token: str | None = None) -> None:
        claims = self.verify_access_token(access_token)
        self.tokens.revoke_jti(claims["jti"], claims["exp"])
        if refresh_token is not None:
            self.tokens.revoke_refresh_token(refresh_token)
