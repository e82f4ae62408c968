"""A persistent cache of parse results: `ModuleFacts` per file content, under `<root>/.remediator/cache/`.

Layout::

    .remediator/.gitignore                "*": git ignores the folder (the journal writes the same file)
    .remediator/cache/CACHEDIR.TAG        marks the folder as a cache for backup tools
    .remediator/cache/<tag>/facts/<hh>/<rest>   one entry per file content (blake2b of its bytes)
    .remediator/cache/<tag>/stat-index    path -> (size, mtime_ns, ctime_ns, inode, content key)

`<tag>` is a digest of the version string: remediator's version, the versions of
tree-sitter, tree-sitter-python and LibCST, the Python version, and a digest of
the code that turns bytes into facts. An entry is `MAGIC + checksum + payload`,
the checksum a blake2b of (version, key, payload): a truncated or garbled entry,
one renamed to another key or written under another version fails the check and
is ignored, then rebuilt; a payload is never decoded before its checksum
matches. The payload is `marshal` of plain tuples, a format this module controls.

Every write goes to a temporary file in the same folder, then `os.replace`:
readers see a whole entry or none, so concurrent runs may share the cache.
Nothing is fsynced: after a crash an entry may be empty, which the checksum
rejects. Any I/O error makes the cache a miss; it never stops a scan.

The stat index lets a run skip reading unchanged files: a file whose size,
mtime, ctime and inode are those recorded is taken to have the recorded
content. A file is recorded only once its timestamps are `settle_seconds` old,
so a later change within the same timestamp tick cannot go unseen; recent
files are always read and hashed.
"""

from __future__ import annotations

import marshal
import os
import re
import stat
import sys
import time
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import repeat
from pathlib import Path
from typing import Any

from remediator.adapters.filesystem import SETTLE_SECONDS
from remediator.adapters.hashing import blake2b
from remediator.adapters.stat_index import KEY_SIZE, StatIndex, StatSignature
from remediator.adapters.writer import write_atomically
from remediator.domain.version import VERSION
from remediator.domain.facts import Definition, ImportRecord, ModuleFacts, ParseProblem, StringReference, SyntaxNeed, SysPathEntry

CACHE_DIR = ".remediator"
FORMAT = 2  # bump when the entry or index layout changes (2: ModuleFacts.definitions)
_MAGIC = b"RMDFACT1"
_INDEX_MAGIC = b"RMDSTAT2"  # column-wise (adapters/stat_index.py)
_SUM = 16  # bytes of checksum
_MARSHAL_VERSION = 4
_KEEP_VERSIONS = 3  # version folders kept (the newest ones); older ones are removed
_PRUNE_AGE = 3600.0  # seconds: unused entries younger than this are never pruned (a concurrent run may need them)
_GITIGNORE = b"# remediator's run journal and cache\n*\n"
_CACHEDIR_TAG = b"Signature: 8a477f597d28d172789f06886806bc55\n# This file is a cache directory tag created by remediator.\n"
_FACTS_CODE = ("adapters/parser.py", "adapters/sys_path_calls.py", "adapters/syntax_version.py", "adapters/source_reader.py", "adapters/cache.py", "domain/facts.py", "domain/findings.py")
_new = tuple.__new__


def content_key(data: bytes) -> bytes:
    """The cache key of a file's bytes."""
    return blake2b(data, digest_size=16).digest()


@lru_cache(maxsize=1)
def cache_version() -> str:
    """Everything the facts of a file depend on, besides its bytes."""
    parts = [f"remediator {VERSION}", f"format {FORMAT}", f"python {sys.implementation.cache_tag}"]
    for distribution in ("tree-sitter", "tree-sitter-python", "libcst"):
        parts.append(f"{distribution} {installed_version(distribution) or '?'}")
    code = blake2b(digest_size=16)
    package = Path(__file__).resolve().parent.parent
    for relpath in _FACTS_CODE:  # an edited parser (an editable install) must not reuse old facts
        try:
            code.update((package / relpath).read_bytes())
        except OSError:
            code.update(relpath.encode())
    parts.append(f"code {code.hexdigest()}")
    return "; ".join(parts)


def installed_version(distribution: str) -> str | None:
    """The installed version of a distribution, read off its `NAME-VERSION.dist-info` folder.

    The folders on sys.path are listed directly: importing `importlib.metadata`
    costs more than a warm one-file check should spend on starting up. It is asked
    only when no such folder is found (eggs, zipped installs).
    """
    wanted = _normalized(distribution)
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for name in names:
            if name.endswith(".dist-info"):
                project, _, version = name[: -len(".dist-info")].rpartition("-")
                if _normalized(project) == wanted:
                    return version
    from importlib import metadata

    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


