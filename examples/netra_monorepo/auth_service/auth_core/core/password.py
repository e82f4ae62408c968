"""PBKDF2-SHA256 password hashing in a self-describing string format.

Encoded form: ``pbkdf2_sha256$<iterations>$<salt b64url>$<hash b64url>``.
"""
from __future__ import annotations

import hashlib
import hmac
import os

from shared.config import get_settings
from shared.utils import b64url_decode, b64url_encode

ALGORITHM = "pbkdf2_sha256"
SALT_BYTES = 16
MIN_PASSWORD_LENGTH = 10


def _derive(password: str, salt: bytes, iterations: int) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)


def hash_password(password: str, *, iterations: int | None = None, salt: bytes | None = None) -> str:
    if not isinstance(password, str) or password == "":
        raise ValueError("password must be a non-empty string")
    rounds = iterations if iterations is not None else get_settings().password_hash_iterations
    if rounds <= 0:
        raise ValueError("iterations must be positive")
    salt = salt if salt is not None else os.urandom(SALT_BYTES)
    digest = _derive(password, salt, rounds)
    return f"{ALGORITHM}${rounds}${b64url_encode(salt)}${b64url_encode(digest)}"


def _parse(encoded: str) -> tuple[int, bytes, bytes] | None:
    try:
        algorithm, rounds, salt, digest = encoded.split("$")
        if algorithm != ALGORITHM:
            return None
        iterations = int(rounds)
        if iterations <= 0:
            return None
        return iterations, b64url_decode(salt), b64url_decode(digest)
    except (AttributeError, ValueError):
        return None


def verify_password(password: str, encoded: str) -> bool:
    """True when ``password`` matches ``encoded``; malformed hashes never match."""
    parsed = _parse(encoded)
    if parsed is None or not isinstance(password, str):
        return False
    iterations, salt, expected = parsed
    return hmac.compare_digest(_derive(password, salt, iterations), expected)


def needs_rehash(encoded: str, *, iterations: int | None = None) -> bool:
    """True when ``encoded`` uses fewer rounds than currently configured."""
    parsed = _parse(encoded)
    target = iterations if iterations is not None else get_settings().password_hash_iterations
    return parsed is None or parsed[0] < target


def password_problems(password: str) -> list[str]:
    """Human-readable reasons ``password`` is too weak (empty list = acceptable)."""
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(f"must be at least {MIN_PASSWORD_LENGTH} characters")
    if not any(c.islower() for c in password):
        problems.append("must contain a lower-case letter")
    if not any(c.isupper() for c in password):
        problems.append("must contain an upper-case letter")
    if not any(c.isdigit() for c in password):
        problems.append("must contain a digit")
    return problems
