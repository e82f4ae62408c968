"""Parse a TOML file once per run: the settings, import-linter's contracts and pytest's settings all read pyproject.toml.

A warm `check` (the pre-commit hook) used to parse the same file five times. The
parsed document is kept per path and stat, and only once the file's timestamps
are `SETTLE_SECONDS` old, as the stat index does: an edit within the same
timestamp tick cannot be served an old parse. The document is shared: callers
read it and never change it.
"""

from __future__ import annotations

import os
import sys
import time
from functools import lru_cache
from pathlib import Path
from typing import Any

from remediator.adapters.filesystem import SETTLE_SECONDS

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib


def load_toml(path: Path) -> dict[str, Any]:
    """The parsed document at `path` (shared: do not change it). Raises OSError, UnicodeDecodeError, TOMLDecodeError."""
    before = os.stat(path)
    settled = time.time_ns() - int(SETTLE_SECONDS * 1e9)
    if before.st_mtime_ns >= settled or before.st_ctime_ns >= settled:
        return _parse(path)
    return _parsed(str(path), (before.st_size, before.st_mtime_ns, before.st_ctime_ns, before.st_ino))


@lru_cache(maxsize=16)
def _parsed(path: str, signature: tuple[int, int, int, int]) -> dict[str, Any]:
    return _parse(Path(path))


def _parse(path: Path) -> dict[str, Any]:
    return tomllib.loads(path.read_text(encoding="utf-8"))
