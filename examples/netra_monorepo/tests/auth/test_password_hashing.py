from __future__ import annotations

import pytest

from auth_service.auth_core.core.password import (
    hash_password,
    needs_rehash,
    password_problems,
    verify_password,
)
from auth_service.auth_core.core.token_store import TokenStore
from auth_service.auth_core.services.authentication import (
    AuthenticationError,
    AuthService,
    WeakPasswordError,
)
from auth_service.auth_core.services.user_store import DuplicateUserError

STRONG = "Correct9HorseBattery"


def test_hash_and_verify():
    encoded = hash_password(STRONG, iterations=1000)
    assert encoded.startswith("pbkdf2_sha256$1000$")
    assert verify_password(STRONG, encoded)
    assert not verify_password(STRONG.lower(), encoded)


def test_salts_are_unique_but_deterministic_when_fixed():
    assert hash_password(STRONG) != hash_password(STRONG)
    salt = b"0123456789abcdef"
    assert hash_password(STRONG, salt=salt, iterations=10) == hash_password(STRONG, salt=salt, iterations=10)


@pytest.mark.parametrize("encoded", ["", "plain", "md5$1$a$b", "pbkdf2_sha256$x$a$b",
                                     "pbkdf2_sha256$0$YWJj$YWJj", None])
def test_malformed_hashes_never_verify(encoded):
    assert verify_password(STRONG, encoded) is False


def test_needs_rehash_when_iterations_increase():
    encoded = hash_password(STRONG, iterations=500)
    assert needs_rehash(encoded)  # settings ask for 1000 in tests
    assert not needs_rehash(hash_password(STRONG))


def test_password_strength_rules():
    assert password_problems(STRONG) == []
    assert len(password_problems("short")) == 3


def test_register_login_refresh_logout(clock):
    auth = AuthService(tokens=TokenStore(clock=clock))
    user = auth.register("Ada@Example.com ", STRONG, roles=("user", "admin"))
    assert user.email == "ada@example.com"
    with pytest.raises(DuplicateUserError):
        auth.register("ada@example.com", STRONG)
    with pytest.raises(WeakPasswordError):
        auth.register("bob@example.com", "weak")

    pair = auth.login("ada@example.com", STRONG)
    claims = auth.verify_access_token(pair.access_token)
    assert claims["roles"] == ["user", "admin"]

    rotated = auth.refresh(pair.refresh_token)
    assert rotated.refresh_token != pair.refresh_token
    with pytest.raises(AuthenticationError):
        auth.refresh(pair.refresh_token)  # reuse is detected ...
    with pytest.raises(AuthenticationError):
        auth.refresh(rotated.refresh_token)  # ... and revokes the whole family

    auth.logout(rotated.access_token)
    with pytest.raises(AuthenticationError):
        auth.verify_access_token(rotated.access_token)


def test_login_rejects_bad_credentials():
    auth = AuthService()
    auth.register("ada@example.com", STRONG)
    with pytest.raises(AuthenticationError):
        auth.login("ada@example.com", "Wrong9Password")
    with pytest.raises(AuthenticationError):
        auth.login("nobody@example.com", STRONG)


def test_expired_refresh_tokens_are_purged(clock):
    store = TokenStore(clock=clock)
    raw = store.issue_refresh_token("user-1", ttl=60)
    clock.advance(61)
    assert store.purge_expired() == 1
    assert store.revoke_refresh_token(raw) is False
