"""import-cycle: strongly connected components of the module graph, each with a chain."""

from __future__ import annotations

from collections.abc import Iterator

from remediator.analysis.graph import Cycle
from remediator.analysis.project import ProjectModel
from remediator.domain.findings import IMPORT_CYCLE, Finding


def find_import_cycles(model: ProjectModel) -> Iterator[Finding]:
    """One info finding per cycle, located at its first link."""
    for cycle in model.graph.cycles():
        yield cycle_finding(cycle)


def cycle_finding(cycle: Cycle) -> Finding:
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
