"""The module import graph (networkx) and the questions asked of it.

Edges run importer -> imported existing project module, as grimp records them
(an import of a missing module counts as one of its nearest existing parent).
Each edge keeps the lines and contexts of the imports that make it, so cycles
and chains can be shown with their lines. grimp finds the concrete chain through each
cycle (on the cycle's own small subgraph); networkx the components, shortest paths and
reverse reachability.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

import networkx as nx

from remediator.domain.facts import breaks_importer


@dataclass(frozen=True, slots=True)
class Link:
    """One edge of a chain: `importer` imports `imported` at `line` of `path`."""

    importer: str
    imported: str
    path: str
    line: int


@dataclass(frozen=True, slots=True)
class Cycle:
    """A strongly connected component and one concrete chain through it."""

    modules: tuple[str, ...]
    chain: tuple[Link, ...]

    @property
    def text(self) -> str:
        return " -> ".join([link.importer for link in self.chain] + [self.chain[0].importer])


class ImportGraph:
    """A directed graph of module imports with the lines that make each edge."""

    def __init__(self) -> None:
        self.nx = nx.DiGraph()

    def add_module(self, module: str) -> None:
        self.nx.add_node(module)

    def add_import(self, importer: str, imported: str, path: str, line: int, context: int) -> None:
        if importer == imported:
            return
        data = self.nx.get_edge_data(importer, imported)
        if data is None:
            self.nx.add_edge(importer, imported, sites=[(path, line, context)])
        else:
            data["sites"].append((path, line, context))

    def out_edges_of(self, module: str) -> list[tuple[str, list[tuple[str, int, int]]]]:
        """(imported, sites) for every import of `module`: enough to put them back."""
        return [(imported, list(data["sites"])) for _m, imported, data in self.nx.out_edges(module, data=True)]

    def replace_out_edges(self, module: str, edges: list[tuple[str, list[tuple[str, int, int]]]]) -> None:
        """Swap the imports of one module (an incremental update: the rest of the graph is untouched)."""
        self.nx.remove_edges_from(list(self.nx.out_edges(module)))
        for imported, sites in edges:
            if imported != module:
                self.nx.add_edge(module, imported, sites=list(sites))

    def components(self, *, import_time_only: bool = False) -> list[frozenset[str]]:
        """Strongly connected components of two or more modules."""
        view = import_time_view(self.nx) if import_time_only else self.nx
        return [frozenset(c) for c in nx.strongly_connected_components(view) if len(c) > 1]

    def cycle_of(self, component: frozenset[str]) -> Cycle:
        return Cycle(tuple(sorted(component)), self._chain_through(set(component)))

    def cycles(self) -> list[Cycle]:
        """Every import cycle (a strongly connected component of two or more modules), biggest first."""
        found = []
        for component in nx.strongly_connected_components(self.nx):
            if len(component) < 2:
                continue
            found.append(Cycle(tuple(sorted(component)), self._chain_through(component)))
        found.sort(key=lambda c: (-len(c.modules), c.modules))
        return found

    def shortest_chain(self, importer: str, imported: str) -> tuple[Link, ...] | None:
        """The shortest import chain from `importer` to `imported`, with lines; None if none."""
        try:
            path = nx.shortest_path(self.nx, importer, imported)
        except (nx.NetworkXNoPath, nx.NodeNotFound):
            return None
        return tuple(self._link(a, b) for a, b in zip(path, path[1:]))

    def failing_modules(self, seeds: Iterable[str], package_of: dict[str, list[str]]) -> set[str]:
        """Modules that fail at import time when `seeds` do: reverse reachability.

        Only edges whose imports run at import time, unguarded, propagate a failure.
        A failing package also fails every module below it (importing `a.b.c` runs `a.b`).
        """
        failing = set(seeds)
        queue = deque(failing)
        while queue:
            module = queue.popleft()
            for child in package_of.get(module, ()):
                if child not in failing:
                    failing.add(child)
                    queue.append(child)
            if module not in self.nx:
                continue
            for importer in self.nx.predecessors(module):
                if importer in failing:
                    continue
                sites = self.nx.edges[importer, module]["sites"]
                if any(breaks_importer(context) for _path, _line, context in sites):
                    failing.add(importer)
                    queue.append(importer)
        return failing

    def to_grimp(self, modules: Iterable[str] | None = None) -> object:
        """A grimp ImportGraph of the whole graph, or of the subgraph on `modules`."""
        import grimp

        graph = grimp.ImportGraph()
        view = self.nx if modules is None else self.nx.subgraph(modules)
        for module in view.nodes:
            graph.add_module(module)
        for importer, imported, data in view.edges(data=True):
            path, line, _context = data["sites"][0]
            graph.add_import(importer=importer, imported=imported, line_number=line, line_contents=path)
        return graph

    def _chain_through(self, component: set[str]) -> tuple[Link, ...]:
        """The shortest cycle through the component's first module, found by grimp."""
        start = min(component)
        grimp_graph = self.to_grimp(component)
        best: tuple[str, ...] | None = None
        for successor in sorted(self.nx.successors(start)):
            if successor not in component:
                continue
            chain = grimp_graph.find_shortest_chain(importer=successor, imported=start)  # type: ignore[attr-defined]
            if chain is not None and (best is None or len(chain) + 1 < len(best)):
                best = (start, *chain)
        assert best is not None, "a strongly connected component always has a cycle"
        return tuple(self._link(a, b) for a, b in zip(best, best[1:]))

    def _link(self, importer: str, imported: str) -> Link:
        path, line, _context = min(self.nx.edges[importer, imported]["sites"], key=lambda s: (s[0], s[1]))
        return Link(importer, imported, path, line)


def import_time_view(graph: nx.DiGraph) -> nx.DiGraph:
    """The edges that run while modules are imported (not in functions, not under TYPE_CHECKING)."""
    from remediator.domain.facts import Context

    skip = int(Context.FUNCTION | Context.TYPE_CHECKING)

    def runs(importer: str, imported: str) -> bool:
        return any(not context & skip for _path, _line, context in graph.edges[importer, imported]["sites"])

    return nx.subgraph_view(graph, filter_edge=runs)
