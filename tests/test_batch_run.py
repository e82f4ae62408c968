"""Safe batch runs: cycle checks with bisection, journal and undo, faults, dirty files, kills."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import remediator
from remediator.domain.config import MoveRule, Settings, SsotRule
from tests.conftest import git as _git, write_tree

MOVE = Settings(move=(MoveRule("lib.old", "lib.new"),))
LIB = {"lib/__init__.py": "", "lib/new.py": "class Thing: pass\ndef helper(): return 1\n"}


def _snapshot(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".remediator" not in p.relative_to(root).parts and ".git" not in p.relative_to(root).parts
    }


def _cli(root: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "remediator", *args],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **(env or {})},
    )


def _many_users(count: int) -> dict[str, str]:
    files = {**LIB, "app/__init__.py": ""}
    for i in range(count):
        files[f"app/user_{i:03d}.py"] = (
            f"from lib.old import Thing, helper\n\nVALUE_{i} = {i}\n\ndef use_{i}():\n    return Thing(), helper()\n"
        )
    return files


def test_cycle_trap_is_skipped_and_reported_the_rest_lands(tmp_path: Path) -> None:
    rule = SsotRule(name="jwt", forbid=("auth.jwt",), scope=("backend",), use="backend.integration")
    files = {
        "auth/__init__.py": "",
        "auth/jwt.py": "def check(t): return t\nclass JWTHandler: pass\n",
        "backend/__init__.py": "",
        # the integration layer itself imports backend.config ...
        "backend/integration.py": "from auth.jwt import check, JWTHandler\nfrom backend.config import SETTINGS\n",
        # ... so pointing backend.config at the integration layer would close a cycle
        "backend/config.py": "from auth.jwt import check\nSETTINGS = {'check': check}\n",
        **{f"backend/view_{i}.py": "from auth.jwt import check\n\ndef view(t):\n    return check(t)\n" for i in range(6)},
    }
    root = write_tree(tmp_path / "repo", files)
    result = remediator.fix(root, settings=Settings(ssot=(rule,)), apply=True, batch_size=10, use_git=False)
    assert [(s.path, s.reason) for s in result.skipped] == [("backend/config.py", "would-create-cycle")]
    (skip,) = result.skipped
    assert (
        "backend.config -> backend.integration -> backend.config" in skip.detail
        or "backend.integration -> backend.config -> backend.integration" in skip.detail
    )
    assert "backend/integration.py:2" in skip.detail
    assert sorted(c.path for c in result.changes) == [f"backend/view_{i}.py" for i in range(6)]
    assert (root / "backend/config.py").read_text() == files["backend/config.py"]
    assert (root / "backend/view_0.py").read_text().startswith("from backend.integration import check")
    run = result.to_dict()["run"]
    assert run["cycles_before"] == 0 and run["cycles_after"] == 0
    assert run["batches"] == 1


def test_journal_then_undo_restores_byte_for_byte(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", _many_users(12))
    (root / "app/user_003.py").chmod(0o700)
    before = _snapshot(root)
    result = remediator.fix(root, settings=MOVE, apply=True, batch_size=5, use_git=False)
    assert len(result.changes) == 12 and result.to_dict()["run"]["batches"] == 3
    assert _snapshot(root) != before
    journal = root / ".remediator"
    assert (journal / ".gitignore").read_text().strip().endswith("*")
    assert not list(journal.rglob("*.py")), "originals must not look like source to other tools"
    undone = remediator.undo(root)
    assert len(undone.restored) == 12
    assert _snapshot(root) == before
    assert (root / "app/user_003.py").stat().st_mode & 0o777 == 0o700


@pytest.mark.e2e
def test_undo_refuses_to_clobber_a_file_edited_after_the_run(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", _many_users(3))
    remediator.fix(root, settings=MOVE, apply=True, use_git=False)
    edited = root / "app/user_001.py"
    edited.write_text(edited.read_text() + "# edited by a person\n")
    completed = _cli(root, "undo")
    assert completed.returncode == 1
    assert "app/user_001.py" in completed.stderr and "--force" in completed.stderr
    assert "lib.new" in (root / "app/user_000.py").read_text()  # nothing restored
    assert _cli(root, "undo", "--force").returncode == 0
    assert (root / "app/user_001.py").read_text() == _many_users(3)["app/user_001.py"]


@pytest.mark.e2e
def test_injected_write_failure_rolls_back_its_batch_and_the_others_land(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", _many_users(9))
    completed = _cli(
        root,
        "fix",
        ".",
        "--apply",
        "--batch-size",
        "3",
        "--format",
        "json",
        "--no-git",
        "--config",
        str(_move_config(tmp_path)),
        env={"REMEDIATOR_FAIL_WRITES": "app/user_004.py"},
    )
    report = json.loads(completed.stdout)
    assert [(s["path"], s["reason"]) for s in report["skipped"]] == [("app/user_004.py", "write-failed")]
    assert len(report["changed_files"]) == 8
    assert (root / "app/user_004.py").read_text() == _many_users(9)["app/user_004.py"]
    assert completed.returncode == 1
    events = [
        json.loads(line)["event"] for line in next((root / ".remediator/runs").iterdir()).joinpath("events.jsonl").read_text().splitlines()
    ]
    assert "write-failed" in events and "rolled-back" in events


@pytest.mark.e2e
def test_fail_fast_stops_at_the_first_failure(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", _many_users(9))
    completed = _cli(
        root,
        "fix",
        ".",
        "--apply",
        "--batch-size",
        "3",
        "--fail-fast",
        "--format",
        "json",
        "--no-git",
        "--config",
        str(_move_config(tmp_path)),
        env={"REMEDIATOR_FAIL_WRITES": "app/user_004.py"},
    )
    report = json.loads(completed.stdout)
    assert sorted(report["changed_files"]) == [f"app/user_00{i}.py" for i in range(3)]
    reasons = {s["path"]: s["reason"] for s in report["skipped"]}
    assert reasons["app/user_004.py"] == "write-failed" and reasons["app/user_008.py"] == "not-applied"
    assert report["run"]["stopped"] is True


def test_a_file_changed_during_the_run_is_not_overwritten(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", _many_users(4))

    def meddle(event: dict) -> None:
        if event["event"] == "start":  # after planning, before the first write
            (root / "app/user_002.py").write_text("# someone else was here\nfrom lib.old import Thing\n")

    result = remediator.fix(root, settings=MOVE, apply=True, use_git=False, progress=meddle)
    assert [(s.path, s.reason) for s in result.skipped] == [("app/user_002.py", "changed-during-run")]
    assert (root / "app/user_002.py").read_text() == "# someone else was here\nfrom lib.old import Thing\n"
    assert len(result.changes) == 3


def test_uncommitted_changes_are_left_alone_unless_allowed(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", _many_users(3))
    _git(root, "init", "-q")
    _git(root, "add", ".")
    _git(root, "commit", "-qm", "base")
    (root / "app/user_001.py").write_text(_many_users(3)["app/user_001.py"] + "X = 1\n")
    result = remediator.fix(root, settings=MOVE, apply=True, use_git=False)
    assert [(s.path, s.reason) for s in result.skipped] == [("app/user_001.py", "uncommitted-changes")]
    changed = sorted(line[3:] for line in _git(root, "status", "--porcelain").splitlines())
    assert changed == ["app/user_000.py", "app/user_001.py", "app/user_002.py"]  # .remediator/ ignores itself
    result = remediator.fix(root, settings=MOVE, apply=True, allow_dirty=True, use_git=False)
    assert [c.path for c in result.changes] == ["app/user_001.py"]


def test_a_file_reached_through_a_symlink_outside_the_root_is_never_written(tmp_path: Path) -> None:
    outside = write_tree(tmp_path / "elsewhere", {"shared_user.py": "from lib.old import Thing\n"})
    root = write_tree(tmp_path / "repo", {**LIB, "app/__init__.py": "", "app/mine.py": "from lib.old import Thing\n"})
    (root / "app/linked.py").symlink_to(outside / "shared_user.py")
    result = remediator.fix(root, settings=MOVE, apply=True, use_git=False)
    assert [(s.path, s.reason) for s in result.skipped] == [("app/linked.py", "outside-root")]
    assert (outside / "shared_user.py").read_text() == "from lib.old import Thing\n"
    assert [c.path for c in result.changes] == ["app/mine.py"]


def _move_config(tmp_path: Path) -> Path:
    config = tmp_path / "remediator.toml"
    config.write_text('[[move]]\nfrom = "lib.old"\nto = "lib.new"\n')
    return config


KILL_TRIALS = int(os.environ.get("REMEDIATOR_KILL_TRIALS", "3"))


@pytest.mark.e2e
@pytest.mark.parametrize("trial", range(KILL_TRIALS))
def test_sigkill_at_any_moment_then_undo_restores_the_tree(tmp_path: Path, trial: int) -> None:
    """Kill -9 the run at a random point of its journal (or a random time), then undo: nothing is lost."""
    root = write_tree(tmp_path / "repo", _many_users(240))
    before = _snapshot(root)
    config = _move_config(tmp_path)
    chance = random.Random(trial)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "remediator",
            "fix",
            ".",
            "--apply",
            "--batch-size",
            "4",
            "--jobs",
            "1",
            "--no-git",
            "--config",
            str(config),
        ],
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    if trial % 3 == 2:
        time.sleep(chance.uniform(0.0, 1.0))  # anywhere, planning included
        moment = "a random time"
    else:
        target = chance.randint(1, 300)  # the n-th journal event: mid-batch, mid-write, mid-rollback
        moment = f"journal event {target}"
        deadline = time.monotonic() + 60
        while process.poll() is None and time.monotonic() < deadline and _events(root) < target:
            time.sleep(0.001)
    process.send_signal(signal.SIGKILL)
    process.wait()
    runs = sorted((root / ".remediator/runs").glob("*")) if (root / ".remediator/runs").exists() else []
    if runs:
        if (runs[0] / "state").read_text().strip() == "running":  # killed mid-run: the next fix says so
            following = _cli(root, "fix", ".", "--format", "json", "--no-git", "--config", str(config))
            assert json.loads(following.stdout)["unfinished_runs"] == [runs[0].name]
        undone = _cli(root, "undo")
        assert undone.returncode == 0, undone.stderr
    assert _snapshot(root) == before, f"trial {trial}: killed at {moment}"
    # no temporary beside the project's files or in the journal; a kill while a parse worker writes a cache entry
    # may leave one inside the cache (only a cache: swept by its pruning), which must not disturb the next run
    cache = root / ".remediator" / "cache"
    assert [p for p in root.rglob("*.remediator-tmp") if cache not in p.parents] == []
    again = _cli(root, "scan", ".", "--format", "json", "--no-git")
    assert again.returncode in (0, 1) and "Traceback" not in again.stderr, again.stderr


def _events(root: Path) -> int:
    try:
        (log,) = (root / ".remediator/runs").glob("*/events.jsonl")
        return log.read_bytes().count(b"\n")
    except (OSError, ValueError):
        return 0


@pytest.mark.e2e
def test_progress_is_plain_lines_off_a_terminal_and_json_lines_with_json(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", _many_users(6))
    config = str(_move_config(tmp_path))
    plain = _cli(root, "fix", ".", "--apply", "--batch-size", "2", "--no-git", "--config", config, "--progress")
    assert "6 files in 3 batches" in plain.stderr and "batch 3/3: 6 files landed" in plain.stderr
    assert "cycles 0 -> 0" in plain.stdout and "undo with `remediator undo" in plain.stdout
    remediator.undo(root)
    as_json = _cli(root, "fix", ".", "--apply", "--batch-size", "3", "--no-git", "--format", "json", "--config", config, "--progress")
    events = [json.loads(line)["progress"] for line in as_json.stderr.splitlines()]
    assert [e["event"] for e in events if e["step"] == "write"] == ["start", "batch", "batch", "done"]
    report = json.loads(as_json.stdout)
    assert report["run"]["batches"] == 2 and report["run"]["cycles_before"] == 0


def test_cycles_of_a_moved_module_are_not_new(tmp_path: Path) -> None:
    """After `git mv`, imports of the old name point nowhere, which hides the cycles the module
    had; rewriting them brings those cycles back. They existed before the move: not new."""
    files = {
        "lib/__init__.py": "",
        "lib/new.py": "from app import registry\n\nclass Thing:\n    pass\n",  # moved here from lib.old
        "app/__init__.py": "",
        "app/registry.py": "from lib.old import Thing\nITEMS = [Thing]\n",
    }
    root = write_tree(tmp_path / "repo", files)
    result = remediator.fix(root, settings=MOVE, apply=True, use_git=False)
    assert result.skipped == []
    assert [c.path for c in result.changes] == ["app/registry.py"]
    run = result.to_dict()["run"]
    assert (run["cycles_before"], run["cycles_after"]) == (0, 1)


def test_an_ssot_redirect_that_closes_a_cycle_is_still_refused_next_to_a_move(tmp_path: Path) -> None:
    rule = SsotRule(name="r", forbid=("auth.jwt",), scope=("backend",), use="backend.integration")
    files = {
        **LIB,
        "auth/__init__.py": "",
        "auth/jwt.py": "def check(t): return t\n",
        "backend/__init__.py": "",
        "backend/integration.py": "from auth.jwt import check\nfrom backend.config import SETTINGS\n",
        "backend/config.py": "from auth.jwt import check\nfrom lib.old import Thing\nSETTINGS = {}\n",
    }
    root = write_tree(tmp_path / "repo", files)
    settings = Settings(ssot=(rule,), move=(MoveRule("lib.old", "lib.new"),))
    result = remediator.fix(root, settings=settings, apply=True, use_git=False)
    assert [(s.path, s.reason) for s in result.skipped] == [("backend/config.py", "would-create-cycle")]
