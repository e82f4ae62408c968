"""import-cycle: strongly connected components of the module graph, each with a chain."""

from __future__ import annotations

from remediator.analysis.module_graph import FUNCTION_LEVEL, TYPE_CHECKING_ONLY, Cycle
from remediator.domain.findings import IMPORT_CYCLE, Finding

_KIND_NOTES = {
    TYPE_CHECKING_ONLY: " (closes only through imports under TYPE_CHECKING: it never runs, so it cannot fail at import time)",
    FUNCTION_LEVEL: (
        " (a dependency cycle: it closes only through imports inside functions, which run when called: it fails at"
        " import time only if such a function is called while the modules are imported, by a decorator or a call at"
        " module level)"
    ),
}


def cycle_finding(cycle: Cycle) -> Finding:
    """The info finding of one cycle, located at its first link."""
    first = cycle.chain[0]
    size = len(cycle.modules)
    return Finding(
        rule=IMPORT_CYCLE,
        path=first.path,
        line=first.line,
        column=1,
        importer=first.importer,
        target=first.imported,
        name=None,
        severity="info",
        message=f"import cycle of {size} modules: {cycle.text}{_KIND_NOTES.get(cycle.kind, '')}",
        chain=tuple({"importer": link.importer, "imported": link.imported, "path": link.path, "line": link.line} for link in cycle.chain),
        cycle_kind=cycle.kind,
    )
