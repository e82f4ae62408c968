"""Pushes notifications to users over their websocket connections."""
from __future__ import annotations

import time
from typing import Any, Protocol

from shared.logging_utils import get_logger
from shared.utils import generate_id

logger = get_logger("backend.notifications")


class ConnectionManager(Protocol):
    def send_to_user(self, user_id: str, message: dict[str, Any]) -> int: ...
    def broadcast(self, message: dict[str, Any], exclude: set[str] | None = None) -> int: ...


class NotificationService:
    def __init__(self, manager: ConnectionManager) -> None:
        self.manager = manager
        self.failed: list[dict[str, Any]] = []

    @staticmethod
    def _envelope(event: str, payload: dict[str, Any]) -> dict[str, Any]:
        if not event or "." not in event:
            raise ValueError("event names look like 'topic.action'")
        return {"type": "notification", "id": generate_id("ntf"), "event": event,
                "payload": dict(payload), "ts": int(time.time())}

    def notify_user(self, user_id: str, event: str, payload: dict[str, Any]) -> int:
        """Deliver to every connection of ``user_id``; return the delivery count."""
        message = self._envelope(event, payload)
        delivered = self.manager.send_to_user(user_id, message)
        if delivered == 0:
            self.failed.append(message)
        return delivered

    def announce(self, event: str, payload: dict[str, Any]) -> int:
        """Broadcast to everyone; a transport failure is recorded, not raised."""
        message = self._envelope(event, payload)
        try:
            return self.manager.broadcast(message)
        except ConnectionError as exc:
            logger.warning("broadcast of %s failed: %s", event, exc)
            self.failed.append(message)
            return 0

    def session_notifier(self):
        """Adapter usable as ``SessionService(notifier=...)``."""
        def notify(user_id: str, event: dict[str, Any]) -> int:
            data = {key: value for key, value in event.items() if key != "event"}
            return self.notify_user(user_id, event["event"], data)
        return notify
