"""The project model: built once, shared by every rule (and by fix)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from remediator.adapters.filesystem import Discovery, SourceFile, discover, is_test_file
from remediator.adapters.cache import FactsCache
from remediator.adapters.parallel import parse_bytes, parse_files
from remediator.analysis.graph import ImportGraph
from remediator.analysis.module_index import ModuleIndex
from remediator.analysis.resolver import ModuleResolver, Resolution
from remediator.analysis.symbols import SymbolTables
from remediator.domain.config import Settings
from remediator.domain.facts import ImportRecord, ModuleFacts


@dataclass(slots=True)
class ParsedFile:
    """A source file with its facts and the resolution of each of its imports."""

    source: SourceFile
    facts: ModuleFacts
    resolutions: list[tuple[ImportRecord, Resolution]] = field(default_factory=list)

    @property
    def module(self) -> str:
        return self.source.module


@dataclass(slots=True)
class ProjectModel:
    """Module index, symbol tables, resolved imports and the graph of one project."""

    root: Path
    settings: Settings
    discovery: Discovery
    index: ModuleIndex
    files: list[ParsedFile]
    symbols: SymbolTables
    resolver: ModuleResolver
    graph: ImportGraph

    def is_test_file(self, relpath: str) -> bool:
        return is_test_file(relpath, self.settings.test_files)

    def packages_below(self) -> dict[str, list[str]]:
        """package -> its direct submodules (for failure propagation)."""
        return {name: sorted(self.index.children(name)) for name in self.index.modules if self.index.is_package(name)}


def build_project(root: Path, settings: Settings, jobs: int | None = None, *, use_cache: bool = True) -> ProjectModel:
    """Discover, parse (in parallel), index, resolve and graph the project at `root`.

    With `use_cache`, parse results are read from and written to `root/.remediator/cache/`.
    """
    root = root.resolve()
    with no_cyclic_gc():
        discovery = discover(root, settings.packages, settings.exclude)
        cache = FactsCache.for_root(root) if use_cache else None
        all_facts = parse_files([source.path for source in discovery.files], jobs, cache)
        files = [ParsedFile(source, facts) for source, facts in zip(discovery.files, all_facts)]
        return _assemble(root, settings, discovery, files)


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


def with_new_sources(model: ProjectModel, sources: dict[str, bytes]) -> ProjectModel:
    """The model after some files changed (relpath -> new bytes): only those files are parsed again.

    Everything derived (symbol tables, resolutions, graph) is rebuilt from the facts, which
    costs a fraction of parsing; fix uses this to re-check a project after a rewrite.
    """
    files = []
    for parsed in model.files:
        data = sources.get(parsed.source.relpath)
        facts = parsed.facts if data is None else parse_bytes(data)
        files.append(ParsedFile(parsed.source, facts))
    return _assemble(model.root, model.settings, model.discovery, files)


def _assemble(root: Path, settings: Settings, discovery: Discovery, files: list[ParsedFile]) -> ProjectModel:
    index = ModuleIndex(discovery)
    resolver = ModuleResolver(index)
    facts_by_module: dict[str, list[ModuleFacts]] = {}
    for parsed in files:
        facts_by_module.setdefault(parsed.module, []).append(parsed.facts)
    symbols = SymbolTables(index, facts_by_module, resolver.absolute)
    resolver.symbols = symbols
    graph = ImportGraph()
    for name in index.names():
        graph.add_module(name)
    for parsed in files:
        source = parsed.source
        for record in parsed.facts.imports:
            resolution = resolver.resolve_import(source.module, source.is_package, record)
            parsed.resolutions.append((record, resolution))
            if resolution.depends_on is not None and not source.is_stub:
                graph.add_import(source.module, resolution.depends_on, source.relpath, record.line, record.context)
    return ProjectModel(root, settings, discovery, index, files, symbols, resolver, graph)
