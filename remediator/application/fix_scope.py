"""What a fix run is responsible for: the rules it runs, and what each of them covers.

`fix` exits 1 when something in this scope still violates a rule or could not be
fixed. Errors no rule of the run covers (a missing module with no move, an
unparsable file outside every rule's scope) are reported, but are not fix's to
repair and do not change its exit status.
"""

from __future__ import annotations

from dataclasses import dataclass

from remediator.analysis.project import ProjectModel
from remediator.application.fix_plan import SUGGESTED
from remediator.domain.config import SsotRule
from remediator.domain.findings import MISSING_MODULE, MISSING_NAME, SSOT_VIOLATION, Finding
from remediator.rules.ssot import in_scope


@dataclass(frozen=True, slots=True)
class FixScope:
    """The SSOT rules a run applies, the modules its move rules move, and the targets it follows suggestions for."""

    ssot: tuple[SsotRule, ...]
    moved: tuple[str, ...]  # old modules of `[[tool.remediator.move]]` rules
    suggested: frozenset[tuple[str, str | None]]  # (target, name) of findings whose move suggestion the run applies
    redirected: frozenset[tuple[str, int]] = frozenset()  # (path, line) of import statements an SSOT rule of the run rewrites

    @classmethod
    def of(cls, model: ProjectModel, rules: tuple[str, ...], suggested: bool, findings: list[Finding]) -> FixScope:
        """The scope of `fix --rule RULES [--suggested]` (no `--rule`: every rule)."""
        selected = set(rules)
        ssot = tuple(
            rule for rule in model.settings.ssot if rule.use and model.index.exists(rule.use) and (not selected or rule.name in selected)
        )
        moved = tuple(
            move.source
            for move in model.settings.move
            if (not selected or "move" in selected or f"move:{move.source}" in selected) and model.index.exists(move.destination)
        )
        follow = suggested and (not selected or SUGGESTED in selected)
        keys = frozenset(
            _key(f)
            for f in findings
            if follow and f.rule in (MISSING_MODULE, MISSING_NAME) and f.suggestion is not None and f.suggestion.kind == "move"
        )
        names = {rule.name for rule in ssot}
        redirected = frozenset(
            (f.path, f.line) for f in findings if f.rule == SSOT_VIOLATION and f.ssot_rule in names and f.reference == "import"
        )
        return cls(ssot, moved, keys, redirected)

    def owns(self, finding: Finding) -> bool:
        """True when one of the run's rules should have fixed `finding`."""
        if finding.rule == SSOT_VIOLATION:
            return any(rule.name == finding.ssot_rule for rule in self.ssot)
        if finding.rule in (MISSING_MODULE, MISSING_NAME) and finding.target:
            if (finding.path, finding.line) in self.redirected and finding.reference == "import":
                return True  # the statement an SSOT rule rewrites: `validate_jwt_cross_service` mapped through `symbols`
            targets = [finding.target]
            if finding.rule == MISSING_NAME and finding.name:
                targets.append(f"{finding.target}.{finding.name}")  # `from legacy import impl`, legacy.impl moved
            if any(target == old or target.startswith(old + ".") for target in targets for old in self.moved):
                return True
            return _key(finding) in self.suggested
        return False

    def covers_file(self, module: str) -> bool:
        """True when some rule of the run may rewrite the module's file: moves and suggestions anywhere, SSOT rules in their scope."""
        return bool(self.moved or self.suggested) or any(in_scope(rule, module) for rule in self.ssot)


def _key(finding: Finding) -> tuple[str, str | None]:
    return (finding.target or "", finding.name if finding.rule == MISSING_NAME else None)
