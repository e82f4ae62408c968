from __future__ import annotations

import json

import pytest

from auth_service.auth_core.core import JWTHandler as ReexportedHandler
from auth_service.auth_core.core.jwt_handler import (
    InvalidClaimsError,
    InvalidSignatureError,
    JWTHandler,
    MalformedTokenError,
    TokenExpiredError,
    create_access_token,
    decode_token,
    validate_token,
)
from shared.utils import b64url_decode, b64url_encode
from test_framework.ssot.auth_helpers import (
    make_expired_token,
    make_handler,
    make_token,
    tamper_payload,
    tamper_signature,
)


def test_round_trip_preserves_claims():
    handler = make_handler()
    token = handler.create_token("user-1", extra_claims={"roles": ["admin"], "email": "a@b.io"})
    claims = handler.decode(token)
    assert claims["sub"] == "user-1"
    assert claims["roles"] == ["admin"]
    assert claims["type"] == "access"
    assert claims["exp"] - claims["iat"] == 900
    assert claims["jti"].startswith("jti_")


def test_header_declares_hs256():
    header = json.loads(b64url_decode(make_token().split(".")[0]))
    assert header == {"alg": "HS256", "typ": "JWT"}


def test_expired_token_is_rejected():
    token = make_expired_token()
    with pytest.raises(TokenExpiredError):
        make_handler().decode(token)
    assert make_handler().validate(token) is None
    assert validate_token(token) is None


def test_expiry_boundary_uses_clock(clock):
    handler = make_handler(clock=clock)
    token = handler.create_token("user-1", ttl=10)
    clock.advance(9)
    assert handler.validate(token) is not None
    clock.advance(1)
    assert handler.validate(token) is None


def test_tampered_signature_is_rejected():
    with pytest.raises(InvalidSignatureError):
        make_handler().decode(tamper_signature(make_token()))


def test_tampered_payload_is_rejected():
    forged = tamper_payload(make_token("user-1"), sub="admin", roles=["admin"])
    with pytest.raises(InvalidSignatureError):
        make_handler().decode(forged)


def test_wrong_secret_is_rejected():
    token = make_handler(secret="another-secret-entirely-0000000000").create_token("user-1")
    assert make_handler().validate(token) is None


def test_alg_none_is_rejected():
    header = b64url_encode(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    payload = make_token().split(".")[1]
    with pytest.raises(InvalidSignatureError):
        make_handler().decode(f"{header}.{payload}.")


@pytest.mark.parametrize("garbage", ["", "abc", "a.b", "a.b.c.d", "!!.??.**", 42])
def test_malformed_tokens_are_rejected(garbage):
    with pytest.raises(MalformedTokenError):
        make_handler().decode(garbage)


def test_missing_exp_is_rejected():
    handler = make_handler()
    token = handler.encode({"sub": "user-1", "iss": "netra-auth"})
    with pytest.raises(InvalidClaimsError):
        handler.decode(token)


def test_issuer_and_audience_checks():
    handler = make_handler()
    foreign = make_handler(issuer="someone-else").create_token("user-1")
    with pytest.raises(InvalidClaimsError):
        handler.decode(foreign)
    token = handler.create_token("user-1", extra_claims={"aud": ["backend", "billing"]})
    assert handler.decode(token, audience="billing")["sub"] == "user-1"
    with pytest.raises(InvalidClaimsError):
        handler.decode(token, audience="analytics")


def test_reserved_claims_cannot_be_overridden():
    with pytest.raises(InvalidClaimsError):
        make_handler().create_token("user-1", extra_claims={"exp": 9999999999})


def test_validate_checks_token_type():
    refresh_like = make_token(token_type="refresh")
    assert make_handler().validate(refresh_like) is None
    assert make_handler().validate(refresh_like, expected_type="refresh")["sub"] == "user-123"


def test_module_functions_use_environment_settings():
    token = create_access_token("user-9", extra_claims={"scope": "read"})
    assert decode_token(token)["scope"] == "read"
    assert validate_token(token)["sub"] == "user-9"
    assert make_handler().validate(token)["sub"] == "user-9"


def test_package_reexports_the_same_class():
    assert ReexportedHandler is JWTHandler
    with pytest.raises(ValueError):
        JWTHandler("")
    with pytest.raises(ValueError):
        JWTHandler("secret", algorithm="HS512")
