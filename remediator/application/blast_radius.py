"""How much each missing target breaks, what fixing it unblocks, and which targets must be fixed together.

`failing_modules` of a target is an upper bound: everything that fails while it
is missing. What a fix really unblocks depends on every other break: a module
that imports two missing modules stays broken until both are back. Each module
and each test file that fails gets the set of causes that break it (the missing
targets it reaches, plus one cause for every unparsable module, which no import
fix repairs); a target alone unblocks what has it as its only cause, and a fix
set is a set of targets that together unblock more (greedy order, see
`fix_sets`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from remediator.analysis.resolver import MISSING_MODULE, MISSING_NAME
from remediator.application.project_analysis import MissingKey, ProjectAnalysis
from remediator.domain.findings import SYNTAX_ERROR, UNREADABLE_FILE, Finding, Suggestion

# Stands for every unparsable module in a module's causes: no import fix unblocks what it breaks.
UNPARSABLE: MissingKey = ("<unparsable module>", None)
# Stands for every break a check does not report, unparsable modules included (`reported_targets`).
ELSEWHERE: MissingKey = ("<another break>", None)
# A fix set of more targets than this is found by scanning, not by listing subsets.
_SUBSET_LIMIT = 10


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
    unblocked_modules: set[str] = field(default_factory=set)  # import cleanly once this target alone is fixed
    unblocked_test_files: list[str] = field(default_factory=list)
    fix_set: int | None = None  # the number of the fix set (1-based) that holds this target

    @property
    def key(self) -> MissingKey:
        return (self.target, self.name)

    @property
    def kind(self) -> str:
        return MISSING_NAME if self.name is not None else MISSING_MODULE

    @property
    def label(self) -> str:
        return _label(self.key)

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "name": self.name,
            "kind": self.kind,
            "importers": len(self.importers),
            "string_references": self.string_references,
            "failing_modules": len(self.failing_modules),
            "failing_test_files": self.failing_test_files,
            "unblocks": {"modules": len(self.unblocked_modules), "test_files": self.unblocked_test_files},
            "fix_set": self.fix_set,
            "suggestion": self.suggestion.to_dict() if self.suggestion else None,
            "loose_folders": list(self.loose),
        }


@dataclass(frozen=True, slots=True)
class BindingImport:
    """An import line that ties the targets of a fix set together (`path:line`, written as `statement`)."""

    path: str
    line: int
    statement: str

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "line": self.line, "statement": self.statement}


@dataclass(frozen=True, slots=True)
class FixSet:
    """One step of the greedy order: targets to fix together, and what they unblock once earlier steps are done."""

    number: int
    targets: tuple[str, ...]  # labels, as in MissingTarget.label
    modules: tuple[str, ...]
    test_files: tuple[str, ...]
    binding_imports: tuple[BindingImport, ...] = ()  # for a set of several targets: where they meet

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "targets": list(self.targets),
            "unblocks": {"modules": len(self.modules), "test_files": list(self.test_files)},
            "binding_imports": [b.to_dict() for b in self.binding_imports],
        }


@dataclass(slots=True)
class BlastRadius:
    """Missing targets in fix order, the fix sets, and what stays broken whatever imports are fixed."""

    targets: list[MissingTarget]
    fix_sets: list[FixSet]
    blocked_by_unparsable: tuple[str, ...] = ()  # test files that also need an unparsable module repaired

    def to_dict(self) -> dict[str, Any]:
        return {
            "order": "greedy: each step takes the targets that unblock the most test files per target fixed (then the fewest targets)",
            "steps": [fix_set.to_dict() for fix_set in self.fix_sets],
            "blocked_by_unparsable_modules": list(self.blocked_by_unparsable),
        }


def missing_targets(analysis: ProjectAnalysis, findings: list[Finding]) -> list[MissingTarget]:
    """Group broken-import findings by what is missing, with each group's blast radius (see `blast_radius`)."""
    return blast_radius(analysis, findings).targets


