"""What a change breaks: the findings that are new against a base state, wherever they are, and their causes.

`check --since REF` and the pre-commit hook (`check --staged`) compare the
project's findings now (the work tree, or what is staged) with the findings of
the same project at a base (REF's tree, or HEAD's). A finding is new when its
baseline fingerprint occurs more often now than at the base: an import broken
by a module deleted elsewhere is new although no line of its file changed.

The base is analysed from git objects, in a folder of its own (the work tree is
never touched), with the same settings and through the same facts cache; what
it found is kept in `.remediator/cache/` under the state's key, so the next run
against the same base reads it back. The analysis of what a hook run sees
staged is kept too: once committed, that state is the next commit's base.
"""

from __future__ import annotations

import json
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from remediator.adapters.cache import FactsCache, content_key
from remediator.adapters.git_diff import WHOLE_FILE, GitDiffError, Lines, changed_lines
from remediator.adapters.git_snapshot import (
    STAGED,
    GitSnapshotError,
    PathChange,
    Snapshot,
    changed_paths,
    resolve_ref,
    snapshot,
    work_tree_agrees,
    write_snapshot,
)
from remediator.adapters.writer import write_atomically
from remediator.application.baseline import fingerprint
from remediator.application.incremental import analysis_key, open_analysis
from remediator.domain.config import Settings
from remediator.domain.findings import DANGLING_SETTING, IMPORT_CYCLE, MISSING_MODULE, MISSING_NAME, Finding
from remediator.domain.progress import Progress, Step

if TYPE_CHECKING:
    from remediator.application.project_analysis import ProjectAnalysis

_KEPT_STATES = 16  # analyses of states kept per settings; the oldest go first
_FORMAT = 1


@dataclass(frozen=True, slots=True)
class BaseFindings:
    """How often each finding fingerprint occurs at the base state."""

    ref: str
    counts: Counter[str]


def base_findings(
    root: Path,
    settings: Settings,
    state: Snapshot,
    *,
    jobs: int | None = None,
    use_cache: bool = True,
    progress: Progress | None = None,
) -> BaseFindings:
    """The findings' fingerprints at `state`: kept from an earlier run, else analysed from git objects (and kept)."""
    if use_cache:
        kept = _load(root, settings, state.key)
        if kept is not None:
            return BaseFindings(state.ref, kept)
    with analysed_snapshot(root, settings, state, jobs=jobs, progress=progress) as analysis:
        counts = Counter(fingerprint(finding) for finding in analysis.findings())
    if use_cache:
        _store(root, settings, state.key, counts)
    return BaseFindings(state.ref, counts)


def remember_state(root: Path, settings: Settings, state: Snapshot, findings: list[Finding]) -> None:
    """Keep the findings of `state` (an analysis of exactly its files), for runs that take it as their base."""
    if _load(root, settings, state.key) is None:
        _store(root, settings, state.key, Counter(fingerprint(finding) for finding in findings))


@contextmanager
def analysed_snapshot(
    root: Path,
    settings: Settings,
    state: Snapshot,
    *,
    jobs: int | None = None,
    progress: Progress | None = None,
) -> Iterator[ProjectAnalysis]:
    """The analysis of the snapshot's files, written to a temporary folder that lives as long as the block.

    Facts come from the project's facts cache by content (files unchanged since
    the last scan are not parsed again); the others are parsed and stored there.
    `progress` hears of one step, `snapshot`, counting the files parsed (or found in the cache).
    """
    from remediator.adapters.parallel import parse_files  # the parser: only when a state is analysed
    from remediator.adapters.pytest_config import read_pytest_paths
    from remediator.analysis.project import assemble, no_cyclic_gc
    from remediator.application.project_analysis import analyse_model
    from remediator.application.project_model import discover_project

    cache = FactsCache.for_root(root)
    with tempfile.TemporaryDirectory(prefix="remediator-snapshot-") as folder:
        place = Path(folder).resolve()
        step = Step(progress, "snapshot")
        contents = write_snapshot(state, place)
        with no_cyclic_gc():
            discovery = discover_project(place, settings, environment_of=root)
            facts = {}
            missing = []
            for source in discovery.files:
                data = contents.get(source.relpath)
                found = cache.get(content_key(data)) if data is not None else None
                if found is None:
                    missing.append(source)
                else:
                    facts[source.relpath] = found
            step.total = len(discovery.files)
            step.advance(len(facts))
            advance = step.advance if step.active else None
            for source, parsed in zip(missing, parse_files([source.path for source in missing], jobs, advance=advance)):
                facts[source.relpath] = parsed
                data = contents.get(source.relpath)
                if data is not None:
                    cache.put(content_key(data), parsed)
            if cache.store is not None:
                cache.store.commit()  # the new facts (the stat index describes the work tree: untouched)
            pairs = [(source, facts[source.relpath]) for source in discovery.files]
            model = assemble(place, settings, discovery, pairs, read_pytest_paths(place))
            analysis, _details = analyse_model(model, keep_details=False)
        step.end()
        yield analysis


