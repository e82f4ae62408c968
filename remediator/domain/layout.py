"""What discovery found, as values: the project's source files, its shape, and which are test files.

`Discovery` is the full result of walking the project (adapters/filesystem.py);
`Layout` is the same as plain data, to be persisted and compared: equal layouts
mean the same project shape. Each of its files is a `FileRow`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from fnmatch import translate
from functools import lru_cache
from itertools import repeat
from pathlib import Path
from typing import Any, NamedTuple

from remediator.domain.facts import ParseProblem

DirectorySignature = tuple[int, int, int]  # mtime_ns, ctime_ns, inode
DirectoryRecord = tuple["DirectorySignature | None", bytes]  # (stat when settled, digest of the entries)


@dataclass(frozen=True, slots=True)
class SourceFile:
    """A Python file of the project and the module it defines."""

    path: Path
    relpath: str  # POSIX, relative to the scanned root
    module: str
    is_package: bool  # an __init__ file
    is_stub: bool  # .pyi


@dataclass(slots=True)
class Discovery:
    """What is on disk: source files, other modules, backups and unreadable entries."""

    root: Path
    files: list[SourceFile] = field(default_factory=list)
    namespace_packages: set[str] = field(default_factory=set)
    extension_modules: set[str] = field(default_factory=set)
    roots: set[str] = field(default_factory=set)  # the project's packages: modules under them are internal
    backups: list[str] = field(default_factory=list)
    problems: list[tuple[str, str, ParseProblem]] = field(default_factory=list)  # (relpath, module, problem)
    directories: dict[str, DirectoryRecord] = field(default_factory=dict)  # every directory listed, by relpath
    left_out: list[tuple[str, int, str]] = field(default_factory=list)  # (folder, Python files, why) not scanned
    shadowed: list[tuple[str, str, str]] = field(default_factory=list)  # (relpath, module, the winner's relpath)
    merged: set[str] = field(default_factory=set)  # top-level namespace folders an installed namespace package merges with


PACKAGE_FILE, STUB_FILE = 1, 2  # flags of a file in a Layout


class FileRow(NamedTuple):
    """One file of a `Layout`."""

    relpath: str  # POSIX, relative to the scanned root
    module: str
    flags: int  # PACKAGE_FILE | STUB_FILE


@dataclass(frozen=True, slots=True)
class Layout:
    """What discovery found, as plain data (persisted between runs): equal layouts mean the same project shape."""

    files: tuple[FileRow, ...]  # in discovery order
    namespace_packages: tuple[str, ...]
    extension_modules: tuple[str, ...]
    roots: tuple[str, ...]
    backups: tuple[str, ...]
    problems: tuple[tuple[str, str, tuple[str, str, int, int]], ...]  # (relpath, module, problem as a tuple)
    left_out: tuple[tuple[str, int, str], ...] = ()  # (folder, Python files, why): copies of the project, not scanned
    shadowed: tuple[tuple[str, str, str], ...] = ()  # (relpath, module, winner): files no import can reach
    merged: tuple[str, ...] = ()  # top-level namespace folders that merge with an installed namespace package
    directories: Mapping[str, DirectoryRecord] = field(default_factory=dict, compare=False)

    @classmethod
    def of(cls, discovery: Discovery) -> Layout:
        return cls(
            tuple(FileRow(f.relpath, f.module, PACKAGE_FILE * f.is_package | STUB_FILE * f.is_stub) for f in discovery.files),
            tuple(sorted(discovery.namespace_packages)),
            tuple(sorted(discovery.extension_modules)),
            tuple(sorted(discovery.roots)),
            tuple(discovery.backups),
            tuple((relpath, module, tuple(problem)) for relpath, module, problem in discovery.problems),  # type: ignore[misc]
            tuple(discovery.left_out),
            tuple(discovery.shadowed),
            tuple(sorted(discovery.merged)),
            dict(discovery.directories),
        )

    def discovery(self, root: Path) -> Discovery:
        """The Discovery this layout describes, for the project at `root`."""
        files = [self.source_file(root, position) for position in range(len(self.files))]
        problems = [(relpath, module, ParseProblem(*problem)) for relpath, module, problem in self.problems]
        return Discovery(
            root,
            files,
            set(self.namespace_packages),
            set(self.extension_modules),
            set(self.roots),
            list(self.backups),
            problems,
            dict(self.directories),
            list(self.left_out),
            list(self.shadowed),
            set(self.merged),
        )

    def source_file(self, root: Path, position: int) -> SourceFile:
        relpath, module, flags = self.files[position]
        return SourceFile(Path(str(root) + os.sep + relpath), relpath, module, bool(flags & PACKAGE_FILE), bool(flags & STUB_FILE))

    def to_plain(self) -> tuple[Any, ...]:
        """Plain data for marshal; the files column-wise (one string per column loads far faster than tuples)."""
        return (
            "\0".join(row.relpath for row in self.files),
            "\0".join(row.module for row in self.files),
            bytes(row.flags for row in self.files),
            self.namespace_packages,
            self.extension_modules,
            self.roots,
            self.backups,
            self.problems,
            self.left_out,
            self.shadowed,
            self.merged,
            dict(self.directories),
        )

    @classmethod
    def from_plain(cls, value: Any) -> Layout:
        """The layout `to_plain` gave; raises ValueError (or TypeError) for anything else."""
        relpaths, modules, flags, namespace, extension, roots, backups, problems, left_out, shadowed, merged, directories = value
        if type(relpaths) is not str or type(modules) is not str or type(flags) is not bytes or type(directories) is not dict:
            raise ValueError("not a layout")
        # tuple.__new__ straight: a third of the cost of calling FileRow for each row
        files = tuple(map(tuple.__new__, repeat(FileRow), zip(relpaths.split("\0"), modules.split("\0"), flags))) if flags else ()
        if len(files) != len(flags):
            raise ValueError("the columns of a layout differ in length")
        return cls(files, namespace, extension, roots, backups, problems, left_out, shadowed, merged, directories)


def files_by_module(files: Iterable[FileRow], *, runtime_only: bool = False) -> dict[str, list[str]]:
    """module -> the relpaths of its files (`Layout.files` rows), in layout order; stubs left out with `runtime_only`."""
    found: dict[str, list[str]] = {}
    for relpath, module, flags in files:
        if not (runtime_only and flags & STUB_FILE):
            found.setdefault(module, []).append(relpath)
    return found


def is_test_file(relpath: str, patterns: tuple[str, ...]) -> bool:
    """True when pytest would collect the file by name (`python_files` patterns)."""
    return _test_name(patterns)(relpath.rsplit("/", 1)[-1]) is not None


@lru_cache(maxsize=8)
def _test_name(patterns: tuple[str, ...]) -> Callable[[str], object]:
    """One compiled regex for all the patterns (fnmatch's rules, case-sensitive): its `match`."""
    return re.compile("|".join(f"(?:{translate(pattern)})" for pattern in patterns) or r"(?!)").match
