"""Read and parse files, in worker processes when there are enough of them, through the facts cache."""

from __future__ import annotations

import marshal
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Generic, TypeVar

from remediator.adapters.cache import FactsCache, Seen, content_key, facts_of_entry
from remediator.adapters.facts_codec import MARSHAL_VERSION, decode_facts, encode_facts, facts_from_plain, plain_facts
from remediator.adapters.parser import parse_source
from remediator.adapters.platform import pool_context
from remediator.adapters.source_reader import decode_source, read_source
from remediator.domain.facts import ModuleFacts, ParseProblem, empty_facts

if TYPE_CHECKING:
    import threading
    from concurrent.futures import Executor, Future

# Below this many files a worker pool costs more than it saves.
PARALLEL_THRESHOLD = 400
_CHUNK = 64
_CHUNK_BYTES = 256_000  # source bytes per chunk sent to a worker (about 40 ms of parsing)
_FILE_COST = 2_000  # a file's fixed cost (open, read, facts to pickle) in bytes of source
_T = TypeVar("_T")
Advance = Callable[[int], None]  # told how many more files are done


def parse_files(
    paths: Sequence[Path],
    jobs: int | None = None,
    cache: FactsCache | None = None,
    advance: Advance | None = None,
) -> list[ModuleFacts]:
    """Facts of each file, in order. `jobs` defaults to every core.

    With a `cache`, a file whose stat matches the cache's index is not read; the
    others are read and hashed, and parsed only when no entry has their content
    (in the workers, which write the new entries). The index is saved at the end.
    `advance(n)` is told of every chunk of files done (the cache's known ones at once), in this process.
    """
    if cache is None:
        return _map(_parse_chunk, paths, jobs, advance, _FACTS)
    results: list[ModuleFacts | None] = [cache.known(path) for path in paths]
    todo = [index for index, facts in enumerate(results) if facts is None]
    if advance is not None:
        advance(len(paths) - len(todo))
    for index, (facts, seen) in zip(todo, _map(partial(_cached_chunk, cache), [paths[i] for i in todo], jobs, advance, _CACHED)):
        results[index] = facts
        if seen is not None:
            cache.remember(seen)
    cache.save()
    return results  # type: ignore[return-value]  # every slot is filled


def parse_file(path: Path) -> ModuleFacts:
    """Facts of one file; unreadable or unparsable files give empty facts with a problem."""
    source = read_source(path)
    if isinstance(source, ParseProblem):
        return empty_facts(source)
    return parse_source(source)


def parse_bytes(data: bytes) -> ModuleFacts:
    """Facts of a file's raw bytes (decoded as Python would)."""
    source = decode_source(data)
    return empty_facts(source) if isinstance(source, ParseProblem) else parse_source(source)


def cached_parse(path: Path, cache: FactsCache) -> tuple[ModuleFacts, Seen | None]:
    """Facts of one file from the cache entry of its content, else parsed and stored."""
    try:
        before = os.stat(path)
        data = path.read_bytes()
    except OSError:
        return parse_file(path), None  # the reader words the failure
    key = content_key(data)
    facts = cache.get(key)
    parsed = facts is None
    if facts is None:
        facts = parse_bytes(data)
        cache.put(key, facts)
    return facts, cache.seen(path, before, key, parsed)


@dataclass(frozen=True)
class Transport(Generic[_T]):
    """How a worker sends a chunk's results (`send`, in the worker) and how they are read here (`receive`)."""

    send: Callable[[list[_T]], bytes]
    receive: Callable[[bytes], list[_T]]


def _map(
    function: Callable[[list[Path]], list[_T]],
    paths: Sequence[Path],
    jobs: int | None,
    advance: Advance | None,
    transport: Transport[_T],
) -> list[_T]:
    """`function` over chunks of `paths`, in a pool of `jobs` workers when there are enough paths.

    The workers start as the platform module says (forked, or spawned on Windows): `function`
    and its arguments are pickled either way; a worker's results come back through `transport`.
    `advance` hears of each chunk as its results arrive here: no message per file between processes.
    """
    jobs = jobs or os.cpu_count() or 1
    if jobs <= 1 or len(paths) < PARALLEL_THRESHOLD:
        if advance is None:
            return function(list(paths))
        done: list[_T] = []
        for start in range(0, len(paths), _CHUNK):
            done += function(list(paths[start : start + _CHUNK]))
            advance(len(done) - start)
        return done
    from concurrent.futures import ProcessPoolExecutor  # only for a pool: a warm run parses a file or two and should start fast

    chunks = _balanced_chunks(paths)
    results: list[_T | None] = [None] * len(paths)
    with ProcessPoolExecutor(max_workers=jobs - 1, mp_context=pool_context()) as pool:
        for chunk, chunk_results in _shared_work(pool, function, transport, paths, chunks, jobs - 1):
            for index, result in zip(chunk, chunk_results):
                results[index] = result
            if advance is not None:
                advance(len(chunk_results))
    return results  # type: ignore[return-value]  # every slot is filled


