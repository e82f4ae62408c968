"""The baseline ratchet: record today's findings, then fail only on new ones.

A finding's fingerprint is its (rule, path, target, name, reference, ssot_rule):
no line or column, so it survives code moving within a file. Each fingerprint
has an occurrence count, so a third identical import in a file where the
baseline records two is new. Only `error` and `warning` findings are recorded.
The file format is described in docs/check-and-ci.md.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from remediator.adapters.writer import write_atomically
from remediator.domain.config import DEFAULT_BASELINE as DEFAULT_BASELINE  # re-exported: the default baseline file
from remediator.domain.config import ConfigError
from remediator.domain.findings import Finding

FORMAT_VERSION = 1
BASELINED_SEVERITIES = ("error", "warning")

_KEY_FIELDS = ("rule", "path", "target", "name", "reference", "ssot_rule")
_OPTIONAL = {"target", "name", "ssot_rule"}
_ENTRY_KEYS = {*_KEY_FIELDS, "count", "fingerprint"}
_TOP_KEYS = {"version", "tool", "occurrences", "entries"}


class BaselineError(ConfigError):
    """A baseline file that cannot be read or is malformed: names the file and the key."""


def fingerprint(finding: Finding) -> str:
    """The line-independent identity of `finding`, as recorded in baselines and SARIF."""
    return _digest(tuple(getattr(finding, field) for field in _KEY_FIELDS))


def is_baselined_severity(finding: Finding) -> bool:
    """True for the severities a baseline records (`error`, `warning`)."""
    return finding.severity in BASELINED_SEVERITIES


@dataclass(frozen=True, slots=True)
class BaselineEntry:
    """One fingerprint and how many times it occurs."""

    rule: str
    path: str
    target: str | None
    name: str | None
    reference: str
    ssot_rule: str | None
    count: int

    @property
    def fingerprint(self) -> str:
        return _digest((self.rule, self.path, self.target, self.name, self.reference, self.ssot_rule))

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"fingerprint": self.fingerprint}
        data.update({field: getattr(self, field) for field in _KEY_FIELDS})
        data["count"] = self.count
        return data


@dataclass(frozen=True, slots=True)
class BaselineComparison:
    """Today's findings against a baseline: which are new, how many are known, which entries are gone."""

    path: Path
    new: tuple[Finding, ...]
    suppressed: int
    gone: tuple[BaselineEntry, ...]  # each with the number of occurrences no longer found

    @property
    def gone_occurrences(self) -> int:
        return sum(entry.count for entry in self.gone)


@dataclass(frozen=True, slots=True)
class Baseline:
    """Recorded findings, by fingerprint."""

    entries: tuple[BaselineEntry, ...]

    @classmethod
    def from_findings(cls, findings: Iterable[Finding]) -> Baseline:
        """A baseline of the `error` and `warning` findings among `findings`."""
        counts: Counter[tuple[Any, ...]] = Counter(
            tuple(getattr(f, field) for field in _KEY_FIELDS) for f in findings if is_baselined_severity(f)
        )
        return cls(tuple(_entry(key, count) for key, count in counts.items())).sorted()

    @property
    def occurrences(self) -> int:
        """How many findings the baseline records (the sum of the counts)."""
        return sum(entry.count for entry in self.entries)

    def sorted(self) -> Baseline:
        return Baseline(tuple(sorted(self.entries, key=_entry_order)))

    def counts(self) -> dict[str, int]:
        """Fingerprint -> recorded occurrences."""
        return {entry.fingerprint: entry.count for entry in self.entries}

    def compare(self, findings: Iterable[Finding], path: Path, prefer: Callable[[Finding], bool] | None = None) -> BaselineComparison:
        """Split `findings` into new ones and known ones.

        When a fingerprint occurs more often than recorded, the surplus is new:
        findings for which `prefer` is true are taken first (the changed lines of
        `check --since`), then the last ones in source order. `info` findings are
        never recorded, so they are always new.
        """
        recorded = self.counts()
        groups: dict[str, list[Finding]] = defaultdict(list)
        new: list[Finding] = []
        for finding in findings:
            if is_baselined_severity(finding):
                groups[fingerprint(finding)].append(finding)
            else:
                new.append(finding)
        suppressed = 0
        for key, group in groups.items():
            surplus = len(group) - recorded.get(key, 0)
            if surplus <= 0:
                suppressed += len(group)
                continue
            ordered = sorted(group, key=lambda f: (bool(prefer(f)) if prefer else False, f.sort_key()))
            new.extend(ordered[-surplus:])
            suppressed += len(group) - surplus
        new.sort(key=Finding.sort_key)
        present = {key: len(group) for key, group in groups.items()}
        gone = tuple(
            _with_count(entry, entry.count - present.get(entry.fingerprint, 0))
            for entry in self.entries
            if entry.count > present.get(entry.fingerprint, 0)
        )
        return BaselineComparison(path, tuple(new), suppressed, gone)

    def pruned(self, findings: Iterable[Finding]) -> Baseline:
        """This baseline without the occurrences that no longer exist; never adds any."""
        present = Counter(fingerprint(f) for f in findings if is_baselined_severity(f))
        kept = (_with_count(e, min(e.count, present[e.fingerprint])) for e in self.entries)
        return Baseline(tuple(e for e in kept if e.count > 0))

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": FORMAT_VERSION,
            "tool": "remediator",
            "occurrences": self.occurrences,
            "entries": [entry.to_dict() for entry in self.sorted().entries],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"


