"""How much each missing target breaks: importers, failing modules, uncollectable test files."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from remediator.analysis.resolver import MISSING_MODULE, MISSING_NAME
from remediator.application.project_analysis import ProjectAnalysis
from remediator.domain.findings import Finding, Suggestion


@dataclass(slots=True)
class MissingTarget:
    """A missing module (name None) or a missing name in an existing module."""

    target: str
    name: str | None
    importers: set[str] = field(default_factory=set)
    string_references: int = 0
    failing_modules: set[str] = field(default_factory=set)
    failing_test_files: list[str] = field(default_factory=list)
    suggestion: Suggestion | None = None
    loose: tuple[str, ...] = ()  # when every importer lies in loose folders (nothing imports them, no tests): those folders

    @property
    def kind(self) -> str:
        return MISSING_NAME if self.name is not None else MISSING_MODULE

    @property
    def label(self) -> str:
        return self.target if self.name is None else f"{self.target}.{self.name}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "name": self.name,
            "kind": self.kind,
            "importers": len(self.importers),
            "string_references": self.string_references,
            "failing_modules": len(self.failing_modules),
            "failing_test_files": self.failing_test_files,
            "suggestion": self.suggestion.to_dict() if self.suggestion else None,
            "loose_folders": list(self.loose),
        }


def missing_targets(analysis: ProjectAnalysis, findings: list[Finding]) -> list[MissingTarget]:
    """Group broken-import findings by what is missing and compute each group's blast radius.

    Biggest blast radius first; targets needed only by loose folders (`ProjectAnalysis.loose_folders`) come last.
    """
    groups: dict[tuple[str, str | None], MissingTarget] = {}
    places: dict[tuple[str, str | None], set[str]] = {}  # the top-level folders of each target's importers
    for finding in findings:
        if finding.rule not in (MISSING_MODULE, MISSING_NAME) or finding.target is None:
            continue
        key = (finding.target, finding.name if finding.rule == MISSING_NAME else None)
        group = groups.setdefault(key, MissingTarget(*key))
        if finding.reference == "string":
            group.string_references += 1
        elif finding.importer:
            group.importers.add(finding.importer)
        if finding.importer:
            places.setdefault(key, set()).add(finding.importer.partition(".")[0])
        if group.suggestion is None and finding.suggestion is not None:
            group.suggestion = finding.suggestion
    if not groups:
        return []
    seeds = analysis.seeds()
    conftests = analysis.conftests()
    loose = analysis.loose_folders()
    for key, group in groups.items():
        group.failing_modules = analysis.failing_modules(seeds.get(key, set()))
        group.failing_test_files = _failing_tests(analysis, group.failing_modules, conftests)
        tops = places.get(key, set())
        if tops and tops <= loose:
            group.loose = tuple(sorted(tops))
    # A target only loose code needs never ranks above one the live packages need.
    return sorted(groups.values(), key=lambda g: (bool(g.loose), -len(g.failing_modules), -len(g.importers), g.label))


def _failing_tests(analysis: ProjectAnalysis, failing: set[str], conftests: dict[str, str]) -> list[str]:
    """Test files pytest cannot collect: failing test modules, and every test below a failing conftest."""
    paths = {path for module in failing if (path := analysis.test_file_of(module)) is not None}
    for folder in {conftests[module] for module in failing if module in conftests}:
        paths.update(analysis.test_files_below(folder))
    return sorted(paths)