def new_findings(findings: list[Finding], base: BaseFindings, on_changed_line: Callable[[Finding], bool]) -> set[int]:
    """Positions in `findings` of those new against the base: per fingerprint, the occurrences beyond the base's count.

    Occurrences on changed lines are taken to be the new ones first (an import
    copied onto a new line is the new one); the rest are the last ones.
    """
    positions: dict[str, list[int]] = {}
    for position, finding in enumerate(findings):
        positions.setdefault(fingerprint(finding), []).append(position)
    new: set[int] = set()
    for key, where in positions.items():
        surplus = len(where) - base.counts.get(key, 0)
        if surplus <= 0:
            continue
        changed = [position for position in where if on_changed_line(findings[position])]
        unchanged = [position for position in where if position not in set(changed)]
        new.update(changed[:surplus])
        if surplus > len(changed):
            new.update(unchanged[len(unchanged) - (surplus - len(changed)) :])
    return new


def cause_of(finding: Finding, changes: Mapping[str, PathChange]) -> str:
    """Why a finding on an unchanged line is new: the deleted or renamed module, or the file that lost the name."""
    target = finding.target or ""
    if finding.rule in (MISSING_MODULE, MISSING_NAME, DANGLING_SETTING) and target:
        for module in _ancestors_first(target):
            for change in changes.values():
                if change.status in ("deleted", "renamed") and _is_module_file(change.relpath, module):
                    if change.renamed_to is not None:
                        return f"caused by: {change.relpath} renamed to {change.renamed_to}"
                    return f"caused by: {change.relpath} deleted"
        if finding.rule == MISSING_NAME and finding.name:
            for change in changes.values():
                if change.status in ("modified", "renamed") and _is_module_file(change.renamed_to or change.relpath, target):
                    return f"caused by: {finding.name} no longer defined in {change.renamed_to or change.relpath}"
    if finding.rule == IMPORT_CYCLE:
        return "caused by: the change closes this import cycle"
    changed = changes.get(finding.path)
    if changed is not None and changed.status == "added":
        return f"caused by: {finding.path} added"
    return "caused by: the change (this line is unchanged)"


# ---------------------------------------------------------------------------- the kept states


def _folder(root: Path, settings: Settings) -> Path:
    cache = FactsCache.for_root(root)
    return cache.folder / "states" / analysis_key(settings, root)


