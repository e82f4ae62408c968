"""/users/* endpoints."""
from __future__ import annotations

from netra_backend.app.auth_integration.jwt_ssot import jwt_ssot
from netra_backend.app.core.exceptions import AuthenticationError, AuthorizationError
from netra_backend.app.core.http import Handler, Request, Response, handle_errors
from netra_backend.app.services.user_service import UserProfile, UserService


def current_user_id(request: Request) -> str:
    """User id set by the auth middleware, or validated here as a fallback."""
    user_id = request.state.get("user_id")
    if user_id:
        return user_id
    claims = jwt_ssot.validate_bearer_header(request.header("Authorization"))
    if claims is None:
        raise AuthenticationError("missing or invalid bearer token")
    request.state["user_id"] = claims["sub"]
    request.state["claims"] = claims
    return claims["sub"]


def _profile_body(profile: UserProfile) -> dict[str, object]:
    return {
        "user_id": profile.user_id,
        "email": profile.email,
        "display_name": profile.display_name,
        "roles": list(profile.roles),
        "is_active": profile.is_active,
    }


class UserRoutes:
    def __init__(self, users: UserService) -> None:
        self.users = users

    def me(self, request: Request) -> Response:
        return Response.ok(_profile_body(self.users.get_profile(current_user_id(request))))

    def update_me(self, request: Request) -> Response:
        body = request.require_fields("display_name")
        profile = self.users.update_display_name(current_user_id(request), body["display_name"])
        return Response.ok(_profile_body(profile))

    def deactivate(self, request: Request) -> Response:
        current_user_id(request)
        if "admin" not in request.state["claims"].get("roles", []):
            raise AuthorizationError("only admins can deactivate accounts")
        body = request.require_fields("user_id")
        revoked = self.users.deactivate_user(body["user_id"])
        return Response.ok({"user_id": body["user_id"], "sessions_revoked": revoked})

    def routes(self) -> dict[tuple[str, str], Handler]:
        return {
            ("GET", "/users/me"): handle_errors(self.me),
            ("PATCH", "/users/me"): handle_errors(self.update_me),
            ("POST", "/users/deactivate"): handle_errors(self.deactivate),
        }