def _shared_work(
    pool: Executor,
    function: Callable[[list[Path]], list[_T]],
    transport: Transport[_T],
    paths: Sequence[Path],
    chunks: list[list[int]],
    workers: int,
) -> Iterator[tuple[list[int], list[_T]]]:
    """Each chunk with its results, the `workers` of `pool` and this process taking chunks in turn.

    This process is one of the `jobs`: it parses too instead of waiting, so a
    pool of `jobs` has one process fewer (its memory: the pages a worker does
    not share). A worker that finishes a chunk is given the next at once (from
    the pool's thread), so none waits for this process to finish its own chunk.
    Chunks are taken in order (largest files first), each once.
    """
    import threading

    lock = threading.Lock()
    queue = iter(chunks)
    running: dict[Future[bytes], list[int]] = {}
    stopped = False  # this process failed: the workers are given nothing more

    def next_chunk() -> list[int] | None:  # under `lock`
        return None if stopped else next(queue, None)

    def take() -> list[int] | None:
        with lock:
            return next_chunk()

    def submit(_: object = None) -> None:
        with lock:  # taken and registered at once: a chunk is always in `running` or with this process
            chunk = next_chunk()
            if chunk is None:
                return
            future = pool.submit(_sent, transport.send, function, [paths[i] for i in chunk])
            running[future] = chunk
        future.add_done_callback(submit)

    for _ in range(2 * workers):  # one chunk at work in each worker, one waiting to be sent
        submit()
    try:
        while (chunk := take()) is not None:
            yield chunk, function([paths[i] for i in chunk])
            yield from _harvest(running, lock, transport, block=False)
        yield from _harvest(running, lock, transport, block=True)
    finally:
        with lock:
            stopped = True


def _harvest(
    running: dict[Future[bytes], list[int]], lock: threading.Lock, transport: Transport[_T], *, block: bool
) -> Iterator[tuple[list[int], list[_T]]]:
    """The chunks of `running` that are done (all of them, waiting for each, when `block`), with their results."""
    from concurrent.futures import FIRST_COMPLETED, wait

    while True:
        with lock:
            futures = list(running)
        if not futures:
            return
        if block:
            wait(futures, return_when=FIRST_COMPLETED)
        done = [future for future in futures if future.done()]
        if not done:
            return
        for future in done:
            with lock:
                chunk = running.pop(future)
            yield chunk, transport.receive(future.result())


def _balanced_chunks(paths: Sequence[Path]) -> list[list[int]]:
    """Indexes of `paths` in chunks for the pool: largest files first, each chunk about `_CHUNK_BYTES` of source.

    A parse costs by the byte, and real trees keep their large files together
    (test packages): chunks of a fixed count of files in path order left one
    worker with a last chunk of large files while the others idled. Largest
    first, in chunks of similar bytes, the workers finish together.
    """
    sizes = []
    for path in paths:
        try:
            sizes.append(os.stat(path).st_size)
        except OSError:
            sizes.append(0)  # the worker words the failure
    chunks: list[list[int]] = []
    chunk: list[int] = []
    budget = 0
    for index in sorted(range(len(paths)), key=lambda i: -sizes[i]):
        chunk.append(index)
        budget += sizes[index] + _FILE_COST
        if budget >= _CHUNK_BYTES or len(chunk) >= _CHUNK:
            chunks.append(chunk)
            chunk, budget = [], 0
    if chunk:
        chunks.append(chunk)
    return chunks


def _parse_chunk(paths: list[Path]) -> list[ModuleFacts]:
    return [parse_file(path) for path in paths]


def _cached_chunk(cache: FactsCache, paths: list[Path]) -> list[tuple[ModuleFacts, Seen | None]]:
    return [cached_parse(path, cache) for path in paths]


def _sent(send: Callable[[list[_T]], bytes], function: Callable[[list[Path]], list[_T]], paths: list[Path]) -> bytes:
    """In a worker: `function`'s results for `paths`, as `send` writes them."""
    return send(function(paths))


def _send_cached(results: list[tuple[ModuleFacts, Seen | None]]) -> bytes:
    """Each file's `Seen` as a tuple, and its facts unless the new cache entry it carries holds them (then None)."""
    message = [
        (
            plain_facts(facts) if seen is None or seen.entry is None else None,
            None if seen is None else (seen.path, seen.signature, seen.key, seen.parsed, seen.entry),
        )
        for facts, seen in results
    ]
    return marshal.dumps(tuple(message), MARSHAL_VERSION)


def _receive_cached(message: bytes) -> list[tuple[ModuleFacts, Seen | None]]:
    return [
        (
            facts_of_entry(fields[4]) if plain is None else facts_from_plain(plain, checked=False),
            None if fields is None else Seen(*fields),
        )
        for plain, fields in marshal.loads(message)
    ]


_FACTS: Transport[ModuleFacts] = Transport(encode_facts, decode_facts)
_CACHED: Transport[tuple[ModuleFacts, Seen | None]] = Transport(_send_cached, _receive_cached)