def _load(root: Path, settings: Settings, key: str) -> Counter[str] | None:
    try:
        data = json.loads((_folder(root, settings) / key).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format") != _FORMAT or not isinstance(data.get("counts"), dict):
        return None
    counts = data["counts"]
    if not all(isinstance(k, str) and type(v) is int for k, v in counts.items()):
        return None
    return Counter(counts)


def _store(root: Path, settings: Settings, key: str, counts: Counter[str]) -> None:
    folder = _folder(root, settings)
    try:
        FactsCache.for_root(root).ensure_folder()
        folder.mkdir(parents=True, exist_ok=True)
        write_atomically(folder / key, json.dumps({"format": _FORMAT, "counts": dict(counts)}).encode(), durable=False)
        kept = sorted(folder.iterdir(), key=lambda entry: entry.stat().st_mtime_ns, reverse=True)
        for old in kept[_KEPT_STATES:]:
            old.unlink()
    except OSError:
        pass  # only a cache: a read-only tree analyses the base again next time


def _ancestors_first(module: str) -> list[str]:
    parts = module.split(".")
    return [".".join(parts[:end]) for end in range(1, len(parts) + 1)]


def _is_module_file(relpath: str, module: str) -> bool:
    """True when the file at `relpath` can be the module (under the root, `src/`, or any source folder)."""
    path = PurePosixPath(relpath)
    if path.suffix not in (".py", ".pyi"):
        return False
    parts = list(path.with_suffix("").parts)
    if parts and parts[-1] == "__init__":
        parts.pop()
    dotted = ".".join(parts)
    return dotted == module or dotted.endswith("." + module)


# ---------------------------------------------------------------------------- one comparison


class ComparisonError(Exception):
    """The comparison cannot be made: not a git work tree, unknown ref, unmerged index, git missing."""


@dataclass
class Comparison:
    """What one check against a base compares: the base state, the changed lines and paths, the current state."""

    root: Path
    base_ref: str  # as given, for people: "HEAD", "origin/main"
    staged: bool
    changed_lines_only: bool
    changed_lines: Mapping[str, Lines]
    changed_paths: Mapping[str, PathChange]
    base_state: Snapshot | None  # None: there is no base commit (the first commit) or it is not needed
    current_state: Snapshot | None  # what is staged, when that is what is checked
    use_cache: bool = True
    exact: bool = False  # the current analysis is of exactly `current_state`'s files

    @classmethod
    def prepare(
        cls, root: Path, since: str | None, *, staged: bool, changed_lines_only: bool = False, use_cache: bool = True
    ) -> Comparison:
        """Ask git for the base, the changed lines and paths (and the index). Raises ComparisonError."""
        base_ref = since if since is not None else "HEAD"
        try:
            current = snapshot(root, STAGED) if staged else None
            try:
                base = snapshot(root, base_ref)
            except GitSnapshotError:
                if since is not None or has_commits(root) or current is None:
                    raise
                # the first commit: nothing was there before it
                files = current.entries()
                lines: Mapping[str, Lines] = {entry.relpath: WHOLE_FILE for entry in files}
                paths = {entry.relpath: PathChange(entry.relpath, "added") for entry in files}
                return cls(Path(root), base_ref, staged, changed_lines_only, lines, paths, None, current, use_cache)
            lines = changed_lines(root, base_ref, staged=staged)
            paths = {} if changed_lines_only else changed_paths(root, base_ref, staged=staged)
        except (GitSnapshotError, GitDiffError) as error:
            raise ComparisonError(str(error)) from None
        return cls(Path(root), base_ref, staged, changed_lines_only, lines, paths, None if changed_lines_only else base, current, use_cache)

    def base_findings(
        self,
        settings: Settings,
        *,
        jobs: int | None = None,
        use_cache: bool = True,
        progress: Progress | None = None,
    ) -> BaseFindings:
        """The findings at the base (none before the first commit)."""
        if self.base_state is None:
            return BaseFindings(self.base_ref, Counter())
        return base_findings(self.root, settings, self.base_state, jobs=jobs, use_cache=use_cache, progress=progress)

    def vanished_packages(self, analysis: ProjectAnalysis) -> set[str]:
        """Top-level packages and modules the base had and the project has no more (nor does the environment).

        Only a top-level name some of whose files the change deleted or renamed can have gone, so the
        candidates come from the changed paths (no listing of the base tree).
        """
        if self.base_state is None:
            return set()
        candidates = set()
        for change in self.changed_paths.values():
            if change.status not in ("deleted", "renamed"):
                continue
            parts = change.relpath.split("/")
            if parts[0] == "src" and len(parts) > 1:
                parts = parts[1:]
            top = parts[0].rsplit(".", 1)[0] if len(parts) == 1 else parts[0]
            if top.isidentifier():
                candidates.add(top)
        gone = candidates - set(analysis.layout.roots)
        if not gone:
            return set()
        from remediator.adapters.environment import environment_for

        environment = environment_for(str(Path(self.root).resolve()), analysis.settings.environment)
        return {name for name in gone if environment.provider(name) is None}

    def remember(self, analysis: ProjectAnalysis, findings: list[Finding]) -> None:
        """Keep what the staged state gives: committed, it is the next check's base."""
        if self.exact and self.use_cache and self.current_state is not None:
            remember_state(self.root, analysis.settings, self.current_state, findings)


@contextmanager
def current_analysis(
    root: Path,
    settings: Settings,
    comparison: Comparison,
    *,
    jobs: int | None = None,
    use_cache: bool = True,
    progress: Progress | None = None,
) -> Iterator[ProjectAnalysis]:
    """The analysis of what is checked: the work tree, or what is staged.

    For what is staged, the work tree's (incremental) analysis serves when every
    file it read is staged as it is on disk, as under pre-commit, which puts
    unstaged changes aside; otherwise the staged files are analysed from git
    objects in a folder of their own.
    """
    comparison.use_cache = use_cache
    with open_analysis(root, settings, jobs=jobs, use_cache=use_cache, progress=progress) as analysis:
        state = comparison.current_state
        if state is None:
            yield analysis
            return
        read = [row.relpath for row in analysis.layout.files]
        read += [relpath for relpath, _module, _problem in analysis.layout.problems]
        if work_tree_agrees(state, read):
            comparison.exact = True
            yield analysis
            return
    with analysed_snapshot(root, settings, state, jobs=jobs, progress=progress) as analysis:
        comparison.exact = True
        yield analysis


def has_commits(root: Path) -> bool:
    """True when the repository has a HEAD commit."""
    try:
        resolve_ref(root, "HEAD")
    except GitSnapshotError:
        return False
    return True


def imports_of_vanished(analysis: ProjectAnalysis, vanished: set[str]) -> list[Finding]:
    """missing-module findings for imports (and patch strings) of top-level packages the change removed.

    Once a whole top-level package is gone, imports of it no longer name a
    project module, and the rules would take them for imports of some other
    distribution; against the base, they are what the change broke.
    """
    if not vanished:
        return []
    from remediator.analysis.resolver import MISSING_MODULE, Resolution
    from remediator.rules.broken_imports import string_or_import_finding

    model = analysis.model()
    found: list[Finding] = []
    for parsed in model.files:
        source = parsed.source
        if source.is_stub:
            continue
        for record in parsed.facts.imports:
            base = model.resolver.absolute(source.module, source.is_package, record.module, record.level) if record.level else record.module
            if base and base.split(".")[0] in vanished:
                missing = Resolution(MISSING_MODULE, base, record.name, None)
                found.append(string_or_import_finding(parsed, missing, record.line, record.column, record.context, None))
        for reference in parsed.facts.strings:
            if reference.kind != "patch-object" and reference.text.split(".")[0] in vanished:
                missing = Resolution(MISSING_MODULE, reference.text, None, None)
                found.append(string_or_import_finding(parsed, missing, reference.line, reference.column, reference.context, reference.text))
    return found
