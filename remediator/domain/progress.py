"""The progress port: a long run's steps, told as events to an optional callback.

A step sends `{"event": "begin", "step": NAME, "total": N or None}`, then
`{"event": "advance", "step": NAME, "done": n, "total": N}` as work gets done
(per chunk of files, never per file), then `{"event": "end", "step": NAME,
"done": n, "total": N}`. Steps: discover, parse, resolve, analyse, store,
suggest; fix adds plan, rewrite, write and recheck. The write step sends the
batch runner's own events instead: `start`, `batch` and `done`.

Without a callback a step does nothing: the code that reports counts per chunk
pays one call per chunk, and nothing per file.
"""

from __future__ import annotations

from typing import Any
from collections.abc import Callable

Progress = Callable[[dict[str, Any]], None]


def progress_mode(output_format: str, wanted: bool | None, terminal: bool) -> str | None:
    """`json`, `plain`, `bars`, or None (no progress) for a command's options and stderr (`reports.progress` shows them)."""
    if wanted is False or (wanted is None and (output_format != "text" or not terminal)):
        return None
    if output_format == "json":
        return "json"
    return "bars" if terminal else "plain"


class Step:
    """One step of a run: begun when made, advanced by chunks, ended once (also on leaving a `with` block)."""

    __slots__ = ("_report", "name", "total", "done")

    def __init__(self, progress: Progress | None, name: str, total: int | None = None) -> None:
        self._report = progress
        self.name = name
        self.total = total
        self.done = 0
        if progress is not None:
            progress({"event": "begin", "step": name, "total": total})

    def __enter__(self) -> Step:
        return self

    def __exit__(self, kind: object, *rest: object) -> None:
        if kind is None:
            self.end()

    @property
    def active(self) -> bool:
        """True when someone listens: only then is per-chunk counting worth doing."""
        return self._report is not None

    def advance(self, count: int) -> None:
        """`count` more items done."""
        if self._report is not None and count:
            self.done += count
            self._report({"event": "advance", "step": self.name, "done": self.done, "total": self.total})

    def end(self, done: int | None = None) -> None:
        """The step is over; `done` gives its count when only the end knows it (files found, say)."""
        if self._report is None:
            return
        if done is not None:
            self.done = done
        elif self.total is not None:
            self.done = self.total
        self._report({"event": "end", "step": self.name, "done": self.done, "total": self.total})
        self._report = None
