"""Token factories and tampering helpers for auth-related tests."""
from __future__ import annotations

import json
import time
from typing import Any

from auth_service.auth_core.core.jwt_handler import JWTHandler, validate_token
from shared.utils import b64url_decode, b64url_encode

try:
    from auth_service.auth_core.core.jwt_handler import validate_jwt_cross_service
except ImportError:  # older auth_service builds; plain validation is equivalent
    def validate_jwt_cross_service(token: str) -> dict[str, Any] | None:
        return validate_token(token)

TEST_SECRET = "test-secret-key-0123456789-abcdefghijklmnop"
TEST_ISSUER = "netra-auth"


def make_handler(**overrides: Any) -> JWTHandler:
    options: dict[str, Any] = {"issuer": TEST_ISSUER, "access_token_ttl": 900}
    options.update(overrides)
    secret = options.pop("secret", TEST_SECRET)
    return JWTHandler(secret, **options)


def make_token(subject: str = "user-123", *, handler: JWTHandler | None = None,
               ttl: int | None = None, token_type: str = "access", **claims: Any) -> str:
    return (handler or make_handler()).create_token(subject, token_type=token_type, ttl=ttl,
                                                    extra_claims=claims)


def make_expired_token(subject: str = "user-123", *, age: int = 3600) -> str:
    """A correctly signed token whose ``exp`` passed ``age`` seconds ago."""
    issued = time.time() - age - 60
    return make_handler(clock=lambda: issued).create_token(subject, ttl=60)


def tamper_signature(token: str) -> str:
    header, payload, signature = token.split(".")
    raw = bytearray(b64url_decode(signature))
    raw[0] ^= 0x01
    return f"{header}.{payload}.{b64url_encode(bytes(raw))}"


def tamper_payload(token: str, **changes: Any) -> str:
    """Rewrite claims but keep the original signature (must be rejected)."""
    header, payload, signature = token.split(".")
    claims = json.loads(b64url_decode(payload))
    claims.update(changes)
    forged = b64url_encode(json.dumps(claims, separators=(",", ":"), sort_keys=True).encode())
    return f"{header}.{forged}.{signature}"


def assert_service_token_valid(token: str) -> dict[str, Any]:
    claims = validate_jwt_cross_service(token)
    assert claims is not None, "service token was rejected"
    assert claims["sub"].startswith("service:"), claims["sub"]
    return claims
