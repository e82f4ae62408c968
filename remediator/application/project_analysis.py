"""Every rule's results, file by file, and how they add up to a scan: the state an incremental run keeps.

`analyse_file` runs every per-file rule on one resolved file. It gives a
`FileSummary` (findings, SSOT statements, the missing targets the file imports
at import time) and a `FileDetail` (its imports as graph edges, and the
dependency keys of everything it read of other modules). `ProjectAnalysis`
holds the summaries of all files with the layout, the module table, the light
module graph and its cycles; it lists the project's findings in one fixed order
and answers what suggestions and the blast radius ask. A full scan builds it
from a `ProjectModel`; an incremental run keeps it in the analysis store and
redoes only the files whose inputs changed (`application.incremental`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path, PurePosixPath
from typing import Protocol

from remediator.domain.layout import STUB_FILE, FileRow, Layout, files_by_module, is_test_file
from remediator.analysis.dependencies import EMPTY, Dependencies
from remediator.analysis.module_graph import Cycle, Link, ModuleGraph, cycle_kind, cycle_order, chain_through, failing_modules
from remediator.analysis.module_index import ModuleIndex
from remediator.analysis.project import ModelQueries, ParsedFile, ProjectModel, chunks
from remediator.analysis.resolver import MISSING_MODULE, MISSING_NAME, failure_context, import_edges
from remediator.domain.config import Settings
from remediator.domain.facts import Definition, ModuleFacts, ParseProblem, breaks_importer
from remediator.domain.findings import Finding
from remediator.domain.progress import Progress, Step
from remediator.rules.broken_imports import broken_imports_in, missing_plugins
from remediator.rules.import_cycles import cycle_finding
from remediator.rules.ssot import Compliance, in_scope, project_findings, ssot_violations_in
from remediator.rules.unparsable_files import discovery_problems, newer_syntax, shadowed_modules, unparsable_file

# Where a finding comes in the scan's order among findings at the same place (then: source order).
RANK_UNPARSABLE, RANK_DISCOVERY, RANK_BROKEN, RANK_SSOT = 0, 1, 2, 3  # RANK_SSOT + the rule's number
RANK_CYCLE = 1 << 20

MissingKey = tuple[str, "str | None"]  # (module, None) for a missing module, (module, name) for a missing name


@dataclass(frozen=True, slots=True)
class FileSummary:
    """What the rules found in one file; files with an empty summary are not kept."""

    findings: tuple[tuple[int, Finding], ...] = ()  # (rank, finding), in source order within each rank
    compliance: tuple[tuple[int, tuple[int, ...], tuple[int, ...]], ...] = ()  # (ssot rule number, compliant lines, violating lines)
    seeds: tuple[MissingKey, ...] = ()  # missing targets whose import runs at import time, unguarded (runtime files)

    def __bool__(self) -> bool:
        return bool(self.findings or self.compliance or self.seeds)


@dataclass(frozen=True, slots=True)
class FileDetail:
    """What an incremental run needs to update the rest when the file's results change."""

    edges: tuple[tuple[str, int, int], ...]  # (imported project module, line, context); runtime files only
    deps: Dependencies  # what its analysis read of other modules (distinct keys)


def analyse_file(model: ModelQueries, parsed: ParsedFile) -> tuple[FileSummary, FileDetail]:
    """Run every per-file rule on a resolved file."""
    recorder = model.recorder
    if recorder is not None:
        recorder.push()
    try:
        ranked: list[tuple[int, Finding]] = []
        problem = unparsable_file(parsed) or newer_syntax(parsed, model.settings)
        if problem is not None:
            ranked.append((RANK_UNPARSABLE, problem))
        ranked += [(RANK_BROKEN, finding) for finding in broken_imports_in(model, parsed)]
        plugins = missing_plugins(model, parsed)  # read here, where the keys it reads are recorded
        compliance = []
        for number, rule in enumerate(model.settings.ssot):
            if not in_scope(rule, parsed.module):
                continue
            figure = Compliance(rule.name, rule.use)
            ranked += [(RANK_SSOT + number, finding) for finding in ssot_violations_in(model, rule, parsed, figure)]
            if figure.compliant_statements or figure.violating_statements:
                compliance.append(
                    (
                        number,
                        tuple(sorted(line for _path, line in figure.compliant_statements)),
                        tuple(sorted(line for _path, line in figure.violating_statements)),
                    )
                )
    finally:
        keys = recorder.pop() if recorder is not None else EMPTY
    source = parsed.source
    seeds: list[MissingKey] = []
    if not source.is_stub:
        for record, resolution in parsed.resolutions:
            if resolution.status in (MISSING_MODULE, MISSING_NAME) and breaks_importer(failure_context(record, resolution)):
                seed = (resolution.target, resolution.name if resolution.status == MISSING_NAME else None)
                if seed not in seeds:
                    seeds.append(seed)
        seeds += [(module, None) for module in plugins if (module, None) not in seeds]
    edges = list(import_edges(source.module, source.is_stub, parsed.resolutions))
    if parsed.deps:
        keys = tuple(set(parsed.deps).union(keys))  # resolving the imports read these too
    return FileSummary(tuple(ranked), tuple(compliance), tuple(seeds)), FileDetail(tuple(edges), keys)


