"""The store: facts per file content, the stat index and each settings' analysis, in one SQLite file.

Layout::

    .remediator/.gitignore                 "*": git ignores the folder (the journal writes the same file)
    .remediator/cache/CACHEDIR.TAG         marks the folder as a cache for backup tools
    .remediator/cache/<tag>/store.sqlite   table `facts`: content key (blake2b of a file's bytes) -> ModuleFacts
                                           table `blobs`: (scope, name) -> value; scope "" holds the stat index,
                                           each settings' analysis has its own scope (application/incremental.py)

`<tag>` is a digest of the version string: remediator's version, the versions of
tree-sitter, tree-sitter-python and LibCST, the Python version, and a digest of
the code that turns bytes into facts. Every row is `checksum + payload`, the
checksum a CRC-32 of (version, what the row is: key or scope and name, payload):
a garbled row, one moved to another key or written by another version fails the
check; a payload is never decoded before its checksum matches. Payloads are
`marshal` of plain tuples, a format this module controls.

One damage policy: a facts row that fails its check is a miss (parsed again and
written again); a blob that fails raises `StoreCorrupt`, and a file SQLite cannot
read is removed and created afresh; the caller then rebuilds what it held.

A run writes once: facts, the stat index and the analysis are buffered and
written in one transaction at its end (`Store.commit`). A run that keeps a
consistent view (`Store.begin`: the incremental analysis) reads inside that same
transaction; if another run wrote in between, SQLite refuses the write and this
run's changes are dropped (its own answer stands; the next run catches up). A
rebuild writes far more than it should keep in memory: from its last step on
(`Store.write_through`) it writes what it buffered and each later write at once,
in the same transaction, holding the write lock only for that step.
Worker processes only read facts; what they parse comes back to the main
process with its encoded entry (`Seen.entry`). Nothing is fsynced (WAL,
synchronous=NORMAL): after a crash the store is at an earlier state or fails
its checks. Any I/O error makes the cache a miss; it never stops a scan.

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
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import repeat
from pathlib import Path
from typing import Any

from remediator.adapters.facts_codec import MARSHAL_VERSION, facts_from_plain, plain_facts
from remediator.adapters.filesystem import SETTLE_SECONDS
from remediator.adapters.hashing import blake2b
from remediator.adapters.stat_index import KEY_SIZE, StatIndex, StatSignature
from remediator.adapters.writer import write_atomically
from remediator.domain.version import VERSION
from remediator.domain.facts import ModuleFacts

CACHE_DIR = ".remediator"
FORMAT = 6  # bump when a row's layout changes (3: one SQLite store; 4: name sets as tuples, CRC-32 checksums; 5: registered modules; 6: annotated names)
STORE_FILE = "store.sqlite"
_SUM = 4  # bytes of checksum (CRC-32)
_KEEP_VERSIONS = 3  # version folders kept (the newest ones); older ones are removed
_KEEP_SCOPES = 4  # analyses (settings) kept per store: the most recently written
_PRUNE_AGE = 3600  # seconds: unused facts younger than this are never pruned (a concurrent run may need them)
_TIMEOUT = 2.0  # seconds to wait for another run's write lock before giving up writing
_GITIGNORE = b"# remediator's run journal and cache\n*\n"
_CACHEDIR_TAG = b"Signature: 8a477f597d28d172789f06886806bc55\n# This file is a cache directory tag created by remediator.\n"
_FACTS_CODE = (
    "adapters/parser.py",
    "adapters/fast_locate.py",
    "adapters/grammar.py",
    "adapters/sys_path_calls.py",
    "adapters/syntax_version.py",
    "adapters/version_conditions.py",
    "adapters/source_reader.py",
    "adapters/cache.py",
    "adapters/facts_codec.py",
    "domain/facts.py",
    "domain/findings.py",
)
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS facts (key BLOB PRIMARY KEY, data BLOB NOT NULL, written INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS blobs (scope TEXT NOT NULL, name TEXT NOT NULL, data BLOB NOT NULL, PRIMARY KEY (scope, name))",
    "CREATE TABLE IF NOT EXISTS scopes (scope TEXT PRIMARY KEY, written REAL NOT NULL)",
)
_INDEX = ("", "stat-index")  # the blob of the stat index


class StoreCorrupt(Exception):
    """A blob of the store cannot be trusted: what it belongs to is rebuilt."""


class Store:
    """One SQLite file: facts by content key, blobs by (scope, name). Reads go to the file (inside this run's
    transaction after `begin`); writes are buffered until `commit` (or, after `write_through`, written at once),
    all in one transaction."""

    def __init__(self, path: Path, salt: bytes, *, reader: bool = False) -> None:
        import sqlite3

        self.path = path
        self._salt = salt
        self._sqlite = sqlite3
        self._facts: dict[bytes, bytes] = {}  # content key -> entry, to write
        self._blobs: dict[tuple[str, str], bytes | None] = {}  # (scope, name) -> checksummed payload (None: delete)
        self._cleared: set[str] = set()  # scopes emptied by this run
        self._prune: set[bytes] | None = None  # the live facts keys, when this run prunes
        self._no_facts: bool | None = None  # the table held no facts when first asked (a first run): no lookups
        self._direct = False  # after `write_through`: writes go into the transaction at once
        self._failed = False  # another run wrote first: nothing of this run is written
        try:
            self._db = sqlite3.connect(str(path), timeout=_TIMEOUT, isolation_level=None, check_same_thread=False)
            if not reader:
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=NORMAL")
                self._db.execute("PRAGMA journal_size_limit=4194304")  # the log shrinks back after a big first run
                for statement in _SCHEMA:
                    self._db.execute(statement)
        except sqlite3.DatabaseError as error:
            raise StoreCorrupt(f"{path}: {error}") from None

    @classmethod
    def open(cls, path: Path, salt: bytes) -> Store:
        """The store at `path`; a file SQLite cannot read is removed and made afresh. Raises OSError, ImportError."""
        try:
            return cls(path, salt)
        except StoreCorrupt:
            remove_store(path)
        try:
            return cls(path, salt)
        except StoreCorrupt as error:
            raise OSError(str(error)) from None

    def begin(self) -> None:
        """Read everything from here on from one snapshot, in the transaction `commit` writes in."""
        if not self._db.in_transaction:
            self._db.execute("BEGIN")

    # -- facts ----------------------------------------------------------------

    def facts_entry(self, key: bytes) -> memoryview | None:
        """The payload stored for `key` (buffered or written), or None when missing or damaged."""
        data = self._facts.get(key)
        if data is None:
            try:
                if self._no_facts is None:
                    self._no_facts = self._db.execute("SELECT NOT EXISTS (SELECT 1 FROM facts)").fetchone()[0] == 1
                row = None if self._no_facts else self._db.execute("SELECT data FROM facts WHERE key = ?", (key,)).fetchone()
            except self._sqlite.DatabaseError:
                return None
            if row is None:
                return None
            data = row[0]
        payload = memoryview(data)[_SUM:]
        if len(data) < _SUM or self.checksum(b"f" + key, payload) != data[:_SUM]:
            return None
        return payload

    def add_facts(self, key: bytes, entry: bytes) -> None:
        """Buffer a checksummed entry (`FactsCache.put` makes them)."""
        self._facts[key] = entry
        if self._direct:
            self._write_buffered()

    def prune_facts(self, live: set[bytes]) -> None:
        """At commit, remove the facts whose key is not in `live` and that nobody wrote for an hour."""
        self._prune = live

    # -- blobs ----------------------------------------------------------------

    def get(self, scope: str, name: str) -> Any | None:
        """The value stored under `name`, or None. Raises StoreCorrupt for a damaged blob."""
        if (scope, name) in self._blobs:
            data = self._blobs[scope, name]
        elif scope in self._cleared:
            return None
        else:
            try:
                row = self._db.execute("SELECT data FROM blobs WHERE scope = ? AND name = ?", (scope, name)).fetchone()
            except self._sqlite.DatabaseError as error:
                raise StoreCorrupt(f"{self.path}: {error}") from None
            data = None if row is None else row[0]
        if data is None:
            return None
        payload = memoryview(data)[_SUM:]
        if len(data) < _SUM or self.checksum(f"b{scope}\0{name}".encode(), payload) != data[:_SUM]:
            raise StoreCorrupt(f"{self.path}: blob {scope}/{name} fails its checksum")
        try:
            return marshal.loads(payload)
        except (EOFError, ValueError, TypeError) as error:
            raise StoreCorrupt(f"{self.path}: blob {scope}/{name}: {error}") from None

    def put(self, scope: str, name: str, value: Any) -> None:
        """Buffer `value` under `name` (None deletes it) until `commit`."""
        if value is None:
            self._blobs[scope, name] = None
            return
        payload = marshal.dumps(value, MARSHAL_VERSION)
        self._blobs[scope, name] = self.checksum(f"b{scope}\0{name}".encode(), payload) + payload
        if self._direct:
            self._write_buffered()

    def clear(self, scope: str) -> None:
        """Empty `scope` (at commit; reads see it empty at once)."""
        self._cleared.add(scope)
        self._blobs = {place: data for place, data in self._blobs.items() if place[0] != scope}
        if self._direct:
            self._write_buffered()

    def write_through(self) -> None:
        """Write what is buffered now and every later write at once, in this run's transaction (the write lock
        is held from here to `commit`). When another run wrote first, nothing of this run is written."""
        self._direct = True
        self._write_buffered()

    def commit(self) -> bool:
        """Write what is buffered in this run's transaction; False when another run wrote first (nothing written)."""
        db = self._db
        try:
            if self._failed:
                return False
            if not self._direct and not self._facts and not self._blobs and not self._cleared and self._prune is None:
                return True
            self._write_buffered()
            if self._failed:
                return False
            if self._prune is not None:
                db.execute("CREATE TEMP TABLE IF NOT EXISTS live (key BLOB PRIMARY KEY)")
                db.execute("DELETE FROM live")
                db.executemany("INSERT OR IGNORE INTO live (key) VALUES (?)", ((key,) for key in self._prune))
                db.execute("DELETE FROM facts WHERE written < ? AND key NOT IN (SELECT key FROM live)", (int(time.time()) - _PRUNE_AGE,))
            db.execute("COMMIT")
        except self._sqlite.DatabaseError:  # busy: another run wrote since this one read, or holds the lock; or damage
            self.rollback()
            return False
        finally:
            self._facts, self._blobs, self._cleared, self._prune, self._no_facts = {}, {}, set(), None, None
            self._direct = self._failed = False
        return True

    def _write_buffered(self) -> None:
        """Write the buffered facts and blobs into this run's transaction and let them go; on refusal (another
        run wrote first or holds the lock, or damage) end the transaction and drop this run's writes."""
        if self._failed:
            self._facts, self._blobs, self._cleared = {}, {}, set()
            return
        db = self._db
        try:
            if not db.in_transaction:
                db.execute("BEGIN")
            if self._facts:
                now = int(time.time())
                db.executemany(
                    "INSERT OR REPLACE INTO facts (key, data, written) VALUES (?, ?, ?)",
                    zip(self._facts, self._facts.values(), repeat(now)),
                )
                self._no_facts = False
            for scope in sorted(self._cleared):
                db.execute("DELETE FROM blobs WHERE scope = ?", (scope,))
                db.execute("INSERT OR REPLACE INTO scopes (scope, written) VALUES (?, ?)", (scope, time.time()))
                for (old,) in db.execute("SELECT scope FROM scopes ORDER BY written DESC").fetchall()[_KEEP_SCOPES:]:
                    db.execute("DELETE FROM blobs WHERE scope = ?", (old,))
                    db.execute("DELETE FROM scopes WHERE scope = ?", (old,))
            db.executemany("DELETE FROM blobs WHERE scope = ? AND name = ?", (place for place, data in self._blobs.items() if data is None))
            db.executemany(
                "INSERT OR REPLACE INTO blobs (scope, name, data) VALUES (?, ?, ?)",
                ((*place, data) for place, data in self._blobs.items() if data is not None),
            )
        except self._sqlite.DatabaseError:
            self.rollback()
            self._failed = True
        finally:
            self._facts, self._blobs, self._cleared = {}, {}, set()

    def rollback(self) -> None:
        """End this run's transaction without writing."""
        try:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
        except self._sqlite.DatabaseError:
            pass

    def close(self) -> None:
        self.rollback()
        self._db.close()

    def checksum(self, what: bytes, payload: bytes | memoryview) -> bytes:
        return _checksum(self._salt, what, payload)


