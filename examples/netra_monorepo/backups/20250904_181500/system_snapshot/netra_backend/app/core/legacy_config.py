"""Backend settings loader that still honours the legacy NETRA_* variables."""
from __future__ import annotations

import os
from typing import Mapping

from shared.config import Settings
from shared.legacy_settings import LegacySettings


def uses_legacy_environment(environ: Mapping[str, str]) -> bool:
    return "JWT_SECRET_KEY" not in environ and any(key in environ for key in LegacySettings.LEGACY_KEYS)


def load_backend_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """New-style settings, or the legacy mapping for old deployment manifests."""
    env = os.environ if environ is None else environ
    if uses_legacy_environment(env):
        return LegacySettings.from_env(env).to_settings()
    return Settings.from_env(env)
