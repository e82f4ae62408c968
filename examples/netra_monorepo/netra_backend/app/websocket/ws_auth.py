"""Authenticates the websocket handshake (header, subprotocol or query token)."""
from __future__ import annotations

from typing import Any, Mapping, Sequence

from auth_service.auth_core.core import JWTHandler
from netra_backend.app.core.exceptions import AuthenticationError
from shared.utils import parse_bearer_token

SUBPROTOCOL_PREFIX = "netra.bearer."


def extract_token(headers: Mapping[str, str], query: Mapping[str, str] | None = None,
                  subprotocols: Sequence[str] = ()) -> str | None:
    """Find the access token: Authorization header, then subprotocol, then ``?token=``."""
    lowered = {key.lower(): value for key, value in headers.items()}
    token = parse_bearer_token(lowered.get("authorization"))
    if token:
        return token
    for protocol in subprotocols:
        if protocol.startswith(SUBPROTOCOL_PREFIX) and len(protocol) > len(SUBPROTOCOL_PREFIX):
            return protocol[len(SUBPROTOCOL_PREFIX):]
    candidate = (query or {}).get("token", "").strip()
    return candidate or None


class WebSocketAuthenticator:
    def __init__(self, jwt: JWTHandler | None = None) -> None:
        self.jwt = jwt or JWTHandler.from_settings()

    def authenticate(self, headers: Mapping[str, str], query: Mapping[str, str] | None = None,
                     subprotocols: Sequence[str] = ()) -> dict[str, Any]:
        token = extract_token(headers, query, subprotocols)
        if token is None:
            raise AuthenticationError("websocket handshake carries no token")
        claims = self.jwt.validate(token)
        if claims is None:
            raise AuthenticationError("websocket token is invalid or expired")
        return claims
