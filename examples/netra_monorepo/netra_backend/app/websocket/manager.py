"""Registry of live websocket connections with per-user fan-out."""
from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

from shared.config import get_settings
from shared.logging_utils import get_logger

logger = get_logger("backend.websocket")

POLICY_VIOLATION = 1008


class WebSocketTransport(Protocol):
    def send_json(self, data: dict[str, Any]) -> None: ...
    def close(self, code: int = 1000, reason: str = "") -> None: ...


class TooManyConnectionsError(Exception):
    """The user already has the maximum number of open connections."""


@dataclass
class Connection:
    connection_id: str
    user_id: str
    websocket: WebSocketTransport
    connected_at: float = field(default_factory=time.time)
    last_activity: float = field(default_factory=time.time)
    metadata: dict[str, Any] = field(default_factory=dict)


class WebSocketManager:
    def __init__(self, max_connections_per_user: int | None = None) -> None:
        limit = max_connections_per_user or get_settings().websocket_max_connections_per_user
        self.max_connections_per_user = limit
        self._connections: dict[str, Connection] = {}
        self._by_user: dict[str, list[str]] = {}
        self._ids = itertools.count(1)

    @property
    def connection_count(self) -> int:
        return len(self._connections)

    def connect(self, user_id: str, websocket: WebSocketTransport,
                metadata: dict[str, Any] | None = None) -> Connection:
        existing = self._by_user.get(user_id, [])
        if len(existing) >= self.max_connections_per_user:
            websocket.close(POLICY_VIOLATION, "too many connections")
            raise TooManyConnectionsError(user_id)
        connection = Connection(f"ws-{next(self._ids)}", user_id, websocket, metadata=dict(metadata or {}))
        self._connections[connection.connection_id] = connection
        self._by_user.setdefault(user_id, []).append(connection.connection_id)
        return connection

    def get_connection(self, connection_id: str) -> Connection | None:
        return self._connections.get(connection_id)

    def connections_for(self, user_id: str) -> list[Connection]:
        return [self._connections[cid] for cid in self._by_user.get(user_id, [])]

    def _forget(self, connection_id: str) -> Connection | None:
        connection = self._connections.pop(connection_id, None)
        if connection is not None:
            ids = self._by_user.get(connection.user_id, [])
            if connection_id in ids:
                ids.remove(connection_id)
            if not ids:
                self._by_user.pop(connection.user_id, None)
        return connection

    def disconnect(self, connection_id: str, code: int = 1000, reason: str = "") -> bool:
        connection = self._forget(connection_id)
        if connection is None:
            return False
        try:
            connection.websocket.close(code, reason)
        except (ConnectionError, RuntimeError, OSError):
            pass  # already gone; nothing left to release
        return True

    def send_to_connection(self, connection_id: str, message: dict[str, Any]) -> bool:
        """Send one message; a dead transport is dropped from the registry."""
        connection = self._connections.get(connection_id)
        if connection is None:
            return False
        try:
            connection.websocket.send_json(message)
        except (ConnectionError, RuntimeError, OSError) as exc:
            logger.info("dropping dead connection %s: %s", connection_id, exc)
            self._forget(connection_id)
            return False
        connection.last_activity = time.time()
        return True

    def send_to_user(self, user_id: str, message: dict[str, Any]) -> int:
        return sum(self.send_to_connection(cid, message) for cid in list(self._by_user.get(user_id, [])))

    def broadcast(self, message: dict[str, Any], exclude: set[str] | None = None) -> int:
        skip = exclude or set()
        return sum(self.send_to_connection(cid, message) for cid in list(self._connections) if cid not in skip)