def blast_radius(analysis: ProjectAnalysis, findings: list[Finding]) -> BlastRadius:
    """The targets of `findings` with blast radius and unblocks, and the fix sets of the whole project.

    What a fix unblocks is computed against every break of the project, not only
    those in `findings` (a check reports a few, but the others still break).
    Targets come in fix-set order, then by blast radius; targets needed only by
    loose folders (`ProjectAnalysis.loose_folders`) come last.
    """
    groups, places = _group(findings)
    if not groups:
        return BlastRadius([], [])
    seeds = analysis.seeds()
    conftests = analysis.conftests()
    reach = {key: analysis.failing_modules(modules) for key, modules in seeds.items()}
    unparsable = _unparsable_modules(analysis)
    if unparsable:
        reach[UNPARSABLE] = analysis.failing_modules(unparsable)
    module_causes = _causes(reach)
    test_causes = _test_file_causes(analysis, module_causes, conftests)
    loose = analysis.loose_folders()
    loose_keys = {key for key in groups if (tops := places.get(key)) and tops <= loose}
    steps = _greedy(module_causes, test_causes, loose_keys)
    fix_sets = [
        FixSet(
            number, tuple(_label(k) for k in keys), tuple(sorted(modules)), tuple(sorted(tests)), _binding_imports(keys, seeds, findings)
        )
        for number, (keys, modules, tests) in enumerate(steps, 1)
    ]
    step_of = {key: number for number, (keys, _m, _t) in enumerate(steps, 1) for key in keys}
    for key, group in groups.items():
        group.failing_modules = reach.get(key, set())
        group.failing_test_files = sorted(path for path, causes in test_causes.items() if key in causes)
        group.unblocked_modules = {module for module in group.failing_modules if module_causes[module] == {key}}
        group.unblocked_test_files = sorted(path for path, causes in test_causes.items() if causes == {key})
        group.fix_set = step_of.get(key)
        if key in loose_keys:
            group.loose = tuple(sorted(places[key]))
    # A target only loose code needs never ranks above one the live packages need.
    ordered = sorted(
        groups.values(),
        key=lambda g: (bool(g.loose), g.fix_set is None, g.fix_set or 0, -len(g.failing_modules), -len(g.importers), g.label),
    )
    blocked = tuple(sorted(path for path, causes in test_causes.items() if UNPARSABLE in causes))
    return BlastRadius(ordered, fix_sets, blocked)


def reported_targets(analysis: ProjectAnalysis, findings: list[Finding]) -> list[MissingTarget]:
    """The targets of `findings` with blast radius and unblocks, computed for those targets alone (check).

    `failing_modules`, `failing_test_files` and `unblocks` are what `blast_radius`
    gives: each needs the reach of the target itself, and whether anything else
    breaks a module, which is one reverse reachability from every other break at
    once (`ELSEWHERE`), not one per missing target of the project. `fix_set` stays
    None: the greedy order weighs every break on its own, and check lists no fix
    sets. Targets come by blast radius; those needed only by loose folders last.
    """
    groups, places = _group(findings)
    if not groups:
        return []
    seeds = analysis.seeds()
    reach = {key: analysis.failing_modules(seeds[key]) if key in seeds else set() for key in groups}
    others = {module for key, modules in seeds.items() if key not in groups for module in modules} | _unparsable_modules(analysis)
    collected: dict[str, set[MissingKey]] = defaultdict(set)
    for key, modules in reach.items():
        for module in modules:
            collected[module].add(key)
    reached = set(collected)
    for module in analysis.failing_modules(others) if others else ():
        collected[module].add(ELSEWHERE)
    module_causes = {module: frozenset(keys) for module, keys in collected.items()}
    test_causes = _test_file_causes(analysis, module_causes, analysis.conftests(), only=reached)
    loose = analysis.loose_folders()
    for key, group in groups.items():
        group.failing_modules = reach[key]
        group.failing_test_files = sorted(path for path, causes in test_causes.items() if key in causes)
        group.unblocked_modules = {module for module in group.failing_modules if module_causes[module] == {key}}
        group.unblocked_test_files = sorted(path for path, causes in test_causes.items() if causes == {key})
        if (tops := places.get(key)) and tops <= loose:
            group.loose = tuple(sorted(tops))
    return sorted(groups.values(), key=lambda g: (bool(g.loose), -len(g.failing_modules), -len(g.importers), g.label))


