"""Incremental analysis: keep the project's analysis between runs and redo only what a change can affect.

The analysis store (`adapters.analysis_store`) keeps, for one project and one
set of settings: the layout discovery found (with a fingerprint of every
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

The result is the analysis a full scan gives (the tests compare the two after
random edits). A store that cannot be vouched for (missing, damaged, another
version, other settings, or other top-level packages) is rebuilt by a full
analysis that records every file's dependency keys.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import partial
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from remediator.adapters.hashing import blake2b
from remediator.adapters.analysis_store import AnalysisStore, ShardedMap, StoreCorrupt, remove_store
from remediator.adapters.cache import FactsCache, content_key
from remediator.adapters.filesystem import PACKAGE_FILE, STUB_FILE, Layout, directories_changed, discover
from remediator.adapters.source_reader import read_source
from remediator.analysis.dependencies import Dependencies, Dependency, DependencyRecorder
from remediator.analysis.module_graph import (
    Cycle, Link, ModuleGraph, chain_through, components_after_change, cycle_order, strongly_connected,
)
from remediator.analysis.module_index import PACKAGE, ModuleIndex, is_internal, module_table
from remediator.analysis.project import ParsedFile, ProjectModel, assemble, build_project, no_cyclic_gc, resolve_file
from remediator.analysis.resolver import ModuleResolver
from remediator.analysis.symbols import ModuleSymbols, SymbolTables, module_symbols, symbol_changes
from remediator.application.project_analysis import (
    FileDetail, FileSummary, ModelSource, ProjectAnalysis, RunStats, analyse_file, analyse_model, model_graph, module_graph,
)
from remediator.domain.config import ConfigError, Settings
from remediator.domain.facts import ModuleFacts, ParseProblem, empty_facts
from remediator.domain.findings import UNREADABLE_FILE, Finding, Suggestion
from remediator.domain.modules import absolute_module
from remediator.rules.ssot import check_ssot_settings

STATE_FORMAT = 2  # bump when what is stored changes shape
_ANALYSIS_CODE = ("analysis", "rules", "application", "domain")  # folders whose code shapes the stored analysis
_NOT_REGULAR = ParseProblem(UNREADABLE_FILE, "not a regular file", 1, 1)

Entry = tuple[str, int]  # a file's (module, layout flags)


@contextmanager
def open_analysis(
    root: Path, settings: Settings, *, jobs: int | None = None, use_cache: bool = True
) -> Iterator[ProjectAnalysis]:
    """The project's analysis, up to date with the files on disk; the store is written when the block ends.

    Inside the block, whatever the analysis loads on demand (the graph, the
    definers of a name) comes from the same consistent snapshot. Without
    `use_cache` nothing is read or written: a full analysis.
    """
    root = Path(root).resolve()
    if not use_cache:
        with no_cyclic_gc():
            yield full_analysis(root, settings, jobs, use_cache=False)
        return
    cache = FactsCache.for_root(root)
    store = _open_store(cache, settings)
    if store is None:  # no SQLite, or a tree we cannot write to: a full analysis through the facts cache
        with no_cyclic_gc():
            yield full_analysis(root, settings, jobs)
        return
    refresh = _Refresh(root, settings, cache, store, jobs)
    try:
        with no_cyclic_gc():
            try:
                analysis = refresh.run()
            except StoreCorrupt:
                refresh.store = _replace_store(cache, settings, refresh.store)
                analysis = refresh.rebuild()
    except ConfigError:
        refresh.finish()  # the analysis is sound; the settings are wrong for it
        raise
    except BaseException:
        refresh.store.close()
        raise
    try:
        yield analysis
    finally:
        refresh.finish()


def full_analysis(root: Path, settings: Settings, jobs: int | None, *, use_cache: bool = True) -> ProjectAnalysis:
    """Build the whole model and analyse every file (the settings are checked first)."""
    model = build_project(root, settings, jobs, use_cache=use_cache)
    check_ssot_settings(model)
    return analyse_model(model, keep_details=False)[0]


def analysis_key(settings: Settings) -> str:
    """Names the store: the settings, and the code that turns facts into findings."""
    digest = blake2b(digest_size=12)
    digest.update(repr(dataclasses.replace(settings, source=None)).encode())
    digest.update(str(STATE_FORMAT).encode())
    package = Path(__file__).resolve().parent.parent
    for folder in _ANALYSIS_CODE:  # an edited install must not reuse an analysis made by other code
        try:
            entries = sorted((e.name, e.stat().st_size, e.stat().st_mtime_ns) for e in os.scandir(package / folder) if e.name.endswith(".py"))
        except OSError:
            entries = []
        digest.update(repr(entries).encode())
    return digest.hexdigest()


# ---------------------------------------------------------------------------- the refresh


class _Refresh:
    """One run's update of the stored analysis."""

    def __init__(self, root: Path, settings: Settings, cache: FactsCache, store: AnalysisStore, jobs: int | None) -> None:
        self.root = root
        self.settings = settings
        self.cache = cache
        self.store = store
        self.jobs = jobs
        self.base = str(root) + os.sep
        self.damaged = False  # a damaged blob was found after the update: drop the store
        self.discovered = False  # discovery ran again
        self._by_module: tuple[tuple[tuple[str, str, int], ...], dict[str, list[str]]] | None = None

    def run(self) -> ProjectAnalysis:
        stored = _Stored.load(self.store)
        if stored is None:
            return self.rebuild()
        return self._update(stored)

    def finish(self) -> None:
        """Write what this run changed (dropped when another run wrote first), and close the store."""
        if self.damaged:
            self.store.close()
            remove_store(self.store.path)
            return
        try:
            self.store.commit()
        except StoreCorrupt:
            self.store.close()
            remove_store(self.store.path)
            return
        self.store.close()

    def rebuild(self) -> ProjectAnalysis:
        """A full analysis, recorded so that the next run can be incremental."""
        model = build_project(self.root, self.settings, self.jobs, record=True, cache=self.cache)
        analysis, details = analyse_model(model)
        layout = analysis.layout
        self.store.start_over()
        keys = tuple(
            self.cache.keys_by_path.get(str(parsed.source.path)) or _problem_key(parsed.facts)
            for parsed in model.files
        )
        shards = _shard_count(len(layout.files))
        for prefix, content in (
            ("files", lambda: {relpath: _plain_detail(detail) for relpath, detail in details.items()}),
            ("rdeps", lambda: _reverse_dependencies(details)),
            ("definers", lambda: _definers_of(model)),
        ):
            sharded = ShardedMap(self.store, prefix, shards)
            sharded.fill(content())  # one map at a time, written as it is made
            sharded.flush()
        self.store.put("meta", (STATE_FORMAT, shards))
        self.store.put("layout", (layout.to_plain(), dict(analysis.index.table)))
        _put_graph(self.store, analysis.graph)
        self.store.put("state", _plain_state(keys, analysis.summaries, analysis.cycles))
        try:  # written now: nothing of this run is read back from the store
            self.store.commit()
        except StoreCorrupt:
            self.damaged = True
        analysis.run = RunStats("rebuilt", True, self.cache.stats.parsed, tuple(details))
        check_ssot_settings(model)
        return analysis

    # -- the incremental update ---------------------------------------------------

    def _update(self, stored: _Stored) -> ProjectAnalysis:
        layout, table = self._current_layout(stored)
        if layout.roots != stored.layout.roots:
            return self.rebuild()  # what is internal changed: any resolution may differ
        keys, new_facts = self._current_contents(layout, stored)
        facts = _FactsSource(self, layout, keys, new_facts)
        old_facts = _FactsSource(self, stored.layout, stored.keys, {}, old=True)
        entries = {relpath: (module, flags) for relpath, module, flags in layout.files}
        old_entries = {relpath: (module, flags) for relpath, module, flags in stored.layout.files}
        removed = [relpath for relpath in old_entries if relpath not in entries]
        changed = [relpath for relpath in new_facts if not _same_facts(relpath, entries, old_entries, facts, old_facts)]
        model = _LazyModel.create(self.root, self.settings, table, layout.roots, facts)
        if layout != stored.layout or layout.directories != stored.layout.directories:
            self.store.put("layout", (layout.to_plain(), table))
        if not changed and not removed and table == stored.table:
            if keys != stored.keys:
                self.store.put("state", _plain_state(keys, stored.summaries, stored.cycles))
            check_ssot_settings(model)
            analysis = self._analysis(stored, layout, table, stored.summaries, stored.cycles, facts, None)
            analysis.run = RunStats("incremental", self.discovered, self.cache.stats.parsed)
            return analysis

        rdeps = ShardedMap(self.store, "rdeps", stored.shards)
        affected = self._affected(stored, layout, table, changed, removed, entries, old_entries, facts, old_facts, rdeps)
        files = ShardedMap(self.store, "files", stored.shards)
        summaries = dict(stored.summaries)
        edges_changed = self._analyse_again(model, layout, affected, removed, entries, old_entries, summaries, files, rdeps)
        definers = ShardedMap(self.store, "definers", stored.shards)
        for relpath in changed:
            module = entries[relpath][0]
            for name in new_facts[relpath].defined_names:
                known = definers.get(name, set())
                if module not in known:
                    definers.set(name, known | {module})

        graph = None
        cycles = stored.cycles
        if edges_changed:
            graph = _updated_graph(stored.graph(), layout, files, edges_changed)
            cycles = _updated_cycles(stored.cycles, stored.graph(), graph, layout, files, edges_changed)
            _put_graph(self.store, graph)
        for sharded in (files, rdeps, definers):
            sharded.flush()
        self.store.put("state", _plain_state(keys, summaries, cycles))
        check_ssot_settings(model)
        analysis = self._analysis(stored, layout, table, summaries, cycles, facts, graph, definers)
        analysis.run = RunStats("incremental", self.discovered, self.cache.stats.parsed, tuple(sorted(affected)), tuple(sorted({*changed, *removed})))
        return analysis

    def _current_layout(self, stored: _Stored) -> tuple[Layout, dict[str, int]]:
        """The layout on disk: discovery runs again only when a directory lists other entries."""
        changed, directories = directories_changed(self.root, stored.layout.directories)
        if not changed:
            return dataclasses.replace(stored.layout, directories=directories), stored.table
        self.discovered = True
        layout = Layout.of(discover(self.root, self.settings.packages, self.settings.exclude))
        if layout == stored.layout:
            return layout, stored.table
        return layout, module_table(layout.discovery(self.root))

    def _current_contents(self, layout: Layout, stored: _Stored) -> tuple[tuple[bytes, ...], dict[str, ModuleFacts]]:
        """Each file's content key now, and the facts of those whose content is not the one analysed."""
        analysed = {relpath: key for (relpath, _module, _flags), key in zip(stored.layout.files, stored.keys)}
        keys = []
        new_facts: dict[str, ModuleFacts] = {}
        base = self.base
        current = self.cache.current_keys([base + relpath for relpath, _module, _flags in layout.files])
        for (relpath, _module, _flags), (key, data) in zip(layout.files, current):
            if key is None:
                facts = self._problem_facts(relpath)
                key = _problem_key(facts)
            elif analysed.get(relpath) == key:
                keys.append(key)
                continue
            else:
                facts = self._facts_of_bytes(relpath, key, data)
            keys.append(key)
            new_facts[relpath] = facts
        self.cache.save()
        return tuple(keys), new_facts

    def _affected(
        self, stored: _Stored, layout: Layout, table: dict[str, int], changed: list[str], removed: list[str],
        entries: Mapping[str, Entry], old_entries: Mapping[str, Entry], facts: _FactsSource, old_facts: _FactsSource,
        rdeps: ShardedMap,
    ) -> set[str]:
        """The files to analyse again: changed ones, those of modules whose kind changed, and every reader of a changed key."""
        touched = {old_entries[relpath][0] for relpath in removed}
        for relpath in changed:
            touched.add(entries[relpath][0])
            if relpath in old_entries:
                touched.add(old_entries[relpath][0])
        changed_keys: set[Dependency] = set()
        kind_changed: set[str] = set()
        if table is not stored.table:
            kind_changed = {module for module in table.keys() | stored.table.keys() if table.get(module) != stored.table.get(module)}
        changed_keys |= {(module, None) for module in kind_changed}
        touched |= kind_changed
        everything: list[str] = []  # modules whose old facts are gone: all their keys changed
        for module in sorted(touched):
            old = old_facts.symbols(module, stored.table, stored.layout.roots)
            if old is None:
                everything.append(module)
            else:
                new = facts.symbols(module, table, layout.roots)
                assert new is not None, "the current facts can always be had"
                changed_keys |= symbol_changes(module, old, new)
        affected = set(changed)
        if kind_changed:
            affected |= {relpath for relpath, (module, _flags) in entries.items() if module in kind_changed}
        for module, name in changed_keys:
            affected |= rdeps.get(module, {}).get(name, set())
        for module in everything:
            for readers in rdeps.get(module, {}).values():
                affected |= readers
        return {relpath for relpath in affected if relpath in entries}

    def _analyse_again(
        self, model: _LazyModel, layout: Layout, affected: set[str], removed: list[str], entries: Mapping[str, Entry],
        old_entries: Mapping[str, Entry], summaries: dict[str, FileSummary], files: ShardedMap, rdeps: ShardedMap,
    ) -> set[str]:
        """Analyse the affected files; drop the removed ones. Returns the modules whose imports changed."""
        edges_changed: set[str] = set()
        for position, (relpath, module, _flags) in enumerate(layout.files):
            if relpath not in affected:
                continue
            parsed = ParsedFile(layout.source_file(self.root, position), model.facts.of_file(relpath))
            resolve_file(model.resolver, parsed)
            summary, detail = analyse_file(model, parsed)
            old = _detail_from_plain(files.get(relpath))
            if summary:
                summaries[relpath] = summary
            else:
                summaries.pop(relpath, None)
            files.set(relpath, _plain_detail(detail))
            _update_reverse(rdeps, relpath, old.deps if old else (), detail.deps)
            if old is None or old.edges != detail.edges or old_entries.get(relpath) != entries[relpath]:
                edges_changed.add(module)
                if relpath in old_entries:
                    edges_changed.add(old_entries[relpath][0])
        for relpath in removed:
            old = _detail_from_plain(files.get(relpath))
            summaries.pop(relpath, None)
            files.set(relpath, None)
            _update_reverse(rdeps, relpath, old.deps if old else (), ())
            edges_changed.add(old_entries[relpath][0])
        return edges_changed

    def _analysis(
        self, stored: _Stored, layout: Layout, table: dict[str, int], summaries: dict[str, FileSummary],
        cycles: list[Cycle], facts: _FactsSource, graph: ModuleGraph | None, definers: ShardedMap | None = None,
    ) -> ProjectAnalysis:
        definers = definers if definers is not None else ShardedMap(self.store, "definers", stored.shards)
        source = _StoreSource(self, layout, facts, graph, definers)
        return ProjectAnalysis(self.root, self.settings, layout, ModuleIndex(table, layout.roots), summaries, cycles, source)

    # -- reading files ------------------------------------------------------------

    def files_by_module(self, files: tuple[tuple[str, str, int], ...]) -> dict[str, list[str]]:
        """module -> its files' relpaths, made once per list of files (the old and new layouts usually share one)."""
        if self._by_module is None or self._by_module[0] is not files:
            by_module: dict[str, list[str]] = {}
            for relpath, module, _flags in files:
                by_module.setdefault(module, []).append(relpath)
            self._by_module = (files, by_module)
        return self._by_module[1]

    def _facts_of_bytes(self, relpath: str, key: bytes, data: bytes | None) -> ModuleFacts:
        """Facts of a file's content: from the facts cache, else parsed (and cached)."""
        facts = self.cache.get(key)
        if facts is not None:
            return facts
        if data is None:
            try:
                data = Path(self.base + relpath).read_bytes()
            except OSError:
                return self._problem_facts(relpath)
        from remediator.adapters.parallel import parse_bytes  # the parser loads tree-sitter: only when needed

        facts = parse_bytes(data)
        self.cache.stats.parsed += 1
        self.cache.put(key, facts)
        return facts

    def _problem_facts(self, relpath: str) -> ModuleFacts:
        """Facts of a file that cannot be read (or is no longer a regular file): the problem, as the reader words it."""
        path = Path(self.base + relpath)
        if not path.is_file():
            return empty_facts(_NOT_REGULAR)
        source = read_source(path)
        if isinstance(source, ParseProblem):
            return empty_facts(source)
        from remediator.adapters.parallel import parse_bytes

        return parse_bytes(source)  # readable after all (it changed while we looked)


