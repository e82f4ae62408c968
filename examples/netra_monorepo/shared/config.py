"""Environment-driven settings shared by the auth service and the backend."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Mapping

DEVELOPMENT_JWT_SECRET = "dev-only-insecure-secret-change-me"
SUPPORTED_JWT_ALGORITHMS = ("HS256",)
_ENVIRONMENTS = ("development", "test", "staging", "production")


class ConfigError(ValueError):
    """Raised when the environment does not describe a usable configuration."""


def _int_from_env(env: Mapping[str, str], key: str, default: int) -> int:
    raw = env.get(key)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{key} must be an integer, got {raw!r}") from exc


@dataclass(frozen=True)
class Settings:
    environment: str = "development"
    jwt_secret: str = field(default=DEVELOPMENT_JWT_SECRET, repr=False)
    jwt_algorithm: str = "HS256"
    jwt_issuer: str = "netra-auth"
    access_token_ttl_seconds: int = 15 * 60
    refresh_token_ttl_seconds: int = 7 * 24 * 3600
    password_hash_iterations: int = 210_000
    websocket_max_connections_per_user: int = 5
    log_level: str = "INFO"

    def __post_init__(self) -> None:
        if self.environment not in _ENVIRONMENTS:
            raise ConfigError(f"unknown environment {self.environment!r}")
        if self.jwt_algorithm not in SUPPORTED_JWT_ALGORITHMS:
            raise ConfigError(f"unsupported JWT algorithm {self.jwt_algorithm!r}")
        for name in ("access_token_ttl_seconds", "refresh_token_ttl_seconds",
                     "password_hash_iterations", "websocket_max_connections_per_user"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"{name} must be positive")
        if self.refresh_token_ttl_seconds <= self.access_token_ttl_seconds:
            raise ConfigError("refresh tokens must outlive access tokens")
        if self.is_production:
            if self.jwt_secret == DEVELOPMENT_JWT_SECRET or len(self.jwt_secret) < 32:
                raise ConfigError("production requires JWT_SECRET_KEY of at least 32 characters")

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "Settings":
        env = os.environ if environ is None else environ
        return cls(
            environment=env.get("NETRA_ENV", "development").strip().lower(),
            jwt_secret=env.get("JWT_SECRET_KEY", DEVELOPMENT_JWT_SECRET),
            jwt_algorithm=env.get("JWT_ALGORITHM", "HS256").strip().upper(),
            jwt_issuer=env.get("JWT_ISSUER", "netra-auth"),
            access_token_ttl_seconds=_int_from_env(env, "ACCESS_TOKEN_TTL_SECONDS", 15 * 60),
            refresh_token_ttl_seconds=_int_from_env(env, "REFRESH_TOKEN_TTL_SECONDS", 7 * 24 * 3600),
            password_hash_iterations=_int_from_env(env, "PASSWORD_HASH_ITERATIONS", 210_000),
            websocket_max_connections_per_user=_int_from_env(env, "WS_MAX_CONNECTIONS_PER_USER", 5),
            log_level=env.get("LOG_LEVEL", "INFO").strip().upper(),
        )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Process-wide settings, read once from ``os.environ``."""
    return Settings.from_env()


def reset_settings_cache() -> None:
    """Forget cached settings so the next ``get_settings()`` re-reads the environment."""
    get_settings.cache_clear()
