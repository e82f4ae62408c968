"""The module graph without networkx: plain adjacency, cycles with their chains, failure propagation.

An incremental run keeps this light graph (importer -> imported modules, and the
imports among them that run at import time, unguarded) instead of the full
networkx graph: it is cheap to persist and load, and the algorithms here are the
ones the full `ImportGraph` uses too, so both give the same cycles and the same
blast radius. grimp finds the concrete chain through a cycle, on the cycle's own
small subgraph.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass


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


class ModuleGraph:
    """Import edges between project modules: `edges[m]` the modules m imports, `breaking[m]` those whose import
    runs at import time, unguarded (a failure there fails m)."""

    def __init__(self, edges: Mapping[str, tuple[str, ...]], breaking: Mapping[str, tuple[str, ...]]) -> None:
        self.edges = edges
        self.breaking = breaking
        self._importers: dict[str, list[str]] | None = None

    def successors(self, module: str) -> tuple[str, ...]:
        return self.edges.get(module, ())

    def breaking_importers(self, module: str) -> list[str]:
        if self._importers is None:
            self._importers = {}
            for importer, imported in self.breaking.items():
                for target in imported:
                    self._importers.setdefault(target, []).append(importer)
        return self._importers.get(module, [])

    def components(self) -> list[frozenset[str]]:
        return strongly_connected(self.edges)


def cycle_order(cycle: Cycle) -> tuple[int, tuple[str, ...]]:
    """Biggest cycle first, then by module names."""
    return (-len(cycle.modules), cycle.modules)


def strongly_connected(successors: Mapping[str, Iterable[str]]) -> list[frozenset[str]]:
    """Strongly connected components of two or more modules (Tarjan's algorithm, iterative).

    `successors` maps each module to the modules it imports; modules only imported need no key.
    """
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[frozenset[str]] = []
    counter = 0
    for start in successors:
        if start in index:
            continue
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        work = [(start, iter(successors.get(start, ())))]
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(successors.get(child, ()))))
                    advanced = True
                    break
                if child in on_stack and index[child] < low[node]:
                    low[node] = index[child]
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                if low[node] < low[parent]:
                    low[parent] = low[node]
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(frozenset(component))
    return found


def chain_through(
    component: Iterable[str], successors: Callable[[str], Iterable[str]], link: Callable[[str, str], Link]
) -> tuple[Link, ...]:
    """The shortest cycle through the component's first module, found by grimp on the component alone."""
    import grimp

    members = sorted(component)
    inside = set(members)
    graph = grimp.ImportGraph()
    for module in members:
        graph.add_module(module)
    for module in members:
        for imported in sorted(set(successors(module)) & inside):
            graph.add_import(importer=module, imported=imported)
    start = members[0]
    best: tuple[str, ...] | None = None
    for successor in sorted(set(successors(start)) & inside):
        chain = graph.find_shortest_chain(importer=successor, imported=start)
        if chain is not None and (best is None or len(chain) + 1 < len(best)):
            best = (start, *chain)
    assert best is not None, "a strongly connected component always has a cycle"
    return tuple(link(a, b) for a, b in zip(best, best[1:]))


def failing_modules(
    seeds: Iterable[str], children: Callable[[str], Iterable[str]], breaking_importers: Callable[[str], Iterable[str]]
) -> set[str]:
    """Modules that fail at import time when `seeds` do: reverse reachability.

    Only imports that run at import time, unguarded, propagate a failure
    (`breaking_importers`). A failing package also fails every module below it
    (importing `a.b.c` runs `a.b`).
    """
    failing = set(seeds)
    queue = deque(failing)
    while queue:
        module = queue.popleft()
        for child in children(module):
            if child not in failing:
                failing.add(child)
                queue.append(child)
        for importer in breaking_importers(module):
            if importer not in failing:
                failing.add(importer)
                queue.append(importer)
    return failing
