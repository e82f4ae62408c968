"""Authenticates calls made to the backend by sibling services (billing, analytics...)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from auth_service.auth_core.core.jwt_handler import validate_jwt_cross_service
from netra_backend.app.core.exceptions import AuthenticationError, AuthorizationError

SERVICE_SUBJECT_PREFIX = "service:"


@dataclass(frozen=True)
class ServiceIdentity:
    name: str
    scopes: frozenset[str]

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes


class CrossServiceAuthenticator:
    def __init__(self, allowed_services: Iterable[str]) -> None:
        self.allowed_services = frozenset(s.strip().lower() for s in allowed_services)
        if not self.allowed_services:
            raise ValueError("at least one service must be allowed")

    def authenticate(self, token: str) -> ServiceIdentity:
        claims = validate_jwt_cross_service(token)
        if claims is None:
            raise AuthenticationError("invalid service token")
        subject = claims["sub"]
        if not subject.startswith(SERVICE_SUBJECT_PREFIX):
            raise AuthorizationError("user tokens cannot be used for service calls")
        name = subject[len(SERVICE_SUBJECT_PREFIX):]
        if name not in self.allowed_services:
            raise AuthorizationError(f"service {name!r} is not allowed here")
        return ServiceIdentity(name, frozenset(str(claims.get("scope", "")).split()))

    def require_scope(self, token: str, scope: str) -> ServiceIdentity:
        identity = self.authenticate(token)
        if not identity.has_scope(scope):
            raise AuthorizationError(f"service {identity.name!r} lacks scope {scope!r}")
        return identity
