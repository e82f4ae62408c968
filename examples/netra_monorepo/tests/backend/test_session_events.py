from __future__ import annotations

from netra_backend.app.services.notification_service import NotificationService
from netra_backend.app.services.user_service import build_services
from test_framework.fixtures.websocket_manager_mock import MockWebSocket, MockWebSocketManager
from test_framework.ssot.auth_helpers import make_token


def _wired():
    manager = MockWebSocketManager()
    users, sessions = build_services()
    sessions.set_notifier(NotificationService(manager).session_notifier())
    return manager, users, sessions


def test_deactivation_pushes_session_revoked_event():
    manager, users, sessions = _wired()
    users.create_profile("user-1", "ada@example.com")
    first = sessions.start_session(make_token("user-1"), {"ip": "10.0.0.1"})
    second = sessions.start_session(make_token("user-1"))
    socket = MockWebSocket()
    manager.connect("user-1", socket)

    assert users.deactivate_user("user-1") == 2
    [event] = socket.messages_of_type("notification")
    assert event["event"] == "session.revoked"
    assert event["payload"] == {"reason": "account_deactivated",
                                "sessions": sorted([first.session_id, second.session_id])}


def test_no_event_when_nothing_was_revoked():
    manager, users, _sessions = _wired()
    users.create_profile("user-2", "bob@example.com")
    socket = MockWebSocket()
    manager.connect("user-2", socket)
    assert users.deactivate_user("user-2") == 0
    assert socket.sent == []


def test_other_users_are_not_notified():
    manager, users, sessions = _wired()
    for user_id, email in (("user-1", "ada@example.com"), ("user-2", "bob@example.com")):
        users.create_profile(user_id, email)
        sessions.start_session(make_token(user_id))
    bystander = MockWebSocket()
    manager.connect("user-2", bystander)
    users.deactivate_user("user-1")
    assert bystander.sent == []
    assert len(sessions.active_sessions("user-2")) == 1
