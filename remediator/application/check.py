"""The check use case (CI and pre-commit): scan the whole project, report only what is asked.

The analysis always sees the whole project, so an import of a module that
lives outside the checked files still resolves. The result is narrowed to
findings located in the given files, on lines changed since a git ref, and not
recorded in the baseline.
"""

from __future__ import annotations

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
from remediator.domain.findings import IMPORT_CYCLE, MISSING_MODULE, MISSING_NAME, SSOT_VIOLATION, Finding

if TYPE_CHECKING:
    from remediator.application.baseline import Baseline, BaselineComparison

_IMPORT_RULES = (MISSING_MODULE, MISSING_NAME, SSOT_VIOLATION, IMPORT_CYCLE)


class CheckError(Exception):
    """A check that cannot be run as asked: a file outside the root, an unknown git ref."""


@dataclass(slots=True)
class CheckResult(ScanResult):
    """A ScanResult whose `findings` are the reported ones; `exit_code` is 1 when one is an error."""

    files: tuple[str, ...] | None = None  # root-relative files or folders checked; None: the whole project
    since: str | None = None
    baseline: BaselineComparison | None = None
    outside_scope: int = 0  # findings (not in the baseline) outside the files or changed lines

    def summary(self) -> dict[str, Any]:
        """The scan summary of the reported findings, plus a `check` section."""
        data = ScanResult.summary(self)
        data["check"] = {
            "files": list(self.files) if self.files is not None else None,
            "since": self.since,
            "outside_scope": self.outside_scope,
            "baseline": None if self.baseline is None else {
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
            where = "outside the checked files" if self.since is None else f"not on lines changed since {self.since}"
            if self.files is not None and self.since is not None:
                where = f"outside the checked files or not on lines changed since {self.since}"
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
    baseline: Path | None = None,
    use_baseline: bool = True,
    jobs: int | None = None,
    use_git: bool = True,
    use_cache: bool = True,
) -> CheckResult:
    """Scan the project at `root` and keep the findings in `files`, changed since `since`, not in the baseline.

    `files` are paths as the OS reads them (relative to the working directory, or
    absolute) and must lie under `root`; None or empty means the whole project.
    `baseline` is a baseline file; without one, `root/.remediator-baseline.json`
    is used when it exists, unless `use_baseline` is false. Raises `CheckError`
    and `BaselineError` before scanning when an input is wrong.
    """
    started = time.perf_counter()
    checked = resolve_files(root, files) if files else None
    changes = _changed_lines(root, since) if since is not None else None
    loaded, baseline_path = _load_baseline(root, baseline, use_baseline)
    with open_analysis(root, settings, jobs=jobs, use_cache=use_cache) as analysis:
        return narrow(
            analysis, files=checked, changes=changes, since=since, baseline=loaded, baseline_path=baseline_path,
            use_git=use_git, started=started,
        )


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
) -> CheckResult:
    """The findings of `analysis` in root-relative `files`, on the changed lines in `changes`, new to `baseline`.

    Only the reported findings get suggestions and a blast radius (both as the whole scan would give them).
    """
    started = time.perf_counter() if started is None else started
    everything = analysis.findings()
    spans = _StatementSpans(analysis.root)

    def in_scope(finding: Finding) -> bool:
        if files is not None and not any(_is_under(finding.path, place) for place in files):
            return False
        if changes is None:
            return True
        lines = changes.get(finding.path)
        return lines is not None and any(line in lines for line in spans.lines(finding))

    comparison = None
    candidates = everything
    if baseline is not None:
        comparison = baseline.compare(everything, baseline_path or analysis.root / DEFAULT_BASELINE, prefer=in_scope)
        candidates = list(comparison.new)
    reported = [f for f in candidates if in_scope(f)]
    targets = []
    if any(f.rule in (MISSING_MODULE, MISSING_NAME) for f in reported):  # else neither is needed (nor imported)
        from remediator.application.blast_radius import missing_targets
        from remediator.application.suggestions import add_suggestions

        reported = add_suggestions(analysis, reported, context=everything, use_git=use_git)
        targets = missing_targets(analysis, reported)
    return CheckResult(
        analysis.root, reported, targets, analysis,
        time.perf_counter() - started, analysis.compliance(),
        files=files, since=since, baseline=comparison, outside_scope=len(candidates) - len(reported),
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


def _changed_lines(root: Path, since: str) -> Mapping[str, Container[int]]:
    from remediator.adapters.git_diff import GitDiffError, changed_lines

    try:
        return changed_lines(root, since)
    except GitDiffError as error:
        raise CheckError(f"--since {since}: {error}") from None


def _load_baseline(root: Path, path: Path | None, use_baseline: bool) -> tuple[Baseline | None, Path | None]:
    from remediator.application.baseline import BaselineError, load_baseline

    if path is not None:
        if not use_baseline:
            raise CheckError("--baseline and --no-baseline exclude each other")
        if not path.exists():
            raise BaselineError(path, "--baseline", "file not found")
        return load_baseline(path), path
    default = root / DEFAULT_BASELINE
    if use_baseline and default.is_file():
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
