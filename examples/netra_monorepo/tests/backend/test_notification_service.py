from __future__ import annotations

from unittest.mock import patch

import pytest

from netra_backend.app.services.notification_service import NotificationService
from test_framework.fixtures.websocket_manager_mock import MockWebSocketManager


@pytest.fixture
def manager() -> MockWebSocketManager:
    return MockWebSocketManager()


def test_notify_user_reaches_every_connection(manager):
    phone = manager.connect("alice")
    laptop = manager.connect("alice")
    manager.connect("bob")
    service = NotificationService(manager)
    assert service.notify_user("alice", "billing.invoice_ready", {"invoice": "inv-1"}) == 2
    message = phone.sent[0]
    assert laptop.sent == [message]
    assert message["event"] == "billing.invoice_ready"
    assert message["payload"] == {"invoice": "inv-1"}
    assert message["id"].startswith("ntf_")
    assert manager.messages_for("bob") == []


def test_undeliverable_notifications_are_kept(manager):
    service = NotificationService(manager)
    assert service.notify_user("offline-user", "chat.mention", {"by": "bob"}) == 0
    assert [m["event"] for m in service.failed] == ["chat.mention"]


def test_event_names_are_validated(manager):
    with pytest.raises(ValueError):
        NotificationService(manager).notify_user("alice", "nodot", {})


def test_announce_broadcasts(manager):
    manager.connect("alice")
    manager.connect("bob")
    assert NotificationService(manager).announce("system.maintenance", {"in_minutes": 5}) == 2
    assert manager.broadcasts[0]["payload"] == {"in_minutes": 5}


def test_announce_survives_transport_failure(manager):
    manager.connect("alice")
    service = NotificationService(manager)
    with patch(
        "test_framework.fixtures.websocket_manager_mock.MockWebSocketManager.broadcast",
        side_effect=ConnectionError("gateway down"),
    ) as broadcast:
        assert service.announce("system.maintenance", {"in_minutes": 5}) == 0
    broadcast.assert_called_once()
    assert service.failed[0]["event"] == "system.maintenance"
    assert manager.broadcasts == []
