"""Text output for people: missing targets grouped by blast radius, then the rest."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from remediator.application.blast_radius import BlastRadius
from remediator.application.scan import ScanResult
from remediator.domain.findings import (
    DANGLING_SETTING,
    IMPORT_CYCLE,
    MISSING_MODULE,
    MISSING_NAME,
    SHADOWED_MODULE,
    SSOT_VIOLATION,
    UNMODELLED_SYS_PATH,
    Finding,
    Suggestion,
    plain_message,
)

_SHOWN_PER_TARGET = 8
_SHOWN_PER_CAUSE = 10
CAUSED_BY = "caused by: "
_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def render_text(result: ScanResult, console: Console, command: str = "scan") -> None:
    """Print the scan (or check) for a person: biggest breakage first, each with its suggestion."""
    lines = _SourceLines(result.root)
    summary = result.summary()
    console.print(
        f"[bold]remediator {command}[/] {escape(str(result.root))}: {_count(summary['files'], 'file')}, {_count(summary['modules'], 'module')}"
    )
    for folder in summary["left_out"]:
        console.print(
            f"left out: {escape(folder['path'])} ({folder['files']:,} file{'s' * (folder['files'] != 1)}): {escape(folder['reason'])}; "
            f"use {escape(folder['include'])} to scan {'them' if folder['files'] != 1 else 'it'}"
        )
    _print_causes(result, console, lines)
    by_target: dict[tuple[str, str | None], list[Finding]] = defaultdict(list)
    others: list[Finding] = []
    cycles: list[Finding] = []
    violations: dict[str, list[Finding]] = defaultdict(list)
    for finding in result.findings:
        if finding.rule in (MISSING_MODULE, MISSING_NAME) and finding.target:
            by_target[(finding.target, finding.name if finding.rule == MISSING_NAME else None)].append(finding)
        elif finding.rule == SSOT_VIOLATION:
            violations[finding.ssot_rule or ""].append(finding)
        elif finding.rule == IMPORT_CYCLE:
            cycles.append(finding)
        else:
            others.append(finding)
    if result.radius is not None and result.radius.fix_sets:
        _print_fix_sets(result.radius, console, lines)
    if result.missing_targets:
        console.print("\n[bold]Missing targets[/] (in fix-set order, then biggest blast radius)")
    for target in result.missing_targets:
        kind = "missing module" if target.name is None else "__all__ lists missing names" if target.name == "*" else "missing name"
        header = (
            f"[bold]{escape(target.label)}[/] — {kind} — {_count(len(target.importers), 'importer')}"
            f" — breaks {_count(len(target.failing_modules), 'module')}"
            f" ({_count(len(target.failing_test_files), 'test file')} cannot be collected)"
            f" — fixing it alone unblocks {_count(len(target.unblocked_test_files), 'test file')}"
        )
        if target.fix_set is not None and result.radius is not None:  # check lists no fix sets: no number to point at
            header += f" (fix set {target.fix_set})"
        if target.string_references:
            header += f" — {target.string_references} string reference{'s' * (target.string_references != 1)}"
        if target.loose:
            header += f" — only in {', '.join(escape(top + '/') for top in target.loose)}, which nothing imports and no test covers"
        if target.suggestion is not None:
            header += f" — {escape(_suggestion_phrase(target.suggestion.kind, target.suggestion.target))}"
        console.print(header)
        explained = _explanation(target.kind, target.target, target.name, by_target.get((target.target, target.name), []))
        if explained:  # which names `__all__` lists, or why the target is missing though a file seems to hold it
            console.print(f"    {escape(explained)}")
        if target.suggestion is not None:
            console.print(f"    suggestion ({target.suggestion.kind}): {escape(target.suggestion.detail)}")
            if target.suggestion.command:
                console.print(f"      $ {escape(target.suggestion.command)}")
            if target.suggestion.evidence:
                console.print(f"      evidence: {escape(target.suggestion.evidence)}")
        group = _one_per_statement(by_target.get((target.target, target.name), []))
        for other in _alternatives(group, target.suggestion):
            if other.kind == "candidate":
                console.print(f"    candidate (not applied): {escape(other.detail)}")
                console.print(f"      evidence: {escape(other.evidence or '')}")
            else:
                console.print(f"    alternative ({other.kind}): {escape(other.detail)}")
                if other.command:
                    console.print(f"      $ {escape(other.command)}")
        for finding in group[:_SHOWN_PER_TARGET]:
            _print_location(console, finding, lines)
        if len(group) > _SHOWN_PER_TARGET:
            console.print(f"    … and {len(group) - _SHOWN_PER_TARGET} more")
    for figure in result.compliance:
        numbers = figure.to_dict()
        console.print(
            f"\n[bold]SSOT rule {escape(figure.rule)}[/] — {escape('use ' + figure.use if figure.use else 'detection only')} — "
            f"{numbers['compliance']:.0%} compliant ({numbers['compliant_imports']} of "
            f"{numbers['compliant_imports'] + numbers['violating_imports']} import statements) — "
            f"{numbers['violating_imports']} violating statement{'s' * (numbers['violating_imports'] != 1)} "
            f"in {numbers['violating_files']} file{'s' * (numbers['violating_files'] != 1)}" + _strings_note(result, figure.rule)
        )
        for finding in violations.get(figure.rule, []):
            console.print(
                f"    [bold red]{escape(finding.path)}:{finding.line}:{finding.column}[/] {escape(finding.message)}{_flags(finding)}"
            )
    settings_problems = [finding for finding in others if finding.rule == DANGLING_SETTING]
    path_notes = [finding for finding in others if finding.rule == UNMODELLED_SYS_PATH]
    shadowed = [finding for finding in others if finding.rule == SHADOWED_MODULE]
    others = [finding for finding in others if finding.rule not in (DANGLING_SETTING, UNMODELLED_SYS_PATH, SHADOWED_MODULE)]
    if shadowed:
        console.print("\n[bold]Shadowed modules[/] (two candidates for one name: Python imports only one of them)")
        for finding in shadowed:
            console.print(
                f"  [{_STYLE[finding.severity]}]{finding.rule}[/] {escape(finding.path)}:{finding.line}:{finding.column}: {escape(finding.message)}"
            )
    if settings_problems:
        console.print("\n[bold]Settings that name what does not exist[/]")
        for finding in settings_problems:
            console.print(
                f"  [{_STYLE[finding.severity]}]{finding.rule}[/] {escape(finding.path)}:{finding.line}: {escape(finding.message)}"
            )
    if path_notes:
        console.print("\n[bold]sys.path changes not followed[/] (information)")
        for finding in path_notes:
            console.print(
                f"  [{_STYLE[finding.severity]}]{finding.rule}[/] {escape(finding.path)}:{finding.line}:{finding.column}: {escape(finding.message)}"
            )
    if others:
        console.print("\n[bold]Unreadable or unparsable files[/]")
        for finding in others:
            console.print(
                f"  [{_STYLE[finding.severity]}]{finding.rule}[/] {escape(finding.path)}:{finding.line}:{finding.column}: {escape(finding.message)}"
            )
    if cycles:
        console.print("\n[bold]Import cycles[/] (information)")
        for finding in cycles:
            console.print(f"  {escape(finding.message)}")
            for link in finding.chain:
                console.print(f"    {escape(link['path'])}:{link['line']}: {escape(lines.get(link['path'], link['line']))}")
    console.print(
        f"\n{summary['errors']} error{'s' * (summary['errors'] != 1)}, {summary['warnings']} warning{'s' * (summary['warnings'] != 1)}, "
        f"{summary['info']} info in {summary['elapsed_seconds']:.2f}s"
    )


def _print_fix_sets(radius: BlastRadius, console: Console, lines: _SourceLines) -> None:
    """The greedy fix order: which targets to fix together, and what each step unblocks."""
    console.print("\n[bold]Fix sets[/] (greedy order: each step unblocks the most test files per target fixed, given the steps before it)")
    for fix_set in radius.fix_sets:
        verb = "fix together" if len(fix_set.targets) > 1 else "fix"
        console.print(
            f"  {fix_set.number}. {verb}: [bold]{escape(', '.join(fix_set.targets))}[/] → unblocks "
            f"{_count(len(fix_set.modules), 'module')}, {_count(len(fix_set.test_files), 'test file')}"
        )
        if fix_set.binding_imports:
            console.print("     they block the same modules through:")
            for binding in fix_set.binding_imports[:_SHOWN_PER_TARGET]:
                source = lines.get(binding.path, binding.line) or binding.statement
                console.print(f"       {escape(binding.path)}:{binding.line}: {escape(source)}")
    if radius.blocked_by_unparsable:
        console.print(
            f"  {_count(len(radius.blocked_by_unparsable), 'test file')} also import an unparsable module: "
            "fixing imports alone does not unblock them"
        )


def _strings_note(result: ScanResult, rule: str) -> str:
    """String references (`patch("...")`) are listed with the violations but are no import statements: say how many."""
    strings = sum(1 for f in result.findings if f.rule == SSOT_VIOLATION and f.ssot_rule == rule and f.reference == "string")
    return f", and {_count(strings, 'string reference')} (not counted in the compliance)" if strings else ""


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'s' * (number != 1)}"


def _print_causes(result: ScanResult, console: Console, lines: _SourceLines) -> None:
    """For a check against a base: what the change breaks on lines it did not touch, grouped by cause, first."""
    by_cause: dict[str, list[Finding]] = defaultdict(list)
    for finding in result.findings:
        if finding.cause is not None and finding.cause.startswith(CAUSED_BY):
            by_cause[finding.cause[len(CAUSED_BY) :]].append(finding)
    if not by_cause:
        return
    since = getattr(result, "since", None)
    console.print(f"\n[bold]What this change breaks[/] (new since {escape(str(since))}, on lines the change did not touch)")
    for cause, findings in sorted(by_cause.items(), key=lambda item: (-len(item[1]), item[0])):
        group = _one_per_statement(findings)
        console.print(f"[bold]{escape(cause)}[/] — {len(group)} place{'s' * (len(group) != 1)} broken:")
        for finding in group[:_SHOWN_PER_CAUSE]:
            if finding.rule in (MISSING_MODULE, MISSING_NAME, SSOT_VIOLATION):
                _print_location(console, finding, lines)
            else:
                console.print(f"    [{_STYLE[finding.severity]}]{escape(finding.path)}:{finding.line}[/] {escape(finding.message)}")
        if len(group) > _SHOWN_PER_CAUSE:
            console.print(f"    … and {len(group) - _SHOWN_PER_CAUSE} more")


def _explanation(kind: str, target: str, name: str | None, findings: list[Finding]) -> str | None:
    """The message of a missing target's first import that says more than that it is missing (a star import's
    is all explanation: which names `__all__` lists)."""
    imports = [f for f in findings if f.reference == "import"]
    if not imports:
        return None
    message = imports[0].message
    if name == "*" or message.startswith(plain_message(kind, target, name) + ": "):
        return message
    return None


def _one_per_statement(findings: list[Finding]) -> list[Finding]:
    seen: set[tuple[str, int, int]] = set()
    unique = []
    for finding in findings:
        if (finding.path, finding.line, finding.column) not in seen:
            seen.add((finding.path, finding.line, finding.column))
            unique.append(finding)
    return unique


def _alternatives(group: list[Finding], shown: Suggestion | None) -> tuple[Suggestion, ...]:
    """A missing target's other suggestions (candidates, restore, backup) besides the one shown, from its first finding that has them."""
    for finding in group:
        if finding.suggestion == shown and finding.alternatives:
            return finding.alternatives
    return ()


