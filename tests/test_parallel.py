"""The parse pool: this process takes chunks beside `jobs - 1` workers, and every file's result comes back once, in order."""

from __future__ import annotations

import marshal
import os
from pathlib import Path
from typing import Any

import pytest

from remediator.adapters.cache import FactsCache
from remediator.adapters.parallel import PARALLEL_THRESHOLD, Transport, _map, parse_files


def _who_did(paths: list[Path]) -> list[tuple[int, str]]:
    return [(os.getpid(), path.name) for path in paths]


def _fails_on_a_chunk(paths: list[Path]) -> list[tuple[int, str]]:
    if any(path.name == "m0700.py" for path in paths):
        raise ValueError("chunk of m0700.py")
    return _who_did(paths)


def _send(results: list[Any]) -> bytes:
    return marshal.dumps(results)


def _receive(message: bytes) -> list[Any]:
    return [tuple(result) for result in marshal.loads(message)]


AS_MARSHAL: Transport[Any] = Transport(_send, _receive)


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
    results = _map(_who_did, paths, jobs, told.append, AS_MARSHAL)
    assert [name for _, name in results] == [path.name for path in paths]
    assert sum(told) == len(paths)
    workers = {pid for pid, _ in results} - {os.getpid()}
    assert 1 <= len(workers) <= jobs - 1  # a pool of jobs - 1 workers did part of it ...
    assert any(pid == os.getpid() for pid, _ in results)  # ... and this process the rest


def test_a_failure_in_a_worker_or_here_is_raised_and_the_pool_stops(tmp_path: Path) -> None:
    paths = _tree(tmp_path, 3 * PARALLEL_THRESHOLD)
    with pytest.raises(ValueError, match="m0700"):
        _map(_fails_on_a_chunk, paths, 2, None, AS_MARSHAL)
    assert len(_map(_who_did, paths, 2, None, AS_MARSHAL)) == len(paths)  # nothing left behind that breaks the next run


_SOURCES = (
    "import os\nfrom .sibling import name as alias, other\n__all__ = ['alias', 'f']\n\ndef f():\n    from pkg import late\n",
    "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from app.models import User\nclass C:\n    x = None\n",
    "from unittest.mock import patch\n\n@patch('app.core.Thing')\ndef test_it(thing):\n    pass\n",
    "import sys\nsys.path.insert(0, 'lib')\ntry:\n    import fast\nexcept ImportError:\n    fast = None\n",
    "def broken(:\n    pass\n",
    "x = (y := 1)\nmatch x:\n    case 1:\n        pass\n",
)


def test_facts_from_the_pool_equal_facts_parsed_here_with_and_without_the_cache(tmp_path: Path, start_method: str) -> None:
    # the workers send facts as marshal messages (on a first run, inside the new cache entries): nothing may change
    paths = []
    for number in range(PARALLEL_THRESHOLD + 100):
        path = tmp_path / f"m{number:04d}.py"
        path.write_text(_SOURCES[number % len(_SOURCES)] + f"VALUE_{number} = {number}\n")
        paths.append(path)
    here = parse_files(paths, jobs=1)
    assert parse_files(paths, jobs=2) == here
    first = FactsCache.for_root(tmp_path, settle_seconds=0)
    assert parse_files(paths, jobs=2, cache=first) == here
    assert first.stats.parsed == len(paths)
    again = FactsCache.for_root(tmp_path, settle_seconds=0)
    assert parse_files(paths, jobs=2, cache=again) == here  # read back from the store
    assert again.stats.parsed == 0
