"""Suggestions for missing modules and names, most reliable first: move, restore, backup."""

from __future__ import annotations

import dataclasses
import re
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import PurePosixPath

from remediator.adapters.git_history import find_deletions
from remediator.adapters.filesystem import is_test_file
from remediator.application.project_analysis import ProjectAnalysis
from remediator.domain.findings import MISSING_MODULE, MISSING_NAME, Finding, Suggestion


def add_suggestions(
    analysis: ProjectAnalysis, findings: list[Finding], *, context: Sequence[Finding] | None = None, use_git: bool = True,
) -> list[Finding]:
    """Return `findings` with `suggestion` (and `alternatives`) filled in where one is found.

    `context` is every finding of the project (default: `findings`): which names
    are missing, and from where, shapes the suggestions, so a subset of the
    findings gets the same suggestions as the whole scan would give it.
    """
    broken = [f for f in findings if _is_broken(f)]
    if not broken:
        return findings
    everything = broken if context is None else [f for f in context if _is_broken(f)]
    definers = _definers(analysis, everything)
    missing_modules = sorted({m for f in broken if (m := _missing_module_of(analysis, f))})
    names_by_target: dict[str, set[str]] = defaultdict(set)
    for finding in everything:
        if finding.rule == MISSING_MODULE and finding.name and finding.name != "*":
            names_by_target[finding.target or ""].add(finding.name)
    src_layout = any(relpath.startswith("src/") for relpath, _module, _flags in analysis.layout.files)
    expected_paths = {target: _expected_paths(target, src_layout) for target in missing_modules}
    deletions = find_deletions(analysis.root, sorted({p for paths in expected_paths.values() for p in paths})) if use_git else {}
    leaves = _Leaves(analysis)
    places = _Places(analysis)
    by_target: dict[str, list[Suggestion]] = {}
    for target in missing_modules:
        options: list[Suggestion] = []
        move = _move_for_module(leaves, target, names_by_target.get(target, set()), definers)
        if move:
            options.append(move)
        for path in expected_paths[target]:
            if path in deletions:
                commit = deletions[path]
                options.append(
                    Suggestion(
                        "restore", target, f"{path} was deleted in commit {commit[:12]}",
                        command=f"git checkout {commit}^ -- {path}", path=path, commit=commit,
                    )
                )
                break
        backup = _backup_for(analysis, target, expected_paths[target])
        if backup:
            options.append(backup)
        by_target[target] = options
    broken_ids = {id(f) for f in broken}
    result = []
    for finding in findings:
        options = []
        if id(finding) in broken_ids:
            if finding.rule == MISSING_MODULE:
                fits = places.fits_for(finding)
                options = [o for o in by_target.get(finding.target or "", []) if o.kind != "move" or fits(o.target)]
                if finding.name and not any(o.kind == "move" for o in options):
                    single = _single_definer(definers, finding.name, exclude=finding.target, fits=places.fits_for(finding))
                    if single:
                        options.insert(0, _move(single, [finding.name]))
            else:
                single = _single_definer(definers, finding.name or "", exclude=finding.target, fits=places.fits_for(finding))
                if single:
                    options.append(_move(single, [finding.name or ""]))
                submodule = _missing_module_of(analysis, finding)
                if submodule:  # `from pkg import gone` where pkg/gone.py was deleted
                    options += [o for o in by_target.get(submodule, []) if o.kind != "move"]
        if options:
            finding = dataclasses.replace(finding, suggestion=options[0], alternatives=tuple(options[1:]))
        result.append(finding)
    return result


def _is_broken(finding: Finding) -> bool:
    return finding.rule in (MISSING_MODULE, MISSING_NAME) and not (finding.target or ".").startswith(".")


def _missing_module_of(analysis: ProjectAnalysis, finding: Finding) -> str | None:
    """The module whose absence causes the finding: the target, or `pkg.name` for a package."""
    if finding.rule == MISSING_MODULE:
        return finding.target
    if finding.target and finding.name and analysis.index.is_package(finding.target):
        return f"{finding.target}.{finding.name}"
    return None


def _definers(analysis: ProjectAnalysis, broken: list[Finding]) -> dict[str, set[str]]:
    """name -> modules that define it themselves (def, class, assignment).

    A module that itself imports the name from the broken place is not its new
    home: its definition is a fallback (`except ImportError: def name(...)`).
    """
    names = {f.name for f in broken if f.name and f.name != "*"}
    found: dict[str, set[str]] = defaultdict(set)
    if not names:
        return found
    for name, modules in analysis.definers(names).items():
        found[name] |= modules
    for finding in broken:
        if finding.name in found and finding.importer:
            found[finding.name].discard(finding.importer)
    return found


def _single_definer(
    definers: dict[str, set[str]], name: str, exclude: str | None, fits: Callable[[str], bool] = lambda module: True,
) -> str | None:
    """The one module (fit for the importer) that defines `name`; None when there is none or more than one."""
    candidates = {module for module in definers.get(name, set()) - {exclude} if fits(module)}
    return next(iter(candidates)) if len(candidates) == 1 else None


