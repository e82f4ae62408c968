"""Facts and the model of a stored analysis, loaded only when asked.

An incremental run analyses a handful of files; the modules they import need
their facts, the other ten thousand do not. `FactsSource` hands out facts by
file and by module from the store (by the content key the layout records),
`LazyModel` answers the rules' questions (ModelQueries) over them, and
`StoreSource` gives what the analysis loads on demand: the stored graph, the
definers of a name, the full model.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from remediator.adapters.cache import FactsCache, Scope, StoreCorrupt
from remediator.adapters.pytest_config import read_pytest_paths
from remediator.domain.layout import FileRow, Layout, files_by_module
from remediator.adapters.source_reader import read_source
from remediator.analysis.dependencies import DependencyRecorder
from remediator.analysis.module_graph import ModuleGraph
from remediator.analysis.module_index import ModuleIndex
from remediator.analysis.project import ProjectModel, assemble, chunks, no_cyclic_gc, search_path_spec
from remediator.analysis.resolver import ModuleResolver, project_resolver
from remediator.analysis.symbols import ModuleSymbols, SymbolTables, symbols_in
from remediator.application.project_analysis import ModelSource, definers_in, definitions_in
from remediator.application.stored_analysis import ShardedMap, stored_graph
from remediator.domain.config import Settings
from remediator.domain.facts import Definition, ModuleFacts, ParseProblem, SysPathEntry, empty_facts
from remediator.domain.findings import UNREADABLE_FILE
from remediator.domain.progress import Progress, Step

_NOT_REGULAR = ParseProblem(UNREADABLE_FILE, "not a regular file", 1, 1)
Files = tuple[FileRow, ...]  # a Layout's files
_T = TypeVar("_T")


class FileReader:
    """The project's files as facts: through the store, parsed only when no entry has their content."""

    def __init__(self, root: Path, cache: FactsCache) -> None:
        self.root = root
        self.cache = cache
        self.base = str(root) + os.sep

    def facts_of_bytes(self, relpath: str, key: bytes, data: bytes | None) -> ModuleFacts:
        """Facts of a file's content (its bytes when already read): from the facts cache, else parsed and cached."""
        facts = self.cache.get(key)
        if facts is not None:
            return facts
        if data is None:
            try:
                data = Path(self.base + relpath).read_bytes()
            except OSError:
                return self.problem_facts(relpath)
        from remediator.adapters.parallel import parse_bytes  # the parser loads tree-sitter: only when needed

        facts = parse_bytes(data)
        self.cache.stats.parsed += 1
        self.cache.put(key, facts)
        return facts

    def current_facts(self, relpath: str) -> ModuleFacts:
        """Facts of what the file holds now."""
        key, data = self.cache.current_key(self.base + relpath)
        return self.facts_of_bytes(relpath, key, data) if key is not None else self.problem_facts(relpath)

    def problem_facts(self, relpath: str) -> ModuleFacts:
        """Facts of a file that cannot be read (or is no longer a regular file): the problem, as the reader words it."""
        path = Path(self.base + relpath)
        if not path.is_file():
            return empty_facts(_NOT_REGULAR)
        source = read_source(path)
        if isinstance(source, ParseProblem):
            return empty_facts(source)
        from remediator.adapters.parallel import parse_bytes

        return parse_bytes(source)  # readable after all (it changed while we looked)


class FactsSource:
    """Facts of a layout's files: the new ones in memory, the others from the store by content key.

    For the `old` layout a missing cache entry cannot be read again from disk
    (the file holds something else now): its module's facts are unavailable.
    """

    def __init__(
        self,
        reader: FileReader,
        layout: Layout,
        keys: Sequence[bytes | None],
        new: dict[str, ModuleFacts],
        *,
        old: bool = False,
        share: FactsSource | None = None,
    ) -> None:
        self.reader = reader
        self.layout = layout
        self.keys = keys
        self.new = new
        self.old = old
        self._loaded: dict[str, ModuleFacts] = {}
        self._share = share  # the same files' facts of another state: its indexes serve
        self._positions: dict[str, int] | None = None
        self._by_module: dict[str, list[str]] | None = None

    def of_file(self, relpath: str) -> ModuleFacts:
        """Raises Unavailable (old layout only)."""
        facts = self.new.get(relpath) or self._loaded.get(relpath)
        if facts is not None:
            return facts
        key = self.keys[self.positions()[relpath]]
        facts = self.reader.cache.get(key) if key is not None else None
        if facts is None:
            if self.old:
                raise Unavailable(relpath)
            facts = self.reader.current_facts(relpath)  # its entry was pruned or damaged: read the file again
        self._loaded[relpath] = facts
        return facts

    def positions(self) -> dict[str, int]:
        """relpath -> its position in the layout."""
        if self._positions is None:
            self._positions = (
                self._share.positions() if self._share else {row.relpath: position for position, row in enumerate(self.layout.files)}
            )
        return self._positions

    def of_module(self, module: str, stubs: bool = True) -> list[ModuleFacts]:
        """The facts of `module`'s files (.py before .pyi); of its runtime files only without `stubs`."""
        modules = self._share._modules() if self._share else self._modules()
        return [self.of_file(relpath) for relpath in modules.get(module, ()) if stubs or not relpath.endswith(".pyi")]

    def _modules(self) -> dict[str, list[str]]:
        if self._by_module is None:
            self._by_module = files_by_module(self.layout.files)
        return self._by_module

    def symbols(self, module: str, table: Mapping[str, int], roots: Iterable[str], stubs: bool = False) -> ModuleSymbols | None:
        """What `module`'s facts say about names, at run time or (`stubs`) to a type checker; None when they cannot be had."""
        try:
            facts = self.of_module(module, stubs)
        except Unavailable:
            return None
        return symbols_in(ModuleIndex(table, roots, stubs=stubs), module, facts)


