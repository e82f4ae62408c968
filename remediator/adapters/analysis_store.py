"""The persisted analysis of a project: named, checksummed blobs in one SQLite file per settings.

Layout: `<root>/.remediator/cache/<tag>/analysis-<key>.sqlite`, next to the facts
cache of the same version (`<tag>`); `<key>` digests the settings and the
analysis code, so other settings keep their own file (the newest few are kept).

Each blob is `checksum + marshal(value)`, the checksum a blake2b of (format,
name, payload): a damaged blob, or a database SQLite cannot read, raises
`StoreCorrupt` and the caller starts afresh; nothing is ever decoded before its
checksum matches. Large maps are split into shards (`ShardedMap`) so that a run
reads and writes only the shards it needs.

Concurrency: a run reads everything inside one transaction (a consistent
snapshot) and writes its changes in that same transaction; if another run wrote
in between, SQLite refuses the upgrade and this run's changes are dropped (its
own output was computed from a consistent snapshot and the files it read, so it
stays right; the next run brings the store up to date). Writes are not fsynced
(WAL, synchronous=NORMAL): after a crash the store is at an earlier state or
fails its checks, and is rebuilt.
"""

from __future__ import annotations

import marshal
import os
import zlib
from pathlib import Path
from typing import Any

from remediator.adapters.hashing import blake2b

FORMAT = 1  # bump when a blob's layout changes
_SUM = 16
_MARSHAL_VERSION = 4
_KEEP = 4  # analysis files kept per cache version (the most recently used)
_TIMEOUT = 2.0  # seconds to wait for another run's write lock before giving up writing


class StoreCorrupt(Exception):
    """The store cannot be trusted: remove it and analyse afresh."""


