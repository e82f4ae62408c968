"""Every test runs against a clean, deterministic test environment."""
from __future__ import annotations

import pytest

from shared.config import reset_settings_cache
from test_framework.fixtures.clock import FakeClock
from test_framework.ssot.auth_helpers import TEST_ISSUER, TEST_SECRET

_MANAGED_VARIABLES = (
    "NETRA_ENV", "JWT_SECRET_KEY", "JWT_ALGORITHM", "JWT_ISSUER", "ACCESS_TOKEN_TTL_SECONDS",
    "REFRESH_TOKEN_TTL_SECONDS", "PASSWORD_HASH_ITERATIONS", "WS_MAX_CONNECTIONS_PER_USER", "LOG_LEVEL",
)


@pytest.fixture(autouse=True)
def test_environment(monkeypatch: pytest.MonkeyPatch):
    for name in _MANAGED_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NETRA_ENV", "test")
    monkeypatch.setenv("JWT_SECRET_KEY", TEST_SECRET)
    monkeypatch.setenv("JWT_ISSUER", TEST_ISSUER)
    monkeypatch.setenv("PASSWORD_HASH_ITERATIONS", "1000")
    reset_settings_cache()
    yield monkeypatch
    reset_settings_cache()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()