class _Places:
    """Which definers may be a new home for an importer: test code and loose scripts only for tests."""

    def __init__(self, analysis: ProjectAnalysis) -> None:
        self._analysis = analysis
        self._loose: set[str] | None = None
        self._paths: dict[str, str] | None = None

    def fits_for(self, finding: Finding) -> Callable[[str], bool]:
        if self._is_test_place(finding.path):
            return lambda module: True
        return self._fits_production

    def _fits_production(self, module: str) -> bool:
        if self._loose is None:
            self._loose = self._analysis.loose_folders()
            self._paths = {m: relpath for relpath, m, _flags in self._analysis.layout.files}
        assert self._paths is not None
        relpath = self._paths.get(module, module.replace(".", "/"))
        return module.partition(".")[0] not in self._loose and not self._is_test_place(relpath)

    def _is_test_place(self, relpath: str) -> bool:
        parts = relpath.split("/")
        return (
            is_test_file(relpath, self._analysis.settings.test_files) or parts[-1] == "conftest.py"
            or any(part in ("tests", "test", "testing") for part in parts[:-1])
        )


class _Leaves:
    """Modules by their last name segment (made on first use: it reads every module name)."""

    def __init__(self, analysis: ProjectAnalysis) -> None:
        self._analysis = analysis
        self._by_leaf: dict[str, list[str]] | None = None

    def named(self, leaf: str) -> list[str]:
        if self._by_leaf is None:
            self._by_leaf = defaultdict(list)
            for module in self._analysis.index.names():
                self._by_leaf[module.rsplit(".", 1)[-1]].append(module)
        return self._by_leaf.get(leaf, [])


def _move_for_module(leaves: _Leaves, target: str, names: set[str], definers: dict[str, set[str]]) -> Suggestion | None:
    if names:
        candidates: set[str] | None = None
        for name in names:
            modules = definers.get(name, set()) - {target}
            candidates = modules if candidates is None else candidates & modules
        if candidates is not None and len(candidates) == 1:
            return _move(next(iter(candidates)), sorted(names))
        return None
    leaf = target.rsplit(".", 1)[-1]
    same_leaf = [m for m in leaves.named(leaf) if m != target]
    if len(same_leaf) == 1:
        return Suggestion("move", same_leaf[0], f"a module named {leaf} now lives at {same_leaf[0]}")
    return None


def _move(module: str, names: list[str]) -> Suggestion:
    listed = ", ".join(names)
    return Suggestion("move", module, f"{listed} {'is' if len(names) == 1 else 'are'} now defined in {module}")


def _expected_paths(target: str, src_layout: bool) -> list[str]:
    """Where the module's file would be, relative to the root (plain, and `src/` when the project has one)."""
    parts = target.split(".")
    bases = [""]
    if src_layout:
        bases.append("src/")
    paths = []
    for base in bases:
        stem = base + "/".join(parts)
        paths += [stem + ".py", stem + "/__init__.py"]
    return paths


def _backup_for(analysis: ProjectAnalysis, target: str, expected: list[str]) -> Suggestion | None:
    snapshot = _snapshot_copy(analysis, target, expected)
    if snapshot is not None:
        return snapshot
    leaf = target.rsplit(".", 1)[-1]
    expected_dirs = {str(PurePosixPath(p).parent) for p in expected}
    matches = [b for b in analysis.layout.backups if PurePosixPath(b).name.split(".")[0] == leaf]
    if not matches:
        return None
    matches.sort(key=lambda b: (str(PurePosixPath(b).parent) not in expected_dirs, b))
    backup = matches[0]
    destination = next(
        (p for p in expected if str(PurePosixPath(p).parent) == str(PurePosixPath(backup).parent)),
        next((p for p in expected if (analysis.root / p).parent.is_dir()), expected[0]),
    )
    return Suggestion(
        "backup", target, f"a backup copy lies at {backup}", command=f"cp {backup} {destination}", path=backup
    )


def _snapshot_copy(analysis: ProjectAnalysis, target: str, expected: list[str]) -> Suggestion | None:
    """The newest copy of the module's file in a snapshot folder (`backups/<stamp>/.../pkg/mod.py`)."""
    copies = []
    for backup in analysis.layout.backups:
        for path in expected:
            if backup.endswith("/" + path):
                snapshot = backup[: len(backup) - len(path) - 1]
                copies.append((_snapshot_date(analysis, snapshot, backup), snapshot, backup, path))
    if not copies:
        return None
    date, snapshot, backup, destination = max(copies, key=lambda copy: (copy[0] != "date unknown", copy))  # the newest
    command = f"mkdir -p {PurePosixPath(destination).parent} && cp {backup} {destination}"
    if "/" not in destination:
        command = f"cp {backup} {destination}"
    return Suggestion(
        "backup", target, f"a copy lies in the snapshot {snapshot}/ ({date}): {backup}", command=command, path=backup,
    )


_STAMP = re.compile(r"(20\d{2}|19\d{2})[-_.]?(\d{2})[-_.]?(\d{2})")


def _snapshot_date(analysis: ProjectAnalysis, snapshot: str, backup: str) -> str:
    """The snapshot's date: from a stamp in its path (`20250908_1200`, `2025-09-08`), else the copy's mtime."""
    for part in reversed(PurePosixPath(snapshot).parts):
        match = _STAMP.search(part)
        if match:
            return f"{match.group(1)}-{match.group(2)}-{match.group(3)}"
    try:
        return time.strftime("%Y-%m-%d", time.localtime((analysis.root / backup).stat().st_mtime))
    except OSError:
        return "date unknown"