# ---------------------------------------------------------------------------- the graph and its cycles


def _updated_graph(old: ModuleGraph, layout: Layout, files: ShardedMap, modules: set[str]) -> ModuleGraph:
    """The graph with the imports of `modules` made again from their runtime files' edges."""
    rows = [(relpath, module, flags) for relpath, module, flags in layout.files if module in modules]
    partial = module_graph(rows, lambda relpath: _detail_of(files, relpath).edges)
    return old.with_imports_of({
        module: (partial.edges.get(module, ()), partial.breaking.get(module, ())) for module in modules
    })


def _updated_cycles(
    old: list[Cycle], old_graph: ModuleGraph, graph: ModuleGraph, layout: Layout, files: ShardedMap, modules: set[str],
) -> list[Cycle]:
    """The graph's cycles; one whose modules and imports are all unchanged keeps its chain.

    When no module imports other modules than before (lines moved, say), the
    components are the old ones and only their chains may need redoing.
    """
    unchanged = {frozenset(cycle.modules): cycle for cycle in old if not modules.intersection(cycle.modules)}
    components = components_after_change((frozenset(cycle.modules) for cycle in old), old_graph, graph, modules)
    if components is None:
        components = strongly_connected(graph.edges)
    runtime: dict[str, list[str]] = {}
    for relpath, module, flags in layout.files:
        if not flags & STUB_FILE:
            runtime.setdefault(module, []).append(relpath)

    def link(importer: str, imported: str) -> Link:
        path, line = min(
            (relpath, line) for relpath in runtime.get(importer, ())
            for target, line, _context in _detail_of(files, relpath).edges if target == imported
        )
        return Link(importer, imported, path, line)

    cycles = []
    for component in components:
        cycle = unchanged.get(component)
        if cycle is None:
            cycle = Cycle(tuple(sorted(component)), chain_through(component, graph.successors, link))
        cycles.append(cycle)
    return sorted(cycles, key=cycle_order)


