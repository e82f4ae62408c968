"""`unmodelled-sys-path`: a sys.path change remediator cannot follow, said once where it is written."""

from __future__ import annotations

from remediator.analysis.search_path import PathNote
from remediator.domain.findings import UNMODELLED_SYS_PATH, Finding


def sys_path_findings(notes: list[PathNote]) -> list[Finding]:
    """One info finding per place: imports that rely on it are judged as if it were not there."""
    findings = []
    for note in sorted(set(notes), key=lambda n: (n.relpath, n.line, n.column)):
        findings.append(
            Finding(
                UNMODELLED_SYS_PATH,
                note.relpath,
                note.line,
                note.column,
                None,
                None,
                None,
                "info",
                f"sys.path change not modelled ({note.why}): imports that need it are checked without it",
            )
        )
    return findings
