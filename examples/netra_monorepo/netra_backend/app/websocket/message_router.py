"""Routes incoming websocket messages to handlers by their ``type`` field."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable, Protocol

from netra_backend.app.core.exceptions import NetraError, ValidationError

MAX_CHAT_LENGTH = 2000


class Sender(Protocol):
    def send_to_connection(self, connection_id: str, message: dict[str, Any]) -> bool: ...
    def broadcast(self, message: dict[str, Any], exclude: set[str] | None = None) -> int: ...


@dataclass(frozen=True)
class RoutedMessage:
    connection_id: str
    user_id: str
    type: str
    payload: dict[str, Any]
    message_id: str | None = None


MessageHandler = Callable[[RoutedMessage], "dict[str, Any] | None"]


class MessageRouter:
    def __init__(self, manager: Sender) -> None:
        self.manager = manager
        self._handlers: dict[str, MessageHandler] = {}

    def register(self, message_type: str, handler: MessageHandler) -> None:
        if message_type in self._handlers:
            raise ValueError(f"handler for {message_type!r} already registered")
        self._handlers[message_type] = handler

    def route(self, message_type: str) -> Callable[[MessageHandler], MessageHandler]:
        def decorator(handler: MessageHandler) -> MessageHandler:
            self.register(message_type, handler)
            return handler
        return decorator

    @property
    def message_types(self) -> list[str]:
        return sorted(self._handlers)

    def _error(self, connection_id: str, code: str, detail: str, reply_to: str | None = None) -> bool:
        message: dict[str, Any] = {"type": "error", "code": code, "detail": detail}
        if reply_to:
            message["reply_to"] = reply_to
        self.manager.send_to_connection(connection_id, message)
        return False

    def dispatch(self, connection_id: str, user_id: str, raw: str | bytes | dict[str, Any]) -> bool:
        """Handle one inbound frame. Returns True when a handler processed it."""
        if isinstance(raw, (str, bytes)):
            try:
                data = json.loads(raw)
            except (ValueError, UnicodeDecodeError):
                return self._error(connection_id, "invalid_json", "message is not valid JSON")
        else:
            data = raw
        if not isinstance(data, dict):
            return self._error(connection_id, "invalid_message", "message must be a JSON object")
        message_id = data.get("id") if isinstance(data.get("id"), str) else None
        message_type = data.get("type")
        if not isinstance(message_type, str) or not message_type:
            return self._error(connection_id, "missing_type", "message has no 'type'", message_id)
        handler = self._handlers.get(message_type)
        if handler is None:
            return self._error(connection_id, "unknown_type", f"no handler for {message_type!r}", message_id)
        payload = data.get("payload") or {}
        if not isinstance(payload, dict):
            return self._error(connection_id, "invalid_payload", "'payload' must be an object", message_id)
        try:
            reply = handler(RoutedMessage(connection_id, user_id, message_type, payload, message_id))
        except NetraError as error:
            return self._error(connection_id, error.code, error.message, message_id)
        if reply is not None:
            if message_id:
                reply = {**reply, "reply_to": message_id}
            self.manager.send_to_connection(connection_id, reply)
        return True


def install_default_handlers(router: MessageRouter) -> MessageRouter:
    """ping/pong, echo and chat broadcast."""

    @router.route("ping")
    def ping(message: RoutedMessage) -> dict[str, Any]:
        return {"type": "pong"}

    @router.route("echo")
    def echo(message: RoutedMessage) -> dict[str, Any]:
        return {"type": "echo", "payload": message.payload}

    @router.route("chat.message")
    def chat(message: RoutedMessage) -> dict[str, Any]:
        text = str(message.payload.get("text", "")).strip()
        if not text:
            raise ValidationError("chat message is empty")
        if len(text) > MAX_CHAT_LENGTH:
            raise ValidationError(f"chat message longer than {MAX_CHAT_LENGTH} characters")
        delivered = router.manager.broadcast(
            {"type": "chat.message", "from": message.user_id, "text": text},
            exclude={message.connection_id},
        )
        return {"type": "chat.ack", "delivered": delivered}

    return router
