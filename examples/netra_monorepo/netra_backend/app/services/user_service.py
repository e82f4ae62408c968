"""Backend user profiles (the auth service owns credentials, we own profiles)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from netra_backend.app.core.exceptions import ConflictError, NotFoundError, ValidationError
from netra_backend.app.services import session_service
from shared.utils import normalize_email

MAX_DISPLAY_NAME = 64


@dataclass
class UserProfile:
    user_id: str
    email: str
    display_name: str
    roles: tuple[str, ...] = ("user",)
    is_active: bool = True


class UserService:
    def __init__(self, sessions: session_service.SessionService | None = None) -> None:
        self._profiles: dict[str, UserProfile] = {}
        self._sessions = sessions

    def attach_sessions(self, sessions: session_service.SessionService) -> None:
        self._sessions = sessions

    def create_profile(self, user_id: str, email: str, display_name: str | None = None,
                       roles: Iterable[str] = ("user",)) -> UserProfile:
        if user_id in self._profiles:
            raise ConflictError(f"profile {user_id} already exists")
        email = normalize_email(email)
        name = (display_name or email.split("@", 1)[0]).strip()
        profile = UserProfile(user_id, email, self._checked_name(name), tuple(roles))
        self._profiles[user_id] = profile
        return profile

    @staticmethod
    def _checked_name(name: str) -> str:
        name = " ".join(name.split())
        if not name or len(name) > MAX_DISPLAY_NAME:
            raise ValidationError(f"display name must be 1-{MAX_DISPLAY_NAME} characters")
        return name

    def get_profile(self, user_id: str) -> UserProfile:
        try:
            return self._profiles[user_id]
        except KeyError:
            raise NotFoundError(f"no profile for user {user_id}") from None

    def update_display_name(self, user_id: str, display_name: str) -> UserProfile:
        profile = self.get_profile(user_id)
        profile.display_name = self._checked_name(str(display_name))
        return profile

    def is_active(self, user_id: str) -> bool:
        profile = self._profiles.get(user_id)
        return profile is not None and profile.is_active

    def deactivate_user(self, user_id: str) -> int:
        """Deactivate the profile and end its sessions; return sessions revoked."""
        profile = self.get_profile(user_id)
        profile.is_active = False
        if self._sessions is None:
            return 0
        return self._sessions.revoke_all_for_user(user_id, reason="account_deactivated")


def build_services(**session_options: object) -> tuple[UserService, session_service.SessionService]:
    """Wire a ``UserService`` and a ``SessionService`` that know about each other."""
    users = UserService()
    sessions = session_service.SessionService(users, **session_options)
    users.attach_sessions(sessions)
    return users, sessions
