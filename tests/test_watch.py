"""Watch mode: the findings delta, the loop driven by real file-system events, and `check --watch` in a subprocess."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import remediator
from remediator.adapters.interrupts import InterruptGate
from remediator.adapters.watcher import watch_changes
from remediator.application.watch import Recheck, diff_findings, watch_loop

from conftest import write_tree

TIMEOUT = 60  # seconds to wait for an expected event before the test fails (a safety net, not a measurement)

TREE = {
    "app/__init__.py": "",
    "app/config.py": "TIMEOUT = 3\nRETRIES = 2\n",
    "app/views.py": "from app.config import TIMEOUT\n\n\ndef view():\n    return TIMEOUT\n",
    "app/jobs.py": "from app.config import RETRIES\n",
}


def _scan(root: Path) -> remediator.ScanResult:
    return remediator.scan(root, use_git=False)


def test_diff_findings_new_fixed_and_moved(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", TREE)
    clean = _scan(root)
    assert not clean.findings
    (root / "app" / "views.py").write_text("from app.config import TIMEOUT, GONE\nimport app.missing\n")
    broken = _scan(root)
    delta = diff_findings(clean.findings, broken.findings)
    assert [(f.rule, f.path, f.line, f.name or f.target) for f in delta.new] == [
        ("missing-name", "app/views.py", 1, "GONE"),
        ("missing-module", "app/views.py", 2, "app.missing"),
    ]
    assert delta.fixed == () and delta

    # lines added above: the same findings, moved, are neither new nor fixed
    (root / "app" / "views.py").write_text("import os\n\nfrom app.config import TIMEOUT, GONE\nimport app.missing\n")
    moved = _scan(root)
    assert [f.line for f in moved.findings] == [3, 4]
    assert not diff_findings(broken.findings, moved.findings)

    # one of two identical imports removed: one fixed, the other kept
    (root / "app" / "views.py").write_text("import app.missing\nimport app.missing\n")
    twice = _scan(root)
    (root / "app" / "views.py").write_text("import os\nimport app.missing\n")
    once = _scan(root)
    delta = diff_findings(twice.findings, once.findings)
    assert delta.new == () and [(f.line, f.target) for f in delta.fixed] == [(1, "app.missing")]

    (root / "app" / "views.py").write_text(TREE["app/views.py"])
    delta = diff_findings(once.findings, _scan(root).findings)
    assert delta.new == () and [f.target for f in delta.fixed] == ["app.missing"]


@pytest.fixture
def gate() -> Iterator[InterruptGate]:
    """An installed gate; Python's own SIGINT handler is put back afterwards."""
    previous = signal.getsignal(signal.SIGINT)
    gate = InterruptGate()
    gate.install()
    try:
        yield gate
    finally:
        signal.signal(signal.SIGINT, previous)


def test_ctrl_c_while_held_waits_for_the_section_to_finish(gate: InterruptGate) -> None:
    done: list[int] = []
    with pytest.raises(KeyboardInterrupt):
        with gate.held():
            signal.raise_signal(signal.SIGINT)  # delivered to this thread now; its handler runs at the next bytecodes
            for step in range(200):  # each loop turn lets Python run pending handlers
                done.append(step)
            with gate.held():  # nested sections defer to the outermost one
                done.append(-1)
    assert done == [*range(200), -1]  # the whole section ran before the interrupt was raised

    with gate.held():  # the interrupt was raised once, not kept
        done.append(200)
    assert done[-1] == 200


def test_ctrl_c_outside_a_section_stops_at_once(gate: InterruptGate) -> None:
    done: list[int] = []
    with pytest.raises(KeyboardInterrupt):
        signal.raise_signal(signal.SIGINT)
        for step in range(200):
            done.append(step)
    assert len(done) < 200


