from __future__ import annotations

from netra_backend.app.websocket.connection_handler import UNAUTHORIZED_CLOSE_CODE, ConnectionHandler
from test_framework.fixtures.websocket_manager_mock import (
    # recording doubles for the connection registry
    MockWebSocketConnection,
    MockWebSocketManager,
)
from test_framework.ssot.auth_helpers import make_expired_token, make_token
from test_framework.ssot.websocket_mocks import MockWebSocket


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_authenticated_connect_registers_and_welcomes():
    manager = MockWebSocketManager()
    handler = ConnectionHandler(manager)
    socket = MockWebSocket()
    connection = handler.on_connect(socket, _bearer(make_token("user-1")))
    assert isinstance(connection, MockWebSocketConnection)
    assert connection.user_id == "user-1"
    assert connection.metadata["jti"].startswith("jti_")
    assert socket.sent == [{"type": "welcome", "connection_id": connection.connection_id}]
    assert manager.events[0] == ("connect", connection.connection_id, "user-1")


def test_token_in_query_string_is_accepted():
    manager = MockWebSocketManager()
    connection = ConnectionHandler(manager).on_connect(MockWebSocket(), {}, {"token": make_token("user-2")})
    assert connection is not None and manager.connection_count == 1


def test_unauthenticated_connect_is_closed():
    manager = MockWebSocketManager()
    handler = ConnectionHandler(manager)
    for headers in ({}, _bearer("garbage"), _bearer(make_expired_token())):
        socket = MockWebSocket()
        assert handler.on_connect(socket, headers) is None
        assert socket.closed and socket.close_code == UNAUTHORIZED_CLOSE_CODE
    assert manager.connection_count == 0


def test_messages_and_disconnect():
    manager = MockWebSocketManager()
    handler = ConnectionHandler(manager)
    connection = handler.on_connect(MockWebSocket(), _bearer(make_token("user-3")))
    assert handler.on_message(connection.connection_id, '{"type": "ping"}')
    assert connection.websocket.last_message == {"type": "pong"}
    assert handler.on_disconnect(connection.connection_id)
    assert not connection.connected and manager.disconnected == [connection.connection_id]
    assert handler.on_message(connection.connection_id, '{"type": "ping"}') is False
    assert handler.on_disconnect(connection.connection_id) is False
