"""Server-side sessions for authenticated users (idle + absolute timeouts)."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable

from netra_backend.app.auth_integration.jwt_ssot import jwt_ssot
from netra_backend.app.core.exceptions import AuthenticationError, NotFoundError
from netra_backend.app.services import user_service
from shared.utils import generate_id

Notifier = Callable[[str, dict[str, Any]], Any]


@dataclass
class Session:
    session_id: str
    user_id: str
    created_at: float
    last_seen: float
    metadata: dict[str, Any] = field(default_factory=dict)


class SessionService:
    def __init__(
        self,
        users: user_service.UserService,
        *,
        idle_timeout: float = 30 * 60,
        absolute_timeout: float = 24 * 3600,
        clock: Callable[[], float] = time.time,
        notifier: Notifier | None = None,
    ) -> None:
        if not isinstance(users, user_service.UserService):
            raise TypeError("SessionService needs a user_service.UserService")
        if idle_timeout <= 0 or absolute_timeout < idle_timeout:
            raise ValueError("timeouts must be positive and absolute >= idle")
        self._users = users
        self._idle = idle_timeout
        self._absolute = absolute_timeout
        self._clock = clock
        self._notifier = notifier
        self._sessions: dict[str, Session] = {}

    def set_notifier(self, notifier: Notifier | None) -> None:
        self._notifier = notifier

    def start_session(self, access_token: str, metadata: dict[str, Any] | None = None) -> Session:
        claims = jwt_ssot.validate_token(access_token)
        if claims is None:
            raise AuthenticationError("cannot start a session with an invalid token")
        if not self._users.is_active(claims["sub"]):
            raise AuthenticationError("account is inactive")
        now = self._clock()
        session = Session(generate_id("sess"), claims["sub"], now, now, dict(metadata or {}))
        self._sessions[session.session_id] = session
        return session

    def _expired(self, session: Session, now: float) -> bool:
        return now - session.last_seen >= self._idle or now - session.created_at >= self._absolute

    def get(self, session_id: str) -> Session:
        session = self._sessions.get(session_id)
        if session is None:
            raise NotFoundError("unknown session")
        if self._expired(session, self._clock()):
            del self._sessions[session_id]
            raise NotFoundError("session expired")
        return session

    def touch(self, session_id: str) -> Session:
        session = self.get(session_id)
        session.last_seen = self._clock()
        return session

    def end_session(self, session_id: str) -> bool:
        return self._sessions.pop(session_id, None) is not None

    def active_sessions(self, user_id: str) -> list[Session]:
        now = self._clock()
        return [s for s in self._sessions.values() if s.user_id == user_id and not self._expired(s, now)]

    def revoke_all_for_user(self, user_id: str, *, reason: str = "revoked") -> int:
        doomed = [sid for sid, s in self._sessions.items() if s.user_id == user_id]
        for sid in doomed:
            del self._sessions[sid]
        if doomed and self._notifier is not None:
            self._notifier(user_id, {"event": "session.revoked", "reason": reason, "sessions": sorted(doomed)})
        return len(doomed)

    def purge_expired(self) -> int:
        now = self._clock()
        stale = [sid for sid, s in self._sessions.items() if self._expired(s, now)]
        for sid in stale:
            del self._sessions[sid]
        return len(stale)
