"""The scan use case: build the model once, run every rule, add suggestions and blast radius."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from remediator.analysis.graph import ImportGraph
from remediator.analysis.project import ProjectModel, build_project, no_cyclic_gc
from remediator.application.blast_radius import MissingTarget, missing_targets
from remediator.application.suggestions import add_suggestions
from remediator.domain.config import Settings
from remediator.domain.findings import IMPORT_CYCLE, Finding
from remediator.rules.broken_imports import find_broken_imports
from remediator.rules.import_cycles import find_import_cycles
from remediator.rules.ssot import Compliance, check_ssot_settings, find_ssot_violations
from remediator.rules.unparsable_files import find_unparsable_files


@dataclass(slots=True)
class ScanResult:
    """Findings of one scan, with the model they came from for custom queries."""

    root: Path
    findings: list[Finding]
    missing_targets: list[MissingTarget]
    model: ProjectModel
    elapsed_seconds: float
    compliance: list[Compliance]

    @property
    def graph(self) -> ImportGraph:
        """The project's import graph (`.nx` is the networkx DiGraph)."""
        return self.model.graph

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def exit_code(self) -> int:
        """0 when no finding is an error, 1 otherwise."""
        return 1 if self.errors else 0

    def summary(self) -> dict[str, Any]:
        severities = Counter(f.severity for f in self.findings)
        return {
            "root": str(self.root),
            "files": len(self.model.files) + len(self.model.discovery.problems),
            "modules": len(self.model.index.modules),
            "findings": len(self.findings),
            "errors": severities.get("error", 0),
            "warnings": severities.get("warning", 0),
            "info": severities.get("info", 0),
            "by_rule": dict(sorted(Counter(f.rule for f in self.findings).items())),
            "cycles": sum(1 for f in self.findings if f.rule == IMPORT_CYCLE),
            "missing_targets": [target.to_dict() for target in self.missing_targets],
            "ssot": self._ssot_summary(),
            "elapsed_seconds": round(self.elapsed_seconds, 3),
        }

    def _ssot_summary(self) -> dict[str, Any]:
        rules = [c.to_dict() for c in self.compliance]
        compliant = sum(r["compliant_imports"] for r in rules)
        violating = sum(r["violating_imports"] for r in rules)
        files = {path for c in self.compliance for path, _line in c.violating_statements}
        return {
            "rules": rules,
            "compliant_imports": compliant,
            "violating_imports": violating,
            "violating_files": len(files),
            "compliance": round(1.0 if compliant + violating == 0 else compliant / (compliant + violating), 4),
        }

    def to_dict(self) -> dict[str, Any]:
        """The stable JSON contract: {"findings": [...], "summary": {...}}."""
        return {"findings": [f.to_dict() for f in self.findings], "summary": self.summary()}


def run_scan(
    root: Path, settings: Settings, *, jobs: int | None = None, use_git: bool = True, use_cache: bool = True,
    blast_radius: bool = True,
) -> ScanResult:
    """Scan the project at `root` with `settings` (parse results cached in `root/.remediator/cache/` with `use_cache`).

    `blast_radius=False` leaves `missing_targets` empty, for callers that compute it on a subset (check).
    """
    started = time.perf_counter()
    model = build_project(root, settings, jobs, use_cache=use_cache)
    return analyse(model, use_git=use_git, started=started, blast_radius=blast_radius)


def analyse(
    model: ProjectModel, *, use_git: bool = True, started: float | None = None, blast_radius: bool = True
) -> ScanResult:
    """Run every rule on a built model, add suggestions and (unless told not to) the blast radius."""
    with no_cyclic_gc():  # like the build, the rules allocate many small acyclic objects
        return _analyse(model, use_git, time.perf_counter() if started is None else started, blast_radius)


def _analyse(model: ProjectModel, use_git: bool, started: float, blast_radius: bool) -> ScanResult:
    check_ssot_settings(model)
    findings = list(find_unparsable_files(model))
    findings += find_broken_imports(model)
    findings = add_suggestions(model, findings, use_git=use_git)
    violations, compliance = find_ssot_violations(model)
    findings += violations
    findings += find_import_cycles(model)
    findings.sort(key=Finding.sort_key)
    targets = missing_targets(model, findings) if blast_radius else []
    return ScanResult(model.root, findings, targets, model, time.perf_counter() - started, compliance)
