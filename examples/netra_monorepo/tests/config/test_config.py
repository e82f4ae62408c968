from __future__ import annotations

import pytest

from shared.config import DEVELOPMENT_JWT_SECRET, ConfigError, Settings, get_settings, reset_settings_cache
from shared.utils import b64url_decode, b64url_encode, normalize_email, parse_bearer_token


def test_defaults_are_development():
    settings = Settings.from_env({})
    assert settings.environment == "development"
    assert settings.jwt_secret == DEVELOPMENT_JWT_SECRET
    assert settings.access_token_ttl_seconds == 900
    assert "jwt_secret" not in repr(settings)


def test_environment_overrides():
    settings = Settings.from_env({"NETRA_ENV": "Staging", "ACCESS_TOKEN_TTL_SECONDS": "60",
                                  "JWT_ALGORITHM": "hs256", "LOG_LEVEL": "debug"})
    assert settings.environment == "staging"
    assert settings.access_token_ttl_seconds == 60
    assert settings.jwt_algorithm == "HS256"
    assert settings.log_level == "DEBUG"


@pytest.mark.parametrize("env", [
    {"ACCESS_TOKEN_TTL_SECONDS": "soon"},
    {"ACCESS_TOKEN_TTL_SECONDS": "0"},
    {"JWT_ALGORITHM": "RS256"},
    {"NETRA_ENV": "moon"},
    {"ACCESS_TOKEN_TTL_SECONDS": "7200", "REFRESH_TOKEN_TTL_SECONDS": "3600"},
    {"NETRA_ENV": "production"},
    {"NETRA_ENV": "production", "JWT_SECRET_KEY": "too-short"},
])
def test_invalid_configuration_is_rejected(env):
    with pytest.raises(ConfigError):
        Settings.from_env(env)


def test_production_accepts_long_secret():
    settings = Settings.from_env({"NETRA_ENV": "production", "JWT_SECRET_KEY": "x" * 40})
    assert settings.is_production


def test_get_settings_is_cached_until_reset(test_environment):
    first = get_settings()
    assert get_settings() is first
    test_environment.setenv("ACCESS_TOKEN_TTL_SECONDS", "120")
    assert get_settings().access_token_ttl_seconds == first.access_token_ttl_seconds
    reset_settings_cache()
    assert get_settings().access_token_ttl_seconds == 120


@pytest.mark.parametrize("raw", [b"", b"f", b"fo", b"foo", bytes(range(256))])
def test_b64url_round_trip(raw):
    encoded = b64url_encode(raw)
    assert "=" not in encoded
    assert b64url_decode(encoded) == raw


def test_b64url_rejects_garbage():
    with pytest.raises(ValueError):
        b64url_decode("not base64!")


def test_parse_bearer_token():
    assert parse_bearer_token("Bearer abc.def") == "abc.def"
    assert parse_bearer_token("bearer   abc") == "abc"
    assert parse_bearer_token("Basic abc") is None
    assert parse_bearer_token("Bearer") is None
    assert parse_bearer_token(None) is None


def test_normalize_email():
    assert normalize_email("  Ada@Example.COM ") == "ada@example.com"
    with pytest.raises(ValueError):
        normalize_email("ada.example.com")
