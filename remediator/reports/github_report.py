"""GitHub Actions workflow commands: one `::error file=...::message` annotation per finding."""

from __future__ import annotations

import os
from pathlib import Path

from remediator.application.scan import ScanResult
from remediator.domain.findings import Finding
from remediator.reports.sarif_report import finding_text

COMMANDS = {"error": "error", "warning": "warning", "info": "notice"}


def render_github(result: ScanResult, base: Path | None = None) -> str:
    """One workflow command per finding, newline-separated; empty when there is none.

    Paths are relative to `base` (the working directory of the workflow step,
    normally the repository root) when the file lies under it, else to the root.
    """
    return "".join(annotation(finding, _path(result.root, finding.path, base)) + "\n" for finding in result.findings)


def annotation(finding: Finding, path: str) -> str:
    """`::error file=PATH,line=L,col=C,title=RULE::MESSAGE` (warning or notice for other severities)."""
    properties = ",".join(
        f"{key}={escape_property(str(value))}"
        for key, value in (("file", path), ("line", finding.line), ("col", finding.column), ("title", finding.rule))
    )
    return f"::{COMMANDS[finding.severity]} {properties}::{escape_data(finding_text(finding))}"


def escape_data(text: str) -> str:
    """Escape a command's message as GitHub's toolkit does: `%`, CR and LF."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a command property's value: as `escape_data`, plus `:` and `,`."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _path(root: Path, relpath: str, base: Path | None) -> str:
    if base is None:
        return relpath
    absolute = os.path.join(os.path.abspath(root), relpath)
    relative = os.path.relpath(absolute, os.path.abspath(base))
    outside = relative == os.pardir or relative.startswith(os.pardir + os.sep)
    return relpath if outside else Path(relative).as_posix()
