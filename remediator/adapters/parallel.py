"""Read and parse files, in worker processes when there are enough of them."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from remediator.adapters.parser import parse_source
from remediator.adapters.source_reader import read_source
from remediator.domain.facts import ModuleFacts, ParseProblem, empty_facts

# Below this many files a worker pool costs more than it saves.
PARALLEL_THRESHOLD = 400
_CHUNK = 64


def parse_files(paths: Sequence[Path], jobs: int | None = None) -> list[ModuleFacts]:
    """Facts of each file, in order. `jobs` defaults to every core."""
    jobs = jobs or os.cpu_count() or 1
    if jobs <= 1 or len(paths) < PARALLEL_THRESHOLD:
        return [parse_file(path) for path in paths]
    chunks = [[str(p) for p in paths[i : i + _CHUNK]] for i in range(0, len(paths), _CHUNK)]
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        results: list[ModuleFacts] = []
        for chunk_facts in pool.map(_parse_chunk, chunks):
            results.extend(chunk_facts)
    return results


def parse_file(path: Path) -> ModuleFacts:
    """Facts of one file; unreadable or unparsable files give empty facts with a problem."""
    source = read_source(path)
    if isinstance(source, ParseProblem):
        return empty_facts(source)
    return parse_source(source)


def _parse_chunk(paths: list[str]) -> list[ModuleFacts]:
    return [parse_file(Path(p)) for p in paths]
