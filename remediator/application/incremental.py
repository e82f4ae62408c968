"""Incremental analysis: keep the project's analysis between runs and redo only what a change can affect.

The store (`adapters.cache.Store`) keeps, for one project and each set of
settings (a scope of its own): the layout discovery found (with a fingerprint of every
directory), the module table, the content key each file was analysed at, every
file's `FileSummary` and `FileDetail`, the light module graph with its cycles,
a reverse index of dependency keys (module -> key -> the files that read it)
and an index of the modules that define each name (for suggestions).

A run then:

1. stats every directory discovery listed; only when one lists other entries
   does discovery run again (a new layout, and the modules it adds or drops);
2. stats every file (the facts cache's stat index says which content a file
   with that stat has); a file whose content changed is read and parsed, and
   counts as changed only when its facts did;
3. compares, for each module whose files changed, what its old and new facts
   say about names (`symbol_changes`): those dependency keys changed;
4. analyses again the changed files, the files of modules whose kind changed,
   and every file that read a changed key, with a model that loads other
   modules' facts from the facts cache only when asked;
5. updates the graph, and its cycles, only when some file's imports changed.

What differs between the stored analysis and the disk is one `Change` value.
The result is the analysis a full scan gives (the tests compare the two after
random edits). An analysis that cannot be vouched for (missing, another
version, other settings, other top-level packages) is rebuilt by a full
analysis that records every file's dependency keys; a damaged store is removed
first (the run says "rebuilt"), or, when the damage shows only after the
answer was given, when the run ends.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from remediator.adapters.cache import FactsCache, Scope, StoreCorrupt, content_key
from remediator.adapters.environment import environment_for
from remediator.adapters.filesystem import directories_changed, discover
from remediator.domain.layout import Layout, files_by_module
from remediator.adapters.git_ignored import ignore_rules_digest
from remediator.adapters.hashing import blake2b
from remediator.adapters.pytest_config import read_pytest_paths
from remediator.analysis.dependencies import Dependency
from remediator.analysis.module_graph import Cycle, ModuleGraph, components_after_change
from remediator.analysis.module_index import ModuleIndex, module_table
from remediator.analysis.project import no_cyclic_gc, resolve_file
from remediator.application.project_model import build_project
from remediator.analysis.symbols import symbol_changes
from remediator.application.lazy_model import FactsSource, FileReader, LazyModel, StoreSource, Unavailable
from remediator.application.project_analysis import (
    FileDetail,
    FileSummary,
    ProjectAnalysis,
    RunStats,
    analyse_file,
    analyse_model,
    cycles_of,
    definers_in,
    module_graph,
)
from remediator.application.stored_analysis import (
    DEFINERS,
    RDEPS,
    STATE_FORMAT,
    ShardedMap,
    StoredAnalysis,
    detail_from_plain,
    detail_of,
    plain_detail,
    plain_layout,
    plain_state,
    put_graph,
    reverse_dependencies,
    shard_count,
    update_reverse,
)
from remediator.domain.config import ConfigError, Settings
from remediator.domain.facts import ModuleFacts, breaks_importer
from remediator.domain.progress import Progress, Step
from remediator.rules.ssot import project_findings

_ANALYSIS_CODE = ("adapters", "analysis", "rules", "application", "domain")  # folders whose code shapes the stored analysis

Entry = tuple[str, int]  # a file's (module, layout flags)
# Files whose content changed but whose facts did not (a body edit) keep the key they were analysed at: their
# facts are the analysed ones. Rewriting the state for them costs every such run a write; a run compares their
# facts again instead (cheap), until more than this many have drifted.
_DRIFT = 64
_CHUNK = 256  # files between two reports of progress


@contextmanager
def open_analysis(
    root: Path,
    settings: Settings,
    *,
    jobs: int | None = None,
    use_cache: bool = True,
    progress: Progress | None = None,
) -> Iterator[ProjectAnalysis]:
    """The project's analysis, up to date with the files on disk; the store is written when the block ends.

    Inside the block, whatever the analysis loads on demand (the graph, the
    definers of a name) comes from the same consistent snapshot. Without
    `use_cache` nothing is read or written: a full analysis. `progress` hears
    of the steps: discover, parse, (resolve,) analyse (and store, after a rebuild).
    """
    root = Path(root).resolve()
    cache = FactsCache.for_root(root, deferred=True) if use_cache else None
    if cache is None or cache.store is None:  # --no-cache; or no SQLite, a tree we cannot write to: a full analysis
        with no_cyclic_gc():
            yield full_analysis(root, settings, jobs, use_cache=use_cache, progress=progress)
        return
    refresh = _Refresh(root, settings, cache, jobs, progress)
    try:
        with no_cyclic_gc():
            try:
                analysis = refresh.run()
            except StoreCorrupt:
                refresh.drop()
                analysis = refresh.rebuild()
    except ConfigError:
        refresh.finish()  # the analysis is sound; the settings are wrong for it
        raise
    except BaseException:
        refresh.scope.store.close()
        raise
    try:
        yield analysis
    finally:
        refresh.finish()


def full_analysis(
    root: Path,
    settings: Settings,
    jobs: int | None,
    *,
    use_cache: bool = True,
    progress: Progress | None = None,
) -> ProjectAnalysis:
    """Build the whole model and analyse every file (the settings are checked first)."""
    model = build_project(root, settings, jobs, use_cache=use_cache, progress=progress)
    return analyse_model(model, keep_details=False, progress=progress)[0]


def analysis_key(settings: Settings, root: Path) -> str:
    """Names the store: the settings, the target environment's names, and the code that turns facts into findings."""
    digest = blake2b(digest_size=12)
    digest.update(repr(dataclasses.replace(settings, source=None)).encode())
    digest.update(environment_for(str(Path(root).resolve()), settings.environment).fingerprint().encode())
    digest.update(repr(read_pytest_paths(Path(root).resolve())).encode())  # pytest's pythonpath and import mode
    digest.update(ignore_rules_digest(Path(root).resolve()).encode())  # which folders git ignores (discovery leaves them out)
    digest.update(str(STATE_FORMAT).encode())
    package = Path(__file__).resolve().parent.parent
    for folder in _ANALYSIS_CODE:  # an edited install must not reuse an analysis made by other code
        try:
            entries = sorted(
                (e.name, e.stat().st_size, e.stat().st_mtime_ns) for e in os.scandir(package / folder) if e.name.endswith(".py")
            )
        except OSError:
            entries = []
        digest.update(repr(entries).encode())
    return digest.hexdigest()


