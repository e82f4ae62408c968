"""import-cycle: strongly connected components of the module graph, each with a chain."""

from __future__ import annotations

from remediator.analysis.module_graph import Cycle
from remediator.domain.findings import IMPORT_CYCLE, Finding


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
        message=f"import cycle of {size} modules: {cycle.text}",
        chain=tuple(
            {"importer": link.importer, "imported": link.imported, "path": link.path, "line": link.line}
            for link in cycle.chain
        ),
    )