class AnalysisStore:
    """Named values of one project's analysis; `get` reads, `put` buffers, `commit` writes."""

    def __init__(self, path: Path) -> None:
        import sqlite3

        self.path = path
        self._sqlite = sqlite3
        self._pending: dict[str, bytes | None] = {}
        self._direct = False  # a rebuild: values go straight into the transaction
        self._failed = False  # another run wrote first: nothing of this run is written
        self._salt = f"remediator analysis {FORMAT}\0".encode()
        try:
            self._db = sqlite3.connect(str(path), timeout=_TIMEOUT, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("CREATE TABLE IF NOT EXISTS blobs (name TEXT PRIMARY KEY, data BLOB NOT NULL)")
            self._db.execute("BEGIN")  # the snapshot this run reads starts with its first read
        except sqlite3.DatabaseError as error:
            raise StoreCorrupt(f"{path}: {error}") from None

    @classmethod
    def open(cls, folder: Path, key: str) -> AnalysisStore:
        """The store for `key` in `folder` (created empty when missing). Raises StoreCorrupt, OSError."""
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"analysis-{key}.sqlite"
        fresh = not path.exists()
        store = cls(path)
        if fresh:
            _remove_old_stores(folder, path)
        return store

    def get(self, name: str) -> Any | None:
        """The value stored under `name`, or None. Raises StoreCorrupt for a damaged blob."""
        if name in self._pending:
            data = self._pending[name]
            return None if data is None else marshal.loads(memoryview(data)[_SUM:])
        try:
            row = self._db.execute("SELECT data FROM blobs WHERE name = ?", (name,)).fetchone()
        except self._sqlite.DatabaseError as error:
            raise StoreCorrupt(f"{self.path}: {error}") from None
        if row is None:
            return None
        data = row[0]
        payload = memoryview(data)[_SUM:]
        if len(data) < _SUM or self._checksum(name, payload) != data[:_SUM]:
            raise StoreCorrupt(f"{self.path}: blob {name!r} fails its checksum")
        try:
            return marshal.loads(payload)
        except (EOFError, ValueError, TypeError) as error:
            raise StoreCorrupt(f"{self.path}: blob {name!r}: {error}") from None

    def put(self, name: str, value: Any) -> None:
        """Buffer `value` under `name` (None deletes it) until `commit` (written at once after `start_over`)."""
        if value is None:
            self._pending[name] = None
            return
        payload = marshal.dumps(value, _MARSHAL_VERSION)
        data = self._checksum(name, payload) + payload
        if self._direct:
            self._write(name, data)
        else:
            self._pending[name] = data

    def start_over(self) -> bool:
        """Empty the store inside this run's transaction; later `put`s are written at once (a full rebuild
        writes far more than it should buffer). False when another run holds or changed the store."""
        try:
            if not self._db.in_transaction:
                self._db.execute("BEGIN")
            self._db.execute("DELETE FROM blobs")
        except self._sqlite.OperationalError:
            self._rollback()
            self._failed = True
            return False
        except self._sqlite.DatabaseError as error:
            raise StoreCorrupt(f"{self.path}: {error}") from None
        self._pending.clear()
        self._direct = True
        return True

    def _write(self, name: str, data: bytes) -> None:
        if self._failed:
            return
        try:
            self._db.execute("INSERT OR REPLACE INTO blobs (name, data) VALUES (?, ?)", (name, data))
        except self._sqlite.OperationalError:
            self._rollback()
            self._failed = True
        except self._sqlite.DatabaseError as error:
            raise StoreCorrupt(f"{self.path}: {error}") from None

    def commit(self) -> bool:
        """Write the buffered values in this run's transaction; False when another run wrote first (nothing written)."""
        if self._failed:
            return False
        if not self._pending and not self._direct:
            self._rollback()  # nothing to write: end the read snapshot
            return True
        try:
            if not self._db.in_transaction:
                self._db.execute("BEGIN")
            for name, data in self._pending.items():
                if data is None:
                    self._db.execute("DELETE FROM blobs WHERE name = ?", (name,))
                else:
                    self._db.execute("INSERT OR REPLACE INTO blobs (name, data) VALUES (?, ?)", (name, data))
            self._db.execute("COMMIT")
        except self._sqlite.OperationalError:  # busy: another run wrote since this one read, or holds the lock
            self._rollback()
            return False
        except self._sqlite.DatabaseError as error:
            self._rollback()
            raise StoreCorrupt(f"{self.path}: {error}") from None
        finally:
            self._pending.clear()
            self._direct = False
        return True

    def close(self) -> None:
        self._rollback()
        self._db.close()

    def _rollback(self) -> None:
        try:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
        except self._sqlite.DatabaseError:
            pass

    def _checksum(self, name: str, payload: bytes | memoryview) -> bytes:
        digest = blake2b(self._salt, digest_size=_SUM)
        digest.update(name.encode())
        digest.update(b"\0")
        digest.update(payload)
        return digest.digest()


def remove_store(path: Path) -> None:
    """Delete a store and its WAL files (a damaged store is rebuilt from nothing)."""
    for suffix in ("", "-wal", "-shm"):
        try:
            os.unlink(f"{path}{suffix}")
        except OSError:
            pass


class ShardedMap:
    """A large map kept as `count` blobs (`prefix/0` ...), read one shard at a time, dirty shards written back."""

    def __init__(self, store: AnalysisStore, prefix: str, count: int) -> None:
        self.store = store
        self.prefix = prefix
        self.count = count
        self._shards: dict[int, dict[Any, Any]] = {}
        self._dirty: set[int] = set()

    def get(self, key: str, default: Any = None) -> Any:
        return self._shard(shard_of(key, self.count)).get(key, default)

    def set(self, key: str, value: Any) -> None:
        """Set (or, with None, remove) one entry."""
        number = shard_of(key, self.count)
        shard = self._shard(number)
        if value is None:
            if key in shard:
                del shard[key]
                self._dirty.add(number)
        elif shard.get(key) != value:
            shard[key] = value
            self._dirty.add(number)

    def fill(self, items: dict[str, Any]) -> None:
        """Replace the whole map (a full rebuild): every shard is written."""
        self._shards = {number: {} for number in range(self.count)}
        for key, value in items.items():
            self._shards[shard_of(key, self.count)][key] = value
        self._dirty = set(self._shards)

    def flush(self) -> None:
        """Hand the changed shards to the store (encoded: the map's copies of them are let go)."""
        for number in sorted(self._dirty):
            self.store.put(f"{self.prefix}/{number}", self._shards.pop(number))
        self._dirty.clear()

    def _shard(self, number: int) -> dict[Any, Any]:
        shard = self._shards.get(number)
        if shard is None:
            loaded = self.store.get(f"{self.prefix}/{number}")
            if loaded is not None and type(loaded) is not dict:
                raise StoreCorrupt(f"{self.store.path}: shard {self.prefix}/{number} is not a map")
            shard = self._shards[number] = loaded if loaded is not None else {}
        return shard


def shard_of(key: str, count: int) -> int:
    """A stable shard number for `key` (crc32: the same in every process, unlike hash())."""
    return zlib.crc32(key.encode("utf-8", "surrogatepass")) % count


def _remove_old_stores(folder: Path, current: Path) -> None:
    """Keep the most recently used analysis files of this version; remove the rest."""
    stores = []
    for entry in os.scandir(folder):
        if entry.name.startswith("analysis-") and entry.name.endswith(".sqlite") and entry.path != str(current):
            try:
                stores.append((entry.stat().st_mtime, Path(entry.path)))
            except OSError:
                continue
    for _mtime, path in sorted(stores, reverse=True)[_KEEP - 1 :]:
        remove_store(path)