# ---------------------------------------------------------------------------- what changed


@dataclass
class Change:
    """What differs between the stored analysis and the files on disk: one value, made once per run."""

    layout: Layout
    table: dict[str, int]  # the module table now
    keys: tuple[bytes, ...]  # each layout file's content key now
    facts: FactsSource  # facts now (those of files whose content changed are in memory: `facts.new`)
    old_layout: Layout
    old_table: dict[str, int]
    old_facts: FactsSource  # the facts the stored analysis was made from
    same_files: bool  # the layout lists the stored files, in the same order and modules
    changed: list[str] = field(default_factory=list)  # files whose facts changed, that came, or that moved module
    removed: list[str] = field(default_factory=list)  # files that went

    @cached_property
    def entries(self) -> dict[str, Entry]:
        return _entries(self.layout)

    @cached_property
    def old_entries(self) -> dict[str, Entry]:
        return self.entries if self.same_files else _entries(self.old_layout)

    @cached_property
    def kind_changed(self) -> set[str]:
        """Modules that came, went, or changed kind (package, module, namespace...)."""
        if self.table == self.old_table:
            return set()
        return {module for module in self.table.keys() | self.old_table.keys() if self.table.get(module) != self.old_table.get(module)}

    def __bool__(self) -> bool:
        return bool(self.changed or self.removed or self.kind_changed)


# ---------------------------------------------------------------------------- the refresh


