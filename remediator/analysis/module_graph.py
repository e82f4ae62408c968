"""The module graph without networkx: plain adjacency, cycles with their chains, failure propagation.

Scans and checks use this light graph (importer -> imported modules, and the
imports among them that run at import time, unguarded) for cycles and the blast
radius, not the full networkx graph: it is cheap to persist and load, so an
incremental run keeps it. grimp finds the concrete chain through a cycle, on the
cycle's own small subgraph (`chain_through`, which the full `ImportGraph` uses too).
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


IMPORT_TIME = "import-time"  # closes through imports that run while the modules are imported: can fail then
TYPE_CHECKING_ONLY = "type-checking"  # closes only through imports under `if TYPE_CHECKING:`: never at run time
FUNCTION_LEVEL = "function-level"  # needs an import inside a function to close: a dependency cycle, no import-time failure
CYCLE_KINDS = (IMPORT_TIME, TYPE_CHECKING_ONLY, FUNCTION_LEVEL)


@dataclass(frozen=True, slots=True)
class Cycle:
    """A strongly connected component, one concrete chain through it, and what kind of cycle it is."""

    modules: tuple[str, ...]
    chain: tuple[Link, ...]
    kind: str = IMPORT_TIME

    @property
    def text(self) -> str:
        return " -> ".join([link.importer for link in self.chain] + [self.chain[0].importer])


class ModuleGraph:
    """Import edges between project modules: `edges[m]` the modules m imports, `breaking[m]` those whose import
    runs at import time, unguarded (a failure there fails m)."""

    def __init__(
        self,
        edges: Mapping[str, tuple[str, ...]],
        breaking: Mapping[str, tuple[str, ...]],
        importers: Mapping[str, tuple[str, ...]] | None = None,
    ) -> None:
        self.edges = edges
        self.breaking = breaking
        self._importers = importers  # the reverse of `breaking`, made on first use unless given

    def successors(self, module: str) -> tuple[str, ...]:
        return self.edges.get(module, ())

    @property
    def importers(self) -> Mapping[str, tuple[str, ...]]:
        """module -> the modules whose import of it runs at import time, unguarded."""
        if self._importers is None:
            found: dict[str, list[str]] = {}
            for importer, imported in self.breaking.items():
                for target in imported:
                    found.setdefault(target, []).append(importer)
            self._importers = {target: tuple(sorted(importers)) for target, importers in found.items()}
        return self._importers

    def breaking_importers(self, module: str) -> tuple[str, ...]:
        return self.importers.get(module, ())

    def with_imports_of(self, rows: Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]]) -> ModuleGraph:
        """This graph with the imports of some modules replaced: module -> (imported, imported at import time).

        Modules not in `rows` keep their imports; a row of two empty tuples drops a module's imports. The
        reverse map is updated for the modules in `rows` only.
        """
        edges = dict(self.edges.items())  # (items: the maps may be stored ones, loaded on first use)
        breaking = dict(self.breaking.items())
        importers = dict(self.importers.items())
        for module, (targets, runtime) in rows.items():
            before, after = set(self.breaking.get(module, ())), set(runtime)
            for target in before - after:
                remaining = tuple(m for m in importers.get(target, ()) if m != module)
                if remaining:
                    importers[target] = remaining
                else:
                    importers.pop(target, None)
            for target in after - before:
                importers[target] = tuple(sorted({*importers.get(target, ()), module}))
            for table, value in ((edges, targets), (breaking, runtime)):
                if value:
                    table[module] = value
                else:
                    table.pop(module, None)
        return ModuleGraph(edges, breaking, importers)

    def components(self) -> list[frozenset[str]]:
        return strongly_connected(self.edges)


def cycle_kind(
    component: Iterable[str],
    successors: Callable[[str], Iterable[str]],
    contexts: Callable[[str, str], Iterable[int]],
) -> str:
    """Whether the component's modules import each other at import time, only under TYPE_CHECKING, or only in functions.

    `contexts(a, b)` gives the context flags of each import of b by a.
    """
    from remediator.domain.facts import Context, at_import

    members = set(component)

    def closes(skip: int) -> bool:
        adjacency = {
            module: [
                target
                for target in successors(module)
                if target in members and any(not at_import(context) & skip for context in contexts(module, target))
            ]
            for module in members
        }
        return bool(strongly_connected(adjacency))

    if closes(int(Context.FUNCTION | Context.TYPE_CHECKING | Context.PYTHON2)):
        return IMPORT_TIME
    if closes(int(Context.FUNCTION | Context.PYTHON2)):
        return TYPE_CHECKING_ONLY
    return FUNCTION_LEVEL


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


def components_after_change(
    components: Iterable[frozenset[str]],
    old: ModuleGraph,
    new: ModuleGraph,
    changed: Iterable[str],
) -> list[frozenset[str]] | None:
    """The strongly connected components of `new`, when `old`'s are still right; None when they must be computed.

    Only the imports of the `changed` modules differ between the two graphs. A
    new import u -> v can only join components when v reaches u; a dropped
    import can only split the component it lay in. Anything else leaves the
    components as they were (the usual edit), found here by a search from each
    new import's target instead of a pass over the whole graph.
    """
    kept = list(components)
    component_of = {module: component for component in kept for module in component}
    for importer in changed:
        before, after = set(old.successors(importer)), set(new.successors(importer))
        home = component_of.get(importer)
        if home is not None and any(component_of.get(imported) is home for imported in before - after):
            return None
        for imported in after - before:
            if home is not None and component_of.get(imported) is home:
                continue
            if _reaches(new, imported, importer):
                return None
    return kept


def _reaches(graph: ModuleGraph, start: str, goal: str) -> bool:
    seen = {start}
    stack = [start]
    while stack:
        module = stack.pop()
        if module == goal:
            return True
        for imported in graph.successors(module):
            if imported not in seen:
                seen.add(imported)
                stack.append(imported)
    return False


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
