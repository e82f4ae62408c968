from __future__ import annotations

import pytest

from netra_backend.app.core.exceptions import AuthenticationError
from netra_backend.app.websocket.connection_handler import UNAUTHORIZED_CLOSE_CODE, ConnectionHandler
from netra_backend.app.websocket.manager import WebSocketManager
from netra_backend.app.websocket.ws_auth import SUBPROTOCOL_PREFIX, WebSocketAuthenticator, extract_token
from test_framework.ssot.auth_helpers import make_expired_token, make_handler, make_token, tamper_signature


def test_extract_token_precedence():
    headers = {"AUTHORIZATION": "Bearer from-header"}
    assert extract_token(headers, {"token": "from-query"}, [SUBPROTOCOL_PREFIX + "from-proto"]) == "from-header"
    assert extract_token({}, {"token": "from-query"}, [SUBPROTOCOL_PREFIX + "from-proto"]) == "from-proto"
    assert extract_token({}, {"token": " from-query "}) == "from-query"
    assert extract_token({"Authorization": "Basic abc"}, {}, [SUBPROTOCOL_PREFIX]) is None


def test_authenticator_accepts_valid_tokens():
    claims = WebSocketAuthenticator().authenticate({"Authorization": f"Bearer {make_token('user-1')}"})
    assert claims["sub"] == "user-1"
    pinned = WebSocketAuthenticator(make_handler(secret="a-different-secret-for-this-test-123"))
    token = make_token("user-2", handler=pinned.jwt)
    assert pinned.authenticate({}, subprotocols=[SUBPROTOCOL_PREFIX + token])["sub"] == "user-2"


@pytest.mark.parametrize("token", [None, "garbage", "expired", "tampered", "refresh"])
def test_authenticator_rejects(token):
    tokens = {
        None: None,
        "garbage": "a.b.c",
        "expired": make_expired_token(),
        "tampered": tamper_signature(make_token()),
        "refresh": make_token(token_type="refresh"),
    }
    headers = {"Authorization": f"Bearer {tokens[token]}"} if tokens[token] else {}
    with pytest.raises(AuthenticationError):
        WebSocketAuthenticator().authenticate(headers)


def test_rejected_handshake_closes_real_manager_socket():
    from test_framework.fixtures.websocket_manager_mock import MockWebSocket

    manager = WebSocketManager()
    handler = ConnectionHandler(manager)
    socket = MockWebSocket()
    assert handler.on_connect(socket, {"Authorization": "Bearer forged"}) is None
    assert socket.close_code == UNAUTHORIZED_CLOSE_CODE
    accepted = MockWebSocket()
    connection = handler.on_connect(accepted, {"Authorization": f"Bearer {make_token('user-9')}"})
    assert manager.get_connection(connection.connection_id).user_id == "user-9"
    assert accepted.sent[0]["type"] == "welcome"