@dataclass(slots=True)
class CacheStats:
    """What a run did: files known by their stat, by their content hash, and files parsed."""

    stat_hits: int = 0
    hash_hits: int = 0
    parsed: int = 0


@dataclass(slots=True)
class Seen:
    """A file as a run read it: path, stat signature (None while too recent to trust), content key, parsed or not."""

    path: str
    signature: StatSignature | None
    key: bytes
    parsed: bool


@dataclass
class FactsCache:
    """The facts cache of one project root, for one run (picklable: worker processes get a copy)."""

    base: Path  # <root>/.remediator
    version: str = field(default_factory=cache_version)
    settle_seconds: float = SETTLE_SECONDS
    stats: CacheStats = field(default_factory=CacheStats)

    def __post_init__(self) -> None:
        self.tag = blake2b(self.version.encode(), digest_size=8).hexdigest()
        self.folder = self.base / "cache" / self.tag
        self._facts = f"{self.folder}{os.sep}facts{os.sep}"
        self._salt = self.version.encode() + b"\0"
        self._writable = True
        self._index: StatIndex | None = None
        self._unchanged = bytearray()  # a flag per row of the index: this run found the file unchanged
        self._updates: dict[str, tuple[StatSignature, bytes]] = {}  # files read this run, settled: to record
        self._keys: set[bytes] = set()  # the content keys of the files this run read
        self.keys_by_path: dict[str, bytes] = {}  # path -> content key of every file this run knows

    def __getstate__(self) -> dict[str, Any]:
        return {"base": self.base, "version": self.version, "settle_seconds": self.settle_seconds}  # not the index

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(**state)  # type: ignore[misc]

    @classmethod
    def for_root(cls, root: Path, **options: Any) -> FactsCache:
        """The cache of the project at `root` (nothing is created before the first write)."""
        return cls(Path(root) / CACHE_DIR, **options)

    # -- entries --------------------------------------------------------------

    def get(self, key: bytes) -> ModuleFacts | None:
        """The facts stored for `key`, or None when there is no sound entry of this version."""
        try:
            with open(self._entry(key), "rb", buffering=0) as handle:
                data = handle.readall()
        except OSError:
            return None
        head = len(_MAGIC) + _SUM
        if len(data) < head or not data.startswith(_MAGIC):
            return None
        payload = memoryview(data)[head:]
        if self._checksum(key, payload) != data[len(_MAGIC) : head]:
            return None
        try:
            return _facts_from_plain(marshal.loads(payload))
        except Exception:  # a sound checksum over a payload this code did not write: never trusted
            return None

    def put(self, key: bytes, facts: ModuleFacts) -> None:
        """Store `facts` for `key`, atomically; errors are ignored (the cache is only a cache)."""
        if not self._writable:
            return
        payload = marshal.dumps(_plain(facts), _MARSHAL_VERSION)
        data = _MAGIC + self._checksum(key, payload) + payload
        path = self._entry(key)
        try:
            try:
                write_atomically(path, data, durable=False)
            except FileNotFoundError:
                if not self.folder.is_dir():
                    self._create_folder()
                os.makedirs(os.path.dirname(path), exist_ok=True)
                write_atomically(path, data, durable=False)
        except OSError:
            self._writable = False  # a read-only tree: go on without writing

    def _entry(self, key: bytes) -> str:
        name = key.hex()
        return f"{self._facts}{name[:2]}{os.sep}{name[2:]}"  # a string: pathlib costs more than the read

    def _checksum(self, key: bytes, payload: bytes | memoryview) -> bytes:
        digest = blake2b(self._salt, digest_size=_SUM)
        digest.update(key)
        digest.update(payload)
        return digest.digest()

    # -- the stat index ---------------------------------------------------------

    def known(self, path: Path) -> ModuleFacts | None:
        """The facts of `path` when its stat matches the index and its entry is sound; else None."""
        index = self._load_index()
        row = index.positions.get(str(path))
        if row is None:
            return None
        try:
            signature = _signature(os.stat(path))
        except OSError:
            return None
        if signature != index.signature(row):
            return None
        key = index.key(row)
        facts = self.get(key)
        if facts is not None:
            self._unchanged[row] = 1
            self.keys_by_path[str(path)] = key
            self.stats.stat_hits += 1
        return facts

    def current_keys(self, paths: list[str]) -> tuple[list[bytes | None], dict[int, bytes]]:
        """The content key of each file (None: it cannot be read or is not a regular file), and the bytes
        of those that had to be read, by position.

        A file whose stat matches the index is not read. The others are read and
        hashed, and recorded (when settled). This is the loop of a warm run over
        every file of the project, hence its shape.
        """
        index = self._load_index()
        rows = index.positions
        signatures = index.signatures
        keys = index.keys
        unchanged = self._unchanged
        found: list[bytes | None] = []
        append = found.append
        read: dict[int, bytes] = {}
        stat_of = os.stat
        regular = stat.S_ISREG
        hits = 0
        for position, path in enumerate(paths):
            try:
                before = stat_of(path)
            except OSError:
                append(None)
                continue
            row = rows.get(path)
            if row is not None:
                at = 4 * row
                if (
                    signatures[at + 1] == before.st_mtime_ns and signatures[at + 2] == before.st_ctime_ns
                    and signatures[at] == before.st_size and signatures[at + 3] == before.st_ino
                ):
                    unchanged[row] = 1
                    hits += 1
                    append(keys[KEY_SIZE * row : KEY_SIZE * (row + 1)])
                    continue
            key = None
            if regular(before.st_mode):
                key, data = self._read_key(path, before)
                if data is not None:
                    read[position] = data
            append(key)
        self.stats.stat_hits += hits
        return found, read

    def current_key(self, path: str) -> tuple[bytes | None, bytes | None]:
        """The content key of one file and its bytes (None when not read); see `current_keys`."""
        keys, read = self.current_keys([path])
        return keys[0], read.get(0)

    def _read_key(self, path: str, before: os.stat_result) -> tuple[bytes | None, bytes | None]:
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except OSError:
            return None, None
        key = content_key(data)
        self._record(path, self.seen(Path(path), before, key, parsed=False).signature, key)
        return key, data

    def _record(self, path: str, signature: StatSignature | None, key: bytes) -> None:
        """A file read this run: its key is live; a settled signature goes into the index."""
        self._keys.add(key)
        self.keys_by_path[path] = key
        if signature is None:
            return
        index = self._load_index()
        row = index.positions.get(path)
        if row is not None and index.signature(row) == signature and index.key(row) == key:
            self._unchanged[row] = 1
        else:
            self._updates[path] = (signature, key)

    def seen(self, path: Path, before: os.stat_result | None, key: bytes, parsed: bool) -> Seen:
        """What to record of a file whose stat `before` was taken before its bytes were read.

        The signature is kept only when both timestamps are `settle_seconds` old: a
        change in the same timestamp tick as the reading would otherwise go unseen.
        """
        signature = None
        if before is not None:
            limit = time.time_ns() - int(self.settle_seconds * 1e9)
            if before.st_mtime_ns < limit and before.st_ctime_ns < limit:
                signature = _signature(before)
        return Seen(str(path), signature, key, parsed)

    def remember(self, seen: Seen) -> None:
        """Count and record a file read this run (in the main process; workers return their `Seen`s)."""
        if seen.parsed:
            self.stats.parsed += 1
        else:
            self.stats.hash_hits += 1
        self._record(seen.path, seen.signature, seen.key)

    def save(self) -> None:
        """Write the index of this run's files when it changed; prune old entries now and then."""
        if not self._writable:
            return
        index = self._load_index()
        after = index.after(self._unchanged, self._updates, index.written + self.stats.parsed)
        if after is None:
            return
        if after.written > max(1000, 2 * len(after)):
            self.prune(set(after.live_keys()) | self._keys)
            after.written = 0
        payload = after.encode()
        data = _INDEX_MAGIC + self._checksum(b"stat-index", payload) + payload
        try:
            if not self.folder.is_dir():
                self._create_folder()
            write_atomically(self.folder / "stat-index", data, durable=False)
        except OSError:
            self._writable = False
            return
        self._index = after
        self._unchanged = bytearray(b"\1" * len(after))
        self._updates = {}

    def _load_index(self) -> StatIndex:
        if self._index is None:
            self._index = StatIndex.empty()
            try:
                data = (self.folder / "stat-index").read_bytes()
            except OSError:
                data = b""
            head = len(_INDEX_MAGIC) + _SUM
            payload = memoryview(data)[head:]
            if data.startswith(_INDEX_MAGIC) and self._checksum(b"stat-index", payload) == data[len(_INDEX_MAGIC) : head]:
                try:
                    self._index = StatIndex.decode(payload)
                except Exception:  # never trusted: start afresh
                    pass
            self._unchanged = bytearray(len(self._index))
        return self._index

    # -- housekeeping -----------------------------------------------------------

    def prune(self, live: set[bytes]) -> int:
        """Remove entries whose key is not in `live` and that nobody wrote for an hour; return how many."""
        removed = 0
        cutoff = time.time() - _PRUNE_AGE
        try:
            buckets = list(os.scandir(self.folder / "facts"))
        except OSError:
            return 0
        for bucket in buckets:
            try:
                entries = list(os.scandir(bucket.path))
            except OSError:
                continue
            for entry in entries:
                try:
                    key = bytes.fromhex(bucket.name + entry.name)
                except ValueError:
                    key = b""  # a leftover temporary file
                try:
                    if key not in live and entry.stat().st_mtime < cutoff:
                        os.unlink(entry.path)
                        removed += 1
                except OSError:
                    continue
        return removed

    def ensure_folder(self) -> None:
        """Create this version's folder (and `.remediator/` with its .gitignore) if missing. Raises OSError."""
        if not self.folder.is_dir():
            self._create_folder()

    def _create_folder(self) -> None:
        """Create `.remediator/` (with its .gitignore), `cache/` and this version's folder; drop old versions."""
        self.base.mkdir(exist_ok=True)
        ignore = self.base / ".gitignore"
        if not ignore.exists():
            write_atomically(ignore, _GITIGNORE, durable=False)
        parent = self.folder.parent
        parent.mkdir(exist_ok=True)
        if not (parent / "CACHEDIR.TAG").exists():
            write_atomically(parent / "CACHEDIR.TAG", _CACHEDIR_TAG, durable=False)
        try:
            self.folder.mkdir()
        except FileExistsError:
            return
        _remove_old_versions(parent, self.folder.name)


