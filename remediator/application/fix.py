"""The fix use case: plan redirects, run the codemod once per file, verify, then diff or write.

Every rewritten file is verified against the project model before it is kept:
it must parse, compile (when the original compiled under this interpreter), and
its imports must resolve at least as well as before, through the same
ModuleResolver the scan uses.
"""

from __future__ import annotations

import ast
import difflib
import os
import time
import warnings
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Callable
from typing import Any

from remediator.adapters.parallel import parse_bytes
from remediator.adapters.journal import Journal
from remediator.adapters.platform import pool_context
from remediator.analysis.project import ParsedFile, ProjectModel, chunks
from remediator.application.project_model import with_new_sources
from remediator.analysis.resolver import MISSING_MODULE, MISSING_NAME
from remediator.application.batch_run import BatchOutcome, Rewrite, apply_in_batches
from remediator.application.fix_plan import FilePlan, plan_fixes
from remediator.application.fix_scope import FixScope
from remediator.application.patch_strings import READERS, StringPolicy
from remediator.application.scan import ScanResult, analyse, run_scan
from remediator.domain.config import Settings
from remediator.domain.findings import SYNTAX_ERROR, UNREADABLE_FILE, Finding
from remediator.domain.plan import FixOptions
from remediator.domain.progress import Progress, Step


@dataclass(frozen=True, slots=True)
class FileChange:
    """A verified rewrite of one file."""

    path: str
    before: bytes
    after: bytes
    rules: tuple[str, ...]
    strings: tuple[tuple[str, str], ...] = ()  # (old, new) of each patch()/import_module() string retargeted

    def diff(self) -> str:
        old = self.before.decode("utf-8", "replace").splitlines(keepends=True)
        new = self.after.decode("utf-8", "replace").splitlines(keepends=True)
        return "".join(difflib.unified_diff(old, new, f"a/{self.path}", f"b/{self.path}"))


@dataclass(frozen=True, slots=True)
class Skip:
    """What fix did not change, and why (`unmapped-symbol`, `name-clash`, `syntax-error`, ...).

    With a `line`, one import statement was left as it was (the file's other statements may be rewritten);
    without, the whole file.
    """

    path: str
    reason: str
    detail: str
    line: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "line": self.line, "reason": self.reason, "detail": self.detail}

    @property
    def location(self) -> str:
        """`path:line`, or the path alone for a whole file."""
        return self.path if self.line is None else f"{self.path}:{self.line}"


@dataclass(frozen=True, slots=True)
class StringLeft:
    """A `patch("...")` / `import_module("...")` string fix did not retarget (information, not an error)."""

    path: str
    line: int
    text: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "line": self.line, "text": self.text, "reason": self.reason}


@dataclass(slots=True)
class FixResult:
    """What fix did (or, without --apply, would do)."""

    root: Path
    before: ScanResult
    changes: list[FileChange]
    skipped: list[Skip]
    applied: bool
    after: ScanResult | None = None
    elapsed_seconds: float = 0.0
    rule_counts: Counter[str] = field(default_factory=Counter)
    batch: BatchOutcome | None = None
    unfinished_runs: list[str] = field(default_factory=list)
    strings_left: list[StringLeft] = field(default_factory=list)
    unfixed: list[Finding] = field(default_factory=list)  # remaining errors of the rules fix ran (see `FixScope`)

    @property
    def remaining(self) -> list[Any]:
        """Error findings still there: after the rewrite when applied, else before it."""
        scan = self.after if self.after is not None else self.before
        return scan.errors

    @property
    def exit_code(self) -> int:
        """1 when something in the scope of the rules fix ran still violates them or could not be fixed
        (a skipped file or statement, an `unfixed` finding), or, without --apply, when there is something to write.

        Errors no rule of fix covers (a missing module with no move) and files outside every rule's scope do not count.
        """
        if not self.applied:
            return 1 if self.changes or self.skipped or self.unfixed else 0
        return 1 if self.skipped or self.unfixed else 0

    def to_dict(self) -> dict[str, Any]:
        remaining = Counter(f.rule for f in self.remaining)
        run: dict[str, Any] | None = None
        if self.batch is not None:
            after_ssot = self.after.summary()["ssot"]["compliance"] if self.after else None
            run = {
                "id": self.batch.run_id,
                "batches": self.batch.batches,
                "cycles_before": self.batch.cycles_before,
                "cycles_after": self.batch.cycles_after,
                "compliance_before": self.before.summary()["ssot"]["compliance"],
                "compliance_after": after_ssot,
                "stopped": self.batch.stopped,
                "notes": self.batch.notes,
            }
        return {
            "run": run,
            "unfinished_runs": self.unfinished_runs,
            "applied": self.applied,
            "changed_files": [change.path for change in self.changes],
            "changes": [{"path": c.path, "rules": list(c.rules), "diff": c.diff()} for c in self.changes],
            "skipped": [skip.to_dict() for skip in self.skipped],
            "strings_left": [left.to_dict() for left in self.strings_left],
            "rules": {rule: {"files": count} for rule, count in sorted(self.rule_counts.items())},
            "remaining": dict(sorted(remaining.items())),
            "unfixed": dict(sorted(Counter(f.rule for f in self.unfixed).items())),
            "elapsed_seconds": round(self.elapsed_seconds, 3),
        }


