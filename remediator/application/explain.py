"""The explain use case: why does module A import module B? The shortest chain, with lines.

A chain is a path in the import graph (edges run importer -> imported, as grimp
records them), each link located at the import statement that makes it.
`explain(graph, "a", "a")` answers with the shortest cycle through `a`.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import networkx as nx

from remediator.analysis.graph import ImportGraph
from remediator.domain.errors import RemediatorError
from remediator.domain.facts import Context

_CONTEXT_LABELS = (
    (Context.FUNCTION, "function"),
    (Context.CLASS, "class"),
    (Context.TYPE_CHECKING, "type_checking"),
    (Context.GUARDED, "guarded"),
)
_CONTEXT_TEXT = {
    "function": "inside a function",
    "class": "in a class body",
    "type_checking": "under TYPE_CHECKING",
    "guarded": "guarded by except ImportError",
}


class UnknownModule(RemediatorError, LookupError):
    """A module name the project does not define; `suggestions` are close existing names."""

    def __init__(self, module: str, suggestions: Iterable[str] = ()) -> None:
        self.module = module
        self.suggestions = tuple(suggestions)
        hint = f"; did you mean {', '.join(self.suggestions)}?" if self.suggestions else ""
        super().__init__(f"unknown module {module!r}: not a module of the scanned project{hint}")


def close_modules(name: str, modules: Iterable[str], limit: int = 5) -> list[str]:
    """Existing modules whose name is close to `name`: same last segments first, then difflib's closest."""
    names = sorted(modules)
    suffix = [m for m in names if m.endswith("." + name)]
    close = difflib.get_close_matches(name, names, n=limit, cutoff=0.6)
    tail = name.rpartition(".")[2]
    by_tail = difflib.get_close_matches(tail, {m.rpartition(".")[2]: m for m in names}.keys(), n=limit, cutoff=0.8)
    tails = [m for m in names if m.rpartition(".")[2] in by_tail]
    found: list[str] = []
    for module in (*suffix, *close, *tails):
        if module not in found and module != name:
            found.append(module)
    return found[:limit]


@dataclass(frozen=True, slots=True)
class ChainLink:
    """`importer` imports `imported` at `line` of `path`; `context` says where the statement sits."""

    importer: str
    imported: str
    path: str
    line: int
    context: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "importer": self.importer,
            "imported": self.imported,
            "path": self.path,
            "line": self.line,
            "context": list(self.context),
        }


@dataclass(frozen=True, slots=True)
class Explanation:
    """The answer to "how does `importer` come to import `imported`?"; `chain` is None when it does not."""

    importer: str
    imported: str
    chain: tuple[ChainLink, ...] | None

    @property
    def found(self) -> bool:
        return self.chain is not None

    @property
    def exit_code(self) -> int:
        """0 when a chain exists, 1 when none does."""
        return 0 if self.found else 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "importer": self.importer,
            "imported": self.imported,
            "found": self.found,
            "length": len(self.chain) if self.chain is not None else None,
            "chain": [link.to_dict() for link in self.chain] if self.chain is not None else None,
        }

    def lines(self) -> list[str]:
        """Plain-text rendering, one line per link."""
        if self.chain is None:
            what = "is in no import cycle" if self.importer == self.imported else f"does not import {self.imported}"
            return [f"{self.importer} {what}, directly or indirectly"]
        size = len(self.chain)
        head = (
            f"{self.importer} is in an import cycle of {size} link{'s' * (size != 1)}:"
            if self.importer == self.imported
            else f"{self.importer} imports {self.imported} through {size} link{'s' * (size != 1)}:"
        )
        out = [head]
        width = max(len(f"{link.path}:{link.line}") for link in self.chain)
        for link in self.chain:
            where = f"{link.path}:{link.line}".ljust(width)
            notes = ", ".join(_CONTEXT_TEXT[label] for label in link.context)
            out.append(f"  {where}  {link.importer} -> {link.imported}" + (f"  ({notes})" if notes else ""))
        return out


def explain(graph: ImportGraph, importer: str, imported: str) -> Explanation:
    """The shortest import chain from `importer` to `imported`. Raises UnknownModule for a name not in the graph."""
    for module in (importer, imported):
        if module not in graph.nx:
            raise UnknownModule(module, close_modules(module, graph.nx.nodes))
    if importer == imported:
        return Explanation(importer, imported, _shortest_cycle(graph, importer))
    links = graph.shortest_chain(importer, imported)
    if links is None:
        return Explanation(importer, imported, None)
    return Explanation(importer, imported, tuple(_chain_link(graph, link.importer, link.imported, link.path, link.line) for link in links))


def _shortest_cycle(graph: ImportGraph, module: str) -> tuple[ChainLink, ...] | None:
    best: list[str] | None = None
    for successor in sorted(graph.nx.successors(module)):
        try:
            path = nx.shortest_path(graph.nx, successor, module)
        except nx.NetworkXNoPath:
            continue
        if best is None or len(path) + 1 < len(best):
            best = [module, *path]
    if best is None:
        return None
    return tuple(_chain_link(graph, a, b) for a, b in pairwise(best))


def _chain_link(graph: ImportGraph, importer: str, imported: str, path: str | None = None, line: int | None = None) -> ChainLink:
    """The link with the context of its site: the given (path, line), else the first site in file order."""
    sites = graph.nx.edges[importer, imported]["sites"]
    site = next((s for s in sites if (s[0], s[1]) == (path, line)), None) or min(sites, key=lambda s: (s[0], s[1]))
    labels = tuple(label for flag, label in _CONTEXT_LABELS if site[2] & flag)
    return ChainLink(importer, imported, site[0], site[1], labels)
