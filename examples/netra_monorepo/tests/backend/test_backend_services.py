from __future__ import annotations

import pytest

from netra_backend.app.core.exceptions import AuthenticationError, NotFoundError, ValidationError
from netra_backend.app.core.http import Request, Response
from netra_backend.app.main import create_app
from netra_backend.app.middleware.auth_middleware import AuthMiddleware, require_role
from netra_backend.app.services.session_service import SessionService
from netra_backend.app.services.user_service import UserService, build_services
from test_framework.ssot.auth_helpers import make_expired_token, make_token

PASSWORD = "Analytical1Engine"


def _echo_user(request: Request) -> Response:
    return Response.ok({"user_id": request.state.get("user_id")})


def test_build_services_wires_both_directions():
    users, sessions = build_services()
    assert isinstance(sessions, SessionService)
    users.create_profile("user-1", "ada@example.com")
    session = sessions.start_session(make_token("user-1"))
    assert sessions.active_sessions("user-1") == [session]
    assert users.deactivate_user("user-1") == 1
    assert sessions.active_sessions("user-1") == []
    assert not users.is_active("user-1")


def test_session_requires_valid_token_and_active_user():
    users, sessions = build_services()
    users.create_profile("user-1", "ada@example.com")
    with pytest.raises(AuthenticationError):
        sessions.start_session(make_expired_token("user-1"))
    with pytest.raises(AuthenticationError):
        sessions.start_session(make_token("ghost"))


def test_session_idle_and_absolute_timeouts(clock):
    users, sessions = build_services(idle_timeout=60, absolute_timeout=150, clock=clock)
    users.create_profile("user-1", "ada@example.com")
    session = sessions.start_session(make_token("user-1"))
    for _ in range(2):
        clock.advance(59)
        sessions.touch(session.session_id)
    clock.advance(59)  # 177s since creation: absolute timeout
    with pytest.raises(NotFoundError):
        sessions.get(session.session_id)

    idle = sessions.start_session(make_token("user-1"))
    clock.advance(60)
    assert sessions.purge_expired() == 1
    with pytest.raises(NotFoundError):
        sessions.touch(idle.session_id)


def test_session_service_rejects_wrong_collaborator():
    with pytest.raises(TypeError):
        SessionService(users=object())


def test_profile_validation():
    users = UserService()
    profile = users.create_profile("user-1", "Ada@Example.com")
    assert profile.display_name == "ada"
    assert users.update_display_name("user-1", "  Ada   Lovelace ").display_name == "Ada Lovelace"
    with pytest.raises(ValidationError):
        users.update_display_name("user-1", "x" * 65)
    with pytest.raises(NotFoundError):
        users.get_profile("nobody")


def test_auth_middleware():
    app = AuthMiddleware(_echo_user)
    assert app(Request("GET", "/health")).status == 200
    assert app(Request("GET", "/private")).status == 401
    expired = Request("GET", "/private", headers={"Authorization": f"Bearer {make_expired_token()}"})
    assert app(expired).status == 401
    ok = app(Request("GET", "/private", headers={"authorization": f"Bearer {make_token('user-5')}"}))
    assert ok.body == {"user_id": "user-5"}


def test_require_role():
    guarded = AuthMiddleware(require_role("admin")(_echo_user))
    user_token = make_token("user-1", roles=["user"])
    admin_token = make_token("user-2", roles=["admin"])
    assert guarded(Request("GET", "/admin", headers={"Authorization": f"Bearer {user_token}"})).status == 403
    assert guarded(Request("GET", "/admin", headers={"Authorization": f"Bearer {admin_token}"})).status == 200


def test_app_end_to_end():
    app = create_app()
    admin_id = app.register_user("root@example.com", PASSWORD, "Root", roles=("user", "admin"))
    user_id = app.register_user("ada@example.com", PASSWORD, "Ada")

    login = app.handle(Request("POST", "/auth/login", json={"email": "ada@example.com", "password": PASSWORD}))
    assert login.status == 200
    bearer = {"Authorization": f"Bearer {login.body['access_token']}"}
    assert app.handle(Request("GET", "/users/me", headers=bearer)).body["display_name"] == "Ada"
    renamed = app.handle(Request("PATCH", "/users/me", headers=bearer, json={"display_name": "Countess"}))
    assert renamed.body["display_name"] == "Countess"

    bad = app.handle(Request("POST", "/auth/login", json={"email": "ada@example.com", "password": "nope"}))
    assert bad.status == 401
    assert app.handle(Request("POST", "/auth/login", json={})).status == 422
    verify = app.handle(Request("POST", "/auth/verify", json={"token": login.body["access_token"]}))
    assert verify.body["user_id"] == user_id

    refreshed = app.handle(Request("POST", "/auth/refresh", json={"refresh_token": login.body["refresh_token"]}))
    assert refreshed.status == 200
    assert app.handle(Request("POST", "/auth/refresh",
                              json={"refresh_token": login.body["refresh_token"]})).status == 401

    admin_login = app.handle(Request("POST", "/auth/login",
                                     json={"email": "root@example.com", "password": PASSWORD}))
    admin = {"Authorization": f"Bearer {admin_login.body['access_token']}"}
    app.sessions.start_session(login.body["access_token"])
    assert app.handle(Request("POST", "/users/deactivate", headers=bearer, json={"user_id": admin_id})).status == 403
    result = app.handle(Request("POST", "/users/deactivate", headers=admin, json={"user_id": user_id}))
    assert result.body == {"user_id": user_id, "sessions_revoked": 1}

    assert app.handle(Request("POST", "/auth/service-token", headers=bearer,
                              json={"service": "billing"})).status == 403
    service = app.handle(Request("POST", "/auth/service-token", headers=admin,
                                 json={"service": "billing", "scopes": ["invoices:read"]}))
    assert service.status == 201
    assert app.handle(Request("GET", "/nowhere", headers=admin)).status == 404
