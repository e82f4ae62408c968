"""Text output of fix: the diff (coloured on a terminal), then what was skipped and why."""

from __future__ import annotations

from collections import Counter

from rich.console import Console
from rich.markup import escape
from rich.syntax import Syntax

from remediator.application.fix import FixResult


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
    if result.batch is not None and result.batch.run_id is not None:
        run = result.to_dict()["run"]
        console.print(
            f"run {run['id']}: {run['batches']} batch{'es' * (run['batches'] != 1)}; import cycles {run['cycles_before']} -> "
            f"{run['cycles_after']}; SSOT compliance {run['compliance_before']:.0%} -> {(run['compliance_after'] or 0):.0%}; "
            f"undo with `remediator undo {run['id']}`"
        )
    for note in result.batch.notes if result.batch is not None else []:
        console.print(f"note: {escape(note)}")
    remaining = Counter(f.rule for f in result.remaining)
    if remaining:
        label = "remaining after the rewrite" if result.applied else "errors before the rewrite"
        console.print(f"{label}: " + ", ".join(f"{n} {rule}" for rule, n in sorted(remaining.items())))
    if not result.applied and result.changes:
        console.print("run again with --apply to write these changes")