def test_watch_loop_with_real_file_events(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", TREE)
    stop = threading.Event()
    changes = watch_changes(root, stop=stop)
    assert next(changes) == frozenset()  # the watcher runs
    first = _scan(root)
    rechecks: queue.Queue[Recheck | BaseException] = queue.Queue()

    def consume() -> None:
        try:
            for recheck in watch_loop(lambda: _scan(root), changes, first):
                rechecks.put(recheck)
        except BaseException as error:  # surfaced by the test thread
            rechecks.put(error)

    thread = threading.Thread(target=consume, daemon=True)
    thread.start()
    try:
        (root / "app" / "jobs.py").write_text("from app.config import RETRIES, BACKOFF\n")
        recheck = _next(rechecks, lambda r: bool(r.delta.new))
        assert "app/jobs.py" in recheck.changed
        assert [(f.rule, f.path, f.name) for f in recheck.delta.new] == [("missing-name", "app/jobs.py", "BACKOFF")]
        assert recheck.delta.fixed == ()
        assert any("new    app/jobs.py:1:1: error missing-name" in line for line in recheck.lines())

        # a change outside Python sources and the cache folder do not count; a fix does
        (root / "notes.txt").write_text("nothing to see\n")
        (root / "app" / "config.py").write_text("TIMEOUT = 3\nRETRIES = 2\nBACKOFF = 1.5\n")
        recheck = _next(rechecks, lambda r: bool(r.delta.fixed))
        assert "notes.txt" not in recheck.changed and not any(".remediator" in path for path in recheck.changed)
        assert [(f.rule, f.name) for f in recheck.delta.fixed] == [("missing-name", "BACKOFF")]
        assert recheck.result is not None and not recheck.result.findings

        # a broken setting is reported and the loop goes on
        (root / "pyproject.toml").write_text("[tool.remediator]\nno_such_setting = 1\n")
        recheck = _next(rechecks, lambda r: r.error is not None)
        assert "configuration error" in (recheck.error or "")
        (root / "pyproject.toml").write_text("[tool.remediator]\n")
        recheck = _next(rechecks, lambda r: r.error is None and r.result is not None)
        assert not recheck.delta
    finally:
        stop.set()
        thread.join(TIMEOUT)
    assert not thread.is_alive()


def _next(rechecks: queue.Queue[Recheck | BaseException], wanted: Callable[[Recheck], bool]) -> Recheck:
    """The next recheck that satisfies `wanted` (an editor may save in several steps: skip the others)."""
    while True:
        item = rechecks.get(timeout=TIMEOUT)
        if isinstance(item, BaseException):
            raise item
        if wanted(item):
            return item


class _Lines:
    """The stdout lines of a process, read in a thread so that a test can wait for one with a timeout."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        assert process.stdout is not None
        stream = process.stdout
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream: Iterator[str]) -> None:
        for line in stream:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def wait_for(self, *needles: str) -> str:
        while True:
            line = self.lines.get(timeout=TIMEOUT)
            if line is None:
                raise AssertionError(f"output ended before a line with {needles}; output: {self.seen}")
            self.seen.append(line)
            if all(needle in line for needle in needles):
                return line


@pytest.mark.e2e
def test_check_watch_in_a_subprocess(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", TREE)
    process = subprocess.Popen(
        [sys.executable, "-m", "remediator", "check", "--watch", "--root", str(root)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        preexec_fn=_default_sigint,
    )
    try:
        output = _Lines(process)
        output.wait_for("0 errors")
        output.wait_for("watching", "Ctrl-C")

        (root / "app" / "views.py").write_text("from app.configuration import TIMEOUT\n")
        output.wait_for("app/views.py changed", "1 new")
        new = output.wait_for("new ", "app/views.py:1:1")
        assert "missing-module" in new and "app.configuration" in new

        (root / "app" / "views.py").write_text(TREE["app/views.py"])
        output.wait_for("app/views.py changed", "1 fixed")
        fixed = output.wait_for("fixed ", "app/views.py:1:1")
        assert "missing-module" in fixed

        process.send_signal(signal.SIGINT)  # Ctrl-C: stop quietly, with the last check's status
        assert process.wait(TIMEOUT) == 0
        assert "Traceback" not in (process.stderr.read() if process.stderr else "")
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(TIMEOUT)


def _default_sigint() -> None:
    """A CI runner may start us with SIGINT ignored (a background job); the child must see Ctrl-C."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.e2e
def test_scan_watch_exits_with_the_last_status_on_ctrl_c(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", TREE)
    process = subprocess.Popen(
        [sys.executable, "-m", "remediator", "scan", str(root), "--watch", "--no-git"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        preexec_fn=_default_sigint,
    )
    try:
        output = _Lines(process)
        output.wait_for("watching")
        (root / "app" / "jobs.py").unlink()
        (root / "app" / "tasks.py").write_text("import app.jobs\n")
        output.wait_for("new ", "app/tasks.py:1:1", "missing-module")
        process.send_signal(signal.SIGINT)
        assert process.wait(TIMEOUT) == 1
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(TIMEOUT)


@pytest.mark.e2e
@pytest.mark.parametrize(
    "command", [["scan", "{root}", "--watch", "--format", "json"], ["check", "--root", "{root}", "--watch", "--format", "sarif"]]
)
def test_watch_prints_text_only(tmp_path: Path, command: list[str]) -> None:
    root = write_tree(tmp_path / "repo", TREE)
    done = subprocess.run(
        [sys.executable, "-m", "remediator", *(part.format(root=root) for part in command)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert done.returncode == 2 and "--watch prints text" in done.stderr and done.stdout == ""