def run_fix(
    root: Path,
    settings: Settings,
    options: FixOptions | None = None,
    *,
    jobs: int | None = None,
    use_git: bool = True,
    progress: Progress | None = None,
    use_cache: bool = True,
) -> FixResult:
    """Plan, rewrite and verify; with `options.apply`, land the changes in journaled, cycle-checked batches.

    `progress` hears of each step: the scan's, then plan, rewrite, write (the batch runner's events) and recheck.
    """
    options = options or FixOptions()
    rules, apply, suggested, rewrite_strings = options.rules, options.apply, options.suggested, options.rewrite_strings
    started = time.perf_counter()
    _check_rule_names(settings, rules)  # before the scan: a wrong --rule costs nothing
    before = run_scan(root, settings, jobs=jobs, use_git=use_git, use_cache=use_cache, progress=progress)
    model = before.analysis.model(progress)
    with Step(progress, "plan") as step:
        plans = plan_fixes(model, before.findings, rules=rules, suggested=suggested)
        step.done = len(plans)
    changes: list[FileChange] = []
    skipped: list[Skip] = []
    counts: Counter[str] = Counter()
    strings_left: list[StringLeft] = []
    policy = StringPolicy(model, plans)
    with Step(progress, "rewrite", len(plans)) as step:
        outcomes = _rewrite_all(model, plans, rewrite_strings, jobs, step, policy)
        outcomes = _recheck_strings(model, plans, outcomes, policy)
    for outcome in outcomes:
        if isinstance(outcome, Skip):
            skipped.append(outcome)
        elif isinstance(outcome, StringLeft):
            strings_left.append(outcome)
        else:
            changes.append(outcome)
            counts.update(outcome.rules)
    scope = FixScope.of(model, rules, suggested, before.findings)
    skipped += _unfixable_files(before, plans, scope)
    result = FixResult(model.root, before, changes, skipped, apply, rule_counts=counts, strings_left=strings_left)
    result.unfinished_runs = [run.run_id for run in Journal.unfinished(model.root)]
    if apply:
        _apply(
            model,
            result,
            plans,
            batch_size=options.batch_size,
            fail_fast=options.fail_fast,
            allow_dirty=options.allow_dirty,
            progress=progress,
        )
        # Re-check against the model with only the changed files parsed again.
        landed = {c.path: c.after for c in result.changes}
        with Step(progress, "recheck", len(landed)):
            result.after = analyse(with_new_sources(model, landed), use_git=False) if landed else before
    result.unfixed = [finding for finding in result.remaining if scope.owns(finding)]
    result.elapsed_seconds = time.perf_counter() - started
    return result


