"""How much each missing target breaks: importers, failing modules, uncollectable test files."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from remediator.analysis.project import ProjectModel
from remediator.analysis.resolver import MISSING_MODULE, MISSING_NAME
from remediator.domain.facts import breaks_importer
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
        }


def missing_targets(model: ProjectModel, findings: list[Finding]) -> list[MissingTarget]:
    """Group broken-import findings by what is missing and compute each group's blast radius."""
    groups: dict[tuple[str, str | None], MissingTarget] = {}
    for finding in findings:
        if finding.rule not in (MISSING_MODULE, MISSING_NAME) or finding.target is None:
            continue
        key = (finding.target, finding.name if finding.rule == MISSING_NAME else None)
        group = groups.setdefault(key, MissingTarget(*key))
        if finding.reference == "string":
            group.string_references += 1
        elif finding.importer:
            group.importers.add(finding.importer)
        if group.suggestion is None and finding.suggestion is not None:
            group.suggestion = finding.suggestion
    seeds: dict[tuple[str, str | None], set[str]] = defaultdict(set)
    for parsed in model.files:
        if parsed.source.is_stub:
            continue
        for record, resolution in parsed.resolutions:
            if resolution.status == MISSING_MODULE:
                key = (resolution.target, None)
            elif resolution.status == MISSING_NAME:
                key = (resolution.target, resolution.name)
            else:
                continue
            if key in groups and breaks_importer(record.context):
                seeds[key].add(parsed.module)
    packages = model.packages_below()
    test_files = _test_files_by_module(model)
    conftests = {p.module: str(PurePosixPath(p.source.relpath).parent) for p in model.files if p.source.relpath.endswith("conftest.py")}
    for key, group in groups.items():
        group.failing_modules = model.graph.failing_modules(seeds.get(key, set()), packages)
        group.failing_test_files = _failing_tests(group.failing_modules, test_files, conftests)
    return sorted(groups.values(), key=lambda g: (-len(g.failing_modules), -len(g.importers), g.label))


def _test_files_by_module(model: ProjectModel) -> dict[str, str]:
    return {p.module: p.source.relpath for p in model.files if not p.source.is_stub and model.is_test_file(p.source.relpath)}


def _failing_tests(failing: set[str], test_files: dict[str, str], conftests: dict[str, str]) -> list[str]:
    """Test files pytest cannot collect: failing test modules, and every test below a failing conftest."""
    paths = {test_files[m] for m in failing if m in test_files}
    for directory in (conftests[m] for m in failing if m in conftests):
        prefix = "" if directory == "." else directory + "/"
        paths.update(path for path in test_files.values() if path.startswith(prefix))
    return sorted(paths)
