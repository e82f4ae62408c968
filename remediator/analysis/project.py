"""The project model: built once, shared by every rule (and by fix)."""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeVar

from remediator.adapters.filesystem import Discovery, SourceFile, discover, is_test_file
from remediator.adapters.cache import FactsCache
from remediator.adapters.parallel import parse_bytes, parse_files
from remediator.analysis.dependencies import Dependency, DependencyRecorder
from remediator.analysis.module_index import ModuleIndex
from remediator.adapters.environment import environment_for
from remediator.adapters.pytest_config import read_pytest_paths
from remediator.analysis.resolver import ModuleResolver, Resolution, import_edge
from remediator.analysis.search_path import SearchPath, SearchPathSpec
from remediator.analysis.symbols import SymbolTables
from remediator.domain.config import Settings
from remediator.domain.facts import ImportRecord, ModuleFacts, SysPathEntry
from remediator.domain.progress import Progress, Step

if TYPE_CHECKING:
    from remediator.analysis.graph import ImportGraph  # networkx: imported only when a full model is built

_T = TypeVar("_T")


@dataclass(slots=True)
class ParsedFile:
    """A source file with its facts and the resolution of each of its imports."""

    source: SourceFile
    facts: ModuleFacts
    resolutions: list[tuple[ImportRecord, Resolution]] = field(default_factory=list)
    deps: set[Dependency] | None = None  # what analysing it read of other modules, when the model records that

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
    """Module index, symbol tables, resolved imports and the graph of one project."""

    root: Path
    settings: Settings
    discovery: Discovery
    index: ModuleIndex
    files: list[ParsedFile]
    symbols: SymbolTables
    resolver: ModuleResolver
    graph: ImportGraph
    recorder: DependencyRecorder | None = None

    def is_test_file(self, relpath: str) -> bool:
        return is_test_file(relpath, self.settings.test_files)


def build_project(
    root: Path, settings: Settings, jobs: int | None = None, *, use_cache: bool = True, record: bool = False,
    cache: FactsCache | None = None, progress: Progress | None = None,
) -> ProjectModel:
    """Discover, parse (in parallel), index, resolve and graph the project at `root`.

    With `use_cache`, parse results are read from and written to `root/.remediator/cache/` (through
    `cache` when given). With `record`, each file's dependency keys are recorded (`ParsedFile.deps`).
    `progress` hears of the discover, parse and resolve steps.
    """
    root = root.resolve()
    with no_cyclic_gc():
        with Step(progress, "discover") as step:
            discovery = discover(root, settings.packages, settings.exclude, settings.include, environment_for(str(root), settings.environment),
                                 settings.test_files)
            step.done = len(discovery.files)
        if use_cache and cache is None:
            cache = FactsCache.for_root(root)
        elif not use_cache:
            cache = None
        with Step(progress, "parse", len(discovery.files)) as step:
            all_facts = parse_files([source.path for source in discovery.files], jobs, cache, step.advance if step.active else None)
        files = [ParsedFile(source, facts) for source, facts in zip(discovery.files, all_facts)]
        return assemble(root, settings, discovery, files, record=record, progress=progress)


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
    return assemble(model.root, model.settings, model.discovery, files)


def assemble(
    root: Path, settings: Settings, discovery: Discovery, files: list[ParsedFile], *, record: bool = False,
    progress: Progress | None = None,
) -> ProjectModel:
    """Index, resolve and graph parsed files (recording each file's dependency keys with `record`).

    `progress` hears of the resolve step, a chunk of files at a time.
    """
    from remediator.analysis.graph import ImportGraph

    step = Step(progress, "resolve", len(files))
    recorder = DependencyRecorder() if record else None
    index = ModuleIndex.from_discovery(discovery, recorder)
    conftests = ((p.source.relpath, p.module, p.facts.sys_path) for p in files if p.facts.sys_path)
    resolver = ModuleResolver(index, recorder, SearchPath(index, search_path_spec(root, settings, conftests), recorder))
    facts_by_module: dict[str, list[ModuleFacts]] = {}
    for parsed in files:
        facts_by_module.setdefault(parsed.module, []).append(parsed.facts)
    symbols = SymbolTables(index, facts_by_module, resolver.absolute, recorder)
    resolver.symbols = symbols
    graph = ImportGraph()
    for name in index.names():
        graph.add_module(name)
    for chunk in chunks(files) if step.active else (files,):
        for parsed in chunk:
            resolve_file(resolver, parsed)
            source = parsed.source
            if not source.is_stub:
                for item, resolution in parsed.resolutions:
                    target = import_edge(source.module, resolution)
                    if target is not None:
                        graph.add_import(source.module, target, source.relpath, item.line, item.context)
        step.advance(len(chunk))
    step.end()
    return ProjectModel(root, settings, discovery, index, files, symbols, resolver, graph, recorder)


def search_path_spec(
    root: Path, settings: Settings, files: Iterable[tuple[str, str, tuple[SysPathEntry, ...]]],
) -> SearchPathSpec:
    """What shapes the project's sys.path: the settings, pytest's configuration, and the conftest files' changes.

    `files` gives `(relpath, module, sys.path changes)` of any files; only `conftest.py` ones count.
    """
    pytest = read_pytest_paths(root)
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


def resolve_file(resolver: ModuleResolver, parsed: ParsedFile) -> None:
    """Resolve every import of a file once, noting what that read when the resolver records."""
    recorder = resolver.recorder
    if recorder is not None:
        recorder.push()
    source = parsed.source
    parsed.resolutions = [(record, resolver.resolve_import(source.module, source.is_package, record)) for record in parsed.facts.imports]
    if recorder is not None:
        parsed.deps = set(recorder.pop())
