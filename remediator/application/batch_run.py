"""Apply verified rewrites in batches: journal first, cycle check after every batch, roll back on trouble.

For each batch: the originals are saved in the run journal (fsynced), each file
is checked to be unchanged since it was read and replaced atomically, then the
import graph is updated for the changed modules only and its strongly connected
components compared with those before the run. A batch that creates a cycle, or
makes one larger, is rolled back and bisected so that only the offending files
are skipped (`would-create-cycle`, with the chain); a failing write rolls back
its batch and the rest is tried again (or the run stops, with fail_fast).
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx

from remediator.adapters.journal import Journal, JournalEntry, sha256
from remediator.adapters.parallel import parse_bytes
from remediator.adapters.platform import DEFAULT_MODE, file_mode
from remediator.adapters.writer import write_atomically
from remediator.analysis.graph import Cycle, import_time_view
from remediator.analysis.project import ProjectModel
from remediator.analysis.resolver import import_edges
from remediator.domain.progress import Progress

# Test hook for fault injection: a comma-separated list of relative paths whose write fails.
FAIL_WRITES_ENV = "REMEDIATOR_FAIL_WRITES"


@dataclass(frozen=True, slots=True)
class Rewrite:
    """What the batch runner needs of a verified rewrite."""

    path: str
    module: str
    is_package: bool
    is_stub: bool
    before: bytes
    after: bytes


@dataclass(slots=True)
class BatchOutcome:
    """What landed, what did not and why, and the cycles before and after."""

    landed: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str, str]] = field(default_factory=list)  # (path, reason, detail)
    batches: int = 0
    cycles_before: int = 0
    cycles_after: int = 0
    run_id: str | None = None
    stopped: bool = False
    notes: list[str] = field(default_factory=list)


class _WriteFailed(Exception):
    def __init__(self, path: str, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.path, self.reason, self.detail = path, reason, detail


def apply_in_batches(
    model: ProjectModel,
    rewrites: list[Rewrite],
    *,
    batch_size: int = 50,
    fail_fast: bool = False,
    allow_dirty: bool = False,
    progress: Progress | None = None,
    moved_edges: list[tuple[str, str, tuple[str, int, int]]] = (),  # type: ignore[assignment]
) -> BatchOutcome:
    """Write `rewrites` safely; the model's graph is updated in place to the landed state.

    `moved_edges` are the imports of moved modules as they were before the move
    (importer -> the module's new home): the cycles they close existed before the
    `git mv`, so they count as old, not as created by this run.
    """
    outcome = BatchOutcome()
    report = progress or (lambda event: None)
    import_time_only = model.settings.cycle_check == "import-time"
    baseline = _baseline_components(model, moved_edges, import_time_only)
    outcome.cycles_before = len(model.graph.components(import_time_only=import_time_only))
    rewrites = _admissible(model, rewrites, allow_dirty, outcome)
    if not rewrites:
        outcome.cycles_after = outcome.cycles_before
        return outcome
    journal = Journal.start(model.root)
    outcome.run_id = journal.run_id
    runner = _Runner(model, journal, baseline, import_time_only, report, outcome)
    batches = [rewrites[i : i + batch_size] for i in range(0, len(rewrites), batch_size)]
    report({"event": "start", "step": "write", "run": journal.run_id, "files": len(rewrites), "batches": len(batches)})
    for number, batch in enumerate(batches, 1):
        outcome.batches += 1
        journal.record("batch", number=number, files=[r.path for r in batch])
        if not runner.land_batch(batch, fail_fast) and fail_fast:
            outcome.stopped = True
            for later in batches[number:]:
                outcome.skipped += [(r.path, "not-applied", "the run stopped at the first failure (--fail-fast)") for r in later]
            break
        report({"event": "batch", "step": "write", "number": number, "of": len(batches), "landed": len(outcome.landed)})
    outcome.cycles_after = len(model.graph.components(import_time_only=import_time_only))
    journal.finish()
    report({"event": "done", "step": "write", "landed": len(outcome.landed), "skipped": len(outcome.skipped)})
    return outcome


class _Runner:
    def __init__(
        self,
        model: ProjectModel,
        journal: Journal,
        baseline: list[frozenset[str]],
        import_time_only: bool,
        report: Progress,
        outcome: BatchOutcome,
    ) -> None:
        self.model = model
        self.journal = journal
        self.baseline = baseline
        self.import_time_only = import_time_only
        self.report = report
        self.outcome = outcome
        self.failing = {p for p in os.environ.get(FAIL_WRITES_ENV, "").split(",") if p}

    def land_batch(self, batch: list[Rewrite], fail_fast: bool) -> bool:
        """Land what can be landed of one batch; False when a write failed."""
        self.journal.plan(
            {r.path: r.before for r in batch},
            [JournalEntry(r.path, sha256(r.before), sha256(r.after), _mode(self.model.root / r.path)) for r in batch],
        )
        remaining = list(batch)
        clean = True
        while remaining:
            try:
                landed, skipped = self._land(remaining)
            except _WriteFailed as failure:
                clean = False
                self.outcome.skipped.append((failure.path, failure.reason, failure.detail))
                self.journal.record("write-failed", path=failure.path, reason=failure.reason, detail=failure.detail)
                if fail_fast:
                    self.outcome.skipped += [
                        (r.path, "not-applied", "its batch was rolled back (--fail-fast)") for r in remaining if r.path != failure.path
                    ]
                    return False
                remaining = [r for r in remaining if r.path != failure.path]
                continue
            self.outcome.landed += [r.path for r in landed]
            self.outcome.skipped += skipped
            break
        return clean

    def _land(self, rewrites: list[Rewrite]) -> tuple[list[Rewrite], list[tuple[str, str, str]]]:
        """Apply; if a cycle appears, roll back and bisect down to the offending files."""
        saved = self._write(rewrites)
        new_cycle = self._new_cycle(saved)
        if new_cycle is None:
            return rewrites, []
        self._roll_back(rewrites, saved)
        if len(rewrites) == 1:
            chain = "; ".join(f"{link.path}:{link.line} {link.importer} -> {link.imported}" for link in new_cycle.chain)
            detail = f"{new_cycle.text} ({chain})"
            self.journal.record("would-create-cycle", path=rewrites[0].path, cycle=new_cycle.text)
            return [], [(rewrites[0].path, "would-create-cycle", detail)]
        middle = len(rewrites) // 2
        left_landed, left_skipped = self._land(rewrites[:middle])
        right_landed, right_skipped = self._land(rewrites[middle:])
        return left_landed + right_landed, left_skipped + right_skipped

    def _write(self, rewrites: list[Rewrite]) -> dict[str, list[tuple[str, list[tuple[str, int, int]]]]]:
        """Write the files and update the graph; returns the modules' previous edges for a rollback."""
        written: list[Rewrite] = []
        saved: dict[str, list[tuple[str, list[tuple[str, int, int]]]]] = {}
        try:
            for rewrite in rewrites:
                self._write_one(rewrite)
                written.append(rewrite)
                self.journal.record("written", path=rewrite.path)
        except _WriteFailed:
            self._restore_files(written)
            raise
        for rewrite in rewrites:
            if not rewrite.is_stub:
                saved.setdefault(rewrite.module, self.model.graph.out_edges_of(rewrite.module))
                self.model.graph.replace_out_edges(rewrite.module, self._edges(rewrite))
        return saved

    def _write_one(self, rewrite: Rewrite) -> None:
        path = self.model.root / rewrite.path
        try:
            current = path.read_bytes()
        except OSError as error:
            raise _WriteFailed(rewrite.path, "write-failed", error.strerror or str(error)) from None
        if current != rewrite.before:
            raise _WriteFailed(rewrite.path, "changed-during-run", "the file changed after it was read; not overwritten")
        try:
            if rewrite.path in self.failing:
                raise OSError(5, f"injected write failure ({FAIL_WRITES_ENV})")
            write_atomically(path, rewrite.after)
        except OSError as error:
            raise _WriteFailed(rewrite.path, "write-failed", error.strerror or str(error)) from None

    def _roll_back(self, rewrites: list[Rewrite], saved: dict[str, list[tuple[str, list[tuple[str, int, int]]]]]) -> None:
        self._restore_files(rewrites)
        for module, edges in saved.items():
            self.model.graph.replace_out_edges(module, edges)

    def _restore_files(self, rewrites: list[Rewrite]) -> None:
        for rewrite in rewrites:
            write_atomically(self.model.root / rewrite.path, rewrite.before)
            self.journal.record("rolled-back", path=rewrite.path)

    def _edges(self, rewrite: Rewrite) -> list[tuple[str, list[tuple[str, int, int]]]]:
        """The module's imports after the rewrite, resolved by the shared resolver."""
        facts = parse_bytes(rewrite.after)
        edges: dict[str, list[tuple[str, int, int]]] = {}
        resolver = self.model.resolver
        resolutions = ((record, resolver.resolve_import(rewrite.module, rewrite.is_package, record)) for record in facts.imports)
        for target, line, context in import_edges(rewrite.module, False, resolutions):
            edges.setdefault(target, []).append((rewrite.path, line, context))
        return list(edges.items())

    def _new_cycle(self, saved: dict[str, list[tuple[str, list[tuple[str, int, int]]]]]) -> Cycle | None:
        """A component that is new, or larger than any before the run.

        Only a new edge can close a cycle: for each module whose imports changed, each
        edge it did not have before is checked (is the importer reachable from the
        imported module?). The strongly connected components are computed only when
        such an edge closes a cycle that did not exist before the run.
        """
        graph = import_time_view(self.model.graph.nx) if self.import_time_only else self.model.graph.nx
        reachable: dict[str, set[str]] = {}
        for module, old_edges in saved.items():
            before = {imported for imported, _sites in old_edges}
            for imported in graph.successors(module) if module in graph else ():
                if imported in before or self._same_component(module, imported):
                    continue
                if imported not in reachable:
                    reachable[imported] = nx.descendants(graph, imported)
                if module in reachable[imported]:
                    return self._grown_component()
        return None

    def _same_component(self, a: str, b: str) -> bool:
        return any(a in component and b in component for component in self.baseline)

    def _grown_component(self) -> Cycle | None:
        for component in self.model.graph.components(import_time_only=self.import_time_only):
            if not any(component <= old for old in self.baseline):
                return self.model.graph.cycle_of(component)
        return None


def _baseline_components(
    model: ProjectModel, moved_edges: list[tuple[str, str, tuple[str, int, int]]], import_time_only: bool
) -> list[frozenset[str]]:
    """The components before the run, with the imports of moved modules pointing at their new home."""
    if not moved_edges:
        return model.graph.components(import_time_only=import_time_only)
    from remediator.analysis.graph import ImportGraph

    before_move = ImportGraph()
    before_move.nx = model.graph.nx.copy()
    for importer, imported, site in moved_edges:
        before_move.add_import(importer, imported, *site)
    return before_move.components(import_time_only=import_time_only)


def _admissible(model: ProjectModel, rewrites: list[Rewrite], allow_dirty: bool, outcome: BatchOutcome) -> list[Rewrite]:
    """Drop files outside the root (through a symlink) and, unless allowed, files with uncommitted changes."""
    root = os.path.realpath(model.root)
    kept = []
    inside = []
    for rewrite in rewrites:
        real = os.path.realpath(model.root / rewrite.path)
        if not real.startswith(root + os.sep):
            outcome.skipped.append((rewrite.path, "outside-root", f"resolves to {real}, outside the project root"))
        else:
            inside.append(rewrite)
    dirty = _dirty_files(model.root, [r.path for r in inside])
    if dirty is None:
        if inside:  # with nothing to write, no run is journaled: nothing to say about the way back
            outcome.notes.append("not a git repository: the run journal is the only way back (remediator undo)")
        return inside
    for rewrite in inside:
        if rewrite.path in dirty and not allow_dirty:
            outcome.skipped.append(
                (rewrite.path, "uncommitted-changes", "the file has uncommitted changes (--allow-dirty to rewrite anyway)")
            )
        else:
            kept.append(rewrite)
    return kept


def _dirty_files(root: Path, paths: list[str]) -> set[str] | None:
    """Paths (relative to root) with uncommitted changes; None outside a git repository."""
    try:
        inside = subprocess.run(["git", "rev-parse", "--is-inside-work-tree"], cwd=root, capture_output=True, text=True, check=False)
    except OSError:
        return None
    if inside.returncode != 0 or inside.stdout.strip() != "true":
        return None
    if not paths:
        return set()
    result = subprocess.run(
        ["git", "status", "--porcelain", "-z", "--untracked-files=all", "--", *paths],
        cwd=root,
        capture_output=True,
        check=False,
    )
    dirty = set()
    prefix = subprocess.run(["git", "rev-parse", "--show-prefix"], cwd=root, capture_output=True, text=True, check=False).stdout.strip()
    for item in result.stdout.decode("utf-8", "replace").split("\0"):
        if len(item) > 3:
            path = item[3:]
            dirty.add(path[len(prefix) :] if prefix and path.startswith(prefix) else path)
    return dirty


def _mode(path: Path) -> int:
    try:
        return file_mode(path)
    except OSError:
        return DEFAULT_MODE
