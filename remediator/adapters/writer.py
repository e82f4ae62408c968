"""Write a file atomically: temporary file in the same folder, rename over the target; mode bits kept."""

from __future__ import annotations

import os
from pathlib import Path

from remediator.adapters.platform import DEFAULT_MODE, file_mode, fsync_directory, replace_file, set_file_mode

TEMPORARY_SUFFIX = ".remediator-tmp"  # of the temporary files write_atomically leaves if interrupted


def write_atomically(path: Path | str, data: bytes, *, durable: bool = True) -> None:
    """Replace (or create) `path` with `data` so that readers see the old or the new file, never half of one.

    An existing file keeps its mode bits, a read-only one too (it is replaced, not
    refused, on every platform: `platform.replace_file`); a new one gets 0o644. With `durable` the data
    and (where the platform can: not on Windows) the directory entry are fsynced, so the
    new file survives a power loss; caches that are rebuilt on demand can skip that.
    """
    path = Path(path)
    try:
        mode = file_mode(path)
    except FileNotFoundError:
        mode = DEFAULT_MODE
    descriptor, temporary = _temporary_beside(path)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        set_file_mode(temporary, mode)
        replace_file(temporary, path)  # also over a read-only file, on Windows too
    except BaseException:
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass
        raise
    if durable:
        fsync_directory(path.parent)


def _temporary_beside(path: Path) -> tuple[int, str]:
    """A new file `.NAME.RANDOM.remediator-tmp` in the target's folder, open for writing, mode 0o600.

    (What tempfile.mkstemp does; tempfile imports shutil, bz2 and lzma, too much for a warm check.)
    """
    for _attempt in range(100):
        candidate = os.path.join(path.parent, f".{path.name}.{os.urandom(6).hex()}{TEMPORARY_SUFFIX}")
        try:
            return os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600), candidate
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name beside {path}")
