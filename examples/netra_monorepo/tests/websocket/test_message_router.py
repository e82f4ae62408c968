from __future__ import annotations

import json

import pytest

from netra_backend.app.core.exceptions import ValidationError
from netra_backend.app.websocket.message_router import (
    MAX_CHAT_LENGTH,
    MessageRouter,
    RoutedMessage,
    install_default_handlers,
)
from test_framework.fixtures.websocket_manager_mock import MockWebSocketManager


@pytest.fixture
def manager() -> MockWebSocketManager:
    return MockWebSocketManager()


@pytest.fixture
def router(manager) -> MessageRouter:
    return install_default_handlers(MessageRouter(manager))


def test_ping_replies_with_correlation_id(manager, router):
    connection = manager.connect("user-1")
    assert router.dispatch(connection.connection_id, "user-1", json.dumps({"type": "ping", "id": "m-1"}))
    assert connection.websocket.last_message == {"type": "pong", "reply_to": "m-1"}


def test_echo_returns_payload(manager, router):
    connection = manager.connect("user-1")
    router.dispatch(connection.connection_id, "user-1", {"type": "echo", "payload": {"n": 3}})
    assert connection.sent == [{"type": "echo", "payload": {"n": 3}}]


@pytest.mark.parametrize("raw, code", [
    ("{not json", "invalid_json"),
    (b"\xff\xfe", "invalid_json"),
    ("[1, 2]", "invalid_message"),
    ('{"payload": {}}', "missing_type"),
    ('{"type": "teleport"}', "unknown_type"),
    ('{"type": "echo", "payload": [1]}', "invalid_payload"),
])
def test_bad_frames_get_error_replies(manager, router, raw, code):
    connection = manager.connect("user-1")
    assert router.dispatch(connection.connection_id, "user-1", raw) is False
    assert connection.websocket.last_message["code"] == code


def test_chat_is_broadcast_to_everyone_else(manager, router):
    alice = manager.connect("alice")
    bob = manager.connect("bob")
    carol = manager.connect("carol")
    router.dispatch(alice.connection_id, "alice", {"type": "chat.message", "payload": {"text": " hi "}})
    expected = {"type": "chat.message", "from": "alice", "text": "hi"}
    assert bob.sent == [expected] and carol.sent == [expected]
    assert alice.sent == [{"type": "chat.ack", "delivered": 2}]
    assert manager.broadcasts == [expected]


def test_chat_validation_errors_are_reported(manager, router):
    alice = manager.connect("alice")
    router.dispatch(alice.connection_id, "alice", {"type": "chat.message", "payload": {"text": "   "}})
    assert alice.websocket.last_message["code"] == ValidationError.code
    too_long = {"type": "chat.message", "id": "m-9", "payload": {"text": "x" * (MAX_CHAT_LENGTH + 1)}}
    router.dispatch(alice.connection_id, "alice", too_long)
    assert alice.websocket.last_message["reply_to"] == "m-9"
    assert manager.broadcasts == []


def test_custom_handlers_and_duplicates(manager):
    router = MessageRouter(manager)
    seen: list[RoutedMessage] = []
    router.register("note", lambda message: seen.append(message))
    connection = manager.connect("user-1")
    assert router.dispatch(connection.connection_id, "user-1", {"type": "note", "payload": {"a": 1}})
    assert seen[0].payload == {"a": 1} and connection.sent == []
    with pytest.raises(ValueError):
        router.register("note", lambda message: None)
    assert router.message_types == ["note"]