def _apply(
    model: ProjectModel,
    result: FixResult,
    plans: list[FilePlan],
    *,
    batch_size: int,
    fail_fast: bool,
    allow_dirty: bool,
    progress: Progress | None,
) -> None:
    """Land the verified changes through the batch runner; keep only what landed in `result.changes`."""
    sources = {p.source.relpath: p.source for p in model.files}
    rewrites = [
        Rewrite(c.path, sources[c.path].module, sources[c.path].is_package, sources[c.path].is_stub, c.before, c.after)
        for c in result.changes
    ]
    outcome = apply_in_batches(
        model,
        rewrites,
        batch_size=batch_size,
        fail_fast=fail_fast,
        allow_dirty=allow_dirty,
        progress=progress,
        moved_edges=_moved_edges(model, plans),
    )
    landed = set(outcome.landed)
    dropped = [c for c in result.changes if c.path not in landed]
    result.changes = [c for c in result.changes if c.path in landed]
    for change in dropped:
        result.rule_counts.subtract(change.rules)
    result.rule_counts += Counter()  # drop zero counts
    result.skipped += [Skip(path, reason, detail) for path, reason, detail in outcome.skipped]
    result.batch = outcome


# Below this many files a worker pool costs more than it saves.
_PARALLEL_FILES = 24
_PROGRESS_CHUNK = 64  # rewritten files between two reports of progress
Outcome = FileChange | Skip | StringLeft
_Work = tuple[ProjectModel, list[FilePlan], bool, StringPolicy]
_WORKER: _Work | None = None  # in a worker process: what `_start_worker` was given
_WORKER_COMMAND: Any = None


