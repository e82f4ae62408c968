"""Text output of fix: the diff (coloured on a terminal), then what was skipped and why."""

from __future__ import annotations

from collections import Counter

from rich.console import Console
from rich.markup import escape
from rich.syntax import Syntax

from remediator.application.fix import FixResult
from remediator.domain.findings import SSOT_VIOLATION


def render_fix(result: FixResult, console: Console) -> None:
    for change in result.changes:
        diff = change.diff()
        if console.is_terminal:
            console.print(Syntax(diff, "diff", theme="ansi_dark", background_color="default"))
        else:
            console.out(diff, end="", highlight=False)
    for skip in result.skipped:
        console.print(f"[yellow]skipped[/] {escape(skip.location)}: {escape(skip.reason)}: {escape(skip.detail)}")
    verb = "changed" if result.applied else "would change"
    reasons = Counter(skip.reason for skip in result.skipped)
    skipped = ", ".join(f"{count} {reason}" for reason, count in sorted(reasons.items()))
    console.print(
        f"\n{len(result.changes)} file{'s' * (len(result.changes) != 1)} {verb}"
        + (f", {len(result.skipped)} skipped ({skipped})" if result.skipped else "")
        + (f"; rules: {', '.join(f'{r} ({n})' for r, n in sorted(result.rule_counts.items()))}" if result.rule_counts else "")
    )
    for run_id in result.unfinished_runs:
        console.print(f"[yellow]warning[/]: run {run_id} did not finish (killed?): `remediator undo {run_id}` restores its files")
    for left in result.strings_left:
        console.print(f"[cyan]string left[/] {escape(left.path)}:{left.line}: {escape(repr(left.text))}: {escape(left.reason)}")
    if result.batch is not None and result.batch.run_id is not None:
        run = result.to_dict()["run"]
        console.print(
            f"run {run['id']}: {run['batches']} batch{'es' * (run['batches'] != 1)}; import cycles {run['cycles_before']} -> "
            f"{run['cycles_after']}; SSOT compliance {run['compliance_before']:.0%} -> {(run['compliance_after'] or 0):.0%}"
            f"{_strings_note(result)}; undo with `remediator undo {run['id']}`"
        )
    for note in result.batch.notes if result.batch is not None else []:
        console.print(f"note: {escape(note)}")
    unfixed = Counter(f.rule for f in result.unfixed)
    detecting = _detection_only(result)
    others = Counter(f.rule for f in result.remaining) - unfixed - Counter({SSOT_VIOLATION: sum(detecting.values())})
    when = "after the rewrite" if result.applied else "before the rewrite"
    if unfixed:
        console.print(f"left in the scope of the rules fix ran, {when}: {_counts(unfixed)}")
    if detecting:
        rules = ", ".join(f"{escape(repr(rule))} ({n})" for rule, n in sorted(detecting.items()))
        console.print(
            f"detection-only rules, which fix never rewrites for (they name no `use` module), {when}: "
            f"{sum(detecting.values())} {SSOT_VIOLATION}: {rules}"
        )
    if others:
        console.print(
            f"other errors {when}, which no rule of fix repairs: {_counts(others)} "
            "(`remediator scan` lists them with their suggestions and fix sets)"
        )
    if not result.applied and result.changes:
        console.print("run again with --apply to write these changes")


def _detection_only(result: FixResult) -> Counter[str]:
    """Remaining `ssot-violation` findings of detection-only rules (no `use`: an import-linter contract), by rule."""
    scan = result.after if result.after is not None else result.before
    names = {figure.rule for figure in scan.compliance if figure.use is None}
    return Counter(f.ssot_rule or "" for f in result.remaining if f.rule == SSOT_VIOLATION and f.ssot_rule in names)


def _counts(counter: Counter[str]) -> str:
    return ", ".join(f"{n} {rule}" for rule, n in sorted(counter.items()))


def _strings_note(result: FixResult) -> str:
    """Compliance counts import statements: say so when string references to a forbidden module remain."""
    if result.after is None:
        return ""
    strings = result.after.summary()["ssot"]["violating_strings"]
    if not strings:
        return ""
    return f" of import statements ({strings} string reference{'s' * (strings != 1)} still name{'s' * (strings == 1)} a forbidden module)"
