"""File-change events for watch mode, from the `watchfiles` package (imported on first use)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import threading

SOURCE_SUFFIXES = (".py", ".pyi")
SETTINGS_NAMES = frozenset({"pyproject.toml", "setup.cfg", ".importlinter", ".remediator-baseline.json"})
IGNORED_DIRS = frozenset(
    {
        ".remediator",
        "__pycache__",
        ".git",
        ".hg",
        ".svn",
        ".tox",
        ".nox",
        ".venv",
        "venv",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".hypothesis",
        "node_modules",
    }
)
_TICK_MS = 200  # the longest wait for the first set, which says the watcher runs


def watch_changes(root: Path, extra: Iterable[Path] = (), *, stop: threading.Event | None = None) -> Iterator[frozenset[str]]:
    """Sets of changed paths under `root` (root-relative, POSIX) and of the `extra` files, until `stop` is set.

    Only Python sources, settings files (pyproject.toml, setup.cfg, .importlinter,
    the baseline), the `extra` files and folders (a moved package) count; nothing
    under `.remediator/` or version-control folders does. The first set is yielded
    once the watcher runs, empty when nothing changed yet: no change after that is
    missed. Later empty sets (timeouts) are not yielded. Ctrl-C raises KeyboardInterrupt.
    """
    import watchfiles

    root = Path(os.path.abspath(root))
    extras = {os.path.abspath(path) for path in extra}
    outside = sorted(path for path in extras if not _is_under(path, str(root)))
    accept = _Filter(extras)
    first = True
    for changes in watchfiles.watch(
        root,
        *outside,
        watch_filter=accept,
        yield_on_timeout=True,
        rust_timeout=_TICK_MS,
        stop_event=stop,
        raise_interrupt=True,
    ):
        if changes or first:
            yield frozenset(_display(path, root) for _change, path in changes)
        first = False


class _Filter:
    """watchfiles filter: sources, settings files, the extra files, folders; never ignored folders."""

    def __init__(self, extras: set[str]) -> None:
        self.extras = extras

    def __call__(self, change: Any, path: str) -> bool:
        if path in self.extras:
            return True
        parts = Path(path).parts
        if any(part in IGNORED_DIRS for part in parts[:-1]):
            return False
        name = parts[-1] if parts else path
        if name in IGNORED_DIRS or name.endswith("~") or name.startswith(".#"):
            return False
        if name.endswith(SOURCE_SUFFIXES) or name in SETTINGS_NAMES:
            return True
        return "." not in name or os.path.isdir(path)  # a folder: a package created, moved or deleted


def _is_under(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _display(path: str, root: Path) -> str:
    try:
        return Path(path).relative_to(root).as_posix()
    except ValueError:
        return path