def _label(key: MissingKey) -> str:
    target, name = key
    return target if name is None else f"{target}.{name}"


def _group(findings: list[Finding]) -> tuple[dict[MissingKey, MissingTarget], dict[MissingKey, set[str]]]:
    """Broken-import findings by missing target; and the top-level folders of each target's importers."""
    groups: dict[MissingKey, MissingTarget] = {}
    places: dict[MissingKey, set[str]] = {}
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
    return groups, places


def _unparsable_modules(analysis: ProjectAnalysis) -> set[str]:
    """Modules whose runtime file cannot be read or parsed: importing them fails whatever imports are fixed."""
    return {
        analysis.module_of(relpath)
        for relpath, summary in analysis.summaries.items()
        if not relpath.endswith(".pyi") and any(f.rule in (SYNTAX_ERROR, UNREADABLE_FILE) for _rank, f in summary.findings)
    }


def _causes(reach: dict[MissingKey, set[str]]) -> dict[str, frozenset[MissingKey]]:
    """Module -> every cause that breaks it (one frozenset object per distinct set)."""
    collected: dict[str, set[MissingKey]] = defaultdict(set)
    for key, modules in reach.items():
        for module in modules:
            collected[module].add(key)
    interned: dict[frozenset[MissingKey], frozenset[MissingKey]] = {}
    return {module: interned.setdefault(frozenset(keys), frozenset(keys)) for module, keys in collected.items()}


def _test_file_causes(
    analysis: ProjectAnalysis,
    module_causes: dict[str, frozenset[MissingKey]],
    conftests: dict[str, str],
    only: Collection[str] | None = None,
) -> dict[str, frozenset[MissingKey]]:
    """Test file -> the causes that keep pytest from collecting it: its module's, and those of every conftest above it.

    With `only`, just the test files of those failing modules and those below their conftests.
    """
    failing_conftests = {folder: module_causes[module] for module, folder in conftests.items() if module in module_causes}
    paths: set[str] = set()
    for module in module_causes if only is None else only:
        path = analysis.test_file_of(module)
        if path is not None:
            paths.add(path)
    for module, folder in conftests.items():
        if module in (module_causes if only is None else only):
            paths.update(analysis.test_files_below(folder))
    causes: dict[str, frozenset[MissingKey]] = {}
    for path in paths:
        found = set(module_causes.get(analysis.module_of(path), ()))
        for folder, conftest_causes in failing_conftests.items():
            if folder == "." or path.startswith(folder + "/"):
                found |= conftest_causes
        causes[path] = frozenset(found)
    return causes