@dataclass(frozen=True, slots=True)
class RunStats:
    """What a run did to get the analysis: `how` is "full" (no store), "rebuilt" or "incremental"."""

    how: str
    discovered: bool = True  # discovery walked the tree (else every directory was unchanged)
    parsed: int = 0  # files parsed (not found in the facts cache)
    analysed: tuple[str, ...] = ()  # files analysed: all of them when rebuilt, those a change affects when incremental
    changed: tuple[str, ...] = ()  # files whose facts changed or which came or went (incremental)


class AnalysisSource(Protocol):
    """Where the parts of an analysis that are not always needed come from (the model, or the store)."""

    def graph(self) -> ModuleGraph: ...
    def definers(self, names: set[str]) -> dict[str, set[str]]: ...
    def definitions(self, module: str) -> dict[str, Definition]: ...
    def model(self, progress: Progress | None = None) -> ProjectModel: ...


@dataclass
class ProjectAnalysis:
    """The rules' results over a whole project, and what is needed to report them."""

    root: Path
    settings: Settings
    layout: Layout
    index: ModuleIndex
    summaries: dict[str, FileSummary]  # relpath -> summary, for files whose summary is not empty
    cycles: list[Cycle]
    source: AnalysisSource
    run: RunStats = RunStats("full")
    settings_findings: list[Finding] = field(default_factory=list)  # dangling-setting: rules naming modules that do not exist
    _modules_by_path: dict[str, str] | None = field(default=None, repr=False)
    _runtime_files: dict[str, list[str]] | None = field(default=None, repr=False)
    _test_files: dict[str, str | None] = field(default_factory=dict, repr=False)
    _graph: ModuleGraph | None = field(default=None, repr=False)
    _below_missing: dict[str, set[str]] | None = field(default=None, repr=False)

    @property
    def file_count(self) -> int:
        return len(self.layout.files) + len(self.layout.problems)

    @property
    def module_count(self) -> int:
        return len(self.index.table)

    @property
    def graph(self) -> ModuleGraph:
        if self._graph is None:
            self._graph = self.source.graph()
        return self._graph

    def model(self, progress: Progress | None = None) -> ProjectModel:
        """The full project model (built on first use when the analysis came from the store; `progress` hears of that)."""
        return self.source.model(progress)

    def findings(self) -> list[Finding]:
        """Every finding of the project, ordered by place; at one place: unparsable, broken, ssot (by rule), cycles.

        Broken imports have no suggestion yet (see `application.suggestions`).
        """
        entries: list[tuple[tuple[str, int, int, int, int], Finding]] = []
        for summary in self.summaries.values():
            for seq, (rank, finding) in enumerate(summary.findings):
                entries.append(((finding.path, finding.line, finding.column, rank, seq), finding))
        problems = ((relpath, module, ParseProblem(*problem)) for relpath, module, problem in self.layout.problems)
        for seq, finding in enumerate(discovery_problems(problems)):
            entries.append(((finding.path, finding.line, finding.column, RANK_DISCOVERY, seq), finding))
        for seq, finding in enumerate(shadowed_modules(self.layout.shadowed)):
            entries.append(((finding.path, finding.line, finding.column, RANK_DISCOVERY, seq), finding))
        for seq, finding in enumerate(self.settings_findings):
            entries.append(((finding.path, finding.line, finding.column, RANK_DISCOVERY, seq), finding))
        for seq, cycle in enumerate(self.cycles):
            finding = cycle_finding(cycle)
            entries.append(((finding.path, finding.line, finding.column, RANK_CYCLE, seq), finding))
        entries.sort(key=itemgetter(0))
        return [finding for _key, finding in entries]

    def compliance(self) -> list[Compliance]:
        """Each SSOT rule's compliance figure over the whole project."""
        figures = [Compliance(rule.name, rule.use) for rule in self.settings.ssot]
        for relpath, summary in self.summaries.items():
            for number, compliant, violating in summary.compliance:
                figures[number].compliant_statements.update((relpath, line) for line in compliant)
                figures[number].violating_statements.update((relpath, line) for line in violating)
        return figures

    def seeds(self) -> dict[MissingKey, set[str]]:
        """Missing target -> the modules that import it at import time, unguarded."""
        found: dict[MissingKey, set[str]] = {}
        for relpath, summary in self.summaries.items():
            for key in summary.seeds:
                found.setdefault(key, set()).add(self.module_of(relpath))
        return found

    def failing_modules(self, seeds: Iterable[str]) -> set[str]:
        """Modules that fail at import time when `seeds` do.

        Besides the graph's import-time edges: importing a missing module `a.b.gone`
        runs `a.b` first, so a module doing that fails when `a.b` fails, although
        the graph holds no edge for an import that cannot succeed.
        """
        if self._below_missing is None:
            self._below_missing = self._importers_through_missing()
        below_missing = self._below_missing
        breaking = self.graph.breaking_importers

        def importers(module: str) -> Iterable[str]:
            extra = below_missing.get(module)
            return breaking(module) if extra is None else [*breaking(module), *extra]

        return failing_modules(seeds, self.index.children, importers)

    def _importers_through_missing(self) -> dict[str, set[str]]:
        """Existing module -> the modules importing a missing module below it at import time, unguarded."""
        found: dict[str, set[str]] = {}
        for relpath, summary in self.summaries.items():
            for target, name in summary.seeds:
                if name is None and (ancestor := self.index.nearest_existing(target)) is not None:
                    found.setdefault(ancestor, set()).add(self.module_of(relpath))
        return found

    def module_of(self, relpath: str) -> str:
        if self._modules_by_path is None:
            self._modules_by_path = {row.relpath: row.module for row in self.layout.files}
        return self._modules_by_path[relpath]

    def test_file_of(self, module: str) -> str | None:
        """The runtime file of `module` when pytest collects it (by the `test_files` patterns)."""
        if module in self._test_files:
            return self._test_files[module]
        if self._runtime_files is None:
            self._runtime_files = files_by_module(self.layout.files, runtime_only=True)
        found = [p for p in self._runtime_files.get(module, ()) if is_test_file(p, self.settings.test_files)]
        answer = self._test_files[module] = found[-1] if found else None
        return answer

    def test_files_below(self, folder: str) -> list[str]:
        """The runtime files pytest collects under `folder` ("." for the root)."""
        prefix = "" if folder == "." else folder + "/"
        patterns = self.settings.test_files
        return [
            row.relpath
            for row in self.layout.files
            if row.relpath.startswith(prefix) and not row.flags & STUB_FILE and is_test_file(row.relpath, patterns)
        ]

    def loose_folders(self) -> set[str]:
        """Top-level namespace folders (no `__init__.py`) that hold no test file and that nothing outside imports.

        A `scripts/` tree: its findings are real, but rank below those of the live packages.
        """
        namespace = set(self.layout.namespace_packages)
        candidates = {top for top in self.layout.roots if top in namespace}
        if not candidates:
            return set()
        patterns = self.settings.test_files
        for row in self.layout.files:
            top = row.module.partition(".")[0]
            if top in candidates and (is_test_file(row.relpath, patterns) or row.relpath.rpartition("/")[2] == "conftest.py"):
                candidates.discard(top)
        edges = self.graph.edges
        for importer in list(edges):
            source = importer.partition(".")[0]
            for target in edges[importer]:
                top = target.partition(".")[0]
                if top != source and top in candidates:
                    candidates.discard(top)
        return candidates

    def conftests(self) -> dict[str, str]:
        """Module -> the folder of each conftest.py."""
        return {row.module: str(PurePosixPath(row.relpath).parent) for row in self.layout.files if row.relpath.endswith("conftest.py")}

    def definers(self, names: set[str]) -> dict[str, set[str]]:
        """Name -> the modules that define it themselves (def, class, assignment) in the code Python runs (not in a
        `.pyi`), not as a placeholder (`pass` body, `= None`, `= Mock()`: `ModuleFacts.placeholder_names`)."""
        return self.source.definers(names) if names else {}

    def definitions(self, module: str) -> dict[str, Definition]:
        """Name -> what the module's def or class of that name is in the code Python runs (`ModuleFacts.definitions`:
        only the certain ones)."""
        return self.source.definitions(module)


