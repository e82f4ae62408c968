"""Turn findings and settings into a plan: which redirects apply to which file.

Redirects come from three places, all applied in one pass per file:
- `[[tool.remediator.ssot]]` rules: a violating import goes to the rule's `use`
  module, names mapped through `symbols`;
- `[[tool.remediator.move]]` rules: every import of the old module goes to the new one;
- with `suggested`, scan's unambiguous `move` suggestions for missing modules and names
  (never a `candidate`), each in the files whose findings carry it.
Files that cannot match any redirect are left out here, before any LibCST parse.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from remediator.analysis.project import ParsedFile, ProjectModel
from remediator.domain.config import pattern_matches
from remediator.domain.findings import MISSING_MODULE, MISSING_NAME, SSOT_VIOLATION, Finding
from remediator.domain.plan import ModuleRedirect, NameRedirect, Redirects

SUGGESTED = "suggested"


@dataclass(slots=True)
class FilePlan:
    """The redirects for one file, and the names other modules import from it."""

    parsed: ParsedFile
    redirects: Redirects
    protected_names: frozenset[str]
    findings: list[Finding] = field(default_factory=list)


def plan_fixes(model: ProjectModel, findings: list[Finding], *, rules: tuple[str, ...] = (), suggested: bool = False) -> list[FilePlan]:
    """One FilePlan per file that some redirect may change."""
    selected = set(rules)
    global_modules: list[ModuleRedirect] = [
        ModuleRedirect(move.source, move.destination, rule=f"move:{move.source}")
        for move in model.settings.move
        if (not selected or f"move:{move.source}" in selected or "move" in selected)
        and model.index.exists(move.destination)  # a dangling rule (its own finding) has nowhere to rewrite to
    ]
    per_file_modules: dict[str, list[ModuleRedirect]] = defaultdict(list)
    per_file_names: dict[str, list[NameRedirect]] = defaultdict(list)
    per_file_findings: dict[str, list[Finding]] = defaultdict(list)
    ssot_rules = {
        rule.name: rule
        for rule in model.settings.ssot
        if rule.use and model.index.exists(rule.use) and (not selected or rule.name in selected)
    }  # detection-only rules (no `use`) and dangling ones (`use` missing) have nothing to rewrite to
    for finding in findings:
        if finding.rule == SSOT_VIOLATION and finding.ssot_rule in ssot_rules:
            rule = ssot_rules[finding.ssot_rule]
            assert rule.use is not None  # detection-only rules were left out above
            per_file_findings[finding.path].append(finding)
            imported = _imported_module(model, finding)
            if imported is not None and imported != finding.target:
                per_file_modules[finding.path].append(ModuleRedirect(imported, rule.use, True, rule.symbols, rule.name))
            elif finding.name and not any(pattern_matches(p, finding.target or "") for p in rule.forbid):
                # the target is not forbidden itself: the name arrived through a re-export
                path = dict(rule.symbols).get(finding.name, finding.name)
                per_file_names[finding.path].append(NameRedirect(finding.target or "", finding.name, rule.use, path, rule.name))
            else:
                per_file_modules[finding.path].append(ModuleRedirect(finding.target or "", rule.use, True, rule.symbols, rule.name))
        elif suggested and finding.rule in (MISSING_MODULE, MISSING_NAME) and finding.suggestion and finding.suggestion.kind == "move":
            if not selected or SUGGESTED in selected:
                per_file_findings[finding.path].append(finding)
                if finding.rule == MISSING_NAME and finding.target and finding.name:
                    per_file_names[finding.path].append(
                        NameRedirect(finding.target, finding.name, finding.suggestion.target, finding.name, SUGGESTED)
                    )
    if suggested and (not selected or SUGGESTED in selected):
        for path, redirect in _suggested_module_moves(findings):
            per_file_modules[path].append(redirect)
    global_modules = _unique_modules(global_modules)
    exported = _names_imported_from(model)
    plans = []
    for parsed in model.files:
        path = parsed.source.relpath
        modules = per_file_modules.get(path, []) + [r for r in global_modules if _mentions(parsed, r.old)]
        names = per_file_names.get(path, [])
        if not modules and not names:
            continue
        plans.append(
            FilePlan(
                parsed,
                Redirects(tuple(_unique_modules(modules)), tuple(dict.fromkeys(names))),
                frozenset(exported.get(parsed.module, ())),
                per_file_findings.get(path, []),
            )
        )
    return plans


def _suggested_module_moves(findings: list[Finding]) -> list[tuple[str, ModuleRedirect]]:
    """(file, redirect) for each missing module whose findings in that file agree on one move.

    A module redirect rewrites every import of the module in the file, so it is
    made only when no finding there for the same module has a candidate instead,
    or a move elsewhere: a name that must not go to the new home stays as it is.
    """
    moves: dict[tuple[str, str], set[str]] = defaultdict(set)
    refused: set[tuple[str, str]] = set()
    for finding in findings:
        if finding.rule != MISSING_MODULE or not finding.target:
            continue
        key = (finding.path, finding.target)
        suggestion = finding.suggestion
        if suggestion is not None and suggestion.kind == "move":
            moves[key].add(suggestion.target)
        elif any(s.kind == "candidate" for s in (suggestion, *finding.alternatives) if s is not None):
            refused.add(key)
    return [
        (path, ModuleRedirect(target, next(iter(destinations)), rule=SUGGESTED))
        for (path, target), destinations in moves.items()
        if len(destinations) == 1 and (path, target) not in refused
    ]


def _imported_module(model: ProjectModel, finding: Finding) -> str | None:
    """For `from pkg import mod` the module itself; for `from mod import name`, mod."""
    if finding.name and finding.target and model.index.exists(f"{finding.target}.{finding.name}"):
        return f"{finding.target}.{finding.name}"
    return finding.target


def _mentions(parsed: ParsedFile, module: str) -> bool:
    """True when the file imports or names `module` (or a submodule): worth a LibCST parse."""
    prefix = module + "."
    for _record, resolution in parsed.resolutions:
        for candidate in (resolution.target, resolution.depends_on or "", f"{resolution.target}.{resolution.name}"):
            if candidate == module or candidate.startswith(prefix):
                return True
    if any(ref.text == module or ref.text.startswith(prefix) for ref in parsed.facts.strings):
        return True
    return _reaches_through_attributes(parsed, module)


def _reaches_through_attributes(parsed: ParsedFile, module: str) -> bool:
    """True when a plain `import a` (or `import a.b as ab`) may reach `module` as `a.b.c` and the text names its leaf."""
    for record in parsed.facts.imports:
        if record.name is None and not record.level:
            bound = record.module if record.alias else record.module.split(".")[0]
            if module.startswith(bound + "."):
                break
    else:
        return False
    try:
        text = parsed.source.path.read_bytes()
    except OSError:
        return False
    return ("." + module.rsplit(".", 1)[-1]).encode() in text


def _names_imported_from(model: ProjectModel) -> dict[str, set[str]]:
    """module -> names that other modules import from it (re-exports a rewrite must keep)."""
    exported: dict[str, set[str]] = defaultdict(set)
    for parsed in model.files:
        for _record, resolution in parsed.resolutions:
            if resolution.name and resolution.name != "*":
                exported[resolution.target].add(resolution.name)
    return exported


def _unique_modules(redirects: list[ModuleRedirect]) -> list[ModuleRedirect]:
    seen: dict[str, ModuleRedirect] = {}
    for redirect in redirects:
        seen.setdefault(redirect.old, redirect)
    return list(seen.values())
