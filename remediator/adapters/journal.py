"""The run journal: originals saved before any write, so that any run can be undone byte for byte.

Layout, under the project root::

    .remediator/.gitignore                 "*": git ignores the whole folder, as pytest and ruff do
    .remediator/runs/<run-id>/manifest.json  the planned files: path, sha256 before and after, mode
    .remediator/runs/<run-id>/originals/<sha256>.orig   the original bytes (no .py files in here)
    .remediator/runs/<run-id>/events.jsonl   append-only: batch started, file written, rolled back, ...
    .remediator/runs/<run-id>/state          "running", "complete" or "undone"

Every file is fsynced before the next step relies on it. A run killed at any
instant leaves originals for every file it may have touched, so `undo` can
restore the tree whatever was written.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from remediator.adapters.writer import write_atomically

JOURNAL_DIR = ".remediator"
RUNNING, COMPLETE, UNDONE = "running", "complete", "undone"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """One file a run plans to write."""

    path: str
    before: str  # sha256 of the original bytes
    after: str  # sha256 of the rewritten bytes
    mode: int

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "before": self.before, "after": self.after, "mode": self.mode}


class Journal:
    """One run's journal folder."""

    def __init__(self, root: Path, run_id: str) -> None:
        self.root = root
        self.run_id = run_id
        self.folder = root / JOURNAL_DIR / "runs" / run_id

    @classmethod
    def start(cls, root: Path) -> Journal:
        """Create a new run folder (and the .gitignore that keeps the journal out of git)."""
        base = root / JOURNAL_DIR
        base.mkdir(exist_ok=True)
        ignore = base / ".gitignore"
        if not ignore.exists():
            write_atomically(ignore, b"# remediator's run journal and cache\n*\n")
        while True:  # ids sort in time order: "latest" is the last one
            now = time.time()
            run_id = time.strftime("%Y%m%d-%H%M%S", time.gmtime(now)) + f".{int(now % 1 * 1e6):06d}-{os.getpid()}"
            journal = cls(root, run_id)
            try:
                (journal.folder / "originals").mkdir(parents=True)
                break
            except FileExistsError:
                continue
        journal._set_state(RUNNING)
        journal._write_manifest([])
        return journal

    @classmethod
    def runs(cls, root: Path) -> list[Journal]:
        """Every run on record, oldest first."""
        folder = root / JOURNAL_DIR / "runs"
        if not folder.is_dir():
            return []
        return [cls(root, p.name) for p in sorted(folder.iterdir()) if p.is_dir()]

    @classmethod
    def unfinished(cls, root: Path) -> list[Journal]:
        """Runs that neither completed nor were undone: killed, most likely."""
        return [run for run in cls.runs(root) if run.state == RUNNING]

    @property
    def state(self) -> str:
        try:
            return (self.folder / "state").read_text().strip() or RUNNING
        except OSError:
            return RUNNING

    def entries(self) -> list[JournalEntry]:
        try:
            data = json.loads((self.folder / "manifest.json").read_text())
        except (OSError, ValueError):
            return []
        return [JournalEntry(e["path"], e["before"], e["after"], e["mode"]) for e in data.get("files", [])]

    def events(self) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = []
        try:
            text = (self.folder / "events.jsonl").read_text()
        except OSError:
            return events
        for line in text.splitlines():
            try:
                events.append(json.loads(line))
            except ValueError:
                break  # a torn last line from a kill: everything before it is sound
        return events

    def plan(self, originals: dict[str, bytes], entries: list[JournalEntry]) -> None:
        """Save the originals of files about to be written, then list them in the manifest (both fsynced)."""
        for entry in entries:
            blob = self.folder / "originals" / f"{entry.before}.orig"
            if not blob.exists():
                write_atomically(blob, originals[entry.path])
        known = {e.path: e for e in self.entries()}
        for entry in entries:
            known[entry.path] = entry
        self._write_manifest(list(known.values()))

    def original(self, entry: JournalEntry) -> bytes:
        return (self.folder / "originals" / f"{entry.before}.orig").read_bytes()

    def record(self, event: str, **data: Any) -> None:
        """Append one event and fsync it."""
        line = json.dumps({"event": event, "time": round(time.time(), 3), **data}) + "\n"
        with open(self.folder / "events.jsonl", "a", encoding="utf-8") as handle:
            handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())

    def finish(self, state: str = COMPLETE) -> None:
        self._set_state(state)

    def _set_state(self, state: str) -> None:
        write_atomically(self.folder / "state", state.encode() + b"\n")

    def _write_manifest(self, entries: list[JournalEntry]) -> None:
        document = {"run": self.run_id, "root": str(self.root), "files": [e.to_dict() for e in entries]}
        write_atomically(self.folder / "manifest.json", json.dumps(document, indent=1).encode())
