"""The public Python API: `remediator.scan(root)`, `check`, `baseline`, `fix`, `undo`, `explain` and `export_graph`.

Each use case is imported when first called: `check` on a warm cache must not pay
for LibCST or networkx, which only `fix`, `explain` and `export_graph` need.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from remediator.adapters.config_file import load_settings
from remediator.application.check import CheckResult, run_check
from remediator.application.scan import ScanResult, run_scan
from remediator.domain.config import DEFAULT_BASELINE, Settings
from remediator.domain.progress import Progress

if TYPE_CHECKING:
    import networkx as nx

    from remediator.application.baseline import BaselineUpdate
    from remediator.application.explain import Explanation
    from remediator.application.fix import FixResult
    from remediator.application.undo import UndoResult


def scan(
    root: str | Path = ".",
    *,
    config: str | Path | None = None,
    settings: Settings | None = None,
    jobs: int | None = None,
    use_git: bool = True,
    use_cache: bool = True,
    include: Iterable[str] = (),
    progress: Progress | None = None,
) -> ScanResult:
    """Scan the project at `root` and return its findings, missing targets and model.

    Settings come from `settings`, else from `config` (a TOML file), else from
    `[tool.remediator]` in `root/pyproject.toml`. `include` adds folders (paths or
    globs) to scan although they look like copies of the project (see the
    `include` setting). Raises `ConfigError` for a wrong
    setting and `NotADirectoryError` when `root` is not a directory. Nothing in the
    scanned project is imported or executed. Parse results are cached in
    `root/.remediator/cache/` unless `use_cache` is false. `progress`, a
    callable, is given a dict per event of each step (see `remediator.domain.progress`).
    """
    root_path, settings = _project(root, config, settings)
    return run_scan(root_path, _including(settings, include), jobs=jobs, use_git=use_git, use_cache=use_cache, progress=progress)


def check(
    root: str | Path = ".",
    *,
    files: Iterable[str | Path] | None = None,
    since: str | None = None,
    staged: bool = False,
    changed_lines_only: bool = False,
    baseline: str | Path | None = None,
    use_baseline: bool = True,
    config: str | Path | None = None,
    settings: Settings | None = None,
    jobs: int | None = None,
    use_git: bool = True,
    use_cache: bool = True,
    include: Iterable[str] = (),
    progress: Progress | None = None,
) -> CheckResult:
    """Scan the whole project at `root`; report the findings in `files` that a change adds, new to the baseline.

    `files` are paths relative to the working directory, or absolute, under `root`
    (None or empty: the whole project). `since` is a git ref: findings on lines
    changed since it, and findings new against its tree wherever they are (each
    with its `cause`). `staged` checks what is staged against HEAD (or `since`),
    as the pre-commit hook does. `changed_lines_only` keeps only findings on
    changed lines. `baseline` is a
    baseline file; without one `root/.remediator-baseline.json` is used when it
    exists, unless `use_baseline` is false. Raises `CheckError` (file outside the
    root, unknown ref, not a git repository), `BaselineError` and `ConfigError`.
    `use_cache`, `include` and `progress` as for `scan`.
    """
    root_path, settings = _project(root, config, settings)
    settings = _including(settings, include)
    return run_check(
        root_path,
        settings,
        files=files,
        since=since,
        staged=staged,
        changed_lines_only=changed_lines_only,
        baseline=Path(baseline) if baseline is not None else None,
        use_baseline=use_baseline,
        jobs=jobs,
        use_git=use_git,
        use_cache=use_cache,
        progress=progress,
    )


def baseline(
    root: str | Path = ".",
    *,
    output: str | Path | None = None,
    prune: bool = False,
    config: str | Path | None = None,
    settings: Settings | None = None,
    jobs: int | None = None,
) -> BaselineUpdate:
    """Write a baseline of the error and warning findings at `root` (default `root/.remediator-baseline.json`).

    With `prune`, the existing file only loses the entries that no longer occur;
    nothing is added. Raises `BaselineError` when pruning a missing or malformed file.
    """
    root_path, settings = _project(root, config, settings)
    from remediator.application.baseline import update_baseline

    path = Path(output) if output is not None else root_path / DEFAULT_BASELINE
    result = run_scan(root_path, settings, jobs=jobs, use_git=False)
    return update_baseline(path, result.findings, prune=prune)


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
    use_cache: bool = True,
) -> FixResult:
    """Rewrite imports per the project's ssot and move rules (and, with `suggested`, scan's suggestions).

    Without `apply` nothing is written: the result holds each file's diff. With `apply`
    the files land in journaled batches, each checked for new import cycles. Raises
    `ConfigError` for a wrong setting or an unknown rule name. `use_cache` and `progress` as for `scan`.
    """
    from remediator.application.fix import run_fix
    from remediator.domain.plan import FixOptions

    root_path, settings = _project(root, config, settings)
    options = FixOptions(rules, apply, suggested, rewrite_strings, batch_size, fail_fast, allow_dirty)
    return run_fix(root_path, settings, options, jobs=jobs, use_git=use_git, progress=progress, use_cache=use_cache)


def undo(root: str | Path = ".", run: str | None = None, *, force: bool = False) -> UndoResult:
    """Restore the files of a fix run (default: the latest) from its journal; see UndoResult."""
    from remediator.application.undo import undo_run

    return undo_run(Path(root), run, force=force)


def explain(
    importer: str,
    imported: str,
    root: str | Path = ".",
    *,
    config: str | Path | None = None,
    settings: Settings | None = None,
    jobs: int | None = None,
) -> Explanation:
    """The shortest import chain from module `importer` to module `imported`, with file and line per link.

    `explanation.chain` is None when there is none. Raises `UnknownModule` (a LookupError whose
    `suggestions` are close module names) for a name the project does not define.
    """
    from remediator.application.project_model import build_project
    from remediator.application.explain import explain as run_explain

    root_path, settings = _project(root, config, settings)
    return run_explain(build_project(root_path, settings, jobs).graph, importer, imported)


def export_graph(
    root: str | Path = ".",
    *,
    focus: tuple[str, ...] | list[str] = (),
    depth: int = 1,
    config: str | Path | None = None,
    settings: Settings | None = None,
    jobs: int | None = None,
) -> nx.DiGraph:
    """The import graph with the scan's findings as node and edge attributes (see docs/graph-and-explain.md).

    With `focus` (module patterns), only those modules and the modules within `depth` import
    hops of them, in either direction, are kept. Raises `UnknownModule` for a focus matching nothing.
    """
    from remediator.application.graph_export import export_graph as run_export

    result = scan(root, config=config, settings=settings, jobs=jobs, use_git=False)
    return run_export(result, tuple(focus), depth)


def _project(root: str | Path, config: str | Path | None, settings: Settings | None) -> tuple[Path, Settings]:
    """The root as a Path, and the settings: as given, else from `config`, else from the root's pyproject.toml."""
    root_path = Path(root)
    if not root_path.is_dir():
        raise NotADirectoryError(f"{root}: not a directory")
    if settings is None:
        settings = load_settings(root_path, Path(config) if config is not None else None)
    return root_path, settings


def _including(settings: Settings, include: Iterable[str]) -> Settings:
    extra = tuple(include)
    if not extra:
        return settings
    import dataclasses

    return dataclasses.replace(settings, include=(*settings.include, *extra))
