"""Every call whose behaviour depends on the operating system, each with the fallback used where POSIX's is missing.

remediator is developed on Linux and used on Windows and macOS too. What differs:

* a folder's entries are made durable by opening the folder and fsyncing it;
  Windows cannot open a folder that way (`os.open` raises): there NTFS's own
  journal has to do, and `fsync_directory` does nothing;
* worker pools start their processes with `fork` where it exists; elsewhere
  (Windows) with `spawn`, which pickles what the workers are given instead of
  sharing the parent's memory;
* Ctrl-C arrives as SIGINT everywhere; no other signal is used;
* mode bits: Windows keeps only the read-only flag, which `os.chmod` maps from
  the write bit, so the same two calls keep a file's mode on every platform;
* replacing a file by a rename: POSIX replaces a read-only file like any other
  (the folder's permissions decide); Windows refuses to (`os.replace` raises
  PermissionError, WinError 5), so `replace_file` clears the target's
  read-only flag first there, and puts it back if the rename fails.

`REMEDIATOR_START_METHOD` (fork, spawn, forkserver) picks the workers' start
method, and `REMEDIATOR_PORTABLE=1` takes every fallback even where the POSIX
call exists: that is how the tests run the Windows paths on Linux.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from multiprocessing.context import BaseContext

START_METHOD_ENV = "REMEDIATOR_START_METHOD"  # fork, spawn or forkserver: the worker pools' start method
PORTABLE_ENV = "REMEDIATOR_PORTABLE"  # "1": the fallbacks, even where the POSIX calls exist
DEFAULT_MODE = 0o644  # of a file remediator creates
SignalHandler = Callable[[int, "FrameType | None"], Any]


def portable() -> bool:
    """True when the fallbacks are taken: not a POSIX system, or REMEDIATOR_PORTABLE=1."""
    return os.name != "posix" or os.environ.get(PORTABLE_ENV) == "1"


def fsync_directory(path: Path | str) -> bool:
    """Make the entries of folder `path` (a rename into it) durable; False where that cannot be asked (Windows)."""
    if portable():
        return False
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    return True


def start_method() -> str:
    """How worker processes start: REMEDIATOR_START_METHOD, else `spawn` for the fallbacks, else `fork` where it exists.

    Raises ValueError for a method this platform lacks.
    """
    import multiprocessing  # only for a pool: a warm run starts none

    methods = multiprocessing.get_all_start_methods()
    wanted = os.environ.get(START_METHOD_ENV) or ("spawn" if portable() else None)
    if wanted is None:
        return "fork" if "fork" in methods else "spawn"
    if wanted not in methods:
        raise ValueError(f"{START_METHOD_ENV}={wanted!r}: this platform starts processes by {', '.join(methods)}")
    return wanted


def pool_context() -> BaseContext:
    """The multiprocessing context for a worker pool (see `start_method`)."""
    import multiprocessing

    return multiprocessing.get_context(start_method())


def handle_interrupts(handler: SignalHandler) -> None:
    """Call `handler` on Ctrl-C. SIGINT is the one signal every platform has; no other is handled."""
    import signal  # watch mode only

    signal.signal(signal.SIGINT, handler)


def file_mode(path: Path | str) -> int:
    """The permission bits of `path` (on Windows 0o666, or 0o444 when read-only). Raises OSError."""
    return os.stat(path).st_mode & 0o7777


def set_file_mode(path: Path | str, mode: int) -> None:
    """Give `path` the permission bits `mode` (on Windows: read-only unless `mode` has the owner's write bit)."""
    os.chmod(path, mode)


_OWNER_WRITE = 0o200  # stat.S_IWUSR: on Windows, the bit os.chmod maps to "not read-only"


def replace_file(source: Path | str, target: Path | str) -> bool:
    """Rename `source` over `target` (`os.replace`); True when the fallback had to clear the target's read-only flag.

    Windows will not replace a read-only file; the fallback makes it writable
    first (the file that takes its place brings its own mode) and, if the rename
    then fails, makes it read-only again before the error propagates.
    """
    if portable():
        try:
            mode: int | None = file_mode(target)
        except FileNotFoundError:
            mode = None
        if mode is not None and not mode & _OWNER_WRITE:
            set_file_mode(target, mode | _OWNER_WRITE)
            try:
                os.replace(source, target)
            except BaseException:
                try:
                    set_file_mode(target, mode)
                except OSError:
                    pass
                raise
            return True
    os.replace(source, target)
    return False