@dataclass(frozen=True)
class Scope:
    """The blobs of one scope of a store (one settings' analysis)."""

    store: Store
    name: str

    def get(self, name: str) -> Any | None:
        return self.store.get(self.name, name)

    def put(self, name: str, value: Any) -> None:
        self.store.put(self.name, name, value)


def _checksum(salt: bytes, what: bytes, payload: bytes | memoryview) -> bytes:
    """CRC-32 of (salt, what, payload): it catches damage (a garbled, truncated or moved row, another version's),
    not an adversary, whom no checksum with a public salt stops; a blake2b cost ten times more per byte."""
    return zlib.crc32(payload, zlib.crc32(what, zlib.crc32(salt))).to_bytes(_SUM, "little")


def remove_store(path: Path) -> None:
    """Delete a store and its WAL files."""
    for suffix in ("", "-wal", "-shm"):
        try:
            os.unlink(f"{path}{suffix}")
        except OSError:
            pass


def facts_of_entry(entry: bytes) -> ModuleFacts:
    """The facts in an entry this process's code just made (`FactsCache.put` in a worker): not checked."""
    return facts_from_plain(marshal.loads(memoryview(entry)[_SUM:]), checked=False)


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
    """A file as a run read it: path, stat signature (None while too recent to trust), content key, and the
    encoded facts entry when it was parsed (a worker's parse comes back to be written)."""

    path: str
    signature: StatSignature | None
    key: bytes
    parsed: bool
    entry: bytes | None = None


