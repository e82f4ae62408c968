"""The project model: built once, shared by every rule (and by fix).

`assemble` makes it from values only (what discovery found, each file's facts, pytest's
settings); reading the disk and parsing happen in application/project_model.py.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeVar

from remediator.analysis.dependencies import Dependency, DependencyRecorder
from remediator.analysis.module_index import ModuleIndex
from remediator.analysis.resolver import ModuleResolver, Resolution, import_edges, project_resolver
from remediator.analysis.search_path import SearchPathSpec
from remediator.analysis.symbols import SymbolTables
from remediator.domain.config import PytestPaths, Settings
from remediator.domain.facts import ImportRecord, ModuleFacts, SysPathEntry
from remediator.domain.layout import Discovery, SourceFile, is_test_file
from remediator.domain.progress import Progress, Step

if TYPE_CHECKING:
    from remediator.analysis.graph import ImportGraph  # networkx: imported only when the full graph is asked for

_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class ParsedFile:
    """A source file with its facts and the resolution of each of its imports."""

    source: SourceFile
    facts: ModuleFacts
    resolutions: list[tuple[ImportRecord, Resolution]]
    deps: tuple[Dependency, ...] | None = None  # what resolving its imports read of other modules, when the model records that

    @property
    def module(self) -> str:
        return self.source.module


class ModelQueries(Protocol):
    """What the rules ask of a model to analyse one file: a whole ProjectModel, or one whose facts load lazily."""

    @property
    def settings(self) -> Settings: ...
    @property
    def index(self) -> ModuleIndex: ...
    @property
    def symbols(self) -> SymbolTables: ...
    @property
    def resolver(self) -> ModuleResolver: ...
    @property
    def recorder(self) -> DependencyRecorder | None: ...


@dataclass(slots=True)
class ProjectModel:
    """Module index, symbol tables and resolved imports of one project; the full graph on demand."""

    root: Path
    settings: Settings
    discovery: Discovery
    index: ModuleIndex
    files: list[ParsedFile]
    symbols: SymbolTables
    resolver: ModuleResolver
    pytest: PytestPaths
    recorder: DependencyRecorder | None = None
    _graph: ImportGraph | None = None

    def is_test_file(self, relpath: str) -> bool:
        return is_test_file(relpath, self.settings.test_files)

    @property
    def graph(self) -> ImportGraph:
        """The full import graph (networkx, every import's lines), made on first use from the resolved imports.

        Scans and checks never ask for it (they use the light graph of `analysis.module_graph`); explain,
        graph export and batch runs do, and a batch run changes it in place as it rewrites modules.
        """
        if self._graph is None:
            from remediator.analysis.graph import ImportGraph

            graph = ImportGraph()
            for name in self.index.names():
                graph.add_module(name)
            for parsed in self.files:
                source = parsed.source
                for target, line, context in import_edges(source.module, source.is_stub, parsed.resolutions):
                    graph.add_import(source.module, target, source.relpath, line, context)
            self._graph = graph
        return self._graph

    def edge_sites(self, importers: Iterable[str]) -> dict[tuple[str, str], list[tuple[str, int, int]]]:
        """(path, line, context) of each import of the `importers`' runtime files, by edge (importer, imported)."""
        wanted = set(importers)
        sites: dict[tuple[str, str], list[tuple[str, int, int]]] = {}
        for parsed in self.files:
            source = parsed.source
            if source.module in wanted:
                for target, line, context in import_edges(source.module, source.is_stub, parsed.resolutions):
                    sites.setdefault((source.module, target), []).append((source.relpath, line, context))
        return sites


@contextmanager
def no_cyclic_gc() -> Iterator[None]:
    """Building the model allocates millions of small acyclic objects; the cycle collector only slows it down
    (measured: about a quarter of a 10k-module scan). Forked parse workers inherit the setting."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def assemble(
    root: Path,
    settings: Settings,
    discovery: Discovery,
    parsed: Iterable[tuple[SourceFile, ModuleFacts]],
    pytest: PytestPaths,
    *,
    record: bool = False,
    progress: Progress | None = None,
) -> ProjectModel:
    """Index parsed files and resolve their imports (recording each file's dependency keys with `record`).

    `pytest` is the project's pytest configuration (its `pythonpath` and import mode);
    `progress` hears of the resolve step, a chunk of files at a time.
    """
    pairs = list(parsed)
    step = Step(progress, "resolve", len(pairs))
    recorder = DependencyRecorder() if record else None
    index = ModuleIndex.from_discovery(discovery, recorder)
    conftests = ((source.relpath, source.module, facts.sys_path) for source, facts in pairs if facts.sys_path)
    spec = search_path_spec(root, settings, pytest, conftests)
    resolver = project_resolver(index, facts_by_module(pairs, False), facts_by_module(pairs, True), spec, recorder)
    symbols = resolver.symbols
    files: list[ParsedFile] = []
    for chunk in chunks(pairs) if step.active else (pairs,):
        files.extend(resolve_file(resolver, source, facts) for source, facts in chunk)
        step.advance(len(chunk))
    step.end()
    return ProjectModel(root, settings, discovery, index, files, symbols, resolver, pytest, recorder)


def facts_by_module(pairs: Iterable[tuple[SourceFile, ModuleFacts]], stubs: bool) -> dict[str, list[ModuleFacts]]:
    """module -> the facts of its files (.py before .pyi), the stubs' only with `stubs`."""
    found: dict[str, list[ModuleFacts]] = {}
    for source, facts in pairs:
        if stubs or not source.is_stub:
            found.setdefault(source.module, []).append(facts)
    return found


def search_path_spec(
    root: Path,
    settings: Settings,
    pytest: PytestPaths,
    files: Iterable[tuple[str, str, tuple[SysPathEntry, ...]]],
) -> SearchPathSpec:
    """What shapes the project's sys.path: the settings, pytest's configuration, and the conftest files' changes.

    `files` gives `(relpath, module, sys.path changes)` of any files; only `conftest.py` ones count.
    """
    pytest_source = pytest.source or "pyproject.toml"
    declared = settings.source.name if settings.source is not None else "pyproject.toml"
    return SearchPathSpec(
        tuple((folder, declared) for folder in settings.pythonpath) + tuple((folder, pytest_source) for folder in pytest.pythonpath),
        settings.import_mode or pytest.import_mode,
        settings.test_files,
        tuple(sorted(f for f in files if f[2] and f[0].rpartition("/")[2] == "conftest.py")),
        root.as_posix(),
    )


def chunks(items: list[_T], size: int = 256) -> Iterator[list[_T]]:
    """`items` a slice at a time: a step reports its progress once per slice."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def resolve_file(resolver: ModuleResolver, source: SourceFile, facts: ModuleFacts) -> ParsedFile:
    """The file with every import resolved once, and what that read when the resolver records."""
    recorder = resolver.recorder
    if recorder is not None:
        recorder.push()
    resolutions = resolver.resolve_imports(source.module, source.is_package, facts.imports, stub=source.is_stub)
    deps = tuple(set(recorder.pop())) if recorder is not None else None
    return ParsedFile(source, facts, resolutions, deps)