class _Refresh:
    """One run's update of the stored analysis (in the store's scope for these settings)."""

    def __init__(self, root: Path, settings: Settings, cache: FactsCache, jobs: int | None, progress: Progress | None) -> None:
        self.root = root
        self.settings = settings
        self.cache = cache
        self.jobs = jobs
        self.progress = progress
        self.reader = FileReader(root, cache)
        self.scope = self._scope()
        self.discovered = False  # discovery ran again
        self.source: StoreSource | None = None

    def _scope(self) -> Scope:
        store = self.cache.store
        if store is None:
            raise StoreCorrupt("the store cannot be made again")
        store.begin()  # one snapshot for everything this run reads
        return Scope(store, analysis_key(self.settings, self.root))

    def run(self) -> ProjectAnalysis:
        stored = StoredAnalysis.load(self.scope)
        change = None if stored is None else self._change(stored)
        return self.rebuild() if stored is None or change is None else self._update(stored, change)

    def drop(self) -> None:
        """The store is damaged: remove it and go on with an empty one."""
        self.cache.reset_store()
        self.scope = self._scope()

    def finish(self) -> None:
        """Write what this run changed (dropped when another run wrote first), and close the store.

        A store found damaged on the way is removed instead: the next run rebuilds it.
        """
        if self.source is None or not self.source.damaged:
            self.scope.store.commit()
        else:
            self.cache.reset_store()
        if self.cache.store is not None:
            self.cache.store.close()

    def rebuild(self) -> ProjectAnalysis:
        """A full analysis, recorded so that the next run can be incremental."""
        model = build_project(self.root, self.settings, self.jobs, record=True, cache=self.cache, progress=self.progress)
        run = RunStats("rebuilt", True, self.cache.stats.parsed, tuple(parsed.source.relpath for parsed in model.files))
        analysis, details = analyse_model(model, run=run, progress=self.progress)
        store_step = Step(self.progress, "store")
        layout = analysis.layout
        self.scope.store.write_through()  # from here on written as made: the maps are not kept in memory
        self.scope.store.clear(self.scope.name)
        keys = tuple(self.cache.keys_by_path.get(str(parsed.source.path)) or _problem_key(parsed.facts) for parsed in model.files)
        shards = shard_count(len(layout.files))
        for prefix, codec, content in (
            ("files", None, lambda: {relpath: plain_detail(detail) for relpath, detail in details.items()}),
            ("rdeps", RDEPS, lambda: reverse_dependencies(details)),
            ("definers", DEFINERS, lambda: definers_in((p.module, p.facts) for p in model.files if not p.source.is_stub)),
        ):
            sharded = ShardedMap(self.scope, prefix, shards, codec)
            sharded.fill(content())  # one map at a time, encoded as it is made
            sharded.flush()
        self.scope.put("meta", (STATE_FORMAT, shards))
        self.scope.put("layout", plain_layout(layout, analysis.index.table))
        put_graph(self.scope, analysis.graph)
        self.scope.put("state", plain_state(keys, analysis.summaries, analysis.cycles))
        self.scope.store.commit()  # written now, with the facts: nothing of this run is read back from the store
        store_step.end()
        return analysis

    # -- the incremental update ---------------------------------------------------

    def _change(self, stored: StoredAnalysis) -> Change | None:
        """What changed on disk since the stored analysis; None when that needs a rebuild."""
        step = Step(self.progress, "discover")
        layout, table, same_files = self._current_layout(stored)
        step.end(len(layout.files))
        if layout.roots != stored.layout.roots:
            return None  # what is internal changed: any resolution may differ
        step = Step(self.progress, "parse", len(layout.files))
        keys, new_facts = self._current_contents(layout, stored, same_files, step)
        step.end()
        facts = FactsSource(self.reader, layout, keys, new_facts)
        old_facts = FactsSource(self.reader, stored.layout, stored.keys, {}, old=True, share=facts if same_files else None)
        change = Change(layout, table, keys, facts, stored.layout, stored.table, old_facts, same_files)
        if not same_files:  # files came, went or moved module (a usual warm run has none)
            change.removed = [relpath for relpath in change.old_entries if relpath not in change.entries]
        change.changed = [
            relpath
            for relpath in new_facts
            if (not same_files and change.entries[relpath] != change.old_entries.get(relpath)) or not _same_facts(relpath, change)
        ]
        if _sys_path_changed([*change.changed, *change.removed], change):
            return None  # a conftest changed sys.path: any test file's imports may resolve elsewhere
        return change

    def _update(self, stored: StoredAnalysis, change: Change) -> ProjectAnalysis:
        layout = change.layout
        model = LazyModel.create(self.root, self.settings, change.table, layout.roots, change.facts)
        if layout != stored.layout or layout.directories != stored.layout.directories:
            self.scope.put("layout", plain_layout(layout, change.table))
        definers = ShardedMap(self.scope, "definers", stored.shards, DEFINERS)
        if not change:
            Step(self.progress, "analyse", 0).end()  # nothing to analyse again
            if _drifted(change.keys, stored.keys) > _DRIFT:
                self.scope.put("state", plain_state(change.keys, stored.summaries, stored.cycles))
            run = RunStats("incremental", self.discovered, self.cache.stats.parsed)
            return self._analysis(model, change, stored.summaries, stored.cycles, None, definers, run)

        rdeps = ShardedMap(self.scope, "rdeps", stored.shards, RDEPS)
        affected = _affected(change, rdeps)
        files = ShardedMap(self.scope, "files", stored.shards)
        summaries = dict(stored.summaries)
        step = Step(self.progress, "analyse", len(affected))
        imports_changed, lines_changed = self._analyse_again(model, change, affected, summaries, files, rdeps, step)
        for name, modules in definers_in(
            (change.entries[relpath][0], change.facts.new[relpath]) for relpath in change.changed if not relpath.endswith(".pyi")
        ).items():
            known = definers.get(name, set())
            if not modules <= known:
                definers.set(name, known | modules)

        graph = None
        cycles = stored.cycles
        if imports_changed:
            graph = _updated_graph(stored.graph(), layout, files, imports_changed)
            cycles = _updated_cycles(stored.cycles, stored.graph(), graph, layout, files, imports_changed | lines_changed)
            put_graph(self.scope, graph)
        elif any(lines_changed.intersection(cycle.modules) for cycle in cycles):  # the same graph; a chain's lines moved
            cycles = _updated_cycles(stored.cycles, stored.graph(), stored.graph(), layout, files, lines_changed)
        for sharded in (files, rdeps, definers):
            sharded.flush()
        self.scope.put("state", plain_state(change.keys, summaries, cycles))
        step.end()
        run = RunStats(
            "incremental",
            self.discovered,
            self.cache.stats.parsed,
            tuple(sorted(affected)),
            tuple(sorted({*change.changed, *change.removed})),
        )
        return self._analysis(model, change, summaries, cycles, graph, definers, run)

    def _current_layout(self, stored: StoredAnalysis) -> tuple[Layout, dict[str, int], bool]:
        """The layout on disk, its module table, and whether it lists the stored files. Discovery runs again only
        when a directory lists other entries."""
        changed, directories = directories_changed(self.root, stored.layout.directories)
        if not changed:
            return dataclasses.replace(stored.layout, directories=directories), stored.table, True
        self.discovered = True
        layout = Layout.of(
            discover(
                self.root,
                self.settings.packages,
                self.settings.exclude,
                self.settings.include,
                environment_for(str(self.root), self.settings.environment),
                self.settings.test_files,
            )
        )
        if layout == stored.layout:
            return layout, stored.table, True
        return layout, module_table(layout.discovery(self.root)), False

    def _current_contents(
        self,
        layout: Layout,
        stored: StoredAnalysis,
        same_files: bool,
        step: Step,
    ) -> tuple[tuple[bytes, ...], dict[str, ModuleFacts]]:
        """Each file's content key now, and the facts of those whose content is not the one analysed.

        `step` hears how far the files got each time another chunk's worth of them needed parsing (only those cost).
        """
        analysed = {} if same_files else {row.relpath: key for row, key in zip(stored.layout.files, stored.keys)}
        keys = []
        new_facts: dict[str, ModuleFacts] = {}
        base = self.reader.base
        reported = 0
        current, read = self.cache.current_keys([base + row.relpath for row in layout.files])
        for position, (relpath, key) in enumerate(zip((row.relpath for row in layout.files), current)):
            if key is None:
                facts = self.reader.problem_facts(relpath)
                key = _problem_key(facts)
            elif (stored.keys[position] if same_files else analysed.get(relpath)) == key:
                keys.append(key)
                continue
            else:
                facts = self.reader.facts_of_bytes(relpath, key, read.get(position))
            keys.append(key)
            new_facts[relpath] = facts
            if position - reported >= _CHUNK and step.active:
                step.advance(position - reported)
                reported = position
        self.cache.save()
        return tuple(keys), new_facts

    def _analyse_again(
        self,
        model: LazyModel,
        change: Change,
        affected: set[str],
        summaries: dict[str, FileSummary],
        files: ShardedMap,
        rdeps: ShardedMap,
        step: Step,
    ) -> tuple[set[str], set[str]]:
        """Analyse the affected files; drop the removed ones. `step` hears of every chunk of files analysed.

        Returns the modules that import other modules than before (or import them
        otherwise: at import time or not), and those whose imports only moved.
        """
        entries, old_entries = change.entries, change.old_entries
        imports_changed: set[str] = set()
        lines_changed: set[str] = set()
        analysed = 0
        for position, row in enumerate(change.layout.files):
            relpath = row.relpath
            if relpath not in affected:
                continue
            analysed += 1
            if analysed % _CHUNK == 0:
                step.advance(_CHUNK)
            parsed = resolve_file(model.resolver, change.layout.source_file(self.root, position), model.facts.of_file(relpath))
            summary, detail = analyse_file(model, parsed)
            old = detail_from_plain(files.get(relpath))
            if summary:
                summaries[relpath] = summary
            else:
                summaries.pop(relpath, None)
            files.set(relpath, plain_detail(detail))
            update_reverse(rdeps, relpath, old.deps if old else (), detail.deps)
            if old is None or old_entries.get(relpath) != entries[relpath] or _imported(old) != _imported(detail):
                imports_changed.add(row.module)
                if relpath in old_entries:
                    imports_changed.add(old_entries[relpath][0])
            elif old.edges != detail.edges:
                lines_changed.add(row.module)
        for relpath in change.removed:
            old = detail_from_plain(files.get(relpath))
            summaries.pop(relpath, None)
            files.set(relpath, None)
            update_reverse(rdeps, relpath, old.deps if old else (), ())
            imports_changed.add(old_entries[relpath][0])
        return imports_changed, lines_changed

    def _analysis(
        self,
        model: LazyModel,
        change: Change,
        summaries: dict[str, FileSummary],
        cycles: list[Cycle],
        graph: ModuleGraph | None,
        definers: ShardedMap,
        run: RunStats,
    ) -> ProjectAnalysis:
        layout = change.layout
        self.source = StoreSource(self.root, self.settings, self.scope, layout, change.facts, graph, definers)
        index = ModuleIndex(change.table, layout.roots)
        return ProjectAnalysis(
            self.root, self.settings, layout, index, summaries, cycles, self.source, run, project_findings(model, self.root)
        )


