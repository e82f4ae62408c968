"""Application wiring plus a small end-to-end demo.

    python -m netra_backend.app.main
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from auth_service.auth_core.services.authentication import AuthService
from netra_backend.app.core.exceptions import NotFoundError
from netra_backend.app.core.http import Handler, Request, Response
from netra_backend.app.middleware.auth_middleware import AuthMiddleware
from netra_backend.app.routes.auth_routes import AuthRoutes
from netra_backend.app.routes.user_routes import UserRoutes
from netra_backend.app.services.notification_service import NotificationService
from netra_backend.app.services.session_service import SessionService
from netra_backend.app.services.user_service import UserService, build_services
from netra_backend.app.websocket.connection_handler import ConnectionHandler
from netra_backend.app.websocket.manager import WebSocketManager


@dataclass
class App:
    auth: AuthService
    users: UserService
    sessions: SessionService
    websockets: WebSocketManager
    notifications: NotificationService
    ws_handler: ConnectionHandler
    routes: dict[tuple[str, str], Handler]

    def _dispatch(self, request: Request) -> Response:
        if request.method == "GET" and request.path == "/health":
            return Response.ok({"status": "ok", "websocket_connections": self.websockets.connection_count})
        handler = self.routes.get((request.method, request.path))
        if handler is None:
            return Response.from_error(NotFoundError(f"no route {request.method} {request.path}"))
        return handler(request)

    def handle(self, request: Request) -> Response:
        return AuthMiddleware(self._dispatch)(request)

    def register_user(self, email: str, password: str, display_name: str | None = None,
                      roles: tuple[str, ...] = ("user",)) -> str:
        record = self.auth.register(email, password, roles)
        self.users.create_profile(record.user_id, record.email, display_name, roles)
        return record.user_id


def create_app() -> App:
    auth = AuthService()
    users, sessions = build_services()
    websockets = WebSocketManager()
    notifications = NotificationService(websockets)
    sessions.set_notifier(notifications.session_notifier())
    routes: dict[tuple[str, str], Handler] = {}
    routes.update(AuthRoutes(auth).routes())
    routes.update(UserRoutes(users).routes())
    return App(auth, users, sessions, websockets, notifications, ConnectionHandler(websockets), routes)


class PrintingWebSocket:
    """Transport that prints what the server sends (stands in for a browser)."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.closed = False

    def send_json(self, data: dict[str, Any]) -> None:
        if self.closed:
            raise RuntimeError("socket closed")
        print(f"  [{self.label}] <- {json.dumps(data, sort_keys=True)}")

    def close(self, code: int = 1000, reason: str = "") -> None:
        self.closed = True
        print(f"  [{self.label}] closed {code} {reason}".rstrip())


def main() -> None:
    app = create_app()
    app.register_user("ada@example.com", "Analytical1Engine", "Ada")
    login = app.handle(Request("POST", "/auth/login",
                               json={"email": "ada@example.com", "password": "Analytical1Engine"}))
    print("login:", login.status)
    token = login.body["access_token"]
    me = app.handle(Request("GET", "/users/me", headers={"Authorization": f"Bearer {token}"}))
    print("me:", me.status, me.body["display_name"])
    print("anonymous /users/me:", app.handle(Request("GET", "/users/me")).status)

    print("websocket:")
    connection = app.ws_handler.on_connect(PrintingWebSocket("ada"), {"Authorization": f"Bearer {token}"})
    app.ws_handler.on_message(connection.connection_id, '{"type": "ping", "id": "m1"}')
    app.ws_handler.on_message(connection.connection_id, '{"type": "nope"}')
    app.ws_handler.on_connect(PrintingWebSocket("mallory"), {"Authorization": "Bearer forged.token.value"})

    session = app.sessions.start_session(token)
    revoked = app.users.deactivate_user(connection.user_id)
    print(f"deactivated user; sessions revoked: {revoked} (session {session.session_id})")


if __name__ == "__main__":
    main()
