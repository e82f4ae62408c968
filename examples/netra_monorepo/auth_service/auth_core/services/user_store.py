"""In-memory user repository for the auth service."""
from __future__ import annotations

import time
from dataclasses import dataclass, field

from shared.utils import generate_id, normalize_email


class DuplicateUserError(ValueError):
    """An account with this e-mail address already exists."""


@dataclass
class UserRecord:
    email: str
    password_hash: str
    roles: tuple[str, ...] = ("user",)
    is_active: bool = True
    user_id: str = field(default_factory=lambda: generate_id("usr"))
    created_at: float = field(default_factory=time.time)


class InMemoryUserStore:
    def __init__(self) -> None:
        self._by_id: dict[str, UserRecord] = {}
        self._id_by_email: dict[str, str] = {}

    def add(self, record: UserRecord) -> UserRecord:
        email = normalize_email(record.email)
        if email in self._id_by_email:
            raise DuplicateUserError(email)
        record.email = email
        self._by_id[record.user_id] = record
        self._id_by_email[email] = record.user_id
        return record

    def get_by_id(self, user_id: str) -> UserRecord | None:
        return self._by_id.get(user_id)

    def get_by_email(self, email: str) -> UserRecord | None:
        try:
            user_id = self._id_by_email.get(normalize_email(email))
        except ValueError:
            return None
        return self._by_id.get(user_id) if user_id else None

    def update_password_hash(self, user_id: str, password_hash: str) -> None:
        self._by_id[user_id].password_hash = password_hash

    def deactivate(self, user_id: str) -> bool:
        record = self._by_id.get(user_id)
        if record is None or not record.is_active:
            return False
        record.is_active = False
        return True

    def __len__(self) -> int:
        return len(self._by_id)
