"""Progress of long steps: on stderr only, bars on a terminal, plain or JSON lines when asked, never in stdout."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import remediator
from remediator.domain.config import MoveRule, Settings
from tests.conftest import git, write_tree

MOVE_CONFIG = '[[move]]\nfrom = "lib.old"\nto = "lib.new"\n'


def _tree(users: int) -> dict[str, str]:
    files = {"lib/__init__.py": "", "lib/new.py": "class Thing: pass\n", "app/__init__.py": ""}
    for i in range(users):
        files[f"app/user_{i:03d}.py"] = f"from lib.old import Thing\n\nVALUE_{i} = Thing()\n"
    return files


def _cli(root: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "remediator", *args],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **(env or {})},
    )


def _json_progress(stderr: str) -> list[dict[str, Any]]:
    return [json.loads(line)["progress"] for line in stderr.splitlines() if line.startswith('{"progress"')]


def _ends(events: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {e["step"]: e for e in events if e["event"] == "end"}


@pytest.mark.e2e
def test_scan_json_with_progress_puts_json_lines_on_stderr_and_keeps_stdout_one_document(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", _tree(7))  # 10 files
    completed = _cli(root, "scan", ".", "--format", "json", "--progress", "--no-git")
    assert completed.returncode == 1, completed.stderr
    assert json.loads(completed.stdout)["summary"]["files"] == 10  # stdout: the report alone
    lines = completed.stderr.splitlines()
    assert lines and all(json.loads(line)["progress"] for line in lines)
    events = _json_progress(completed.stderr)
    begun = [e["step"] for e in events if e["event"] == "begin"]
    assert begun[:4] == ["discover", "parse", "resolve", "analyse"] and "suggest" in begun
    ends = _ends(events)
    assert ends["discover"]["done"] == 10
    assert (ends["parse"]["done"], ends["parse"]["total"]) == (10, 10)
    assert (ends["analyse"]["done"], ends["analyse"]["total"]) == (10, 10)
    assert all(isinstance(e["seconds"], float) for e in ends.values())


@pytest.mark.e2e
def test_scan_text_with_progress_off_a_terminal_gives_plain_lines(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", _tree(7))
    completed = _cli(root, "scan", ".", "--progress", "--no-git")
    lines = completed.stderr.splitlines()
    assert "discover: started" in lines and "parse: started (10 files)" in lines
    assert any(line.startswith("parse: 10/10 files in ") for line in lines)
    assert any(line.startswith("analyse: 10/10 files in ") for line in lines)
    assert "parse" not in completed.stdout and "lib.old" in completed.stdout


@pytest.mark.e2e
def test_no_progress_off_a_terminal_unless_asked(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", _tree(3))
    for args in (
        ("scan", ".", "--no-git"),
        ("scan", ".", "--format", "json", "--no-git"),
        ("check", "--format", "json", "--no-git"),
        ("cycles", "."),
        ("scan", ".", "--no-git", "--progress", "--no-progress"),
    ):
        completed = _cli(root, *args)
        assert completed.returncode in (0, 1), completed.stderr
        assert "progress" not in completed.stderr and "discover" not in completed.stderr, args


@pytest.mark.e2e
def test_check_json_with_progress(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", _tree(5))
    completed = _cli(root, "check", "--format", "json", "--progress", "--no-git")
    assert json.loads(completed.stdout)["summary"]["errors"] == 5
    ends = _ends(_json_progress(completed.stderr))
    assert ends["parse"]["done"] == 8 and ends["analyse"]["done"] == 8


@pytest.mark.e2e
def test_check_since_a_ref_reports_the_analysis_of_the_base_state(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", _tree(5))
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-qm", "base")
    (root / "app/user_009.py").write_text("import lib.gone\n")  # a new file: 9 now, 8 at the base
    completed = _cli(root, "check", "--since", "HEAD", "--format", "json", "--progress", "--no-git")
    assert json.loads(completed.stdout)["summary"]["errors"] == 1, completed.stderr
    events = _json_progress(completed.stderr)
    assert _ends(events)["snapshot"]["done"] == 8 and _ends(events)["parse"]["done"] == 9
    _assert_steps_nest(events)


@pytest.mark.e2e
def test_fix_apply_with_progress_shows_the_rewrite_and_the_batches(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", _tree(5))
    (tmp_path / "move.toml").write_text(MOVE_CONFIG)
    completed = _cli(root, "fix", ".", "--apply", "--batch-size", "2", "--no-git", "--config", str(tmp_path / "move.toml"), "--progress")
    assert completed.returncode == 0, completed.stderr
    lines = completed.stderr.splitlines()
    assert "plan: started" in lines and "rewrite: started (5 files)" in lines
    assert any(line.startswith("rewrite: 5/5 files in ") for line in lines)
    assert [line for line in lines if line.startswith(("run ", "batch "))][1:] == [
        "batch 1/3: 2 files landed",
        "batch 2/3: 4 files landed",
        "batch 3/3: 5 files landed",
    ]
    assert any(line.startswith("recheck: 5/5 files in ") for line in lines)
    assert "5 files changed" in completed.stdout and "files landed" not in completed.stdout and "rewrite:" not in completed.stdout


@pytest.mark.e2e
def test_fix_json_with_progress_reports_every_step_as_json_lines(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", _tree(4))
    (tmp_path / "move.toml").write_text(MOVE_CONFIG)
    completed = _cli(root, "fix", ".", "--apply", "--no-git", "--format", "json", "--config", str(tmp_path / "move.toml"), "--progress")
    report = json.loads(completed.stdout)
    assert len(report["changed_files"]) == 4
    events = _json_progress(completed.stderr)
    assert len(events) == len(completed.stderr.splitlines())
    steps = [e["step"] for e in events if e["event"] in ("begin", "start")]
    assert steps.index("parse") < steps.index("plan") < steps.index("rewrite") < steps.index("write") < steps.index("recheck")
    assert _ends(events)["rewrite"]["done"] == 4
    assert [e["landed"] for e in events if e["event"] == "done"] == [4]


def test_fix_after_a_warm_scan_reports_loading_the_model(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", _tree(4))
    settings = Settings(move=(MoveRule("lib.old", "lib.new"),))
    remediator.scan(root, settings=settings, use_git=False)  # the stored analysis: fix's scan is warm
    events: list[dict[str, Any]] = []
    result = remediator.fix(root, settings=settings, use_git=False, progress=events.append)
    assert len(result.changes) == 4
    ends = _ends(events)
    assert ends["load"]["done"] == 7 and ends["resolve"]["done"] == 7
    assert ends["plan"]["done"] == 4 and ends["rewrite"]["done"] == 4
    assert [e["event"] for e in events if e["step"] == "write"] == []  # nothing written without apply
    _assert_steps_nest(events)


def test_the_api_hears_parse_counts_per_chunk_rising_to_the_file_count(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", {"pkg/__init__.py": "", **{f"pkg/m{i:03d}.py": f"X = {i}\n" for i in range(449)}})
    events: list[dict[str, Any]] = []
    result = remediator.scan(root, use_git=False, jobs=2, progress=events.append)  # enough files for the worker pool
    assert result.summary()["files"] == 450
    parse = [e for e in events if e["step"] == "parse"]
    counts = [e["done"] for e in parse if e["event"] == "advance"]
    assert len(counts) > 2 and counts == sorted(set(counts)) and counts[-1] == 450  # a chunk at a time, never per file
    assert parse[0] == {"event": "begin", "step": "parse", "total": 450}
    assert parse[-1] == {"event": "end", "step": "parse", "done": 450, "total": 450}
    _assert_steps_nest(events)

    events.clear()  # a warm run: nothing changed, nothing analysed again
    remediator.scan(root, use_git=False, progress=events.append)
    assert _ends(events)["analyse"]["total"] == 0 and _ends(events)["parse"]["done"] == 450
    _assert_steps_nest(events)

    (root / "pkg/m007.py").write_text("import pkg.gone\n")
    events.clear()
    assert remediator.scan(root, use_git=False, progress=events.append).errors
    assert _ends(events)["analyse"]["done"] == 1


def test_the_api_without_a_callback_reports_nothing_and_finds_the_same(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", _tree(3))
    events: list[dict[str, Any]] = []
    heard = remediator.scan(root, use_git=False, use_cache=False, progress=events.append)
    quiet = remediator.scan(root, use_git=False, use_cache=False)
    assert events and heard.to_dict()["findings"] == quiet.to_dict()["findings"]


@pytest.mark.e2e
def test_a_terminal_gets_transient_bars_on_stderr(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", _tree(3))
    shown, stdout = _on_a_terminal(root, "scan", ".", "--no-git")
    for step in (b"discover", b"parse", b"resolve", b"analyse"):
        assert step in shown
    assert b"0/6 files" in shown and shown.endswith(b"\x1b[?25h\r")  # a bar from its start; cursor back, bars cleared
    assert "lib.old" in stdout and "\x1b[" not in stdout and "discover" not in stdout


@pytest.mark.e2e
def test_a_terminal_gets_no_bars_with_no_progress_or_json(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", _tree(3))
    assert _on_a_terminal(root, "scan", ".", "--no-git", "--no-progress")[0] == b""
    shown, stdout = _on_a_terminal(root, "scan", ".", "--no-git", "--format", "json")
    assert shown == b"" and json.loads(stdout)["summary"]["files"] == 6
    shown, stdout = _on_a_terminal(root, "scan", ".", "--no-git", "--format", "json", "--progress")
    assert [json.loads(line)["progress"]["step"] for line in shown.decode().splitlines()][:2] == ["discover", "discover"]


def _on_a_terminal(root: Path, *args: str) -> tuple[bytes, str]:
    """Run the CLI with stderr on a pseudo-terminal (bars shown at once) and stdout in a file; what each got."""
    env = {**os.environ, "REMEDIATOR_PROGRESS_DELAY": "0", "TERM": "xterm", "COLUMNS": "120"}
    env.pop("NO_COLOR", None)
    parent, child = pty.openpty()
    out = root.parent / "stdout.txt"
    with out.open("wb") as stdout:
        process = subprocess.Popen([sys.executable, "-m", "remediator", *args], cwd=root, stdout=stdout, stderr=child, env=env)
    os.close(child)
    shown = b""
    while True:  # until every writer has closed the terminal: EOF (EIO on Linux)
        try:
            data = os.read(parent, 65536)
        except OSError:
            break
        if not data:
            break
        shown += data
    os.close(parent)
    process.wait()
    return shown.replace(b"\r\n", b"\n"), out.read_text()


def _assert_steps_nest(events: list[dict[str, Any]]) -> None:
    """Steps follow one another: each begins, advances and ends before the next begins."""
    current = None
    for event in events:
        if event["event"] == "begin":
            assert current is None, event
            current = event["step"]
        else:
            assert event["step"] == current, event
            if event["event"] == "end":
                current = None
    assert current is None
