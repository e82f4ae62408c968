"""The stat index: which content a file has, known from its stat alone.

path -> (size, mtime_ns, ctime_ns, inode) and the content key of the bytes read
under that stat. It is kept column-wise: the paths `\\0`-joined in one string,
the four numbers of every file in one `array('q')`, the keys in one bytes
string. Loading it splits and copies three buffers, where a dict of tuples would
make some 50,000 Python objects: a warm one-file check of a 10,000-module
project reads it every time, so this is most of its start.

A run marks the entries it found unchanged and records the files it read; the
index is written again only when something differs (`StatIndex.after`).
"""

from __future__ import annotations

import marshal
from array import array
from collections.abc import Iterable

StatSignature = tuple[int, int, int, int]  # size, mtime_ns, ctime_ns, inode
KEY_SIZE = 16
_MARSHAL_VERSION = 4


class StatIndex:
    """Recorded files, in columns; `position` finds a path's row."""

    __slots__ = ("paths", "signatures", "keys", "written", "_positions")

    def __init__(self, paths: list[str], signatures: array, keys: bytes, written: int = 0) -> None:
        if len(signatures) != 4 * len(paths) or len(keys) != KEY_SIZE * len(paths):
            raise ValueError("the columns of a stat index differ in length")
        self.paths = paths
        self.signatures = signatures  # array('q'): four numbers per path
        self.keys = keys
        self.written = written  # entries written since the facts were last pruned
        self._positions: dict[str, int] | None = None

    @classmethod
    def empty(cls) -> StatIndex:
        return cls([], array("q"), b"")

    @property
    def positions(self) -> dict[str, int]:
        """path -> row."""
        if self._positions is None:
            self._positions = {path: row for row, path in enumerate(self.paths)}
        return self._positions

    def __len__(self) -> int:
        return len(self.paths)

    def signature(self, row: int) -> StatSignature:
        s = self.signatures
        return (s[4 * row], s[4 * row + 1], s[4 * row + 2], s[4 * row + 3])

    def key(self, row: int) -> bytes:
        return self.keys[KEY_SIZE * row : KEY_SIZE * (row + 1)]

    def after(self, unchanged: bytearray, updates: dict[str, tuple[StatSignature, bytes]], written: int) -> StatIndex | None:
        """The index a run leaves: the rows it found unchanged (flags in `unchanged`) plus the files it
        recorded; None when that is this index (nothing to write)."""
        if not updates and unchanged.count(1) == len(self.paths):
            return None
        paths: list[str] = []
        signatures = array("q")
        keys = bytearray()
        for row, kept in enumerate(unchanged):
            if kept and self.paths[row] not in updates:
                paths.append(self.paths[row])
                signatures.extend(self.signatures[4 * row : 4 * row + 4])
                keys += self.key(row)
        for path, (signature, key) in updates.items():
            paths.append(path)
            signatures.extend(signature)
            keys += key
        return StatIndex(paths, signatures, bytes(keys), written)

    def live_keys(self) -> Iterable[bytes]:
        return (self.key(row) for row in range(len(self.paths)))

    def encode(self) -> bytes:
        joined = "\0".join(self.paths).encode("utf-8", "surrogateescape")
        return marshal.dumps((self.written, joined, self.signatures.tobytes(), self.keys), _MARSHAL_VERSION)

    @classmethod
    def decode(cls, payload: bytes | memoryview) -> StatIndex:
        """Raises ValueError (or another exception) for anything but what `encode` wrote."""
        written, joined, numbers, keys = marshal.loads(payload)
        if type(written) is not int or type(joined) is not bytes or type(numbers) is not bytes or type(keys) is not bytes:
            raise ValueError("not a stat index")
        paths = joined.decode("utf-8", "surrogateescape").split("\0") if joined else []
        signatures = array("q")
        signatures.frombytes(numbers)
        return cls(paths, signatures, keys, written)
