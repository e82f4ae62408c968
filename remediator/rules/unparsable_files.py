"""syntax-error, unreadable-file and shadowed-module: files the analysis (or Python) cannot see into."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from remediator.analysis.project import ParsedFile
from remediator.domain.facts import ParseProblem
from remediator.domain.config import Settings
from remediator.domain.findings import NEWER_SYNTAX, SHADOWED_MODULE, UNREADABLE_FILE, Finding


def unparsable_file(parsed: ParsedFile) -> Finding | None:
    """The finding of a file that could not be read or parsed, or None."""
    problem = parsed.facts.problem
    if problem is None:
        return None
    return _finding(parsed.source.relpath, parsed.module, problem.rule, problem.message, problem.line, problem.column)


def newer_syntax(parsed: ParsedFile, settings: Settings) -> Finding | None:
    """newer-syntax: the file uses syntax newer than the oldest Python the project supports (importing it fails there)."""
    need = parsed.facts.syntax_need
    if need is None:
        return None
    target = settings.target_python()
    if target is None or (3, need.minor) <= target[0]:
        return None
    (_major, minor), said = target
    return Finding(
        rule=NEWER_SYNTAX,
        path=parsed.source.relpath,
        line=need.line,
        column=need.column,
        importer=parsed.module,
        target=None,
        name=None,
        severity="error",
        message=f"needs Python 3.{need.minor} ({need.feature}); the project supports Python 3.{minor} ({said})",
    )


def discovery_problems(problems: Iterable[tuple[str, str, ParseProblem]]) -> Iterator[Finding]:
    """Findings for what discovery could not list or read (relpath, module, problem)."""
    for relpath, module, problem in problems:
        yield _finding(relpath, module, UNREADABLE_FILE, problem.message, problem.line, problem.column)


def _finding(path: str, module: str, rule: str, message: str, line: int, column: int) -> Finding:
    return Finding(
        rule=rule,
        path=path,
        line=line,
        column=column,
        importer=module,
        target=None,
        name=None,
        severity="error",
        message=message,
    )


def shadowed_modules(shadowed: Iterable[tuple[str, str, str]]) -> Iterator[Finding]:
    """shadowed-module: a file or namespace folder that another entry of the same name hides from every import."""
    for relpath, module, winner in shadowed:
        if winner == ":stdlib":
            message = (
                f"{relpath} hides the standard library's {module}: with the project root on sys.path, every "
                f"`import {module}`, in the project and in the libraries it uses, gets this one"
            )
        elif winner.startswith(":installed:"):
            message = (
                f"{relpath} hides the installed package {module} (distribution {winner[len(':installed:') :]}): with the "
                f"project root first on sys.path, every `import {module}`, in the project and in the libraries it uses, "
                f"gets this one"
            )
        else:
            what = "the package" if winner.endswith("/__init__.py") else "the module"
            shown = winner[: -len("__init__.py")] if winner.endswith("/__init__.py") else winner
            message = f"{relpath} can never be imported: {what} {shown} beside it takes the name {module}"
        yield Finding(
            rule=SHADOWED_MODULE,
            path=relpath,
            line=1,
            column=1,
            importer=module,
            target=module,
            name=None,
            severity="warning",
            message=message,
        )