def analyse_model(
    model: ProjectModel,
    *,
    keep_details: bool = True,
    run: RunStats = RunStats("full"),
    progress: Progress | None = None,
) -> tuple[ProjectAnalysis, dict[str, FileDetail]]:
    """Analyse every file of a built model, and the project's settings; the details are what the store keeps
    besides the analysis.

    Without `keep_details` (nothing will be stored) no details are returned. `run` says how the analysis was
    made; `progress` hears of the analyse step (every rule over every file, then the cycles).
    """
    summaries: dict[str, FileSummary] = {}
    details: dict[str, FileDetail] = {}
    step = Step(progress, "analyse", len(model.files))
    for chunk in chunks(model.files) if step.active else (model.files,):
        for parsed in chunk:
            summary, detail = analyse_file(model, parsed)
            if summary:
                summaries[parsed.source.relpath] = summary
            if keep_details:
                details[parsed.source.relpath] = detail
        step.advance(len(chunk))
    source = ModelSource(model)
    graph = model_graph(model)
    components = graph.components()
    in_cycles = model.edge_sites(module for component in components for module in component)
    cycles = cycles_of(graph, lambda importer, imported: in_cycles[importer, imported], components)
    analysis = ProjectAnalysis(
        model.root,
        model.settings,
        Layout.of(model.discovery),
        model.index,
        summaries,
        cycles,
        source,
        run,
        project_findings(model, model.root),
        _graph=graph,
    )
    step.end()
    return analysis, details