# ---------------------------------------------------------------------------- facts and the model, loaded lazily


class _FactsSource:
    """Facts of a layout's files: the new ones in memory, the others from the facts cache by content key.

    For the `old` layout a missing cache entry cannot be read again from disk
    (the file holds something else now): its module's facts are unavailable.
    """

    def __init__(
        self, refresh: _Refresh, layout: Layout, keys: Sequence[bytes | None], new: dict[str, ModuleFacts], *, old: bool = False,
    ) -> None:
        self.refresh = refresh
        self.layout = layout
        self.keys = keys
        self.new = new
        self.old = old
        self._loaded: dict[str, ModuleFacts] = {}
        self._positions: dict[str, int] | None = None
        self._by_module: dict[str, list[str]] | None = None

    def of_file(self, relpath: str) -> ModuleFacts:
        """Raises _Unavailable (old layout only)."""
        facts = self.new.get(relpath) or self._loaded.get(relpath)
        if facts is not None:
            return facts
        if self._positions is None:
            self._positions = {path: position for position, (path, _m, _f) in enumerate(self.layout.files)}
        key = self.keys[self._positions[relpath]]
        facts = self.refresh.cache.get(key) if key is not None else None
        if facts is None:
            if self.old:
                raise _Unavailable(relpath)
            current, data = self.refresh.cache.current_key(self.refresh.base + relpath)  # pruned or damaged: read again
            facts = self.refresh._facts_of_bytes(relpath, current, data) if current is not None else self.refresh._problem_facts(relpath)
        self._loaded[relpath] = facts
        return facts

    def of_module(self, module: str) -> list[ModuleFacts]:
        if self._by_module is None:
            self._by_module = self.refresh.files_by_module(self.layout.files)
        return [self.of_file(relpath) for relpath in self._by_module.get(module, ())]

    def symbols(self, module: str, table: Mapping[str, int], roots: Iterable[str]) -> ModuleSymbols | None:
        """What `module`'s facts say about names; None when they cannot be had."""
        try:
            facts = self.of_module(module)
        except _Unavailable:
            return None
        internal = frozenset(roots)
        return module_symbols(
            module, table.get(module, 0) & PACKAGE == PACKAGE, facts, absolute_module, lambda name: is_internal(name, internal),
        )


