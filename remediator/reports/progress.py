"""Progress of a batch run on stderr: a rich bar on a terminal, plain lines otherwise, JSON lines with --format json."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Callable

Progress = Callable[[dict[str, Any]], None]


@contextmanager
def progress_reporter(output_format: str) -> Iterator[Progress]:
    if output_format == "json":
        yield _json_lines
    elif sys.stderr.isatty():
        with _RichProgress() as progress:
            yield progress
    else:
        yield _plain_lines


def _json_lines(event: dict[str, Any]) -> None:
    print(json.dumps({"progress": event}), file=sys.stderr, flush=True)


def _plain_lines(event: dict[str, Any]) -> None:
    kind = event.get("event")
    if kind == "start":
        batches = f"{event['batches']} batch{'es' * (event['batches'] != 1)}"
        print(f"run {event['run']}: {event['files']} files in {batches}", file=sys.stderr, flush=True)
    elif kind == "batch":
        print(f"batch {event['number']}/{event['of']}: {event['landed']} files landed", file=sys.stderr, flush=True)


class _RichProgress:
    """A bar with files landed, the batch, and the time left."""

    def __enter__(self) -> _RichProgress:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self.progress = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), transient=True,
        )
        self.progress.__enter__()
        self.task: Any = None
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.__exit__(None, None, None)

    def __call__(self, event: dict[str, Any]) -> None:
        kind = event.get("event")
        if kind == "start":
            self.batches = event["batches"]
            self.task = self.progress.add_task(f"batch 0/{self.batches}", total=event["files"])
        elif kind == "batch" and self.task is not None:
            self.progress.update(self.task, completed=event["landed"], description=f"batch {event['number']}/{event['of']}")
