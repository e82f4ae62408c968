"""/auth/* endpoints: proxy credential flows to the auth service and verify tokens."""
from __future__ import annotations

from auth_service.auth_core.core.jwt_handler import validate_token, create_access_token
from auth_service.auth_core.services.authentication import AuthenticationError as AuthServiceError
from auth_service.auth_core.services.authentication import AuthService
from netra_backend.app.core.exceptions import AuthenticationError, ValidationError
from netra_backend.app.core.http import Handler, Request, Response, handle_errors
from netra_backend.app.middleware.auth_middleware import require_role
from shared.utils import parse_bearer_token

SERVICE_TOKEN_TTL = 300
KNOWN_SERVICES = frozenset({"billing", "analytics", "scheduler"})


class AuthRoutes:
    def __init__(self, auth: AuthService) -> None:
        self.auth = auth

    def login(self, request: Request) -> Response:
        body = request.require_fields("email", "password")
        try:
            pair = self.auth.login(body["email"], body["password"])
        except AuthServiceError as exc:
            raise AuthenticationError(str(exc)) from exc
        return Response.ok(pair.as_dict())

    def refresh(self, request: Request) -> Response:
        body = request.require_fields("refresh_token")
        try:
            pair = self.auth.refresh(body["refresh_token"])
        except AuthServiceError as exc:
            raise AuthenticationError(str(exc)) from exc
        return Response.ok(pair.as_dict())

    def verify(self, request: Request) -> Response:
        token = (request.json or {}).get("token") or parse_bearer_token(request.header("Authorization"))
        if not token:
            raise ValidationError("no token supplied")
        claims = validate_token(token)
        if claims is None:
            raise AuthenticationError("invalid or expired token")
        return Response.ok({"valid": True, "user_id": claims["sub"], "expires_at": claims["exp"]})

    def issue_service_token(self, request: Request) -> Response:
        """Admin-only: mint a short-lived token for an internal service."""
        body = request.require_fields("service")
        service = str(body["service"]).strip().lower()
        if service not in KNOWN_SERVICES:
            raise ValidationError(f"unknown service {service!r}")
        scopes = " ".join(sorted(set(body.get("scopes", []))))
        token = create_access_token(f"service:{service}", extra_claims={"scope": scopes},
                                    ttl=SERVICE_TOKEN_TTL)
        return Response.ok({"access_token": token, "expires_in": SERVICE_TOKEN_TTL}, status=201)

    def routes(self) -> dict[tuple[str, str], Handler]:
        return {
            ("POST", "/auth/login"): handle_errors(self.login),
            ("POST", "/auth/refresh"): handle_errors(self.refresh),
            ("POST", "/auth/verify"): handle_errors(self.verify),
            ("POST", "/auth/service-token"): require_role("admin")(handle_errors(self.issue_service_token)),
        }