def conftest_changes(facts: FactsSource) -> list[tuple[str, str, tuple[SysPathEntry, ...]]]:
    """`(relpath, module, sys.path changes)` of the layout's conftest files that change sys.path (raises Unavailable)."""
    found = []
    for row in facts.layout.files:
        if row.relpath.endswith("conftest.py") and row.relpath.rpartition("/")[2] == "conftest.py":
            changes = facts.of_file(row.relpath).sys_path
            if changes:
                found.append((row.relpath, row.module, changes))
    return found


class Unavailable(Exception):
    """The old facts of a file are no longer in the store (pruned: an hour unused)."""


class _ModuleFactsMap(Mapping[str, Sequence[ModuleFacts]]):
    """module -> facts of its files, loaded on first use (what SymbolTables reads)."""

    def __init__(self, source: FactsSource, stubs: bool) -> None:
        self._source = source
        self._stubs = stubs  # the stubs' facts too
        self._loaded: dict[str, list[ModuleFacts]] = {}

    def __getitem__(self, module: str) -> list[ModuleFacts]:
        found = self._loaded.get(module)
        if found is None:
            found = self._loaded[module] = self._source.of_module(module, self._stubs)
        if not found:
            raise KeyError(module)
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(self._loaded)

    def __len__(self) -> int:
        return len(self._loaded)


@dataclass(slots=True)
class LazyModel:
    """What the rules ask of a model (ModelQueries), over facts loaded on demand; records dependency keys."""

    root: Path
    settings: Settings
    index: ModuleIndex
    symbols: SymbolTables
    resolver: ModuleResolver
    recorder: DependencyRecorder | None
    facts: FactsSource

    @classmethod
    def create(cls, root: Path, settings: Settings, table: dict[str, int], roots: Sequence[str], facts: FactsSource) -> LazyModel:
        recorder = DependencyRecorder()
        index = ModuleIndex(table, roots, (), recorder)
        spec = search_path_spec(root, settings, read_pytest_paths(root), conftest_changes(facts))
        resolver = project_resolver(index, _ModuleFactsMap(facts, False), _ModuleFactsMap(facts, True), spec, recorder)
        return cls(root, settings, index, resolver.symbols, resolver, recorder, facts)


class StoreSource:
    """The parts of a stored analysis loaded only when asked: the graph, definers, the full model.

    A blob found damaged only now cannot rebuild the analysis already given: the answer comes from the model,
    and `damaged` tells the run to drop the store's analysis when it ends.
    """

    def __init__(
        self,
        root: Path,
        settings: Settings,
        store: Scope,
        layout: Layout,
        facts: FactsSource,
        graph: ModuleGraph | None,
        definers: ShardedMap,
    ) -> None:
        self._root = root
        self._settings = settings
        self._store = store
        self._layout = layout
        self._facts = facts
        self._graph = graph  # made by this run, or None: the stored one, read when used
        self._definers = definers
        self._model: ProjectModel | None = None
        self.damaged = False

    def graph(self) -> ModuleGraph:
        if self._graph is None:
            self._graph = stored_graph(self._store, lambda part: self._from_model(lambda source: getattr(source.graph(), part)))
        return self._graph

    def definers(self, names: set[str]) -> dict[str, set[str]]:
        """Name -> modules that define it. The stored index only grows (a superset): each module is checked."""
        try:
            candidates = {module for name in names for module in self._definers.get(name, ())}
        except StoreCorrupt:
            return self._from_model(lambda source: source.definers(names))
        return definers_in(((module, facts) for module in sorted(candidates) for facts in self._facts.of_module(module, False)), names)

    def _from_model(self, answer: Callable[[ModelSource], _T]) -> _T:
        """What the store held damaged, from the full model; the store's analysis is dropped when the run ends."""
        self.damaged = True
        return answer(ModelSource(self.model()))

    def definitions(self, module: str) -> dict[str, Definition]:
        return definitions_in(self._facts.of_module(module, False))

    def model(self, progress: Progress | None = None) -> ProjectModel:
        """The full model of this layout, from the facts cache (only the files' facts are read).

        `progress` hears of the load (the facts) and resolve steps.
        """
        if self._model is None:
            discovery = self._layout.discovery(self._root)
            with Step(progress, "load", len(discovery.files)) as step:
                parsed = []
                for part in chunks(discovery.files) if step.active else (discovery.files,):
                    parsed += [(source, self._facts.of_file(source.relpath)) for source in part]
                    step.advance(len(part))
            with no_cyclic_gc():
                self._model = assemble(self._root, self._settings, discovery, parsed, read_pytest_paths(self._root), progress=progress)
        return self._model