def _affected(change: Change, rdeps: ShardedMap) -> set[str]:
    """The files to analyse again: changed ones, those of modules whose kind changed, and every reader of a changed key."""
    entries, old_entries = change.entries, change.old_entries
    touched = {old_entries[relpath][0] for relpath in change.removed}
    for relpath in change.changed:
        touched.add(entries[relpath][0])
        if relpath in old_entries:
            touched.add(old_entries[relpath][0])
    kind_changed = change.kind_changed
    changed_keys: set[Dependency] = {(module, None) for module in kind_changed}
    changed_keys |= {(module.casefold(), None) for module in kind_changed}  # its case variants' notes (ModuleIndex.case_variant)
    touched |= kind_changed
    everything: list[str] = []  # modules whose old facts are gone: all their keys changed
    for module in sorted(touched):
        for stubs in (False, True):  # its names at run time, and to a type checker (with its stubs)
            old = change.old_facts.symbols(module, change.old_table, change.old_layout.roots, stubs)
            if old is None:
                everything.append(module)
                break
            new = change.facts.symbols(module, change.table, change.layout.roots, stubs)
            assert new is not None, "the current facts can always be had"
            changed_keys |= symbol_changes(module, old, new)
    affected = set(change.changed)
    if kind_changed:
        affected |= {relpath for relpath, (module, _flags) in entries.items() if module in kind_changed}
    for module, name in changed_keys:
        affected |= rdeps.get(module, {}).get(name, set())
    for module in everything:
        for readers in rdeps.get(module, {}).values():
            affected |= readers
    return {relpath for relpath in affected if relpath in entries}


