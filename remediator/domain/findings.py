"""Findings: the stable output contract of every rule."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Severity = Literal["error", "warning", "info"]
Reference = Literal["import", "string"]

MISSING_MODULE = "missing-module"
MISSING_NAME = "missing-name"
IMPORT_CYCLE = "import-cycle"
SYNTAX_ERROR = "syntax-error"
UNREADABLE_FILE = "unreadable-file"
SSOT_VIOLATION = "ssot-violation"
DANGLING_SETTING = "dangling-setting"
SHADOWED_MODULE = "shadowed-module"
UNMODELLED_SYS_PATH = "unmodelled-sys-path"
NEWER_SYNTAX = "newer-syntax"

RULES = (
    MISSING_MODULE,
    MISSING_NAME,
    SSOT_VIOLATION,
    IMPORT_CYCLE,
    SYNTAX_ERROR,
    UNREADABLE_FILE,
    DANGLING_SETTING,
    SHADOWED_MODULE,
    UNMODELLED_SYS_PATH,
    NEWER_SYNTAX,
)


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A proposed repair, most reliable kind first: move, restore, backup, candidate.

    A `move` is unambiguous (what `fix --suggested` applies); a `candidate` is a
    possible new home that is not, never applied. `evidence` says why, for both.
    """

    kind: Literal["move", "restore", "backup", "candidate", "use"]
    target: str
    detail: str
    command: str | None = None
    path: str | None = None
    commit: str | None = None
    evidence: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind, "target": self.target, "detail": self.detail}
        for key in ("command", "path", "commit", "evidence"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        return data


def plain_message(rule: str, target: str, name: str | None) -> str:
    """What a missing-module or missing-name finding says before its explanation, if it has one (after ": ")."""
    return f"module {target} does not exist" if rule == MISSING_MODULE else f"{target} has no name {name!r}"


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem at one place. `path` is POSIX and relative to the scanned root."""

    rule: str
    path: str
    line: int
    column: int
    importer: str | None
    target: str | None
    name: str | None
    severity: Severity
    message: str
    guarded: bool = False
    reference: Reference = "import"
    type_checking: bool = False
    suggestion: Suggestion | None = None
    alternatives: tuple[Suggestion, ...] = ()
    chain: tuple[dict[str, Any], ...] = field(default=())
    ssot_rule: str | None = None
    cause: str | None = None  # check against a base (--since, --staged): why it is reported
    cycle_kind: str | None = None  # import-cycle: "import-time", "type-checking" or "function-level"

    def sort_key(self) -> tuple[str, int, int]:
        """Order by place; a stable sort keeps the items of one statement in source order."""
        return (self.path, self.line, self.column)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "rule": self.rule,
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "importer": self.importer,
            "target": self.target,
            "name": self.name,
            "guarded": self.guarded,
            "severity": self.severity,
            "reference": self.reference,
            "type_checking": self.type_checking,
            "message": self.message,
            "suggestion": self.suggestion.to_dict() if self.suggestion else None,
        }
        if self.alternatives:
            data["alternatives"] = [s.to_dict() for s in self.alternatives]
        if self.chain:
            data["chain"] = list(self.chain)
        if self.cycle_kind is not None:
            data["cycle_kind"] = self.cycle_kind
        if self.ssot_rule is not None:
            data["ssot_rule"] = self.ssot_rule
        if self.cause is not None:
            data["cause"] = self.cause
        return data