def _greedy(
    module_causes: dict[str, frozenset[MissingKey]],
    test_causes: dict[str, frozenset[MissingKey]],
    loose: set[MissingKey],
) -> list[tuple[tuple[MissingKey, ...], set[str], set[str]]]:
    """Fix sets in greedy order: (targets, modules unblocked, test files unblocked) per step.

    Each step takes, among the sets of causes still left (what remains of some
    item's causes once earlier steps are fixed), the one that unblocks the most
    test files per target; ties go to the smaller set, then to the most modules
    per target, then to the first in name order. A set of targets only loose
    folders need (`loose`) comes after every other. Items broken by an
    unparsable module are never unblocked.
    """
    residuals: dict[frozenset[MissingKey], tuple[set[str], set[str]]] = defaultdict(lambda: (set(), set()))
    for module, causes in module_causes.items():
        if UNPARSABLE not in causes:
            residuals[causes][0].add(module)
    for path, causes in test_causes.items():
        if UNPARSABLE not in causes and causes:
            residuals[causes][1].add(path)
    steps: list[tuple[tuple[MissingKey, ...], set[str], set[str]]] = []
    while residuals:
        best = min(residuals, key=lambda candidate: (candidate <= loose, _score(candidate, residuals)))
        modules: set[str] = set()
        tests: set[str] = set()
        remaining: dict[frozenset[MissingKey], tuple[set[str], set[str]]] = defaultdict(lambda: (set(), set()))
        for causes, (group_modules, group_tests) in residuals.items():
            if causes <= best:
                modules |= group_modules
                tests |= group_tests
            else:
                left = remaining[causes - best]
                left[0].update(group_modules)
                left[1].update(group_tests)
        steps.append((tuple(sorted(best, key=_label)), modules, tests))
        residuals = remaining
    return steps


def _score(
    candidate: frozenset[MissingKey], residuals: dict[frozenset[MissingKey], tuple[set[str], set[str]]]
) -> tuple[float, int, float, tuple[str, ...]]:
    """Sort key (smallest is best) of fixing `candidate` next: what it unblocks per target fixed."""
    tests = modules = 0
    for subset in _subsets_present(candidate, residuals):
        group_modules, group_tests = residuals[subset]
        tests += len(group_tests)
        modules += len(group_modules)
    size = len(candidate)
    return (-tests / size, size, -modules / size, tuple(sorted(_label(k) for k in candidate)))


def _subsets_present(candidate: frozenset[MissingKey], present: Collection[frozenset[MissingKey]]) -> list[frozenset[MissingKey]]:
    """The members of `present` that are subsets of `candidate`."""
    if len(candidate) > _SUBSET_LIMIT:
        return [causes for causes in present if causes <= candidate]
    items = sorted(candidate, key=_label)
    found = []
    for size in range(1, len(items) + 1):
        for combination in combinations(items, size):
            subset = frozenset(combination)
            if subset in present:
                found.append(subset)
    return found


def _binding_imports(keys: tuple[MissingKey, ...], seeds: dict[MissingKey, set[str]], findings: list[Finding]) -> tuple[BindingImport, ...]:
    """For a fix set of several targets, the import lines that make it one: those of modules importing two or more
    of them (`from a import *` twice in one `__init__.py`); failing that, the first import line of each target."""
    if len(keys) < 2:
        return ()
    by_module: dict[str, set[MissingKey]] = defaultdict(set)
    for key in keys:
        for module in seeds.get(key, ()):
            by_module[module].add(key)
    shared = {module for module, found in by_module.items() if len(found) > 1}
    lines: dict[tuple[str, int], BindingImport] = {}
    first: dict[MissingKey, BindingImport] = {}
    for finding in findings:
        if finding.rule not in (MISSING_MODULE, MISSING_NAME) or finding.reference != "import" or finding.target is None:
            continue
        key = (finding.target, finding.name if finding.rule == MISSING_NAME else None)
        if key not in keys or finding.guarded or finding.type_checking:
            continue
        binding = BindingImport(finding.path, finding.line, _statement(finding))
        if finding.importer in shared:
            lines.setdefault((finding.path, finding.line), binding)
        first.setdefault(key, binding)
    chosen = list(lines.values()) if lines else [first[key] for key in keys if key in first]
    return tuple(sorted(chosen, key=lambda b: (b.path, b.line)))


def _statement(finding: Finding) -> str:
    """The import as written in essence (`from a import *`, `import a.b`)."""
    if finding.rule == MISSING_NAME or finding.name:
        return f"from {finding.target} import {finding.name}"
    return f"import {finding.target}"