class _Unavailable(Exception):
    """The old facts of a file are no longer in the cache."""


class _ModuleFacts(Mapping[str, Sequence[ModuleFacts]]):
    """module -> facts of its files, loaded on first use (what SymbolTables reads)."""

    def __init__(self, source: _FactsSource) -> None:
        self._source = source
        self._loaded: dict[str, list[ModuleFacts]] = {}

    def __getitem__(self, module: str) -> list[ModuleFacts]:
        found = self._loaded.get(module)
        if found is None:
            found = self._loaded[module] = self._source.of_module(module)
        if not found:
            raise KeyError(module)
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(self._loaded)

    def __len__(self) -> int:
        return len(self._loaded)


@dataclass(slots=True)
class _LazyModel:
    """What the rules ask of a model (ModelQueries), over facts loaded on demand; records dependency keys."""

    root: Path
    settings: Settings
    index: ModuleIndex
    symbols: SymbolTables
    resolver: ModuleResolver
    recorder: DependencyRecorder | None
    facts: _FactsSource

    @classmethod
    def create(cls, root: Path, settings: Settings, table: dict[str, int], roots: Sequence[str], facts: _FactsSource) -> _LazyModel:
        recorder = DependencyRecorder()
        index = ModuleIndex(table, roots, (), recorder)
        resolver = ModuleResolver(index, recorder)
        symbols = SymbolTables(index, _ModuleFacts(facts), resolver.absolute, recorder)
        resolver.symbols = symbols
        return cls(root, settings, index, symbols, resolver, recorder, facts)


