from __future__ import annotations

import pytest

import test_framework.fixtures.websocket_manager_mock as wsm
from netra_backend.app.websocket.manager import POLICY_VIOLATION, TooManyConnectionsError, WebSocketManager
from shared.config import reset_settings_cache


def test_connect_assigns_ids_and_indexes_by_user():
    manager = WebSocketManager(max_connections_per_user=3)
    first = manager.connect("alice", wsm.MockWebSocket())
    second = manager.connect("alice", wsm.MockWebSocket(), metadata={"device": "phone"})
    manager.connect("bob", wsm.MockWebSocket())
    assert first.connection_id != second.connection_id
    assert [c.connection_id for c in manager.connections_for("alice")] == [first.connection_id, second.connection_id]
    assert second.metadata == {"device": "phone"}
    assert manager.connection_count == 3


def test_send_to_user_fans_out():
    manager = WebSocketManager()
    phone, laptop, other = wsm.MockWebSocket(), wsm.MockWebSocket(), wsm.MockWebSocket()
    manager.connect("alice", phone)
    manager.connect("alice", laptop)
    manager.connect("bob", other)
    assert manager.send_to_user("alice", {"type": "hello"}) == 2
    assert phone.sent == laptop.sent == [{"type": "hello"}]
    assert other.sent == []
    assert manager.send_to_user("nobody", {"type": "hello"}) == 0


def test_broadcast_skips_excluded_and_prunes_dead_sockets():
    manager = WebSocketManager()
    alive = manager.connect("alice", wsm.MockWebSocket())
    dead = manager.connect("bob", wsm.MockWebSocket(fail_on_send=True))
    excluded = manager.connect("carol", wsm.MockWebSocket())
    delivered = manager.broadcast({"type": "news"}, exclude={excluded.connection_id})
    assert delivered == 1
    assert alive.websocket.sent == [{"type": "news"}] and excluded.websocket.sent == []
    assert manager.get_connection(dead.connection_id) is None
    assert manager.connections_for("bob") == []


def test_connection_limit_per_user():
    manager = WebSocketManager(max_connections_per_user=1)
    manager.connect("alice", wsm.MockWebSocket())
    rejected = wsm.MockWebSocket()
    with pytest.raises(TooManyConnectionsError):
        manager.connect("alice", rejected)
    assert rejected.closed and rejected.close_code == POLICY_VIOLATION


def test_limit_defaults_to_settings(test_environment):
    test_environment.setenv("WS_MAX_CONNECTIONS_PER_USER", "2")
    reset_settings_cache()
    assert WebSocketManager().max_connections_per_user == 2


def test_disconnect_closes_transport():
    manager = WebSocketManager()
    socket = wsm.MockWebSocket()
    connection = manager.connect("alice", socket)
    assert manager.disconnect(connection.connection_id, 4000, "bye")
    assert socket.closed and (socket.close_code, socket.close_reason) == (4000, "bye")
    assert not manager.disconnect(connection.connection_id)
    assert not manager.send_to_connection(connection.connection_id, {"type": "late"})