def _suggestion_phrase(kind: str, target: str) -> str:
    return {
        "move": f"now defined in {target}",
        "restore": "deleted in git history: restore it",
        "backup": "a backup copy exists",
        "candidate": f"perhaps now in {target} (not certain: not applied)",
    }[kind]


def _flags(finding: Finding) -> str:
    flags = []
    if finding.guarded:
        flags.append("guarded")
    if finding.type_checking:
        flags.append("TYPE_CHECKING")
    if finding.reference == "string":
        flags.append("string")
    return f" [dim]({', '.join(flags)})[/]" if flags else ""


def _print_location(console: Console, finding: Finding, lines: _SourceLines) -> None:
    suffix = _flags(finding)
    style = _STYLE[finding.severity]
    source = lines.get(finding.path, finding.line)
    console.print(f"    [{style}]{escape(finding.path)}:{finding.line}:{finding.column}[/] {escape(source)}{suffix}")


class _SourceLines:
    """Reads a file's lines once, for excerpts."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.cache: dict[str, list[str]] = {}

    def get(self, relpath: str, line: int) -> str:
        if relpath not in self.cache:
            try:
                self.cache[relpath] = (self.root / relpath).read_text(encoding="utf-8", errors="replace").splitlines()
            except OSError:
                self.cache[relpath] = []
        text = self.cache[relpath]
        return text[line - 1].strip() if 0 < line <= len(text) else ""
