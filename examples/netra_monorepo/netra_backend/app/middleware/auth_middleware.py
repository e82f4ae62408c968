"""Bearer-token authentication for every non-public route."""
from __future__ import annotations

from typing import Callable, Iterable

from auth_service.auth_core.core.jwt_handler import JWTHandler
from netra_backend.app.core.exceptions import AuthenticationError, AuthorizationError
from netra_backend.app.core.http import Handler, Request, Response
from shared.utils import parse_bearer_token

PUBLIC_PATHS = frozenset({"/health", "/auth/login", "/auth/refresh", "/auth/verify"})


class AuthMiddleware:
    """Wraps an app handler; stores ``user_id`` and ``claims`` in ``request.state``."""

    def __init__(self, app: Handler, *, jwt: JWTHandler | None = None,
                 public_paths: Iterable[str] = PUBLIC_PATHS) -> None:
        self.app = app
        self.jwt = jwt or JWTHandler.from_settings()
        self.public_paths = frozenset(public_paths)

    def __call__(self, request: Request) -> Response:
        if request.path in self.public_paths:
            return self.app(request)
        token = parse_bearer_token(request.header("Authorization"))
        if token is None:
            return Response.from_error(AuthenticationError("missing bearer token"))
        claims = self.jwt.validate(token)
        if claims is None:
            return Response.from_error(AuthenticationError("invalid or expired token"))
        request.state["user_id"] = claims["sub"]
        request.state["claims"] = claims
        return self.app(request)


def require_role(role: str) -> Callable[[Handler], Handler]:
    """Route decorator: 403 unless the authenticated token carries ``role``."""
    def decorator(handler: Handler) -> Handler:
        def wrapper(request: Request) -> Response:
            roles = request.state.get("claims", {}).get("roles", [])
            if role not in roles:
                return Response.from_error(AuthorizationError(f"requires role {role!r}"))
            return handler(request)
        wrapper.__name__ = getattr(handler, "__name__", "handler")
        return wrapper
    return decorator
