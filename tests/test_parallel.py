"""The parse pool: this process takes chunks beside `jobs - 1` workers, and every file's result comes back once, in order."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from remediator.adapters.parallel import PARALLEL_THRESHOLD, _map


def _who_did(paths: list[Path]) -> list[tuple[int, str]]:
    return [(os.getpid(), path.name) for path in paths]


def _fails_on_a_chunk(paths: list[Path]) -> list[tuple[int, str]]:
    if any(path.name == "m0700.py" for path in paths):
        raise ValueError("chunk of m0700.py")
    return _who_did(paths)


def _tree(tmp_path: Path, count: int) -> list[Path]:
    paths = []
    for number in range(count):
        path = tmp_path / f"m{number:04d}.py"
        path.write_text(f"x = {number}\n")
        paths.append(path)
    return paths


@pytest.mark.parametrize("jobs", [2, 3])
def test_every_result_comes_back_once_in_order_and_this_process_takes_a_share(tmp_path: Path, start_method: str, jobs: int) -> None:
    paths = _tree(tmp_path, 3 * PARALLEL_THRESHOLD)  # tiny files: 64 to a chunk, so many more chunks than workers
    told: list[int] = []
    results = _map(_who_did, paths, jobs, told.append)
    assert [name for _, name in results] == [path.name for path in paths]
    assert sum(told) == len(paths)
    workers = {pid for pid, _ in results} - {os.getpid()}
    assert 1 <= len(workers) <= jobs - 1  # a pool of jobs - 1 workers did part of it ...
    assert any(pid == os.getpid() for pid, _ in results)  # ... and this process the rest


def test_a_failure_in_a_worker_or_here_is_raised_and_the_pool_stops(tmp_path: Path) -> None:
    paths = _tree(tmp_path, 3 * PARALLEL_THRESHOLD)
    with pytest.raises(ValueError, match="m0700"):
        _map(_fails_on_a_chunk, paths, 2, None)
    assert len(_map(_who_did, paths, 2, None)) == len(paths)  # nothing left behind that breaks the next run
