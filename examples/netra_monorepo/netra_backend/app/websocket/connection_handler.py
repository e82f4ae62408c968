"""Glue between a transport, the connection registry and the message router."""
from __future__ import annotations

from typing import Any, Mapping, Protocol

from netra_backend.app.auth_integration.jwt_ssot import jwt_ssot
from netra_backend.app.websocket.message_router import MessageRouter, install_default_handlers
from netra_backend.app.websocket.ws_auth import extract_token

UNAUTHORIZED_CLOSE_CODE = 4401


class Registry(Protocol):
    def connect(self, user_id: str, websocket: Any, metadata: dict[str, Any] | None = None) -> Any: ...
    def disconnect(self, connection_id: str, code: int = 1000, reason: str = "") -> bool: ...
    def get_connection(self, connection_id: str) -> Any: ...
    def send_to_connection(self, connection_id: str, message: dict[str, Any]) -> bool: ...
    def broadcast(self, message: dict[str, Any], exclude: set[str] | None = None) -> int: ...


class ConnectionHandler:
    def __init__(self, manager: Registry, router: MessageRouter | None = None) -> None:
        self.manager = manager
        self.router = router or install_default_handlers(MessageRouter(manager))

    def on_connect(self, websocket: Any, headers: Mapping[str, str],
                   query: Mapping[str, str] | None = None) -> Any:
        """Authenticate and register; close with 4401 and return None on failure."""
        token = extract_token(headers, query)
        claims = jwt_ssot.validate_token(token) if token else None
        if claims is None:
            websocket.close(UNAUTHORIZED_CLOSE_CODE, "unauthorized")
            return None
        connection = self.manager.connect(claims["sub"], websocket,
                                          metadata={"jti": claims.get("jti"), "exp": claims["exp"]})
        self.manager.send_to_connection(connection.connection_id,
                                        {"type": "welcome", "connection_id": connection.connection_id})
        return connection

    def on_message(self, connection_id: str, raw: str | bytes | dict[str, Any]) -> bool:
        connection = self.manager.get_connection(connection_id)
        if connection is None:
            return False
        return self.router.dispatch(connection_id, connection.user_id, raw)

    def on_disconnect(self, connection_id: str) -> bool:
        return self.manager.disconnect(connection_id, 1000, "client closed")
