"""HS256 JSON Web Tokens (RFC 7519) implemented with the standard library."""
from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any, Callable, Mapping

from shared.config import Settings, get_settings
from shared.utils import b64url_decode, b64url_encode, generate_id

__all__ = [
    "JWTHandler",
    "TokenError",
    "MalformedTokenError",
    "InvalidSignatureError",
    "TokenExpiredError",
    "InvalidClaimsError",
    "create_access_token",
    "decode_token",
    "validate_token",
    "get_default_handler",
]

_DIGESTS: dict[str, Callable[..., Any]] = {"HS256": hashlib.sha256}
RESERVED_CLAIMS = frozenset({"sub", "iat", "exp", "nbf", "jti", "iss", "type"})


class TokenError(Exception):
    """Base class for every reason a token is rejected."""


class MalformedTokenError(TokenError):
    """The token is not three base64url JSON segments."""


class InvalidSignatureError(TokenError):
    """The signature does not match, or the algorithm is not the expected one."""


class TokenExpiredError(TokenError):
    """The ``exp`` claim is in the past."""


class InvalidClaimsError(TokenError):
    """Required claims are missing or do not match expectations."""


def _json_segment(segment: str, what: str) -> dict[str, Any]:
    try:
        value = json.loads(b64url_decode(segment))
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedTokenError(f"{what} is not valid base64url JSON") from exc
    if not isinstance(value, dict):
        raise MalformedTokenError(f"{what} must be a JSON object")
    return value


def _numeric_claim(claims: Mapping[str, Any], name: str) -> float | None:
    value = claims.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidClaimsError(f"claim {name!r} must be a number")
    return float(value)


