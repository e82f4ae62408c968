"""ssot-violation: in-scope imports that bypass a single source of truth.

A `[[tool.remediator.ssot]]` rule forbids importing `forbid` modules from
`scope` (minus `allow`); importers should use `use`. Re-exports are followed:
`from pkg import JWTHandler`, where pkg re-exports it from a forbidden module,
is a violation too, and so is a `patch("...")` string naming a forbidden module.

A rule without `use` (an ssot table written without one, or an import-linter
`forbidden` contract) only detects: its findings name the rule, carry no
suggestion, and `fix` leaves them. Its `ignore` pairs (import-linter's
`ignore_imports`) let single imports through.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from functools import lru_cache
from dataclasses import dataclass, field
from typing import Any

from remediator.analysis.project import ModelQueries, ParsedFile
from remediator.analysis.resolver import OK, MISSING_NAME, Resolution
from remediator.domain.config import IMPORTLINTER_ORIGIN, SsotRule, pattern_matches
from remediator.domain.facts import Context
from remediator.domain.findings import DANGLING_SETTING, SSOT_VIOLATION, Finding, Suggestion


@dataclass(slots=True)
class Compliance:
    """How far one rule's scope already goes through its `use` module."""

    rule: str
    use: str | None
    compliant_statements: set[tuple[str, int]] = field(default_factory=set)
    violating_statements: set[tuple[str, int]] = field(default_factory=set)

    @property
    def compliant_only(self) -> set[tuple[str, int]]:
        """Statements that go through `use` and bypass it nowhere (a mixed statement is violating)."""
        return self.compliant_statements - self.violating_statements

    @property
    def share(self) -> float:
        total = len(self.compliant_only) + len(self.violating_statements)
        return 1.0 if total == 0 else len(self.compliant_only) / total

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "use": self.use,
            "compliant_imports": len(self.compliant_only),
            "violating_imports": len(self.violating_statements),
            "violating_files": len({path for path, _line in self.violating_statements}),
            "compliance": round(self.share, 4),
        }


def project_findings(model: ModelQueries, root: Path) -> list[Finding]:
    """Findings about the project's set-up rather than one file: dangling settings, sys.path changes not modelled."""
    from remediator.rules.sys_path_notes import sys_path_findings

    search_path = model.resolver.search_path
    return dangling_settings(model, root) + (sys_path_findings(search_path.notes) if search_path is not None else [])


def dangling_settings(model: ModelQueries, root: Path) -> list[Finding]:
    """`dangling-setting` findings: ssot and move rules whose module (or mapped name) does not exist.

    The rest of the analysis runs as usual; fix leaves such a rule out (there is
    nowhere to rewrite to). Each finding is located at the setting in the
    settings file (line 1 when the line cannot be found).
    """
    findings: list[Finding] = []
    for rule in model.settings.ssot:
        if rule.use is None:
            continue  # detection only
        if not model.index.exists(rule.use):
            findings.append(
                _dangling(
                    model,
                    root,
                    rule.use,
                    None,
                    rule.name,
                    f"ssot rule {rule.name!r}: use = {rule.use!r}, but module {rule.use} does not exist in the project",
                )
            )
            continue
        for old, new in rule.symbols:
            first = new.split(".")[0]
            if model.symbols.has_name(rule.use, first) is False and not model.index.exists(f"{rule.use}.{first}"):
                findings.append(
                    _dangling(
                        model,
                        root,
                        rule.use,
                        first,
                        rule.name,
                        f"ssot rule {rule.name!r}: symbols maps {old!r} to {new!r}, but {rule.use} does not define {first!r}",
                    )
                )
    for i, move in enumerate(model.settings.move):
        if not model.index.exists(move.destination):
            findings.append(
                _dangling(
                    model,
                    root,
                    move.destination,
                    None,
                    f"move:{move.source}",
                    f"move rule tool.remediator.move[{i}]: to = {move.destination!r}, but module {move.destination} does not exist in the project",
                )
            )
    return findings


def live_rule_modules(model: ModelQueries) -> set[str]:
    """The `use`/`to` modules of the settings that exist: the ones fix may rewrite to."""
    wanted = {rule.use for rule in model.settings.ssot if rule.use} | {move.destination for move in model.settings.move}
    return {module for module in wanted if model.index.exists(module)}


def _dangling(model: ModelQueries, root: Path, module: str, name: str | None, rule: str, message: str) -> Finding:
    path, line = _setting_place(model.settings.source, root, module)
    return Finding(DANGLING_SETTING, path, line, 1, None, module, name, "error", message, ssot_rule=rule)


def _setting_place(source: Path | None, root: Path, module: str) -> tuple[str, int]:
    """Where the settings file names `module` (root-relative path, line); the file's first line otherwise."""
    if source is None:
        return "pyproject.toml", 1
    try:
        shown = Path(os.path.abspath(source)).relative_to(os.path.abspath(root)).as_posix()
    except ValueError:
        shown = str(source)
    try:
        text = source.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return shown, 1
    for number, line in enumerate(text.splitlines(), 1):
        if f'"{module}"' in line or f"'{module}'" in line:
            return shown, number
    return shown, 1