def cycles_of(
    graph: ModuleGraph,
    sites: Callable[[str, str], Iterable[tuple[str, int, int]]],
    components: Iterable[frozenset[str]] | None = None,
    kept: Mapping[frozenset[str], Cycle] | None = None,
) -> list[Cycle]:
    """Every import cycle of `graph` (its `components`, when known), biggest first, each with its chain through
    the edges' first lines and its kind (`sites` gives (path, line, context) of each import an edge stands for);
    a cycle in `kept` is taken as it is."""
    kept = kept or {}

    def link(importer: str, imported: str) -> Link:
        path, line, _context = min(sites(importer, imported))
        return Link(importer, imported, path, line)

    def contexts(importer: str, imported: str) -> list[int]:
        return [context for _path, _line, context in sites(importer, imported)]

    return sorted(
        (
            kept.get(component)
            or Cycle(
                tuple(sorted(component)),
                chain_through(component, graph.successors, link),
                cycle_kind(component, graph.successors, contexts),
            )
            for component in (graph.components() if components is None else components)
        ),
        key=cycle_order,
    )


def module_graph(files: Iterable[FileRow], edges_of: Callable[[str], Iterable[tuple[str, int, int]]]) -> ModuleGraph:
    """The light graph of a project from its runtime files' edges (`files` as in `Layout.files`)."""
    targets: dict[str, set[str]] = {}
    breaking: dict[str, set[str]] = {}
    for row in files:
        if row.flags & STUB_FILE:
            continue
        for imported, _line, context in edges_of(row.relpath):
            targets.setdefault(row.module, set()).add(imported)
            if breaks_importer(context):
                breaking.setdefault(row.module, set()).add(imported)
    return ModuleGraph(
        {module: tuple(sorted(found)) for module, found in targets.items()},
        {module: tuple(sorted(found)) for module, found in breaking.items()},
    )


def model_graph(model: ProjectModel) -> ModuleGraph:
    """The light graph of a built model."""
    by_path = {parsed.source.relpath: parsed for parsed in model.files}
    files = (FileRow(p.source.relpath, p.module, STUB_FILE * p.source.is_stub) for p in model.files)
    return module_graph(files, lambda relpath: import_edges(by_path[relpath].module, False, by_path[relpath].resolutions))


class ModelSource:
    """The parts of an analysis made from a full model that is in memory."""

    def __init__(self, model: ProjectModel) -> None:
        self._model = model
        self._by_module: dict[str, list[ModuleFacts]] | None = None

    def graph(self) -> ModuleGraph:
        return model_graph(self._model)

    def definers(self, names: set[str]) -> dict[str, set[str]]:
        return definers_in(((p.module, p.facts) for p in self._model.files if not p.source.is_stub), names)

    def definitions(self, module: str) -> dict[str, Definition]:
        if self._by_module is None:
            self._by_module = {}
            for parsed in self._model.files:
                if not parsed.source.is_stub:
                    self._by_module.setdefault(parsed.module, []).append(parsed.facts)
        return definitions_in(self._by_module.get(module, ()))

    def model(self, progress: Progress | None = None) -> ProjectModel:
        return self._model


def definers_in(files: Iterable[tuple[str, ModuleFacts]], names: set[str] | None = None) -> dict[str, set[str]]:
    """Name (of `names`, or every name) -> the modules whose facts define it themselves, not as a placeholder."""
    found: dict[str, set[str]] = {}
    for module, facts in files:
        defined = facts.defined_names - facts.placeholder_names
        for name in defined if names is None else defined & names:
            found.setdefault(name, set()).add(module)
    return found


def definitions_in(facts: Iterable[ModuleFacts]) -> dict[str, Definition]:
    """Name -> definition, over a module's files (the first file that has one wins)."""
    found: dict[str, Definition] = {}
    for each in facts:
        for definition in each.definitions:
            found.setdefault(definition.name, definition)
    return found
