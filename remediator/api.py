"""The public Python API: `remediator.scan(root)`."""

from __future__ import annotations

from pathlib import Path

from remediator.adapters.config_file import load_settings
from remediator.application.batch_run import Progress
from remediator.application.fix import FixResult, run_fix
from remediator.application.undo import UndoResult, undo_run
from remediator.application.scan import ScanResult, run_scan
from remediator.domain.config import Settings


def scan(
    root: str | Path = ".",
    *,
    config: str | Path | None = None,
    settings: Settings | None = None,
    jobs: int | None = None,
    use_git: bool = True,
) -> ScanResult:
    """Scan the project at `root` and return its findings, missing targets and model.

    Settings come from `settings`, else from `config` (a TOML file), else from
    `[tool.remediator]` in `root/pyproject.toml`. Raises `ConfigError` for a wrong
    setting and `NotADirectoryError` when `root` is not a directory. Nothing in the
    scanned project is imported or executed.
    """
    root_path = Path(root)
    if not root_path.is_dir():
        raise NotADirectoryError(f"{root}: not a directory")
    if settings is None:
        settings = load_settings(root_path, Path(config) if config is not None else None)
    return run_scan(root_path, settings, jobs=jobs, use_git=use_git)


def fix(
    root: str | Path = ".",
    *,
    config: str | Path | None = None,
    settings: Settings | None = None,
    rules: tuple[str, ...] = (),
    apply: bool = False,
    suggested: bool = False,
    rewrite_strings: bool = False,
    jobs: int | None = None,
    use_git: bool = True,
    batch_size: int = 50,
    fail_fast: bool = False,
    allow_dirty: bool = False,
    progress: Progress | None = None,
) -> FixResult:
    """Rewrite imports per the project's ssot and move rules (and, with `suggested`, scan's suggestions).

    Without `apply` nothing is written: the result holds each file's diff. With `apply`
    the files land in journaled batches, each checked for new import cycles. Raises
    `ConfigError` for a wrong setting or an unknown rule name.
    """
    root_path = Path(root)
    if not root_path.is_dir():
        raise NotADirectoryError(f"{root}: not a directory")
    if settings is None:
        settings = load_settings(root_path, Path(config) if config is not None else None)
    return run_fix(
        root_path, settings, rules=rules, apply=apply, suggested=suggested,
        rewrite_strings=rewrite_strings, jobs=jobs, use_git=use_git,
        batch_size=batch_size, fail_fast=fail_fast, allow_dirty=allow_dirty, progress=progress,
    )


def undo(root: str | Path = ".", run: str | None = None, *, force: bool = False) -> UndoResult:
    """Restore the files of a fix run (default: the latest) from its journal; see UndoResult."""
    return undo_run(Path(root), run, force=force)