def in_scope(rule: SsotRule, module: str) -> bool:
    """True when `module` is bound by the rule: in scope, not allowed, not forbidden, not `use` itself.

    A contract's importers are all those in scope: which forbidden modules each may not
    import is decided per import, by `SsotRule.contract_forbids`.
    """
    if rule.scope and not _matches(rule.scope, module):
        return False
    if rule.origin == IMPORTLINTER_ORIGIN:
        return True  # a contract exempts the pairs that overlap, per import (`SsotRule.contract_forbids`)
    exempt = (*rule.allow, *rule.forbid, *((rule.use,) if rule.use else ()))
    return not _matches(exempt, module)


def forbidden_path(model: ModelQueries, rule: SsotRule, resolution: Resolution) -> tuple[str, ...] | None:
    """The module chain through which this import reaches a forbidden module, or None."""
    imported = resolution.depends_on or resolution.target
    if _matches(rule.forbid, imported):
        return (imported,)
    if resolution.status != OK or not resolution.name or resolution.name == "*" or resolution.depends_on != resolution.target:
        return None
    chain = model.symbols.provenance(resolution.target, resolution.name)
    for position, module in enumerate(chain[1:], 1):
        if rule.use and (module == rule.use or module.startswith(rule.use + ".")):
            return None  # the name reaches this importer through the single source of truth
        if _matches(rule.forbid, module):
            return chain[: position + 1]
    return None


def ssot_violations_in(model: ModelQueries, rule: SsotRule, parsed: ParsedFile, figure: Compliance) -> Iterable[Finding]:
    """One rule's violations in one in-scope file (imports, then strings); its statements counted in `figure`."""
    source = parsed.source
    for record, resolution in parsed.resolutions:
        if resolution.status not in (OK, MISSING_NAME) or not model.index.is_internal(resolution.target):
            continue
        statement = (source.relpath, record.line)
        imported = resolution.depends_on or resolution.target
        if rule.use and (imported == rule.use or imported.startswith(rule.use + ".")):
            figure.compliant_statements.add(statement)
            continue
        chain = forbidden_path(model, rule, resolution)
        if chain is None or _ignored(rule, parsed.module, imported, chain):
            continue
        figure.violating_statements.add(statement)
        yield _finding(rule, parsed, resolution, chain, record.line, record.column, record.context, "import")
    for reference in parsed.facts.strings:
        resolution = model.resolver.resolve_string(source.module, source.is_package, reference, parsed.facts.imports)
        if resolution.status != OK:
            continue
        named = resolution.depends_on or resolution.target
        if rule.use and (named == rule.use or named.startswith(rule.use + ".")):
            continue  # `patch("<use>.Name")`: it goes through the single source of truth, like an import of it
        chain = forbidden_path(model, rule, resolution)
        if chain is not None and not _ignored(rule, parsed.module, named, chain):
            yield _finding(rule, parsed, resolution, chain, reference.line, reference.column, reference.context, "string")


def _ignored(rule: SsotRule, importer: str, imported: str, chain: tuple[str, ...]) -> bool:
    """True when the rule lets this import through: an `ignore_imports` pair names it (the module it imports, or the
    forbidden module a re-export reaches), or, for a contract, the importer and the forbidden module overlap."""
    if rule.ignore and (rule.ignores(importer, imported) or rule.ignores(importer, chain[-1])):
        return True
    return rule.origin == IMPORTLINTER_ORIGIN and not rule.contract_forbids(importer, chain[-1])


def _finding(
    rule: SsotRule,
    parsed: ParsedFile,
    resolution: Resolution,
    chain: tuple[str, ...],
    line: int,
    column: int,
    context: int,
    reference: str,
) -> Finding:
    name = resolution.name if resolution.name != "*" else None
    is_module = name is not None and resolution.depends_on == f"{resolution.target}.{name}"
    mapped = dict(rule.symbols).get(name or "", name) if name and not is_module else None
    via = f" (re-exported through {' -> '.join(chain)})" if len(chain) > 1 else ""
    what = f"{name!r} from {resolution.target}" if name else resolution.target
    if rule.use is None:
        advice, suggestion = f"forbidden by {rule.label()}", None  # detection only: nothing to use instead
    else:
        instead = f"{mapped} from {rule.use}" if mapped else rule.use
        advice = f"bypassing {rule.use} (rule {rule.name}); use {instead}"
        suggestion = Suggestion("use", rule.use, _how(rule.use, mapped))
    return Finding(
        rule=SSOT_VIOLATION,
        path=parsed.source.relpath,
        line=line,
        column=column,
        importer=parsed.module,
        target=resolution.target,
        name=name,
        severity="error",
        message=f"imports {what}{via}, {advice}",
        guarded=bool(context & Context.GUARDED),
        reference="string" if reference == "string" else "import",
        type_checking=bool(context & Context.TYPE_CHECKING),
        suggestion=suggestion,
        ssot_rule=rule.name,
    )


def _how(use: str, mapped: str | None) -> str:
    """What to write instead, as an import statement (and the expression to use, for an attribute path)."""
    if mapped is None:
        return f"import from {use}"
    head, _, rest = mapped.partition(".")
    if rest:
        return f"from {use} import {head}, then use {mapped}"
    return f"from {use} import {head}"


def _matches(patterns: Iterable[str], module: str) -> bool:
    return _matches_cached(tuple(patterns), module)


@lru_cache(maxsize=1 << 16)
def _matches_cached(patterns: tuple[str, ...], module: str) -> bool:
    """Pattern matching is asked for every import of every in-scope module: the answers repeat."""
    return any(pattern_matches(pattern, module) for pattern in patterns)