class JWTHandler:
    """Encode, decode and validate HS256-signed JWTs."""

    def __init__(
        self,
        secret: str,
        *,
        algorithm: str = "HS256",
        issuer: str | None = None,
        access_token_ttl: int = 900,
        leeway: int = 0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not secret:
            raise ValueError("a non-empty signing secret is required")
        if algorithm not in _DIGESTS:
            raise ValueError(f"unsupported algorithm {algorithm!r}")
        if access_token_ttl <= 0:
            raise ValueError("access_token_ttl must be positive")
        self._key = secret.encode("utf-8")
        self.algorithm = algorithm
        self.issuer = issuer
        self.access_token_ttl = access_token_ttl
        self.leeway = leeway
        self._clock = clock

    @classmethod
    def from_settings(cls, settings: Settings | None = None, **overrides: Any) -> "JWTHandler":
        settings = settings or get_settings()
        options: dict[str, Any] = {
            "algorithm": settings.jwt_algorithm,
            "issuer": settings.jwt_issuer,
            "access_token_ttl": settings.access_token_ttl_seconds,
        }
        options.update(overrides)
        return cls(settings.jwt_secret, **options)

    def _sign(self, signing_input: bytes) -> bytes:
        return hmac.new(self._key, signing_input, _DIGESTS[self.algorithm]).digest()

    def encode(self, claims: Mapping[str, Any]) -> str:
        """Serialise and sign ``claims`` exactly as given."""
        header = {"alg": self.algorithm, "typ": "JWT"}
        try:
            header_seg = b64url_encode(json.dumps(header, separators=(",", ":")).encode())
            payload_seg = b64url_encode(
                json.dumps(dict(claims), separators=(",", ":"), sort_keys=True).encode()
            )
        except TypeError as exc:
            raise InvalidClaimsError(f"claims are not JSON serialisable: {exc}") from exc
        signing_input = f"{header_seg}.{payload_seg}".encode("ascii")
        return f"{header_seg}.{payload_seg}.{b64url_encode(self._sign(signing_input))}"

    def decode(self, token: str, *, verify_exp: bool = True, audience: str | None = None) -> dict[str, Any]:
        """Verify ``token`` and return its claims; raise a ``TokenError`` otherwise."""
        if not isinstance(token, str) or token.count(".") != 2:
            raise MalformedTokenError("token must have exactly three segments")
        header_seg, payload_seg, signature_seg = token.split(".")
        header = _json_segment(header_seg, "header")
        if header.get("alg") != self.algorithm:
            raise InvalidSignatureError(f"unexpected algorithm {header.get('alg')!r}")
        try:
            signature = b64url_decode(signature_seg)
        except ValueError as exc:
            raise MalformedTokenError("signature is not valid base64url") from exc
        expected = self._sign(f"{header_seg}.{payload_seg}".encode("ascii"))
        if not hmac.compare_digest(expected, signature):
            raise InvalidSignatureError("signature verification failed")

        claims = _json_segment(payload_seg, "payload")
        now = self._clock()
        exp = _numeric_claim(claims, "exp")
        if verify_exp:
            if exp is None:
                raise InvalidClaimsError("token has no 'exp' claim")
            if now >= exp + self.leeway:
                raise TokenExpiredError("token has expired")
        nbf = _numeric_claim(claims, "nbf")
        if nbf is not None and now + self.leeway < nbf:
            raise InvalidClaimsError("token is not valid yet")
        if self.issuer is not None and claims.get("iss") != self.issuer:
            raise InvalidClaimsError(f"unexpected issuer {claims.get('iss')!r}")
        if audience is not None:
            aud = claims.get("aud")
            audiences = aud if isinstance(aud, list) else [aud]
            if audience not in audiences:
                raise InvalidClaimsError(f"token is not intended for {audience!r}")
        if not isinstance(claims.get("sub"), str) or not claims["sub"]:
            raise InvalidClaimsError("token has no subject")
        return claims

    def validate(self, token: str, *, audience: str | None = None,
                 expected_type: str | None = "access") -> dict[str, Any] | None:
        """Claims of a valid token of ``expected_type``, or None."""
        try:
            claims = self.decode(token, audience=audience)
        except TokenError:
            return None
        if expected_type is not None and claims.get("type") != expected_type:
            return None
        return claims

    def create_token(
        self,
        subject: str,
        *,
        token_type: str = "access",
        ttl: int | None = None,
        extra_claims: Mapping[str, Any] | None = None,
    ) -> str:
        """Issue a signed token for ``subject``; reserved claims cannot be overridden."""
        if not subject:
            raise ValueError("subject is required")
        extra = dict(extra_claims or {})
        clash = RESERVED_CLAIMS.intersection(extra)
        if clash:
            raise InvalidClaimsError(f"reserved claims cannot be set explicitly: {sorted(clash)}")
        now = int(self._clock())
        claims: dict[str, Any] = {
            **extra,
            "sub": subject,
            "iat": now,
            "exp": now + (ttl if ttl is not None else self.access_token_ttl),
            "jti": generate_id("jti"),
            "type": token_type,
        }
        if self.issuer is not None:
            claims["iss"] = self.issuer
        return self.encode(claims)


_default_handler: JWTHandler | None = None
_default_settings: Settings | None = None


def get_default_handler() -> JWTHandler:
    """Handler bound to the current process settings (rebuilt when they change)."""
    global _default_handler, _default_settings
    settings = get_settings()
    if _default_handler is None or _default_settings is not settings:
        _default_handler = JWTHandler.from_settings(settings)
        _default_settings = settings
    return _default_handler


def create_access_token(subject: str, *, extra_claims: Mapping[str, Any] | None = None,
                        ttl: int | None = None) -> str:
    return get_default_handler().create_token(subject, ttl=ttl, extra_claims=extra_claims)


def decode_token(token: str) -> dict[str, Any]:
    """Claims of ``token``; raises ``TokenError`` subclasses on any problem."""
    return get_default_handler().decode(token)


def validate_token(token: str, *, audience: str | None = None) -> dict[str, Any] | None:
    """Claims of a valid *access* token, or None when it must be rejected."""
    return get_default_handler().validate(token, audience=audience)