class _StoreSource:
    """The parts of a stored analysis loaded only when asked: the graph, definers, the full model."""

    def __init__(
        self, refresh: _Refresh, layout: Layout, facts: _FactsSource, graph: ModuleGraph | None, definers: ShardedMap,
    ) -> None:
        self._refresh = refresh
        self._layout = layout
        self._facts = facts
        self._graph = graph  # made by this run, or None: the stored one, read when used
        self._definers = definers
        self._model: ProjectModel | None = None

    def graph(self) -> ModuleGraph:
        if not isinstance(self._graph, ModuleGraph):
            self._graph = ModuleGraph(*(
                _StoredMap(self._refresh.store, f"graph/{part}", partial(self._graph_of_model, part))
                for part in _GRAPH_PARTS
            ))
        return self._graph

    def _graph_of_model(self, part: str) -> Mapping[str, tuple[str, ...]]:
        """A map of the graph found damaged in the store (only now): made from the model; the store is dropped."""
        self._refresh.damaged = True
        result: Mapping[str, tuple[str, ...]] = getattr(model_graph(self.model()), part)
        return result

    def definers(self, names: set[str]) -> dict[str, set[str]]:
        """Name -> modules that define it. The stored index only grows (a superset): each module is checked."""
        try:
            candidates = {name: self._definers.get(name, set()) for name in names}
        except StoreCorrupt:
            self._refresh.damaged = True
            return ModelSource(self.model()).definers(names)
        found: dict[str, set[str]] = {}
        for name in sorted(names):
            for module in sorted(candidates[name]):
                if any(name in facts.defined_names for facts in self._facts.of_module(module)):
                    found.setdefault(name, set()).add(module)
        return found

    def model(self) -> ProjectModel:
        """The full model of this layout, from the facts cache (only the files' facts are read)."""
        if self._model is None:
            discovery = self._layout.discovery(self._refresh.root)
            files = [ParsedFile(source, self._facts.of_file(source.relpath)) for source in discovery.files]
            with no_cyclic_gc():
                self._model = assemble(self._refresh.root, self._refresh.settings, discovery, files)
        return self._model