def _rewrite_all(
    model: ProjectModel,
    plans: list[FilePlan],
    rewrite_strings: bool,
    jobs: int | None,
    step: Step,
    policy: StringPolicy,
) -> list[Outcome]:
    """Rewrite every planned file, in worker processes when there are enough (same result either way).

    Each worker is given the model and the plans once, when it starts: a forked worker
    inherits them, a spawned one (Windows) gets them pickled. `step` hears of each chunk
    of files as its results come back to this process.
    """
    jobs = jobs or os.cpu_count() or 1
    if jobs <= 1 or len(plans) < _PARALLEL_FILES:
        command = _command(model, rewrite_strings, policy)
        if not step.active:
            return [outcome for plan in plans for outcome in _rewrite(model, plan, command)]
        results = []
        for part in chunks(plans, _PROGRESS_CHUNK):
            results += [outcome for plan in part for outcome in _rewrite(model, plan, command)]
            step.advance(len(part))
        return results
    import libcst  # noqa: F401  - loaded once here, inherited by every forked worker

    import codemods.rewrite_imports  # noqa: F401

    work: _Work = (model, plans, rewrite_strings, policy)
    with ProcessPoolExecutor(max_workers=jobs, mp_context=pool_context(), initializer=_start_worker, initargs=(work,)) as pool:
        chunk = max(1, len(plans) // (jobs * 4))
        if not step.active:
            return [outcome for outcomes in pool.map(_rewrite_in_worker, range(len(plans)), chunksize=chunk) for outcome in outcomes]
        chunk = min(chunk, _PROGRESS_CHUNK)  # a bar that moves; a few more messages, one per chunk
        results = []
        for done, outcomes in enumerate(pool.map(_rewrite_in_worker, range(len(plans)), chunksize=chunk), 1):
            results += outcomes
            if done % chunk == 0:
                step.advance(chunk)
        return results


def _start_worker(work: _Work) -> None:
    """A worker's initializer: keep the model and the plans for `_rewrite_in_worker`."""
    global _WORKER
    _WORKER = work


def _rewrite_in_worker(index: int) -> list[Outcome]:
    global _WORKER_COMMAND
    assert _WORKER is not None
    model, plans, rewrite_strings, policy = _WORKER
    if _WORKER_COMMAND is None:
        _WORKER_COMMAND = _command(model, rewrite_strings, policy)
    return _rewrite(model, plans[index], _WORKER_COMMAND)


def _recheck_strings(model: ProjectModel, plans: list[FilePlan], outcomes: list[Outcome], policy: StringPolicy) -> list[Outcome]:
    """Strings retargeted because every reader of the old place was to be rewritten: were they all?

    Each file's strings were decided on the plan; a reader whose rewrite was then refused (or left
    a statement) still reads the old place. Such a file is rewritten again with those strings left.
    """
    rewritten = {o.path for o in outcomes if isinstance(o, FileChange)} - {o.path for o in outcomes if isinstance(o, Skip)}
    modules = {plan.parsed.source.relpath: plan.parsed.module for plan in plans}
    done = {modules[path] for path in rewritten if path in modules}
    redo: dict[str, set[str]] = {}
    for outcome in outcomes:
        if isinstance(outcome, FileChange):
            for old, _new in outcome.strings:
                if policy.basis(old) == READERS and not policy.readers(old) <= done:
                    redo.setdefault(outcome.path, set()).add(old)
    if not redo:
        return outcomes
    kept = [o for o in outcomes if o.path not in redo]
    for plan in plans:
        path = plan.parsed.source.relpath
        if path in redo:
            refused = redo[path]

            def strict(old: str, new: str, refused: set[str] = refused) -> str | None:
                if old in refused:
                    return "a module that reads it there could not be rewritten in this run: the patch would stop taking effect"
                return policy(old, new)

            kept += _rewrite(model, plan, _command(model, True, strict))
    return kept


def _command(model: ProjectModel, rewrite_strings: bool, policy: Callable[[str, str], str | None]) -> Any:
    """One codemod instance for many files (building one costs milliseconds)."""
    from libcst.codemod import CodemodContext

    from codemods.rewrite_imports import RewriteImportsCommand
    from remediator.domain.plan import Redirects

    return RewriteImportsCommand(
        CodemodContext(),
        Redirects(),
        name_exists=lambda module, name: _name_exists(model, module, name),
        shadowed=model.resolver.shadows_submodule,
        rewrite_strings=rewrite_strings,
        string_policy=policy,
    )


def _moved_edges(model: ProjectModel, plans: list[FilePlan]) -> list[tuple[str, str, tuple[str, int, int]]]:
    """Imports of moved modules (move rules, not SSOT redirects) as edges to the module's new home."""
    edges = []
    for plan in plans:
        source = plan.parsed.source
        if source.is_stub:
            continue
        for record, resolution in plan.parsed.resolutions:
            for redirect in plan.redirects.modules:
                if redirect.flatten:
                    continue  # an SSOT redirect points at different code: its cycles are new
                for candidate in (f"{resolution.target}.{resolution.name}", resolution.target):
                    new = redirect.target_module(candidate)
                    if new is not None:
                        found = model.index.nearest_existing(new)
                        if found and found != source.module:
                            edges.append((source.module, found, (source.relpath, record.line, record.context)))
                        break
    return edges


def _check_rule_names(settings: Settings, rules: tuple[str, ...]) -> None:
    """Every `--rule` must name a rule fix can apply: an unknown name, or a detection-only rule, stops the run."""
    from remediator.domain.config import ConfigError

    detecting = {rule.name: rule for rule in settings.ssot if rule.detection_only}
    known = {rule.name for rule in settings.ssot} | {f"move:{m.source}" for m in settings.move} | {"move", "suggested"}
    for name in rules:
        if name in detecting:
            raise ConfigError(
                None,
                "--rule",
                f"{detecting[name].label()} is detection-only (it names no `use` module): fix has nothing to rewrite its "
                "imports to; `remediator scan` or `check` reports them",
            )
        if name not in known:
            raise ConfigError(None, "--rule", f"unknown rule {name!r} (known: {', '.join(sorted(known - set(detecting)))})")


def _rewrite(model: ProjectModel, plan: FilePlan, command: Any) -> list[Outcome]:
    """Run the codemod on one file and verify the result as a whole.

    The verified change (if any), then one Skip per import statement the codemod left as it was;
    a single Skip when the whole file is left alone; nothing when nothing changes.
    """
    import libcst as cst
    from libcst.codemod import CodemodContext, SkipFile

    source = plan.parsed.source
    path = source.relpath
    if plan.parsed.facts.problem is not None:
        return [Skip(path, plan.parsed.facts.problem.rule, plan.parsed.facts.problem.message)]
    try:
        before = source.path.read_bytes()
    except OSError as error:
        return [Skip(path, UNREADABLE_FILE, error.strerror or str(error))]
    command.context = CodemodContext(filename=str(source.path), full_module_name=source.module)
    command.for_file(
        redirects=plan.redirects, module_name=source.module, is_package=source.is_package, protected_names=plan.protected_names
    )
    try:
        tree = cst.parse_module(before)
    except Exception as error:  # ParserSyntaxError and friends
        return [Skip(path, SYNTAX_ERROR, str(error).splitlines()[0])]
    try:
        after = command.transform_module_impl(tree).bytes  # no defensive copy: the tree is ours
    except SkipFile as skip:
        reason, _, detail = str(skip).partition(": ")
        return _statement_skips(path, command) or [Skip(path, reason, detail)]
    skips: list[Outcome] = [*_statement_skips(path, command), *_strings_left(plan, command)]
    if after == before:
        return skips
    problem = _verify(model, plan.parsed, before, after)
    if problem is not None:
        return [Skip(path, "verification-failed", problem), *skips]
    return [FileChange(path, before, after, tuple(sorted(command.applied_rules)), tuple(command.string_edits)), *skips]


def _statement_skips(path: str, command: Any) -> list[Outcome]:
    """One Skip per import statement the codemod refused, with its line."""
    return [Skip(path, s.reason, s.detail, s.line) for s in command.skipped_statements]


def _strings_left(plan: FilePlan, command: Any) -> list[Outcome]:
    """One StringLeft per line holding a string the codemod was told to leave."""
    left: list[Outcome] = []
    for old, _new, reason in command.skipped_strings:
        lines = sorted({ref.line for ref in plan.parsed.facts.strings if ref.text == old}) or [0]
        left += [StringLeft(plan.parsed.source.relpath, line, old, reason) for line in lines]
    return list(dict.fromkeys(left))


def _verify(model: ProjectModel, parsed: ParsedFile, before: bytes, after: bytes) -> str | None:
    """Why the rewritten file must not be kept, or None when it is sound."""
    if not _compiles(after) and _compiles(before):
        return "the rewritten file does not compile"
    facts = parse_bytes(after)
    if facts.problem is not None:
        return f"the rewritten file cannot be read back: {facts.problem.message}"
    broken_before = {(r.target, r.name) for _record, r in parsed.resolutions if r.status in (MISSING_MODULE, MISSING_NAME)}
    source = parsed.source
    for record in facts.imports:
        resolution = model.resolver.resolve_import(source.module, source.is_package, record, stub=source.is_stub)
        if resolution.status in (MISSING_MODULE, MISSING_NAME) and (resolution.target, resolution.name) not in broken_before:
            name = f" name {resolution.name!r} of" if resolution.status == MISSING_NAME else ""
            return f"line {record.line} would import{name} {resolution.target}, which does not resolve"
    return None


def _compiles(source: bytes) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(source, "<rewrite>", "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
        return True
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False


def _name_exists(model: ProjectModel, module: str, name: str) -> bool | None:
    if model.index.exists(f"{module}.{name}"):
        return True
    if not model.index.exists(module):
        return False
    return model.symbols.has_name(module, name)


def _unfixable_files(before: ScanResult, plans: list[FilePlan], scope: FixScope) -> list[Skip]:
    """Files that could not be parsed but name a module being redirected, in its rule's scope: reported, never touched."""
    planned = {plan.parsed.source.relpath for plan in plans}
    old_modules = {module for plan in plans for module in plan.redirects.old_modules()}
    old_modules |= set(scope.moved)
    if not old_modules:
        return []
    skips = []
    for parsed in before.model.files:
        problem = parsed.facts.problem
        if problem is None or parsed.source.relpath in planned or not scope.covers_file(parsed.module):
            continue
        try:
            text = parsed.source.path.read_bytes().decode("utf-8", "replace")
        except OSError:
            continue
        if any(module in text for module in old_modules):
            skips.append(Skip(parsed.source.relpath, problem.rule, problem.message))
    return skips
