"""The check use case (CI and pre-commit): scan the whole project, report only what is asked.

The analysis always sees the whole project, so an import of a module that
lives outside the checked files still resolves. The result is narrowed to
findings located in the given files, that a change adds (on lines changed since
a git ref, or new against the state at that ref: `application.change_impact`),
and not recorded in the baseline.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import time
import tokenize
from collections.abc import Container, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from remediator.adapters.source_reader import read_source
from remediator.application.incremental import open_analysis
from remediator.application.project_analysis import ProjectAnalysis
from remediator.application.scan import ScanResult
from remediator.domain.config import DEFAULT_BASELINE, Settings
from remediator.domain.errors import RemediatorError
from remediator.domain.findings import IMPORT_CYCLE, MISSING_MODULE, MISSING_NAME, SSOT_VIOLATION, Finding
from remediator.domain.progress import Progress

if TYPE_CHECKING:
    from remediator.application.baseline import Baseline, BaselineComparison
    from remediator.application.change_impact import BaseFindings, Comparison

_IMPORT_RULES = (MISSING_MODULE, MISSING_NAME, SSOT_VIOLATION, IMPORT_CYCLE)


class CheckError(RemediatorError):
    """A check that cannot be run as asked: a file outside the root, an unknown git ref."""


@dataclass(slots=True)
class CheckResult(ScanResult):
    """A ScanResult whose `findings` are the reported ones; `exit_code` is 1 when one is an error."""

    files: tuple[str, ...] | None = None  # root-relative files or folders checked; None: the whole project
    since: str | None = None  # the base a change is judged against (HEAD for what is staged)
    staged: bool = False  # what is staged was analysed, not the work tree
    changed_lines_only: bool = False  # only findings on changed lines, not those new elsewhere
    new_elsewhere: int = 0  # reported findings on unchanged lines, new against the base
    baseline: BaselineComparison | None = None
    outside_scope: int = 0  # findings (not in the baseline) outside the files or changed lines

    def summary(self) -> dict[str, Any]:
        """The scan summary of the reported findings, plus a `check` section."""
        data = ScanResult.summary(self)
        data["check"] = {
            "files": list(self.files) if self.files is not None else None,
            "since": self.since,
            "staged": self.staged,
            "changed_lines_only": self.changed_lines_only,
            "new_elsewhere": self.new_elsewhere,
            "outside_scope": self.outside_scope,
            "baseline": None
            if self.baseline is None
            else {
                "path": _display(self.baseline.path, self.root),
                "suppressed": self.baseline.suppressed,
                "gone": self.baseline.gone_occurrences,
            },
        }
        return data

    def notes(self) -> list[str]:
        """Sentences for people about what was left out; empty when nothing was."""
        notes = []
        if self.outside_scope:
            if self.since is None:
                where = "outside the checked files"
            elif self.changed_lines_only:
                where = f"not on lines changed since {self.since}"
            else:
                where = f"already there at {self.since} and not on changed lines"
            if self.files is not None and self.since is not None:
                where = f"outside the checked files or {where}"
            notes.append(f"{_plural(self.outside_scope, 'finding')} {where} not reported")
        if self.baseline is not None:
            shown = _display(self.baseline.path, self.root)
            notes.append(f"{_plural(self.baseline.suppressed, 'finding')} recorded in the baseline {shown} not reported")
            gone = self.baseline.gone_occurrences
            if gone:
                root = os.path.relpath(self.root)  # the hint is run from the working directory
                command = "remediator baseline" + (f" {root}" if root != "." else "") + " --prune"
                if shown != DEFAULT_BASELINE:
                    command += f" --output {self.baseline.path}"
                notes.append(f"{gone} baseline {'entry' if gone == 1 else 'entries'} no longer occur{'s' * (gone == 1)}: run `{command}`")
        return notes


def run_check(
    root: Path,
    settings: Settings,
    *,
    files: Iterable[str | Path] | None = None,
    since: str | None = None,
    staged: bool = False,
    changed_lines_only: bool = False,
    baseline: Path | None = None,
    use_baseline: bool = True,
    jobs: int | None = None,
    use_git: bool = True,
    use_cache: bool = True,
    progress: Progress | None = None,
) -> CheckResult:
    """Analyse the project at `root`; report the findings in `files` that a change adds, not in the baseline.

    `files` are paths as the OS reads them (relative to the working directory, or
    absolute) and must lie under `root`; None or empty means the whole project.
    With `since` (a git ref) or `staged` (what is staged, against HEAD unless
    `since` names another base), only findings on changed lines and findings new
    against the base, wherever they are, are reported; each says why in `cause`.
    `changed_lines_only` keeps the findings on changed lines alone. `baseline` is
    a baseline file; without one, `root/.remediator-baseline.json` is used when it
    exists, unless `use_baseline` is false. Raises `CheckError` and
    `BaselineError` before scanning when an input is wrong. `progress` hears of
    each step, the analysis of the base state (`snapshot`) included.
    """
    started = time.perf_counter()
    checked = resolve_files(root, files) if files else None
    loaded, baseline_path = _load_baseline(root, baseline, use_baseline)
    if since is None and not staged:
        with open_analysis(root, settings, jobs=jobs, use_cache=use_cache, progress=progress) as analysis:
            return narrow(
                analysis,
                files=checked,
                baseline=loaded,
                baseline_path=baseline_path,
                use_git=use_git,
                started=started,
            )
    from remediator.application.change_impact import Comparison, ComparisonError, current_analysis

    try:
        comparison = Comparison.prepare(root, since, staged=staged, changed_lines_only=changed_lines_only)
    except ComparisonError as error:
        raise CheckError(f"{'--since ' + since if since is not None else '--staged'}: {error}") from None
    with current_analysis(root, settings, comparison, jobs=jobs, use_cache=use_cache, progress=progress) as analysis:
        base = None if changed_lines_only else comparison.base_findings(settings, jobs=jobs, use_cache=use_cache, progress=progress)
        result = narrow(
            analysis,
            files=checked,
            changes=comparison.changed_lines,
            since=comparison.base_ref,
            baseline=loaded,
            baseline_path=baseline_path,
            use_git=use_git,
            started=started,
            base=base,
            comparison=comparison,
        )
    real_root = Path(root).resolve()
    return result if result.root == real_root else dataclasses.replace(result, root=real_root)


def narrow(
    analysis: ProjectAnalysis,
    *,
    files: tuple[str, ...] | None = None,
    changes: Mapping[str, Container[int]] | None = None,
    since: str | None = None,
    baseline: Baseline | None = None,
    baseline_path: Path | None = None,
    use_git: bool = True,
    started: float | None = None,
    base: BaseFindings | None = None,
    comparison: Comparison | None = None,
) -> CheckResult:
    """The findings of `analysis` in root-relative `files` that are on the changed lines in `changes` or new
    against `base` (all of them without `changes`), and new to `baseline`.

    Only the reported findings get suggestions and a blast radius (both as the whole scan would give them, but
    for fix-set numbers: the reach of their targets alone is computed, not the fix order of every break).
    """
    started = time.perf_counter() if started is None else started
    everything = analysis.findings()
    if comparison is not None:
        comparison.remember(analysis, everything)
        vanished = comparison.vanished_packages(analysis) if base is not None else set()
        if vanished:  # a whole top-level package went: its importers are broken, though no rule sees them as ours
            from remediator.application.change_impact import imports_of_vanished

            everything = sorted([*everything, *imports_of_vanished(analysis, vanished)], key=Finding.sort_key)
    spans = _StatementSpans(analysis.root)

    def on_changed_line(finding: Finding) -> bool:
        lines = changes.get(finding.path) if changes is not None else None
        return lines is not None and any(line in lines for line in spans.lines(finding))

    new_ids: set[int] = set()
    if base is not None:
        from remediator.application.change_impact import new_findings

        new_ids = {id(everything[position]) for position in new_findings(everything, base, on_changed_line)}

    def in_scope(finding: Finding) -> bool:
        if files is not None and not any(_is_under(finding.path, place) for place in files):
            return False
        return changes is None or on_changed_line(finding) or id(finding) in new_ids

    baseline_comparison = None
    candidates = everything
    if baseline is not None:
        baseline_comparison = baseline.compare(everything, baseline_path or analysis.root / DEFAULT_BASELINE, prefer=in_scope)
        candidates = list(baseline_comparison.new)
    reported = [f for f in candidates if in_scope(f)]
    new_elsewhere = 0
    if comparison is not None:
        from remediator.application.change_impact import cause_of

        line_cause = "on a staged line" if comparison.staged else f"on a line changed since {since}"
        with_causes = []
        for finding in reported:
            if on_changed_line(finding):
                with_causes.append(dataclasses.replace(finding, cause=line_cause))
            else:
                new_elsewhere += 1
                with_causes.append(dataclasses.replace(finding, cause=cause_of(finding, comparison.changed_paths)))
        reported = with_causes
    targets = []
    if any(f.rule in (MISSING_MODULE, MISSING_NAME) for f in reported):  # else neither is needed (nor imported)
        from remediator.application.blast_radius import reported_targets
        from remediator.application.suggestions import add_suggestions

        reported = add_suggestions(analysis, reported, context=everything, use_git=use_git)
        targets = reported_targets(analysis, reported)  # the reach of these targets only, not of every break
    return CheckResult(
        analysis.root,
        reported,
        targets,
        analysis,
        time.perf_counter() - started,
        analysis.compliance(),
        files=files,
        since=since,
        staged=comparison is not None and comparison.staged,
        changed_lines_only=comparison is not None and comparison.changed_lines_only,
        new_elsewhere=new_elsewhere,
        baseline=baseline_comparison,
        outside_scope=len(candidates) - len(reported),
    )


def resolve_files(root: Path, files: Iterable[str | Path]) -> tuple[str, ...]:
    """Root-relative POSIX paths of `files` (relative to the working directory, or absolute). Raises `CheckError`."""
    base = Path(os.path.abspath(root))
    relpaths = []
    for file in files:
        path = Path(os.path.abspath(file))
        if not path.exists():
            raise CheckError(f"{file}: no such file or directory")
        try:
            relative = path.relative_to(base)
        except ValueError:
            try:
                relative = path.resolve().relative_to(base.resolve())
            except ValueError:
                raise CheckError(f"{file}: not under the root {root}") from None
        relpaths.append(relative.as_posix())
    return tuple(dict.fromkeys(relpaths))


def _load_baseline(root: Path, path: Path | None, use_baseline: bool) -> tuple[Baseline | None, Path | None]:
    if path is not None:
        from remediator.application.baseline import BaselineError, load_baseline  # (only with a baseline to read)

        if not use_baseline:
            raise CheckError("--baseline and --no-baseline exclude each other")
        if not path.exists():
            raise BaselineError(path, "--baseline", "file not found")
        return load_baseline(path), path
    default = root / DEFAULT_BASELINE
    if use_baseline and default.is_file():
        from remediator.application.baseline import load_baseline

        return load_baseline(default), default
    return None, None


class _StatementSpans:
    """The lines a finding's statement covers (a parenthesised import spans several); reads each file once."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.cache: dict[str, list[str]] = {}

    def lines(self, finding: Finding) -> range:
        if finding.reference != "import" or finding.rule not in _IMPORT_RULES:
            return range(finding.line, finding.line + 1)
        source = self._source(finding.path)
        if not 0 < finding.line <= len(source):
            return range(finding.line, finding.line + 1)
        readline = functools.partial(next, iter(source[finding.line - 1 :]), "")
        try:
            for token in tokenize.generate_tokens(readline):
                if token.type in (tokenize.NEWLINE, tokenize.ENDMARKER):
                    return range(finding.line, finding.line + token.end[0])
        except (tokenize.TokenError, SyntaxError):
            pass
        return range(finding.line, finding.line + 1)

    def _source(self, relpath: str) -> list[str]:
        if relpath not in self.cache:
            data = read_source(self.root / relpath)
            text = data.decode("utf-8") if isinstance(data, bytes) else ""
            self.cache[relpath] = [line + "\n" for line in text.split("\n")]
        return self.cache[relpath]


def _is_under(relpath: str, place: str) -> bool:
    return place in (".", "") or relpath == place or relpath.startswith(place.rstrip("/") + "/")


def _display(path: Path, root: Path) -> str:
    try:
        return Path(os.path.abspath(path)).relative_to(os.path.abspath(root)).as_posix()
    except ValueError:
        return str(path)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'s' * (count != 1)}"