# ---------------------------------------------------------------------------- what is stored, as plain data


@dataclass(slots=True)
class _Stored:
    """The stored analysis a run starts from."""

    store: AnalysisStore
    shards: int
    layout: Layout
    table: dict[str, int]
    keys: tuple[bytes, ...]
    summaries: dict[str, FileSummary]
    cycles: list[Cycle]
    _graph: ModuleGraph | None = None

    @classmethod
    def load(cls, store: AnalysisStore) -> _Stored | None:
        """The stored analysis; None when there is none of this format. Raises StoreCorrupt."""
        meta = store.get("meta")
        if type(meta) is not tuple or len(meta) != 2 or meta[0] != STATE_FORMAT:
            return None
        try:
            layout_plain, table = _tuple(store.get("layout"), 2)
            keys, summaries, cycles = _tuple(store.get("state"), 3)
            layout = Layout.from_plain(layout_plain)
            if type(table) is not dict or type(keys) is not tuple or len(keys) != len(layout.files):
                raise ValueError("the state does not match the layout")
            return cls(store, meta[1], layout, table, keys, _summaries_from_plain(summaries, layout), _cycles_from_plain(cycles))
        except (ValueError, TypeError, KeyError, IndexError) as error:
            raise StoreCorrupt(f"{store.path}: {error}") from None

    def graph(self) -> ModuleGraph:
        """The stored graph; each of its three maps is read when first used."""
        if self._graph is None:
            self._graph = ModuleGraph(*(_StoredMap(self.store, f"graph/{part}") for part in _GRAPH_PARTS))
        return self._graph