def _remove_old_versions(parent: Path, current: str) -> None:
    """Keep the newest version folders (another tool version may still be in use); remove the rest."""
    folders = []
    for entry in os.scandir(parent):
        if entry.is_dir(follow_symlinks=False) and entry.name != current:
            try:
                folders.append((entry.stat(follow_symlinks=False).st_mtime, entry.path))
            except OSError:
                continue
    import shutil  # only when an old version's folder goes

    for _mtime, path in sorted(folders, reverse=True)[_KEEP_VERSIONS - 1 :]:
        shutil.rmtree(path, ignore_errors=True)


def _signature(stat: os.stat_result) -> StatSignature:
    return (stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino)


def _plain(facts: ModuleFacts) -> tuple[Any, ...]:
    """Facts as plain tuples, frozensets, strings and ints (what marshal writes)."""
    return (
        tuple(map(tuple, facts.imports)),
        tuple(map(tuple, facts.strings)),
        facts.bound_names,
        facts.defined_names,
        facts.dunder_all,
        facts.dynamic_names,
        None if facts.problem is None else tuple(facts.problem),
        facts.type_checking_names,
        tuple(map(tuple, facts.sys_path)),
        None if facts.syntax_need is None else tuple(facts.syntax_need),
        facts.placeholder_names,
        tuple(map(tuple, facts.definitions)),
    )


