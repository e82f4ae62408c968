"""The platform module: the POSIX calls here, and the fallbacks Windows takes, forced on this machine."""

from __future__ import annotations

import multiprocessing
import stat
from pathlib import Path

import pytest

from remediator.adapters.platform import PORTABLE_ENV, START_METHOD_ENV, fsync_directory, start_method
from remediator.adapters.writer import write_atomically


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
