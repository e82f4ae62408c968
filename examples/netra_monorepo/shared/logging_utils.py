"""Consistent logger configuration for all Netra services."""
from __future__ import annotations

import logging

from shared.config import get_settings

_ROOT_LOGGER = "netra"
_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
_configured = False


def configure_logging(level: str | None = None) -> logging.Logger:
    """Attach one stream handler to the ``netra`` logger (idempotent)."""
    global _configured
    root = logging.getLogger(_ROOT_LOGGER)
    root.setLevel((level or get_settings().log_level).upper())
    if not _configured:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter(_FORMAT))
        root.addHandler(handler)
        root.propagate = False
        _configured = True
    return root


def get_logger(name: str) -> logging.Logger:
    """Logger namespaced under ``netra.``; configures logging on first use."""
    if not _configured:
        configure_logging()
    if name == _ROOT_LOGGER or name.startswith(_ROOT_LOGGER + "."):
        return logging.getLogger(name)
    return logging.getLogger(f"{_ROOT_LOGGER}.{name}")


def redact_token(token: str | None) -> str:
    """Loggable fingerprint of a credential: never log a full token."""
    if not token:
        return "<none>"
    if len(token) <= 12:
        return "<redacted>"
    return f"{token[:6]}...({len(token)} chars)"
