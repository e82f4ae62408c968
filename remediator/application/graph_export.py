"""The graph use case: the import graph with what the scan found, optionally focused on some modules.

The exported graph is a networkx DiGraph (importer -> imported project module) whose
nodes and edges carry plain attributes, so any format can write it:

node: `package`, `kind` (source, namespace, extension, unreadable), `path`, `is_test`,
      `in_cycle`, `cycle` (0, or the 1-based number of its import cycle), `broken` (a
      broken import or an unparsable file of its own), `failing` (fails at import time
      because of a broken import, its own or one it imports), `has_violation`
      (an ssot-violation of its own), `errors` (its error findings), `focus`.
edge: `path` (the importer's file), `lines` (sorted tuple), `imports` (import statements),
      `type_checking`, `function_level`, `guarded` (every statement is so), `runtime`
      (some statement runs, unguarded, at import time), `in_cycle`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import networkx as nx

from remediator.application.explain import UnknownModule, close_modules
from remediator.application.scan import ScanResult
from remediator.domain.config import pattern_matches
from remediator.domain.facts import Context, breaks_importer
from remediator.domain.findings import MISSING_MODULE, MISSING_NAME, SSOT_VIOLATION, SYNTAX_ERROR, UNREADABLE_FILE

DEFAULT_DEPTH = 1
_BROKEN_RULES = frozenset({MISSING_MODULE, MISSING_NAME, SYNTAX_ERROR, UNREADABLE_FILE})


def export_graph(result: ScanResult, focus: Sequence[str] = (), depth: int = DEFAULT_DEPTH) -> nx.DiGraph:
    """The scanned project's import graph with node and edge attributes.

    With `focus` (module patterns: a name matches itself and its submodules, `*` and `**`
    as in the settings), only the focused modules, the modules they import within `depth`
    hops and the modules that import them within `depth` hops are kept, with every edge
    among those. Raises UnknownModule for a focus pattern that matches no module.
    """
    model = result.model
    full = model.graph.nx
    focused = _focused(full, focus)
    keep = set(full) if not focus else _neighbourhood(full, focused, depth)
    cycle_of = _cycle_numbers(full)
    owner = {parsed.source.relpath: parsed.module for parsed in model.files}
    owner.update({relpath: module for relpath, module, _problem in model.discovery.problems})
    errors: dict[str, int] = {}
    broken: set[str] = set()
    violating: set[str] = set()
    for finding in result.findings:
        module = owner.get(finding.path, finding.importer)
        if module is None:
            continue
        if finding.severity == "error":
            errors[module] = errors.get(module, 0) + 1
            if finding.rule in _BROKEN_RULES:
                broken.add(module)
        if finding.rule == SSOT_VIOLATION:
            violating.add(module)
    failing = set().union(*(target.failing_modules for target in result.missing_targets))

    graph = nx.DiGraph(
        root=str(result.root),
        focus=",".join(focus),
        depth=depth if focus else -1,
        modules=full.number_of_nodes(),
        imports=full.number_of_edges(),
    )
    for module in sorted(keep):
        entry = model.index.modules.get(module)
        runtime = entry.runtime_file if entry is not None else None
        source = runtime or (entry.files[0] if entry is not None and entry.files else None)
        path = source.relpath if source is not None else ""
        graph.add_node(
            module,
            package=bool(entry is not None and entry.is_package),
            kind=entry.kind if entry is not None else "source",
            path=path,
            is_test=bool(path) and model.is_test_file(path),
            in_cycle=module in cycle_of,
            cycle=cycle_of.get(module, 0),
            broken=module in broken,
            failing=module in failing,
            has_violation=module in violating,
            errors=errors.get(module, 0),
            focus=module in focused,
        )
    for importer, imported, data in full.subgraph(keep).edges(data=True):
        graph.add_edge(importer, imported, **edge_attributes(data["sites"], cycle_of.get(importer, -1) == cycle_of.get(imported, -2)))
    return graph


def edge_attributes(sites: Iterable[tuple[str, int, int]], in_cycle: bool) -> dict[str, Any]:
    """Attributes of one edge from the (path, line, context) of the imports that make it."""
    sites = list(sites)
    contexts = [context for _path, _line, context in sites]
    return {
        "path": min(path for path, _line, _context in sites),
        "lines": tuple(sorted({line for _path, line, _context in sites})),
        "imports": len({(path, line) for path, line, _context in sites}),
        "type_checking": all(c & Context.TYPE_CHECKING for c in contexts),
        "function_level": all(c & Context.FUNCTION for c in contexts),
        "guarded": all(c & Context.GUARDED for c in contexts),
        "runtime": any(breaks_importer(c) for c in contexts),
        "in_cycle": in_cycle,
    }


def _focused(graph: nx.DiGraph, patterns: Sequence[str]) -> set[str]:
    focused: set[str] = set()
    for pattern in patterns:
        matched = {module for module in graph if pattern_matches(pattern, module)}
        if not matched:
            raise UnknownModule(pattern, close_modules(pattern, graph.nodes))
        focused |= matched
    return focused


def _neighbourhood(graph: nx.DiGraph, seeds: set[str], depth: int) -> set[str]:
    """`seeds`, what they import within `depth` hops and what imports them within `depth` hops."""
    keep = set(seeds)
    for neighbours in (graph.successors, graph.predecessors):
        frontier = set(seeds)
        seen = set(seeds)
        for _hop in range(depth):
            frontier = {n for module in frontier for n in neighbours(module)} - seen
            if not frontier:
                break
            seen |= frontier
        keep |= seen
    return keep


def _cycle_numbers(graph: nx.DiGraph) -> dict[str, int]:
    """module -> 1-based number of its import cycle (strongly connected component of two or more), biggest first."""
    components = sorted((sorted(c) for c in nx.strongly_connected_components(graph) if len(c) > 1), key=lambda c: (-len(c), c))
    return {module: number for number, component in enumerate(components, 1) for module in component}
