from __future__ import annotations

import pytest

from auth_service.auth_core.core.jwt_handler import create_access_token
from netra_backend.app.core.exceptions import AuthenticationError, AuthorizationError
from netra_backend.app.services.cross_service_auth import CrossServiceAuthenticator, ServiceIdentity
from test_framework.ssot.auth_helpers import make_expired_token, tamper_signature


@pytest.fixture
def authenticator() -> CrossServiceAuthenticator:
    return CrossServiceAuthenticator(["billing", "Analytics"])


def test_accepts_allowed_service(authenticator):
    token = create_access_token("service:billing", extra_claims={"scope": "invoices:read invoices:write"})
    identity = authenticator.authenticate(token)
    assert identity == ServiceIdentity("billing", frozenset({"invoices:read", "invoices:write"}))
    assert authenticator.require_scope(token, "invoices:write").name == "billing"
    with pytest.raises(AuthorizationError):
        authenticator.require_scope(token, "users:delete")


def test_rejects_user_tokens_and_unknown_services(authenticator):
    with pytest.raises(AuthorizationError):
        authenticator.authenticate(create_access_token("user-1"))
    with pytest.raises(AuthorizationError):
        authenticator.authenticate(create_access_token("service:scheduler"))


def test_rejects_invalid_tokens(authenticator):
    good = create_access_token("service:analytics")
    with pytest.raises(AuthenticationError):
        authenticator.authenticate(tamper_signature(good))
    with pytest.raises(AuthenticationError):
        authenticator.authenticate(make_expired_token("service:analytics"))


def test_requires_an_allow_list():
    with pytest.raises(ValueError):
        CrossServiceAuthenticator([])