@dataclass
class FactsCache:
    """The facts cache of one project root, for one run (picklable: worker processes get a reading copy).

    With `deferred`, `save` only buffers: the caller commits `store` (one transaction for the whole run).
    """

    base: Path  # <root>/.remediator
    version: str = field(default_factory=cache_version)
    settle_seconds: float = SETTLE_SECONDS
    stats: CacheStats = field(default_factory=CacheStats)
    deferred: bool = False

    def __post_init__(self) -> None:
        self.tag = blake2b(self.version.encode(), digest_size=8).hexdigest()
        self.folder = self.base / "cache" / self.tag
        self._salt = f"remediator store {FORMAT}\0{self.version}\0".encode()
        self._store: Store | None = None
        self._reader = False  # a worker's copy: reads facts, writes nothing
        self._writable = True
        self._new: dict[bytes, bytes] = {}  # entries put in a worker, until `seen` hands them back
        self._index: StatIndex | None = None
        self._unchanged = bytearray()  # a flag per row of the index: this run found the file unchanged
        self._updates: dict[str, tuple[StatSignature, bytes]] = {}  # files read this run, settled: to record
        self._keys: set[bytes] = set()  # the content keys of the files this run read
        self.keys_by_path: dict[str, bytes] = {}  # path -> content key of every file this run knows

    def __getstate__(self) -> dict[str, Any]:
        return {"base": self.base, "version": self.version, "settle_seconds": self.settle_seconds}  # not the store

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(**state)  # type: ignore[misc]
        self._reader = True

    @classmethod
    def for_root(cls, root: Path, **options: Any) -> FactsCache:
        """The cache of the project at `root` (the store is made on first use)."""
        return cls(Path(root) / CACHE_DIR, **options)

    @property
    def store(self) -> Store | None:
        """The store (opened, with its folder made, on first use); None when it cannot be had (read-only tree, no sqlite3)."""
        if self._store is None and self._writable:
            path = self.folder / STORE_FILE
            try:
                if self._reader:
                    if not path.is_file():
                        raise OSError(f"{path}: missing")
                    self._store = Store(path, self._salt, reader=True)
                else:
                    self.ensure_folder()
                    self._store = Store.open(path, self._salt)
            except (OSError, ImportError, StoreCorrupt):
                self._writable = False
        return self._store

    def reset_store(self) -> Store | None:
        """Remove the store (found damaged) and open an empty one; this run's buffered writes go with it."""
        if self._store is not None:
            self._store.close()
            self._store = None
        remove_store(self.folder / STORE_FILE)
        self._index = None
        return self.store

    # -- entries --------------------------------------------------------------

    def get(self, key: bytes) -> ModuleFacts | None:
        """The facts stored for `key`, or None when there is no sound entry of this version."""
        store = self.store
        payload = None if store is None else store.facts_entry(key)
        if payload is None:
            return None
        try:
            return facts_from_plain(marshal.loads(payload))
        except Exception:  # a sound checksum over a payload this code did not write: never trusted
            return None

    def put(self, key: bytes, facts: ModuleFacts) -> None:
        """Store `facts` for `key` (written when the run commits; a worker hands the entry back through `seen`)."""
        payload = marshal.dumps(plain_facts(facts), MARSHAL_VERSION)
        data = _checksum(self._salt, b"f" + key, payload) + payload  # a worker makes it without opening the store
        if self._reader:
            self._new[key] = data
        elif self.store is not None:
            self.store.add_facts(key, data)

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
                    signatures[at + 1] == before.st_mtime_ns
                    and signatures[at + 2] == before.st_ctime_ns
                    and signatures[at] == before.st_size
                    and signatures[at + 3] == before.st_ino
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
        return Seen(str(path), signature, key, parsed, self._new.pop(key, None) if parsed else None)

    def remember(self, seen: Seen) -> None:
        """Count and record a file read this run (in the main process; workers return their `Seen`s)."""
        if seen.parsed:
            self.stats.parsed += 1
        else:
            self.stats.hash_hits += 1
        if seen.entry is not None and self.store is not None:
            self.store.add_facts(seen.key, seen.entry)
        self._record(seen.path, seen.signature, seen.key)

    def save(self) -> None:
        """Buffer the index of this run's files when it changed, prune old facts now and then; commit unless deferred."""
        store = self.store
        if store is None:
            return
        index = self._load_index()
        after = index.after(self._unchanged, self._updates, index.written + self.stats.parsed)
        if after is not None:
            if after.written > max(1000, 2 * len(after)):
                store.prune_facts(set(after.live_keys()) | self._keys)
                after.written = 0
            store.put(*_INDEX, after.encode())
            self._index = after
            self._unchanged = bytearray(b"\1" * len(after))
            self._updates = {}
        if not self.deferred:
            store.commit()

    def _load_index(self) -> StatIndex:
        if self._index is None:
            self._index = StatIndex.empty()
            store = self.store
            try:
                payload = None if store is None else store.get(*_INDEX)
                if payload is not None:
                    self._index = StatIndex.decode(payload)
            except Exception:  # never trusted: start afresh
                pass
            self._unchanged = bytearray(len(self._index))
        return self._index

    # -- housekeeping -----------------------------------------------------------

    def ensure_folder(self) -> None:
        """Create this version's folder (and `.remediator/` with its .gitignore) if missing. Raises OSError."""
        if self.folder.is_dir():
            return
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
