"""syntax-error and unreadable-file: files the analysis could not see into."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from remediator.analysis.project import ParsedFile
from remediator.domain.facts import ParseProblem
from remediator.domain.findings import Finding, UNREADABLE_FILE


def unparsable_file(parsed: ParsedFile) -> Finding | None:
    """The finding of a file that could not be read or parsed, or None."""
    problem = parsed.facts.problem
    if problem is None:
        return None
    return _finding(parsed.source.relpath, parsed.module, problem.rule, problem.message, problem.line, problem.column)


def discovery_problems(problems: Iterable[tuple[str, str, ParseProblem]]) -> Iterator[Finding]:
    """Findings for what discovery could not list or read (relpath, module, problem)."""
    for relpath, module, problem in problems:
        yield _finding(relpath, module, UNREADABLE_FILE, problem.message, problem.line, problem.column)


def _finding(path: str, module: str, rule: str, message: str, line: int, column: int) -> Finding:
    return Finding(
        rule=rule, path=path, line=line, column=column, importer=module, target=None, name=None,
        severity="error", message=message,
    )
