"""In-memory websocket doubles shared by all test suites.

* ``MockWebSocket``          - a transport: records frames sent to the client.
* ``MockWebSocketConnection`` - what ``MockWebSocketManager.connect`` returns.
* ``MockWebSocketManager``   - drop-in for ``WebSocketManager`` that records calls.
"""
from __future__ import annotations

import itertools
import json
from collections import deque
from dataclasses import dataclass, field
from typing import Any


class MockWebSocket:
    def __init__(self, *, fail_on_send: bool = False) -> None:
        self.sent: list[dict[str, Any]] = []
        self.incoming: deque[str] = deque()
        self.closed = False
        self.close_code: int | None = None
        self.close_reason = ""
        self.fail_on_send = fail_on_send

    def send_json(self, data: dict[str, Any]) -> None:
        if self.closed:
            raise RuntimeError("cannot send on a closed websocket")
        if self.fail_on_send:
            raise ConnectionError("simulated network failure")
        # Round-trip through JSON so tests catch unserialisable payloads.
        self.sent.append(json.loads(json.dumps(data)))

    def close(self, code: int = 1000, reason: str = "") -> None:
        if not self.closed:
            self.closed = True
            self.close_code = code
            self.close_reason = reason

    def queue_incoming(self, message: dict[str, Any] | str) -> None:
        self.incoming.append(message if isinstance(message, str) else json.dumps(message))

    def receive_text(self) -> str:
        if self.closed:
            raise ConnectionError("websocket is closed")
        if not self.incoming:
            raise LookupError("no message queued")
        return self.incoming.popleft()

    @property
    def last_message(self) -> dict[str, Any] | None:
        return self.sent[-1] if self.sent else None

    def messages_of_type(self, message_type: str) -> list[dict[str, Any]]:
        return [m for m in self.sent if m.get("type") == message_type]


@dataclass
class MockWebSocketConnection:
    connection_id: str
    user_id: str
    websocket: MockWebSocket
    metadata: dict[str, Any] = field(default_factory=dict)
    connected: bool = True

    @property
    def sent(self) -> list[dict[str, Any]]:
        return self.websocket.sent


class MockWebSocketManager:
    def __init__(self) -> None:
        self.connections: dict[str, MockWebSocketConnection] = {}
        self.events: list[tuple[Any, ...]] = []
        self.broadcasts: list[dict[str, Any]] = []
        self.disconnected: list[str] = []
        self._ids = itertools.count(1)

    @property
    def connection_count(self) -> int:
        return len(self.connections)

    def connect(self, user_id: str, websocket: MockWebSocket | None = None,
                metadata: dict[str, Any] | None = None) -> MockWebSocketConnection:
        connection = MockWebSocketConnection(f"conn-{next(self._ids)}", user_id,
                                             websocket or MockWebSocket(), dict(metadata or {}))
        self.connections[connection.connection_id] = connection
        self.events.append(("connect", connection.connection_id, user_id))
        return connection

    def disconnect(self, connection_id: str, code: int = 1000, reason: str = "") -> bool:
        connection = self.connections.pop(connection_id, None)
        if connection is None:
            return False
        connection.connected = False
        connection.websocket.close(code, reason)
        self.disconnected.append(connection_id)
        self.events.append(("disconnect", connection_id, code))
        return True

    def get_connection(self, connection_id: str) -> MockWebSocketConnection | None:
        return self.connections.get(connection_id)

    def connections_for(self, user_id: str) -> list[MockWebSocketConnection]:
        return [c for c in self.connections.values() if c.user_id == user_id]

    def send_to_connection(self, connection_id: str, message: dict[str, Any]) -> bool:
        connection = self.connections.get(connection_id)
        if connection is None:
            return False
        connection.websocket.send_json(message)
        self.events.append(("send", connection_id, message))
        return True

    def send_to_user(self, user_id: str, message: dict[str, Any]) -> int:
        return sum(self.send_to_connection(c.connection_id, message) for c in self.connections_for(user_id))

    def broadcast(self, message: dict[str, Any], exclude: set[str] | None = None) -> int:
        skip = exclude or set()
        self.broadcasts.append(message)
        self.events.append(("broadcast", message))
        return sum(self.send_to_connection(cid, message) for cid in list(self.connections) if cid not in skip)

    def messages_for(self, user_id: str) -> list[dict[str, Any]]:
        return [m for c in self.connections_for(user_id) for m in c.sent]

    def reset(self) -> None:
        self.connections.clear()
        self.events.clear()
        self.broadcasts.clear()
        self.disconnected.clear()