# ---------------------------------------------------------------------------- the graph and its cycles


def _updated_graph(old: ModuleGraph, layout: Layout, files: ShardedMap, modules: set[str]) -> ModuleGraph:
    """The graph with the imports of `modules` made again from their runtime files' edges."""
    rows = [row for row in layout.files if row.module in modules]
    partial = module_graph(rows, lambda relpath: detail_of(files, relpath).edges)
    return old.with_imports_of({module: (partial.edges.get(module, ()), partial.breaking.get(module, ())) for module in modules})


def _updated_cycles(
    old: list[Cycle],
    old_graph: ModuleGraph,
    graph: ModuleGraph,
    layout: Layout,
    files: ShardedMap,
    modules: set[str],
) -> list[Cycle]:
    """The graph's cycles; one whose modules and imports are all unchanged keeps its chain.

    When no module imports other modules than before (lines moved, say), the
    components are the old ones and only their chains may need redoing.
    """
    unchanged = {frozenset(cycle.modules): cycle for cycle in old if not modules.intersection(cycle.modules)}
    components = components_after_change((frozenset(cycle.modules) for cycle in old), old_graph, graph, modules)
    runtime = files_by_module(layout.files, runtime_only=True)

    def sites(importer: str, imported: str) -> list[tuple[str, int, int]]:
        return [
            (relpath, line, context)
            for relpath in runtime.get(importer, ())
            for target, line, context in detail_of(files, relpath).edges
            if target == imported
        ]

    return cycles_of(graph, sites, components, unchanged)


