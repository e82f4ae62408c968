"""syntax-error and unreadable-file: files the analysis could not see into."""

from __future__ import annotations

from collections.abc import Iterator

from remediator.analysis.project import ProjectModel
from remediator.domain.findings import Finding, UNREADABLE_FILE


def find_unparsable_files(model: ProjectModel) -> Iterator[Finding]:
    """A finding for every file that could not be read or parsed; the scan goes on without it."""
    for parsed in model.files:
        problem = parsed.facts.problem
        if problem is not None:
            yield _finding(parsed.source.relpath, parsed.module, problem.rule, problem.message, problem.line, problem.column)
    for relpath, module, problem in model.discovery.problems:
        yield _finding(relpath, module, UNREADABLE_FILE, problem.message, problem.line, problem.column)


def _finding(path: str, module: str, rule: str, message: str, line: int, column: int) -> Finding:
    return Finding(
        rule=rule, path=path, line=line, column=column, importer=module, target=None, name=None,
        severity="error", message=message,
    )
