"""Find the project's packages, modules and backup copies on disk.

Discovery never imports anything. It walks each package directory once,
follows directory symlinks only when they stay inside the root and have not
been seen (so a symlink loop ends), and records what it cannot read.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path

from remediator.domain.facts import ParseProblem
from remediator.domain.findings import UNREADABLE_FILE

SOURCE_SUFFIXES = (".py", ".pyi")
EXTENSION_SUFFIXES = (".so", ".pyd")
BACKUP_DIRS = frozenset({"backups", "backup"})
_SKIP_DIRS = frozenset({"__pycache__", "node_modules", "site-packages", "build", "dist", ".remediator"})


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


def discover(root: Path, packages: tuple[str, ...] | None = None, exclude: tuple[str, ...] = ()) -> Discovery:
    """Discover the project under `root`.

    `packages` names the project's packages (dotted names allowed); by default every
    top-level package under the root and under `src/`, regular or namespace, plus
    loose top-level modules.
    """
    root = root.resolve()
    walker = _Walker(root, exclude)
    bases = [root] + ([root / "src"] if (root / "src").is_dir() and not (root / "src" / "__init__.py").exists() else [])
    if packages is not None:
        for name in packages:
            for base in bases:
                directory = base.joinpath(*name.split("."))
                if directory.is_dir():
                    walker.walk_package(directory, name)
                    break
                for suffix in SOURCE_SUFFIXES:
                    single = directory.with_suffix(suffix)
                    if single.is_file():
                        walker.add_file(single, name, is_package=False)
            walker.result.roots.add(name)
        return walker.result
    for base in bases:
        try:
            entries = sorted(os.scandir(base), key=_real_first)
        except OSError:
            continue
        for entry in entries:
            if walker.excluded(Path(entry.path)) or (len(bases) > 1 and base == root and entry.name == "src"):
                continue
            if entry.name.endswith(SOURCE_SUFFIXES) and entry.name.split(".")[0].isidentifier():
                module = entry.name.rsplit(".", 1)[0]
                walker.add_file(Path(entry.path), module, is_package=False)
                walker.result.roots.add(module)
            elif _is_dir(entry) and entry.name.isidentifier() and not _is_virtualenv(Path(entry.path)):
                if walker.walk_package(Path(entry.path), entry.name):
                    walker.result.roots.add(entry.name)
    return walker.result


def glob_pattern(glob: str) -> re.Pattern[str]:
    """Compile a path glob: `*` and `?` stay within one path segment, `**` spans any number of them."""
    parts = []
    index = 0
    glob = glob.strip("/")
    while index < len(glob):
        if glob.startswith("**/", index):
            parts.append("(?:.*/)?")
            index += 3
        elif glob.startswith("**", index):
            parts.append(".*")
            index += 2
        elif glob[index] == "*":
            parts.append("[^/]*")
            index += 1
        elif glob[index] == "?":
            parts.append("[^/]")
            index += 1
        else:
            parts.append(re.escape(glob[index]))
            index += 1
    return re.compile("".join(parts) + r"\Z")


def is_test_file(relpath: str, patterns: tuple[str, ...]) -> bool:
    """True when pytest would collect the file by name (`python_files` patterns)."""
    name = relpath.rsplit("/", 1)[-1]
    return any(fnmatchcase(name, pattern) for pattern in patterns)


class _Walker:
    def __init__(self, root: Path, exclude: tuple[str, ...]) -> None:
        self.root = root
        self._exclude_patterns = [glob_pattern(p) for p in exclude]
        self.exclude = exclude
        self.result = Discovery(root)
        self.seen_dirs: set[str] = {str(root)}  # the root is never a package of its own
        self._prefix = str(root) + os.sep

    def excluded(self, path: Path) -> bool:
        name = path.name
        if name.startswith(".") or name in _SKIP_DIRS or name.endswith(".egg-info"):
            return True
        if not self.exclude:
            return False
        relpath = self.relpath(path)
        return any(pattern.match(relpath) or pattern.match(name) for pattern in self._exclude_patterns)

    def relpath(self, path: Path) -> str:
        text = str(path)
        if text.startswith(self._prefix):  # the common case, without pathlib's parsing
            relative = text[len(self._prefix):]
            return relative if os.sep == "/" else relative.replace(os.sep, "/")
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()

    def walk_package(self, directory: Path, module: str) -> bool:
        """Add the modules under `directory`; False when it holds no Python module."""
        real = os.path.realpath(directory)
        if real in self.seen_dirs or not (real == str(self.root) or real.startswith(str(self.root) + os.sep)):
            return False
        self.seen_dirs.add(real)
        try:
            entries = sorted(os.scandir(directory), key=_real_first)
        except OSError as error:
            self.result.problems.append(
                (self.relpath(directory), module, ParseProblem(UNREADABLE_FILE, f"cannot list directory: {error.strerror}", 1, 1))
            )
            return False
        names = {entry.name for entry in entries}
        found = False
        for init in ("__init__.py", "__init__.pyi"):
            if init in names:
                self.add_file(directory / init, module, is_package=True)
                found = True
        for entry in entries:
            path = Path(entry.path)
            name = entry.name
            if name.startswith("__init__.") or self.excluded(path):
                continue
            if _is_backup_name(name):
                self.result.backups.append(self.relpath(path))
                continue
            if _is_dir(entry):
                if name in BACKUP_DIRS and "__init__.py" not in _names(path):
                    self.result.backups.extend(self._python_files_below(path))
                elif name.isidentifier() and self.walk_package(path, f"{module}.{name}"):
                    found = True
                continue
            stem, dot, suffix = name.partition(".")
            if not stem.isidentifier():
                continue
            if "." + suffix in SOURCE_SUFFIXES:
                self.add_file(path, f"{module}.{stem}", is_package=False)
                found = True
            elif name.endswith(EXTENSION_SUFFIXES):
                self.result.extension_modules.add(f"{module}.{stem}")
                found = True
        if found and not any(f"__init__{s}" in names for s in SOURCE_SUFFIXES):
            self.result.namespace_packages.add(module)
        return found

    def add_file(self, path: Path, module: str, *, is_package: bool) -> None:
        relpath = self.relpath(path)
        try:
            mode = os.stat(path).st_mode
        except OSError as error:
            reason = error.strerror or str(error)
            if error.errno == 40:  # ELOOP
                reason = "symlink loop"
            self.result.problems.append((relpath, module, ParseProblem(UNREADABLE_FILE, f"cannot read file: {reason}", 1, 1)))
            return
        if not stat.S_ISREG(mode):
            self.result.problems.append((relpath, module, ParseProblem(UNREADABLE_FILE, "not a regular file", 1, 1)))
            return
        self.result.files.append(SourceFile(path, relpath, module, is_package, relpath.endswith(".pyi")))

    def _python_files_below(self, directory: Path) -> list[str]:
        found = []
        for dirpath, _dirs, files in os.walk(directory):
            for name in sorted(files):
                if name.endswith(".py") or _is_backup_name(name):
                    found.append(self.relpath(Path(dirpath) / name))
        return found


def _real_first(entry: os.DirEntry[str]) -> tuple[bool, str]:
    """Sort key: real entries before symlinks (a symlink must not hide its target), then by name."""
    return (entry.is_symlink(), entry.name)


def _is_backup_name(name: str) -> bool:
    return ".py.backup" in name or ".py.bak" in name or name.endswith((".py.orig", ".py~"))


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


def _names(directory: Path) -> set[str]:
    try:
        return set(os.listdir(directory))
    except OSError:
        return set()


def _is_virtualenv(directory: Path) -> bool:
    return (directory / "pyvenv.cfg").exists()
