"""Watch mode: run a scan or check again on every change, and tell only what changed.

The core is two plain functions: `diff_findings` (two lists of findings ->
the new and the fixed ones) and `watch_loop` (a run function and an iterable
of change sets -> one `Recheck` per set), so that a test can drive them with
real files and real file-system events.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TypeVar

from remediator.application.baseline import fingerprint
from remediator.application.check import CheckError
from remediator.application.scan import ScanResult
from remediator.domain.config import ConfigError
from remediator.domain.findings import Finding

R = TypeVar("R", bound=ScanResult)


@dataclass(frozen=True, slots=True)
class FindingsDelta:
    """Findings that appeared and findings that went away between two runs."""

    new: tuple[Finding, ...]
    fixed: tuple[Finding, ...]

    def __bool__(self) -> bool:
        return bool(self.new or self.fixed)


def diff_findings(before: Sequence[Finding], after: Sequence[Finding]) -> FindingsDelta:
    """The findings of `after` that `before` lacks (new) and those of `before` that `after` lacks (fixed).

    Findings are the same when their baseline fingerprint is (rule, path, target,
    name, reference, SSOT rule): an import that only moved, because lines were
    added above it, is neither new nor fixed. Among findings with one fingerprint,
    those at the same line and column are paired first.
    """
    before_groups: dict[str, list[Finding]] = defaultdict(list)
    after_groups: dict[str, list[Finding]] = defaultdict(list)
    for finding in before:
        before_groups[fingerprint(finding)].append(finding)
    for finding in after:
        after_groups[fingerprint(finding)].append(finding)
    new: list[Finding] = []
    fixed: list[Finding] = []
    for key in before_groups.keys() | after_groups.keys():
        old, current = before_groups.get(key, []), after_groups.get(key, [])
        places = {(f.line, f.column) for f in old} & {(f.line, f.column) for f in current}
        old = [f for f in old if (f.line, f.column) not in places]
        current = [f for f in current if (f.line, f.column) not in places]
        paired = min(len(old), len(current))  # moved: same fingerprint, another place
        new += current[paired:]
        fixed += old[paired:]
    return FindingsDelta(tuple(sorted(new, key=Finding.sort_key)), tuple(sorted(fixed, key=Finding.sort_key)))


@dataclass(frozen=True, slots=True)
class Recheck:
    """One run after a change: what changed, the result (None when the run failed, with `error`) and the delta."""

    changed: tuple[str, ...]
    result: ScanResult | None
    delta: FindingsDelta
    seconds: float
    error: str | None = None

    def lines(self) -> list[str]:
        """What watch mode prints: a heading line, then one line per new and per fixed finding."""
        stamp = time.strftime("%H:%M:%S")
        what = self.changed[0] if len(self.changed) == 1 else f"{len(self.changed)} files"
        if self.error is not None:
            return [f"[{stamp}] {what} changed: {self.error}"]
        assert self.result is not None
        errors = len(self.result.errors)
        tally = f"{len(self.delta.new)} new, {len(self.delta.fixed)} fixed" if self.delta else "no new findings, none fixed"
        lines = [f"[{stamp}] {what} changed: {tally}; {errors} error{'s' * (errors != 1)} now ({self.seconds:.2f}s)"]
        lines += [f"  new    {_where(f)} {f.severity} {f.rule}: {f.message}" for f in self.delta.new]
        lines += [f"  fixed  {_where(f)} {f.rule}: {f.message}" for f in self.delta.fixed]
        return lines


def watch_loop(run: Callable[[], R], changes: Iterable[Collection[str]], first: ScanResult) -> Iterator[Recheck]:
    """Call `run` again for every non-empty set of changed paths; yield what each run changed against the last good one.

    A run that fails on its input (a setting, a baseline, a checked file that went
    away) yields a Recheck with `error` and the loop goes on; the next good run is
    compared with the last good one.
    """
    previous = first
    for changed in changes:
        if not changed:
            continue
        started = time.perf_counter()
        names = tuple(sorted(changed))
        try:
            result = run()
        except (ConfigError, CheckError, OSError) as error:
            yield Recheck(names, None, FindingsDelta((), ()), time.perf_counter() - started, _message(error))
            continue
        yield Recheck(names, result, diff_findings(previous.findings, result.findings), time.perf_counter() - started)
        previous = result


def _where(finding: Finding) -> str:
    return f"{finding.path}:{finding.line}:{finding.column}:"


def _message(error: Exception) -> str:
    if isinstance(error, OSError):
        return f"{error.filename or ''}: {error.strerror or error}".lstrip(": ")
    if isinstance(error, CheckError):
        return str(error)
    return f"configuration error: {error}"