# ---------------------------------------------------------------------------- helpers


def _same_facts(relpath: str, change: Change) -> bool:
    """True when a file whose content changed still has the facts it was analysed with (a body edit)."""
    try:
        return change.old_facts.of_file(relpath) == change.facts.of_file(relpath)
    except Unavailable:
        return False


def _sys_path_changed(relpaths: list[str], change: Change) -> bool:
    """True when a conftest.py among `relpaths` (changed, added or removed) changes sys.path otherwise than before."""
    facts, old_facts = change.facts, change.old_facts
    for relpath in relpaths:
        if relpath.rpartition("/")[2] != "conftest.py":
            continue
        try:
            before = old_facts.of_file(relpath).sys_path if relpath in old_facts.positions() else ()
        except Unavailable:
            return True
        now = facts.of_file(relpath).sys_path if relpath in facts.positions() else ()
        if before != now:
            return True
    return False


def _entries(layout: Layout) -> dict[str, Entry]:
    """relpath -> (module, flags) of a layout's files."""
    return {row.relpath: (row.module, row.flags) for row in layout.files}


def _imported(detail: FileDetail) -> tuple[frozenset[str], frozenset[str]]:
    """What a file's imports give the module graph: the modules imported, and those imported at import time."""
    return (
        frozenset(target for target, _line, _context in detail.edges),
        frozenset(target for target, _line, context in detail.edges if breaks_importer(context)),
    )


def _drifted(keys: tuple[bytes, ...], analysed: tuple[bytes, ...]) -> int:
    """How many files hold other content than the one they were analysed at."""
    if keys == analysed:
        return 0
    return sum(1 for now, then in zip(keys, analysed) if now != then)


def _problem_key(facts: ModuleFacts) -> bytes:
    """A content key for what cannot be read: the problem itself."""
    return content_key(repr(facts.problem).encode())