def _tuple(value: Any, size: int) -> tuple[Any, ...]:
    if type(value) is not tuple or len(value) != size:
        raise ValueError(f"expected {size} items, found {type(value).__name__}")
    return value


_NO_DETAIL = FileDetail((), ())


def _detail_of(files: ShardedMap, relpath: str) -> FileDetail:
    return _detail_from_plain(files.get(relpath)) or _NO_DETAIL


def _plain_detail(detail: FileDetail) -> tuple[Any, ...]:
    return (detail.edges, detail.deps)


def _detail_from_plain(value: Any) -> FileDetail | None:
    if value is None:
        return None
    edges, deps = value
    return FileDetail(edges, deps)


_GRAPH_PARTS = ("edges", "breaking", "importers")


def _put_graph(store: AnalysisStore, graph: ModuleGraph) -> None:
    store.put("graph/edges", dict(graph.edges))
    store.put("graph/breaking", dict(graph.breaking))
    store.put("graph/importers", dict(graph.importers))


class _StoredMap(Mapping[str, tuple[str, ...]]):
    """One map of the stored graph, read from the store on first use. Raises StoreCorrupt."""

    def __init__(
        self, store: AnalysisStore, name: str, fallback: Callable[[], Mapping[str, tuple[str, ...]]] | None = None,
    ) -> None:
        self._store = store
        self._name = name
        self._fallback = fallback  # what to use when the stored map is damaged (else: raise StoreCorrupt)
        self._value: Mapping[str, tuple[str, ...]] | None = None

    def _loaded(self) -> Mapping[str, tuple[str, ...]]:
        if self._value is None:
            try:
                value = self._store.get(self._name)
                if type(value) is not dict:
                    raise StoreCorrupt(f"{self._store.path}: {self._name} is not a map")
            except StoreCorrupt:
                if self._fallback is None:
                    raise
                value = self._fallback()
            self._value = value
        return self._value

    def __getitem__(self, key: str) -> tuple[str, ...]:
        return self._loaded()[key]

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        return self._loaded().get(key, default)

    def __iter__(self) -> Iterator[str]:
        return iter(self._loaded())

    def __len__(self) -> int:
        return len(self._loaded())

    def items(self):  # type: ignore[no-untyped-def, override]
        return self._loaded().items()


def _plain_state(keys: tuple[bytes, ...], summaries: Mapping[str, FileSummary], cycles: list[Cycle]) -> tuple[Any, ...]:
    plain = {
        relpath: (tuple(_plain_finding(rank, f) for rank, f in summary.findings), summary.compliance, summary.seeds)
        for relpath, summary in summaries.items()
    }
    return (keys, plain, tuple((c.modules, tuple((l.importer, l.imported, l.path, l.line) for l in c.chain)) for c in cycles))


def _plain_finding(rank: int, finding: Finding) -> tuple[Any, ...]:
    suggestion = finding.suggestion
    return (
        rank, finding.rule, finding.line, finding.column, finding.target, finding.name, finding.severity,
        finding.message, finding.guarded, finding.reference, finding.type_checking,
        None if suggestion is None else (suggestion.kind, suggestion.target, suggestion.detail, suggestion.command, suggestion.path, suggestion.commit),
        finding.ssot_rule,
    )


def _summaries_from_plain(value: Any, layout: Layout) -> dict[str, FileSummary]:
    if not value:
        return {}
    modules = {relpath: module for relpath, module, _flags in layout.files}
    summaries = {}
    for relpath, (findings, compliance, seeds) in value.items():
        importer = modules[relpath]
        summaries[relpath] = FileSummary(tuple(_finding_from_plain(f, relpath, importer) for f in findings), compliance, seeds)
    return summaries


