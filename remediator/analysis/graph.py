"""The module import graph (networkx) and the questions asked of it.

Edges run importer -> imported existing project module, as grimp records them
(an import of a missing module counts as one of its nearest existing parent).
Each edge keeps the lines and contexts of the imports that make it, so cycles
and chains can be shown with their lines. It serves explain, graph export and batch runs:
networkx finds components and shortest paths; the chain through a cycle is computed by
the same code as for the light graph that scans and checks use (`analysis.module_graph`).
"""

from __future__ import annotations


import networkx as nx

from remediator.analysis.module_graph import Cycle, Link, chain_through, cycle_kind

__all__ = ["Cycle", "ImportGraph", "Link", "import_time_view"]


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
        return Cycle(
            tuple(sorted(component)),
            self._chain_through(component),
            cycle_kind(component, lambda module: self.nx.successors(module), self.contexts),
        )

    def contexts(self, importer: str, imported: str) -> list[int]:
        """The context flags of each import of `imported` by `importer`."""
        return [context for _path, _line, context in self.nx.edges[importer, imported]["sites"]]

    def shortest_chain(self, importer: str, imported: str) -> tuple[Link, ...] | None:
        """The shortest import chain from `importer` to `imported`, with lines; None if none."""
        try:
            path = nx.shortest_path(self.nx, importer, imported)
        except (nx.NetworkXNoPath, nx.NodeNotFound):
            return None
        return tuple(self.link(a, b) for a, b in zip(path, path[1:]))

    def _chain_through(self, component: set[str] | frozenset[str]) -> tuple[Link, ...]:
        return chain_through(component, lambda module: self.nx.successors(module), self.link)

    def link(self, importer: str, imported: str) -> Link:
        """The edge as a chain link: its first import by (path, line)."""
        path, line, _context = min(self.nx.edges[importer, imported]["sites"], key=lambda s: (s[0], s[1]))
        return Link(importer, imported, path, line)


def import_time_view(graph: nx.DiGraph) -> nx.DiGraph:
    """The edges that run while modules are imported (not in functions, not under TYPE_CHECKING)."""
    from remediator.domain.facts import Context

    skip = int(Context.FUNCTION | Context.TYPE_CHECKING)

    def runs(importer: str, imported: str) -> bool:
        return any(not context & skip for _path, _line, context in graph.edges[importer, imported]["sites"])

    return nx.subgraph_view(graph, filter_edge=runs)
