"""The scan use case: build the model once, run every rule, add suggestions and blast radius."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from remediator.analysis.project import ProjectModel, no_cyclic_gc
from remediator.application.project_analysis import ProjectAnalysis, analyse_model
from remediator.domain.config import Settings
from remediator.domain.findings import IMPORT_CYCLE, SSOT_VIOLATION, Finding
from remediator.domain.progress import Progress, Step
from remediator.rules.ssot import Compliance

if TYPE_CHECKING:
    from remediator.analysis.graph import ImportGraph
    from remediator.application.blast_radius import BlastRadius, MissingTarget


@dataclass(slots=True)
class ScanResult:
    """Findings of one scan, with the model they came from for custom queries."""

    root: Path
    findings: list[Finding]
    missing_targets: list[MissingTarget]
    analysis: ProjectAnalysis
    elapsed_seconds: float
    compliance: list[Compliance]
    radius: BlastRadius | None = field(default=None)  # fix sets and what stays blocked; None when nothing is missing

    @property
    def model(self) -> ProjectModel:
        """The full project model (index, symbol tables, resolver, graph); made on first use after a warm run."""
        return self.analysis.model()

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
            "files": self.analysis.file_count,
            "modules": self.analysis.module_count,
            "findings": len(self.findings),
            "errors": severities.get("error", 0),
            "warnings": severities.get("warning", 0),
            "info": severities.get("info", 0),
            "by_rule": dict(sorted(Counter(f.rule for f in self.findings).items())),
            "cycles": sum(1 for f in self.findings if f.rule == IMPORT_CYCLE),
            "missing_targets": [target.to_dict() for target in self.missing_targets],
            "fix_sets": self.radius.to_dict() if self.radius is not None else None,
            "ssot": self._ssot_summary(),
            "left_out": [
                {"path": folder + "/", "files": files, "reason": reason, "include": f"--include {folder}"}
                for folder, files, reason in self.analysis.layout.left_out
            ],
            "elapsed_seconds": round(self.elapsed_seconds, 3),
        }

    def _ssot_summary(self) -> dict[str, Any]:
        strings = Counter(f.ssot_rule for f in self.findings if f.rule == SSOT_VIOLATION and f.reference == "string")
        rules = [{**c.to_dict(), "violating_strings": strings.get(c.rule, 0)} for c in self.compliance]
        compliant = sum(r["compliant_imports"] for r in rules)
        violating = sum(r["violating_imports"] for r in rules)
        files = {path for c in self.compliance for path, _line in c.violating_statements}
        return {
            "rules": rules,
            "compliant_imports": compliant,
            "violating_imports": violating,
            "violating_strings": sum(strings.values()),
            "violating_files": len(files),
            "compliance": round(1.0 if compliant + violating == 0 else compliant / (compliant + violating), 4),
        }

    def to_dict(self) -> dict[str, Any]:
        """The stable JSON contract: {"findings": [...], "summary": {...}}."""
        return {"findings": [f.to_dict() for f in self.findings], "summary": self.summary()}


def run_scan(
    root: Path,
    settings: Settings,
    *,
    jobs: int | None = None,
    use_git: bool = True,
    use_cache: bool = True,
    progress: Progress | None = None,
) -> ScanResult:
    """Scan the project at `root` with `settings`.

    With `use_cache`, the analysis is incremental: kept in `root/.remediator/cache/`, only the files whose
    inputs changed are analysed again. `progress` hears of each step (`remediator.domain.progress`).
    """
    from remediator.application.incremental import open_analysis

    started = time.perf_counter()
    with open_analysis(root, settings, jobs=jobs, use_cache=use_cache, progress=progress) as analysis:
        return report(analysis, use_git=use_git, started=started, progress=progress)


def analyse(model: ProjectModel, *, use_git: bool = True, started: float | None = None) -> ScanResult:
    """Run every rule on a built model, add suggestions and the blast radius."""
    started = time.perf_counter() if started is None else started
    with no_cyclic_gc():  # like the build, the rules allocate many small acyclic objects
        analysis, _details = analyse_model(model, keep_details=False)
        return report(analysis, use_git=use_git, started=started)


def report(
    analysis: ProjectAnalysis,
    *,
    use_git: bool = True,
    started: float | None = None,
    progress: Progress | None = None,
) -> ScanResult:
    """The scan result of an analysis: every finding with its suggestion, compliance, and the blast radius."""
    from remediator.application.blast_radius import blast_radius
    from remediator.application.suggestions import add_suggestions

    started = time.perf_counter() if started is None else started
    findings = analysis.findings()
    with Step(progress, "suggest", len(findings)):
        findings = add_suggestions(analysis, findings, use_git=use_git)
        radius = blast_radius(analysis, findings)
    return ScanResult(
        analysis.root,
        findings,
        radius.targets,
        analysis,
        time.perf_counter() - started,
        analysis.compliance(),
        radius if radius.targets else None,
    )
