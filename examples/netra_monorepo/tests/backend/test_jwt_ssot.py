from __future__ import annotations

import pytest

from netra_backend.app.auth_integration import JwtSsotIntegration, jwt_ssot
from netra_backend.app.core.exceptions import AuthenticationError
from netra_backend.app.services.token_refresh_service import TokenRefreshService
from test_framework.ssot.auth_helpers import (
    assert_service_token_valid,
    make_expired_token,
    make_handler,
    make_token,
    tamper_signature,
)


def test_module_instance_follows_environment_settings():
    token = jwt_ssot.create_token("user-1", extra_claims={"roles": ["user"]})
    claims = jwt_ssot.validate_token(token)
    assert claims["sub"] == "user-1"
    assert make_handler().validate(token) == claims


def test_rejects_bad_tokens():
    assert jwt_ssot.validate_token(make_expired_token()) is None
    assert jwt_ssot.validate_token(tamper_signature(make_token())) is None
    assert jwt_ssot.validate_token(make_token(token_type="refresh")) is None
    assert jwt_ssot.validate_token("garbage") is None


def test_bearer_header_and_user_id_helpers():
    token = make_token("user-7")
    assert jwt_ssot.validate_bearer_header(f"Bearer {token}")["sub"] == "user-7"
    assert jwt_ssot.validate_bearer_header("Token abc") is None
    assert jwt_ssot.validate_bearer_header(None) is None
    assert jwt_ssot.extract_user_id(token) == "user-7"


def test_pinned_secret_is_independent_of_settings():
    pinned = JwtSsotIntegration(secret="pinned-secret-value-1234567890", issuer="netra-auth")
    token = pinned.create_access_token("user-2")
    assert pinned.validate(token)["sub"] == "user-2"
    assert jwt_ssot.validate_token(token) is None
    with pytest.raises(ValueError):
        JwtSsotIntegration(make_handler(), secret="x")


def test_handler_compatible_surface():
    integration = JwtSsotIntegration.from_settings()
    token = integration.encode({"sub": "user-3", "exp": 4_102_444_800, "iss": "netra-auth", "type": "access"})
    assert integration.decode(token)["sub"] == "user-3"


def test_guarded_cross_service_helper_accepts_service_tokens():
    token = jwt_ssot.create_access_token("service:billing", extra_claims={"scope": "invoices:read"})
    assert assert_service_token_valid(token)["scope"] == "invoices:read"


def test_token_refresh_service(clock):
    token = make_handler(clock=clock).create_token("user-4", ttl=600, extra_claims={"roles": ["user"]})
    service = TokenRefreshService(refresh_window=120, clock=clock)
    assert not service.needs_refresh(token)
    assert service.refresh_if_needed(token) == token

    clock.advance(500)
    assert service.needs_refresh(token)
    refreshed = service.refresh_if_needed(token)
    assert refreshed != token
    assert jwt_ssot.validate_token(refreshed)["roles"] == ["user"]

    with pytest.raises(AuthenticationError):
        service.refresh_if_needed(make_expired_token())
    with pytest.raises(AuthenticationError):
        service.refresh_if_needed(make_token(token_type="refresh"))
    assert service.seconds_until_expiry("garbage") is None
