"""The platform module: the POSIX calls here, and the fallbacks Windows takes, forced on this machine."""

from __future__ import annotations

import multiprocessing
import os
import stat
from pathlib import Path

import pytest

import remediator
from remediator.adapters.platform import PORTABLE_ENV, START_METHOD_ENV, fsync_directory, replace_file, start_method
from remediator.adapters.writer import write_atomically
from remediator.domain.config import MoveRule, Settings
from tests.conftest import WorkerWatch, write_tree

MOVE = Settings(move=(MoveRule("lib.old", "lib.new"),))


def test_the_directory_is_fsynced_here_and_not_with_the_fallbacks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PORTABLE_ENV, raising=False)
    assert fsync_directory(tmp_path) is True
    monkeypatch.setenv(PORTABLE_ENV, "1")
    assert fsync_directory(tmp_path) is False
    target = tmp_path / "data.json"
    write_atomically(target, b"{}\n")  # durable, where the folder cannot be fsynced
    assert target.read_bytes() == b"{}\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["data.json"]  # no temporary left


@pytest.mark.parametrize("fallbacks", [False, True], ids=["posix", "portable"])
def test_a_read_only_file_is_replaced_and_stays_read_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fallbacks: bool) -> None:
    """POSIX renames over a read-only file; Windows refuses, so the fallback clears the flag first (the new file brings the mode)."""
    if fallbacks:
        monkeypatch.setenv(PORTABLE_ENV, "1")
    else:
        monkeypatch.delenv(PORTABLE_ENV, raising=False)
    target, source = tmp_path / "ro.py", tmp_path / "new.py"
    target.write_bytes(b"old\n")
    target.chmod(0o444)
    source.write_bytes(b"new\n")
    source.chmod(0o444)
    assert replace_file(source, target) is fallbacks  # only the fallback clears the target's read-only flag
    assert target.read_bytes() == b"new\n" and not source.exists()
    assert stat.S_IMODE(target.stat().st_mode) == 0o444
    write_atomically(target, b"rewritten\n")  # the writer: durable, the mode kept, no temporary left
    assert target.read_bytes() == b"rewritten\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o444
    assert [p.name for p in tmp_path.iterdir()] == ["ro.py"]
    for other in ("rw.py", "created.py"):  # a writable target needs no fallback, nor a new one
        source.write_bytes(b"new\n")
        if other == "rw.py":
            (tmp_path / other).write_bytes(b"old\n")
        assert replace_file(source, tmp_path / other) is False
        assert (tmp_path / other).read_bytes() == b"new\n"


def test_the_fallback_puts_the_read_only_flag_back_when_the_rename_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PORTABLE_ENV, "1")
    target = tmp_path / "ro.py"
    target.write_bytes(b"old\n")
    target.chmod(0o444)
    with pytest.raises(FileNotFoundError):
        replace_file(tmp_path / "vanished.remediator-tmp", target)  # the temporary is gone: the rename fails after the flag was cleared
    assert target.read_bytes() == b"old\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o444


def test_workers_fork_here_spawn_with_the_fallbacks_and_the_method_can_be_forced(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PORTABLE_ENV, raising=False)
    monkeypatch.delenv(START_METHOD_ENV, raising=False)
    assert start_method() == ("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    monkeypatch.setenv(PORTABLE_ENV, "1")
    assert start_method() == "spawn"
    monkeypatch.setenv(START_METHOD_ENV, "forkserver")
    assert start_method() == "forkserver"
    monkeypatch.setenv(START_METHOD_ENV, "vfork")
    with pytest.raises(ValueError, match="REMEDIATOR_START_METHOD='vfork'"):
        start_method()


def test_a_fix_run_with_every_fallback_lands_and_undoes_as_the_posix_one_does(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Spawned workers, no directory fsync: the same files written, the same modes kept, the same undo."""
    files = {"lib/__init__.py": "", "lib/new.py": "class Thing:\n    pass\n", "app/__init__.py": ""}
    for i in range(30):  # enough files for the rewrite's worker pool
        files[f"app/m{i}.py"] = f"from lib.old import Thing\n\nVALUE_{i} = Thing()\n"
    trees = {}
    for name, fallbacks in (("posix", False), ("portable", True)):
        root = write_tree(tmp_path / name, files)
        (root / "app/m7.py").chmod(0o751)
        (root / "app/m8.py").chmod(0o444)
        if fallbacks:
            monkeypatch.setenv(PORTABLE_ENV, "1")
        else:
            monkeypatch.delenv(PORTABLE_ENV, raising=False)
        watch = WorkerWatch()
        result = remediator.fix(root, settings=MOVE, apply=True, jobs=2, use_git=False, progress=watch)
        assert watch.methods == ({"spawn"} if fallbacks else {start_method()})
        assert len(result.changes) == 30 and not result.skipped
        trees[name] = _tree(root)
        assert trees[name]["app/m7.py"] == (b"from lib.new import Thing\n\nVALUE_7 = Thing()\n", 0o751)
        assert trees[name]["app/m8.py"][1] == 0o444
        undone = remediator.undo(root)
        assert len(undone.restored) == 30 and not undone.refused
        assert {path: data for path, (data, _mode) in _tree(root).items()} == _bytes(files)
        assert stat.S_IMODE((root / "app/m7.py").stat().st_mode) == 0o751
    assert trees["posix"] == trees["portable"]


def _bytes(files: dict[str, str]) -> dict[str, bytes]:
    return {path: text.encode() for path, text in files.items()}


def _tree(root: Path) -> dict[str, tuple[bytes, int]]:
    """Every file's bytes and permission bits, but the run journal's."""
    return {
        path.relative_to(root).as_posix(): (path.read_bytes(), stat.S_IMODE(os.stat(path).st_mode))
        for path in sorted(root.rglob("*"))
        if path.is_file() and ".remediator" not in path.parts
    }
