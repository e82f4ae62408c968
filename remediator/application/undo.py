"""Undo a fix run from its journal, byte for byte, refusing to clobber later edits."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from remediator.adapters.journal import UNDONE, Journal, sha256
from remediator.adapters.platform import set_file_mode
from remediator.adapters.writer import TEMPORARY_SUFFIX, write_atomically
from remediator.domain.errors import RemediatorError


class UndoError(RemediatorError):
    """No run to undo, or an unknown run id."""


@dataclass(slots=True)
class UndoResult:
    run_id: str
    restored: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)  # never written, or already back to the original
    refused: list[str] = field(default_factory=list)  # edited by someone after the run
    removed_temporaries: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return 1 if self.refused else 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "run": self.run_id,
            "restored": self.restored,
            "unchanged": self.unchanged,
            "refused": self.refused,
            "removed_temporaries": self.removed_temporaries,
        }


def undo_run(root: Path, run_id: str | None = None, *, force: bool = False) -> UndoResult:
    """Restore every file of a run (default: the latest) to its original bytes and mode.

    A file whose content is neither the run's original nor its rewrite was changed
    after the run: nothing is restored and the files are listed, unless `force`.
    """
    root = root.resolve()
    runs = Journal.runs(root)
    if not runs:
        raise UndoError(f"{root}: no remediator run on record (.remediator/runs is empty)")
    if run_id is None:
        journal = runs[-1]
    else:
        matching = [r for r in runs if r.run_id == run_id]
        if not matching:
            raise UndoError(f"unknown run {run_id!r} (known: {', '.join(r.run_id for r in runs)})")
        journal = matching[0]
    result = UndoResult(journal.run_id)
    plan = []
    for entry in journal.entries():
        path = root / entry.path
        try:
            current = sha256(path.read_bytes())
        except FileNotFoundError:
            current = None
        if current == entry.before:
            result.unchanged.append(entry.path)
        elif current == entry.after or force:
            plan.append(entry)
        else:
            result.refused.append(entry.path)
    if result.refused and not force:
        return result
    for entry in plan:
        path = root / entry.path
        if not path.exists():
            path.write_bytes(b"")  # write_atomically keeps the mode of an existing file
        write_atomically(path, journal.original(entry))
        set_file_mode(path, entry.mode)
        result.restored.append(entry.path)
    folders = {(root / e.path).parent for e in journal.entries()} | {journal.folder, journal.folder / "originals"}
    result.removed_temporaries = _remove_temporaries(root, folders)
    journal.record("undone", restored=result.restored)
    journal.finish(UNDONE)
    return result


def _remove_temporaries(root: Path, folders: set[Path]) -> list[str]:
    """Temporary files an interrupted atomic write may have left next to the files (and in the journal)."""
    removed = []
    for directory in sorted(folders):
        for temporary in directory.glob(f".*{TEMPORARY_SUFFIX}"):
            temporary.unlink(missing_ok=True)
            removed.append(temporary.relative_to(root).as_posix())
    return removed
