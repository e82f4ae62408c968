"""Progress of a run's steps on stderr: rich bars on a terminal, plain lines or JSON lines when asked.

Never on stdout: `--format json` output stays one JSON document. The events are
those of `remediator.domain.progress` (steps) and of the batch runner (`start`,
`batch`, `done` of the write step).
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TextIO

from remediator.domain.progress import Progress, progress_mode

# Seconds a step runs before its bar shows on a terminal (a float; 0 shows every step at once).
DELAY_ENV = "REMEDIATOR_PROGRESS_DELAY"
_DELAY = 1.0
# Seconds between two lines about one step's advance: a CI log wants few, a program reading JSON more.
_PLAIN_INTERVAL = 5.0
_JSON_INTERVAL = 1.0
_UNITS = {"suggest": "findings", "store": ""}  # every other step counts files


@contextmanager
def progress_reporter(output_format: str, wanted: bool | None = None) -> Iterator[Progress | None]:
    """The progress callback of a command, or None when progress is off.

    `wanted` is True for `--progress`, False for `--no-progress`, None for neither: then only text
    output on a terminal shows progress (as bars). With `--progress`, `--format json` gives JSON
    lines, a terminal bars, anything else plain lines. All of it on stderr.
    """
    mode = progress_mode(output_format, wanted, sys.stderr.isatty())
    if mode == "json":
        yield _Lines(sys.stderr, _json_line, _JSON_INTERVAL)
    elif mode == "plain":
        yield _Lines(sys.stderr, _plain_line, _PLAIN_INTERVAL)
    elif mode == "bars":
        with _Bars(_delay()) as bars:
            yield bars
    else:
        yield None


def _delay() -> float:
    try:
        return max(0.0, float(os.environ.get(DELAY_ENV, _DELAY)))
    except ValueError:
        return _DELAY


# ---------------------------------------------------------------------------- lines


class _Lines:
    """One line per event on `stream`; a step's advance at most once every `interval` seconds (begin and end always)."""

    def __init__(self, stream: TextIO, render: Callable[[dict[str, Any], float | None], str | None], interval: float) -> None:
        self.stream = stream
        self.render = render
        self.interval = interval
        self.started: dict[str, float] = {}
        self.last_line: dict[str, float] = {}

    def __call__(self, event: dict[str, Any]) -> None:
        now = time.monotonic()
        kind, step = event.get("event"), event.get("step", "")
        if kind == "begin":
            self.started[step] = self.last_line[step] = now
        elif kind == "advance":
            if now - self.last_line.get(step, 0.0) < self.interval:
                return
            self.last_line[step] = now
        line = self.render(event, now - self.started.pop(step, now) if kind == "end" else None)
        if line is not None:
            print(line, file=self.stream, flush=True)


def _json_line(event: dict[str, Any], seconds: float | None) -> str:
    return json.dumps({"progress": event if seconds is None else {**event, "seconds": round(seconds, 3)}})


def _plain_line(event: dict[str, Any], seconds: float | None) -> str | None:
    kind, step = event.get("event"), event.get("step")
    if kind == "start":
        batches = f"{event['batches']} batch{'es' * (event['batches'] != 1)}"
        return f"run {event['run']}: {event['files']} files in {batches}"
    if kind == "batch":
        return f"batch {event['number']}/{event['of']}: {event['landed']} files landed"
    if kind == "begin":
        return f"{step}: started" + (f" ({event['total']} {_unit(str(step))})" if event["total"] is not None else "")
    if kind == "advance":
        return f"{step}: {_count(event)}"
    if kind == "end":
        return f"{step}: {_count(event) or 'done'} in {seconds:.1f} s"
    return None


def _count(event: dict[str, Any]) -> str:
    """`3/12 files`, `12 files` (no total), or '' for a step that counts nothing."""
    unit = _unit(event["step"])
    if not unit:
        return ""
    done = event["done"] if event["total"] is None else f"{event['done']}/{event['total']}"
    return f"{done} {unit}"


def _unit(step: str) -> str:
    return _UNITS.get(step, "files")


# ---------------------------------------------------------------------------- bars


@dataclass(slots=True)
class _Running:
    """A step under way, and its bar once it has run long enough to show one."""

    name: str
    total: int | None
    began: float
    done: int = 0
    label: str = ""
    task: Any = None
    timer: threading.Timer | None = None
    over: bool = False


class _Bars:
    """A transient rich bar per step on stderr, shown once the step has run `delay` seconds.

    rich is imported, and its display started, only when a first bar shows: a quick run never pays for it.
    """

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.lock = threading.Lock()
        self.running: dict[str, _Running] = {}
        self.display: Any = None

    def __enter__(self) -> _Bars:
        return self

    def __exit__(self, *exc: object) -> None:
        with self.lock:
            for step in self.running.values():
                self._stop(step)
            self.running.clear()
            if self.display is not None:
                self.display.stop()

    def __call__(self, event: dict[str, Any]) -> None:
        kind = event.get("event")
        with self.lock:
            if kind == "begin":
                self._begin(event["step"], event["total"])
            elif kind == "start":
                self._begin("write", event["files"], f"write batch 0/{event['batches']}")
            elif kind in ("advance", "batch"):
                step = self.running.get(event["step"])
                if step is not None:
                    step.done = event["done"] if kind == "advance" else event["landed"]
                    step.total = event.get("total", step.total)
                    if kind == "batch":
                        step.label = f"write batch {event['number']}/{event['of']}"
                    self._update(step)
            elif kind in ("end", "done"):
                step = self.running.pop(event["step"], None)
                if step is not None:
                    self._stop(step)

    def _begin(self, name: str, total: int | None, label: str = "") -> None:
        old = self.running.pop(name, None)
        if old is not None:
            self._stop(old)
        step = self.running[name] = _Running(name, total, time.monotonic(), label=label or name)
        if self.delay <= 0:
            self._show(step)
        else:
            step.timer = threading.Timer(self.delay, self._show_later, (step,))
            step.timer.daemon = True
            step.timer.start()

    def _show_later(self, step: _Running) -> None:
        with self.lock:
            self._show(step)

    def _show(self, step: _Running) -> None:
        if step.over:
            return
        if self.display is None:
            self.display = _rich_display()
            self.display.start()
        step.task = self.display.add_task(step.label, total=step.total, completed=step.done, count=self._count(step), began=step.began)

    def _update(self, step: _Running) -> None:
        if step.task is not None:
            self.display.update(step.task, description=step.label, total=step.total, completed=step.done, count=self._count(step))

    def _stop(self, step: _Running) -> None:
        step.over = True
        if step.timer is not None:
            step.timer.cancel()
        if step.task is not None:
            self.display.remove_task(step.task)

    @staticmethod
    def _count(step: _Running) -> str:
        if step.total is None and not step.done:
            return ""  # discovery: the count comes at the end
        return _count({"step": step.name, "done": step.done, "total": step.total})


def _rich_display() -> Any:
    from datetime import timedelta

    from rich.console import Console
    from rich.progress import BarColumn, Progress, ProgressColumn, Task, TextColumn, TimeRemainingColumn
    from rich.text import Text

    class SinceBegun(ProgressColumn):
        """The time since the step began (its bar shows only later)."""

        def render(self, task: Task) -> Text:
            return Text(str(timedelta(seconds=int(time.monotonic() - task.fields["began"]))), style="progress.elapsed")

    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[count]}"),
        SinceBegun(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
        redirect_stdout=False,
        redirect_stderr=False,
    )