@dataclass(frozen=True, slots=True)
class BaselineUpdate:
    """What `remediator baseline` wrote."""

    path: Path
    baseline: Baseline
    pruned: int  # occurrences dropped by --prune
    left_out: int  # with --prune: findings not in the old baseline, which prune never adds


def load_baseline(path: Path) -> Baseline:
    """Read and validate a baseline file. Raises `BaselineError` naming the file and the key."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BaselineError(path, "file", "file not found") from None
    except (OSError, UnicodeDecodeError) as error:
        raise BaselineError(path, "file", f"cannot read: {error}") from None
    except json.JSONDecodeError as error:
        raise BaselineError(path, "json", f"invalid JSON: {error}") from None
    if not isinstance(document, dict):
        raise BaselineError(path, "(top level)", "must be an object")
    for key in document:
        if key not in _TOP_KEYS:
            raise BaselineError(path, key, f"unknown key (known: {', '.join(sorted(_TOP_KEYS))})")
    if document.get("version") != FORMAT_VERSION:
        raise BaselineError(path, "version", f"unsupported baseline version {document.get('version')!r} (expected {FORMAT_VERSION})")
    items = document.get("entries")
    if not isinstance(items, list):
        raise BaselineError(path, "entries", "must be a list")
    counts: Counter[tuple[Any, ...]] = Counter()
    for index, item in enumerate(items):
        key, count = _parse_entry(item, f"entries[{index}]", path)
        counts[key] += count  # duplicates (a merge of two baselines) add up
    return Baseline(tuple(_entry(key, count) for key, count in counts.items())).sorted()


def save_baseline(path: Path, baseline: Baseline) -> None:
    """Write `baseline` to `path` (atomically when the file exists)."""
    data = baseline.to_json().encode("utf-8")
    if path.exists():
        write_atomically(path, data)
    else:
        path.write_bytes(data)


def update_baseline(path: Path, findings: list[Finding], *, prune: bool = False) -> BaselineUpdate:
    """Write a baseline of `findings` to `path`; with `prune`, only drop what no longer occurs."""
    if not prune:
        baseline = Baseline.from_findings(findings)
        save_baseline(path, baseline)
        return BaselineUpdate(path, baseline, 0, 0)
    old = load_baseline(path)
    baseline = old.pruned(findings)
    save_baseline(path, baseline)
    left_out = Baseline.from_findings(findings).occurrences - baseline.occurrences
    return BaselineUpdate(path, baseline, old.occurrences - baseline.occurrences, left_out)


def _parse_entry(item: Any, key: str, path: Path) -> tuple[tuple[Any, ...], int]:
    if not isinstance(item, dict):
        raise BaselineError(path, key, "must be an object")
    for name in item:
        if name not in _ENTRY_KEYS:
            raise BaselineError(path, f"{key}.{name}", f"unknown key (known: {', '.join(sorted(_ENTRY_KEYS))})")
    values = []
    for name in _KEY_FIELDS:
        value = item.get(name)
        if name not in item and name not in _OPTIONAL:
            raise BaselineError(path, f"{key}.{name}", "missing required key")
        if not (isinstance(value, str) or (value is None and name in _OPTIONAL)):
            raise BaselineError(path, f"{key}.{name}", "must be a string" + (" or null" if name in _OPTIONAL else ""))
        values.append(value)
    count = item.get("count", 1)
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise BaselineError(path, f"{key}.count", "must be a positive integer")
    return tuple(values), count


def _digest(key: tuple[Any, ...]) -> str:
    import hashlib  # sha256, only when fingerprints are made (hashlib loads OpenSSL)

    return hashlib.sha256(json.dumps(key, separators=(",", ":")).encode("utf-8")).hexdigest()[:24]


def _entry(key: tuple[Any, ...], count: int) -> BaselineEntry:
    rule, path, target, name, reference, ssot_rule = key
    return BaselineEntry(rule, path, target, name, reference, ssot_rule, count)


def _with_count(entry: BaselineEntry, count: int) -> BaselineEntry:
    return BaselineEntry(entry.rule, entry.path, entry.target, entry.name, entry.reference, entry.ssot_rule, count)


def _entry_order(entry: BaselineEntry) -> tuple[str, ...]:
    return (entry.path, entry.rule, entry.target or "", entry.name or "", entry.reference, entry.ssot_rule or "")