def _facts_from_plain(value: Any) -> ModuleFacts:
    """Rebuild facts from `_plain`'s shape; raises on any other shape."""
    imports, strings, bound, defined, dunder_all, dynamic, problem, type_checking, sys_path, need, placeholders, definitions = value
    if not (
        type(imports) is tuple and type(strings) is tuple and type(bound) is frozenset and type(defined) is frozenset
        and type(type_checking) is frozenset and type(sys_path) is tuple
        and (dunder_all is None or type(dunder_all) is tuple) and type(dynamic) is bool
        and all(type(r) is tuple and len(r) == 7 for r in imports)
        and all(type(s) is tuple and len(s) == 6 for s in strings)
        and all(type(e) is tuple and len(e) == 5 for e in sys_path)
        and (need is None or (type(need) is tuple and len(need) == 4)) and type(placeholders) is frozenset
        and type(definitions) is tuple and all(type(d) is tuple and len(d) == 8 for d in definitions)
    ):
        raise ValueError("not a facts entry")
    return _new(ModuleFacts, (
        tuple(map(_new, repeat(ImportRecord), imports)),
        tuple(map(_new, repeat(StringReference), strings)),
        bound,
        defined,
        dunder_all,
        dynamic,
        None if problem is None else ParseProblem(*problem),
        type_checking,
        tuple(map(_new, repeat(SysPathEntry), sys_path)),
        None if need is None else SyntaxNeed(*need),
        placeholders,
        tuple(map(_new, repeat(Definition), definitions)),
    ))