def _finding_from_plain(value: Any, path: str, importer: str) -> tuple[int, Finding]:
    rank, rule, line, column, target, name, severity, message, guarded, reference, type_checking, suggestion, ssot_rule = value
    return rank, Finding(
        rule, path, line, column, importer, target, name, severity, message, guarded, reference, type_checking,
        None if suggestion is None else Suggestion(*suggestion), ssot_rule=ssot_rule,
    )


def _cycles_from_plain(value: Any) -> list[Cycle]:
    return [Cycle(tuple(modules), tuple(Link(*link) for link in chain)) for modules, chain in value]


# ---------------------------------------------------------------------------- helpers


def _open_store(cache: FactsCache, settings: Settings) -> AnalysisStore | None:
    key = analysis_key(settings)
    try:
        cache.ensure_folder()
        return AnalysisStore.open(cache.folder, key)
    except ImportError:  # a Python built without sqlite3
        return None
    except OSError:  # a read-only tree
        return None
    except StoreCorrupt:
        remove_store(cache.folder / f"analysis-{key}.sqlite")
        try:
            return AnalysisStore.open(cache.folder, key)
        except (StoreCorrupt, OSError):
            return None


def _replace_store(cache: FactsCache, settings: Settings, store: AnalysisStore) -> AnalysisStore:
    """Remove a damaged store and open an empty one in its place."""
    store.close()
    remove_store(store.path)
    return AnalysisStore.open(cache.folder, analysis_key(settings))


def _same_facts(
    relpath: str, entries: Mapping[str, Entry], old_entries: Mapping[str, Entry], facts: _FactsSource, old_facts: _FactsSource,
) -> bool:
    """True when a file whose content changed still has the facts it was analysed with (a body edit)."""
    if entries[relpath] != old_entries.get(relpath):
        return False
    try:
        return old_facts.of_file(relpath) == facts.of_file(relpath)
    except _Unavailable:
        return False


def _definers_of(model: ProjectModel) -> dict[str, set[str]]:
    """Name -> the modules defining it (def, class, assignment)."""
    found: dict[str, set[str]] = {}
    for parsed in model.files:
        for name in parsed.facts.defined_names:
            found.setdefault(name, set()).add(parsed.module)
    return found


def _problem_key(facts: ModuleFacts) -> bytes:
    """A content key for what cannot be read: the problem itself."""
    return content_key(repr(facts.problem).encode())


def _shard_count(files: int) -> int:
    """About 64 files a shard, between 16 and 1024 shards."""
    count = 16
    while count < 1024 and count * 64 < files:
        count *= 2
    return count


def _reverse_dependencies(details: Mapping[str, FileDetail]) -> dict[str, dict[str | None, set[str]]]:
    """module -> key name (None, a name, ALL) -> the files whose analysis read that key."""
    reverse: dict[str, dict[str | None, set[str]]] = {}
    for relpath, detail in details.items():
        for module, name in detail.deps:
            reverse.setdefault(module, {}).setdefault(name, set()).add(relpath)
    return reverse


def _update_reverse(rdeps: ShardedMap, relpath: str, old_keys: Dependencies, new_keys: Dependencies) -> None:
    """Move one file's entries in the reverse index from its old keys to its new ones."""
    old, new = set(old_keys), set(new_keys)
    if old == new:
        return
    by_module: dict[str, tuple[set[str | None], set[str | None]]] = {}
    for module, name in old - new:
        by_module.setdefault(module, (set(), set()))[0].add(name)
    for module, name in new - old:
        by_module.setdefault(module, (set(), set()))[1].add(name)
    for module, (gone, added) in by_module.items():
        entry = {name: set(readers) for name, readers in rdeps.get(module, {}).items()}
        for name in gone:
            readers = entry.get(name)
            if readers is not None:
                readers.discard(relpath)
                if not readers:
                    del entry[name]
        for name in added:
            entry.setdefault(name, set()).add(relpath)
        rdeps.set(module, entry or None)


assert PACKAGE_FILE == PACKAGE  # a layout's file flags and the module table's share the package bit
