"""Find the project's packages, modules and backup copies on disk.

Discovery never imports anything. It walks each package directory once,
follows directory symlinks only when they stay inside the root and have not
been seen (so a symlink loop ends), and records what it cannot read.

It also fingerprints every directory it lists (its stat, and a digest of its
entries' names and types), so that a later run can tell, with one `stat` per
directory, whether discovery would find anything different
(`directories_changed`). The values it returns (`Discovery`, `SourceFile`,
and `Layout`, the same as plain data) live in domain/layout.py.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import time
from collections.abc import Mapping
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING

from remediator.adapters.hashing import blake2b
from remediator.domain.facts import ParseProblem
from remediator.domain.findings import UNREADABLE_FILE
from remediator.domain.layout import DirectoryRecord, DirectorySignature, Discovery, SourceFile, is_test_file

from remediator.adapters.environment import normalise_distribution, project_distribution
from remediator.adapters.git_ignored import ignored_folders

if TYPE_CHECKING:
    from remediator.adapters.environment import Environment

SOURCE_SUFFIXES = (".py", ".pyi")
EXTENSION_SUFFIXES = (".so", ".pyd")
BACKUP_DIRS = frozenset({"backups", "backup"})
_SKIP_DIRS = frozenset({"__pycache__", "node_modules", "site-packages", "build", "dist", ".remediator"})
SETTLE_SECONDS = 2.0  # a stat younger than this is not trusted: a change in the same timestamp tick could go unseen


def directories_changed(root: Path, directories: Mapping[str, DirectoryRecord]) -> tuple[bool, dict[str, DirectoryRecord]]:
    """Whether any directory discovery listed now lists other entries (then discovery must run again).

    A directory whose settled stat is unchanged is not listed again; one that
    changed (or is too recent to trust) is listed, and compared by the digest of
    its entries. Also returns the records brought up to date (stats that settled).
    """
    base = str(root) + os.sep
    updated: dict[str, DirectoryRecord] = {}
    limit = time.time_ns() - int(SETTLE_SECONDS * 1e9)
    for relpath, (signature, digest) in directories.items():
        path = base + relpath if relpath else str(root)
        try:
            before = os.stat(path)
        except OSError:
            return True, {}
        if signature is not None and (before.st_mtime_ns, before.st_ctime_ns, before.st_ino) == signature:
            updated[relpath] = (signature, digest)
            continue
        try:
            entries = list(os.scandir(path))
        except OSError:
            return True, {}
        if _entries_digest(entries) != digest:
            return True, {}
        updated[relpath] = (_settled(before, limit), digest)
    return False, updated


def discover(
    root: Path,
    packages: tuple[str, ...] | None = None,
    exclude: tuple[str, ...] = (),
    include: tuple[str, ...] = (),
    environment: Environment | None = None,
    test_files: tuple[str, ...] = (),
) -> Discovery:
    """Discover the project under `root`.

    `packages` names the project's packages (dotted names allowed); by default every
    top-level package under the root and under `src/`, regular or namespace, plus
    loose top-level modules. Without `packages`, a top-level folder that holds
    copies of the project's own packages (a snapshot: `backups/<stamp>/<package>/...`)
    or is a backup folder (`backups/`, `backup/`, no `__init__.py`) is left out
    (`Discovery.left_out`); its Python files are kept as backups, for the
    `backup` suggestion. `include` (folder paths or globs) keeps such a folder in.
    With an `environment`, a top-level namespace folder whose name the standard
    library or an installed package provides is left out too (Python imports
    that one), unless it holds test files (`test_files` patterns: pytest
    collects them by path, whatever the name imports), and a top-level module or regular package that hides a
    standard-library module is recorded as shadowing it.
    """
    root = root.resolve()
    walker = _Walker(root, exclude, frozenset(f for f in ignored_folders(root) if not _included(f, include)))
    bases = [root] + ([root / "src"] if (root / "src").is_dir() and not (root / "src" / "__init__.py").exists() else [])
    if packages is not None:
        for base in bases:
            walker.watch(base)
        for name in packages:
            for base in bases:
                directory = base.joinpath(*name.split("."))
                walker.watch(_existing_ancestor(directory.parent, base))
                if directory.is_dir():
                    walker.walk_package(directory, name)
                    break
                for suffix in SOURCE_SUFFIXES:
                    single = directory.with_suffix(suffix)
                    if single.is_file():
                        walker.add_file(single, name, is_package=False)
            walker.result.roots.add(name)
        for folder in sorted(BACKUP_DIRS):  # not scanned (not a listed package), but a source for backup suggestions
            if folder not in packages and (root / folder).is_dir() and not (root / folder / "__init__.py").exists():
                walker.result.backups.extend(walker.python_files_below(root / folder))
        return walker.result
    for base in bases:
        try:
            entries = walker.list_directory(base)
        except OSError:
            continue
        hidden_files, hidden_dirs = walker.shadowing(base, entries, "")
        for entry in entries:
            if walker.excluded(entry.path) or (len(bases) > 1 and base == root and entry.name == "src"):
                continue
            if entry.name in hidden_files or entry.name in hidden_dirs:
                continue
            if entry.name.endswith(SOURCE_SUFFIXES) and entry.name.split(".")[0].isidentifier():
                module = entry.name.rsplit(".", 1)[0]
                walker.add_file(Path(entry.path), module, is_package=False)
                walker.result.roots.add(module)
                if environment is not None and entry.name.endswith(".py"):
                    _note_hidden(walker, environment, walker.relpath(Path(entry.path)), module)
            elif _is_dir(entry) and entry.name.isidentifier():
                provider = environment.provider(entry.name) if environment is not None else None
                regular = os.path.isfile(os.path.join(entry.path, "__init__.py"))
                if _is_virtualenv(Path(entry.path)):
                    walker.watch(Path(entry.path))  # no longer skipped once its pyvenv.cfg goes
                elif (
                    provider is not None
                    and not regular
                    and not _included(entry.name, include)
                    and not any(is_test_file(p, test_files) for p in walker.python_files_below(Path(entry.path)))
                ):
                    walker.leave_out(entry.name, f"a namespace folder: Python imports {entry.name} from {provider}", backups=False)
                elif walker.walk_package(Path(entry.path), entry.name):
                    walker.result.roots.add(entry.name)
                    if not regular and environment is not None and entry.name in environment.namespaces:
                        walker.result.merged.add(entry.name)  # its portions merge with the installed one's
                    if regular and environment is not None:
                        _note_hidden(walker, environment, walker.relpath(Path(entry.path)) + "/", entry.name)
                elif entry.name in BACKUP_DIRS and not _included(entry.name, include):
                    walker.leave_out(entry.name, BACKUP_REASON)  # a backup folder whose stamps no import can name
    _leave_out_snapshots(walker, include)
    for top in sorted(walker.result.roots & walker.ignored):
        if top in walker.result.namespace_packages or os.path.isdir(root / top):
            _drop_top(walker, top, GIT_IGNORED_REASON)
    return walker.result


SNAPSHOT_REASON = "copies of the project's packages"
STDLIB_WINNER = ":stdlib"  # the `winner` of a first-party module that hides a standard-library one
INSTALLED_WINNER = ":installed:"  # ... that hides an installed distribution's module (its name follows)


def _note_hidden(walker: _Walker, environment: Environment, relpath: str, name: str) -> None:
    """Record a top-level first-party module that hides a standard-library or installed one of the same name."""
    if name in environment.stdlib:
        walker.result.shadowed.append((relpath, name, STDLIB_WINNER))
    elif name in environment.installed:
        distribution = environment.distribution_of(name)
        if distribution is None or normalise_distribution(distribution) != project_distribution(walker.root):
            walker.result.shadowed.append((relpath, name, INSTALLED_WINNER + (distribution or name)))


BACKUP_REASON = "a backup folder"
GIT_IGNORED_REASON = "ignored by git"


def _leave_out_snapshots(walker: _Walker, include: tuple[str, ...]) -> None:
    """Drop the top-level folders that are snapshots of the project (or backup folders) from what is scanned."""
    result = walker.result
    live_modules = {f.module for f in result.files}
    for top in sorted(r for r in result.roots if r in result.namespace_packages):
        if _included(top, include):
            continue
        prefix = top + "."
        inside = [f for f in result.files if f.module.startswith(prefix) and not f.is_package]  # modules, not __init__s
        copies = sum(1 for f in inside if _copy_of(f.module.split("."), result.roots - {top}, live_modules))
        if top in BACKUP_DIRS:
            reason = BACKUP_REASON
        elif copies >= 2 and 2 * copies >= len(inside):
            reason = SNAPSHOT_REASON
        else:
            continue
        _drop_top(walker, top, reason)


def _drop_top(walker: _Walker, top: str, reason: str) -> None:
    """Take a walked top-level folder out of what is scanned, and record it as left out."""
    result = walker.result
    prefix, folder = top + ".", top + "/"
    result.files = [f for f in result.files if f.module != top and not f.module.startswith(prefix)]
    result.problems = [p for p in result.problems if not p[0].startswith(folder)]
    result.namespace_packages = {m for m in result.namespace_packages if m != top and not m.startswith(prefix)}
    result.extension_modules = {m for m in result.extension_modules if not m.startswith(prefix)}
    result.shadowed = [s for s in result.shadowed if not s[0].startswith(folder)]
    result.roots.discard(top)
    result.merged.discard(top)
    walker.leave_out(top, reason)


def _included(folder: str, include: tuple[str, ...]) -> bool:
    return any(glob_pattern(pattern).match(folder) for pattern in include)


def _copy_of(parts: list[str], others: set[str], live: set[str]) -> bool:
    """True when a module below a candidate snapshot repeats a live module of another top-level package."""
    for start in range(1, len(parts)):
        if parts[start] in others and ".".join(parts[start:]) in live:
            return True
    return False


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


class _Walker:
    def __init__(self, root: Path, exclude: tuple[str, ...], ignored: frozenset[str] = frozenset()) -> None:
        self.root = root
        self.ignored = ignored  # folders git ignores (relpaths): below a package, left out when walked
        self._exclude_patterns = [glob_pattern(p) for p in exclude]
        self.exclude = exclude
        self.result = Discovery(root)
        self.seen_dirs: set[str] = {str(root)}  # the root is never a package of its own
        self._root = str(root)
        self._prefix = self._root + os.sep

    def excluded(self, path: Path | str) -> bool:
        text = str(path)
        return self._excluded(text.rpartition(os.sep)[2], text)

    def _excluded(self, name: str, path: str) -> bool:
        """Whether the entry `name` at `path` (a str: no Path is made per entry) is skipped."""
        if name.startswith(".") or name in _SKIP_DIRS or name.endswith(".egg-info"):
            return True
        if not self.exclude:
            return False
        relpath = self.relpath(path)
        return any(pattern.match(relpath) or pattern.match(name) for pattern in self._exclude_patterns)

    def relpath(self, path: Path | str) -> str:
        text = str(path)
        if text.startswith(self._prefix):  # the common case, without pathlib's parsing
            relative = text[len(self._prefix) :]
            return relative if os.sep == "/" else relative.replace(os.sep, "/")
        try:
            return Path(path).relative_to(self.root).as_posix()
        except ValueError:
            return Path(path).as_posix()

    def walk_package(self, directory: Path, module: str) -> bool:
        """Add the modules under `directory`; False when it holds no Python module."""
        return self._walk(str(directory), os.path.realpath(directory), module)

    def _walk(self, directory: str, real: str, module: str) -> bool:
        """`walk_package` on str paths; `real` is the directory's real path (its parent's plus its name unless a symlink)."""
        if real in self.seen_dirs or not (real == self._root or real.startswith(self._prefix)):
            return False
        self.seen_dirs.add(real)
        try:
            entries = self._list(directory)
        except OSError as error:
            self.result.problems.append(
                (self.relpath(directory), module, ParseProblem(UNREADABLE_FILE, f"cannot list directory: {error.strerror}", 1, 1))
            )
            return False
        by_name = {entry.name: entry for entry in entries}
        found = False
        for init in ("__init__.py", "__init__.pyi"):
            if init in by_name:
                self._add_entry(by_name[init], module, is_package=True)
                found = True
        hidden_files, hidden_dirs = self.shadowing(directory, entries, module + ".")
        base = directory + os.sep
        for entry in entries:
            name = entry.name
            if ".py" not in name and not name.endswith(".so") and not _is_dir(entry):
                continue  # neither a module, a backup nor a folder: most entries of a tree (data, docs)
            if name.startswith("__init__.") or self._excluded(name, base + name) or name in hidden_files or name in hidden_dirs:
                continue
            if _is_backup_name(name):
                self.result.backups.append(self.relpath(base + name))
                continue
            if _is_dir(entry):
                path = base + name
                if self.ignored and self.relpath(path) in self.ignored:
                    self.leave_out(self.relpath(path), GIT_IGNORED_REASON)
                elif name in BACKUP_DIRS and "__init__.py" not in _names(path):
                    self.watch(path)
                    self.result.backups.extend(self.python_files_below(path))
                elif name.isidentifier():
                    child_real = os.path.realpath(path) if _is_symlink(entry) else real + os.sep + name
                    if self._walk(path, child_real, f"{module}.{name}"):
                        found = True
                continue
            stem, dot, suffix = name.partition(".")
            if not stem.isidentifier():
                continue
            if "." + suffix in SOURCE_SUFFIXES:
                self._add_entry(entry, f"{module}.{stem}", is_package=False)
                found = True
            elif name.endswith(EXTENSION_SUFFIXES):
                self.result.extension_modules.add(f"{module}.{stem}")
                found = True
        if found and "__init__.py" not in by_name and "__init__.pyi" not in by_name:
            self.result.namespace_packages.add(module)
        return found

    def _add_entry(self, entry: os.DirEntry[str], module: str, *, is_package: bool) -> None:
        """`add_file` for a listed entry: a real regular file needs no `stat` (its type came with the listing)."""
        try:
            regular = not entry.is_symlink() and entry.is_file(follow_symlinks=False)
        except OSError:
            regular = False
        if not regular:
            self.add_file(Path(entry.path), module, is_package=is_package)
            return
        relpath = self.relpath(entry.path)
        self.result.files.append(SourceFile(Path(entry.path), relpath, module, is_package, relpath.endswith(".pyi")))

    def add_file(self, path: Path, module: str, *, is_package: bool) -> None:
        relpath = self.relpath(path)
        try:
            mode = os.stat(path).st_mode
        except OSError as error:
            reason = error.strerror or str(error)
            if error.errno == errno.ELOOP:  # 40 on Linux, 62 on macOS
                reason = "symlink loop"
            self.result.problems.append((relpath, module, ParseProblem(UNREADABLE_FILE, f"cannot read file: {reason}", 1, 1)))
            return
        if not stat.S_ISREG(mode):
            self.result.problems.append((relpath, module, ParseProblem(UNREADABLE_FILE, "not a regular file", 1, 1)))
            return
        self.result.files.append(SourceFile(path, relpath, module, is_package, relpath.endswith(".pyi")))

    def list_directory(self, directory: Path | str) -> list[os.DirEntry[str]]:
        """The directory's entries, real ones first; its fingerprint is recorded. Raises OSError."""
        return self._list(str(directory))

    def _list(self, directory: str) -> list[os.DirEntry[str]]:
        before = os.stat(directory)
        entries = sorted(os.scandir(directory), key=_name)
        digest, links = _sorted_digest(entries)
        limit = time.time_ns() - int(SETTLE_SECONDS * 1e9)
        self.result.directories[self.relpath(directory) if directory != self._root else ""] = (_settled(before, limit), digest)
        return sorted(entries, key=_real_first) if links else entries

    def watch(self, directory: Path | str) -> None:
        """Fingerprint a directory that discovery looked into without walking it."""
        try:
            self._list(str(directory))
        except OSError:
            pass

    def shadowing(self, directory: Path | str, entries: list[os.DirEntry[str]], prefix: str) -> tuple[set[str], set[str]]:
        """Entries of one directory that no import can reach, as Python's path finder decides (and recorded):

        for a name N, a regular package `N/` (with `__init__.py`) wins over `N.py`,
        and `N.py` wins over a namespace folder `N/` (no `__init__.py`).
        Returns the hidden file names (`N.py`) and folder names (`N`).
        """
        stems = {entry.name[:-3]: entry for entry in entries if entry.name.endswith(".py") and entry.name[:-3].isidentifier()}
        if not stems:
            return set(), set()
        folders = [entry for entry in entries if entry.name in stems and _is_dir(entry)]
        hidden_files: set[str] = set()
        hidden_dirs: set[str] = set()
        for folder in folders:
            name = folder.name
            single = self.relpath(stems[name].path)
            package = self.relpath(folder.path)
            if os.path.isfile(os.path.join(folder.path, "__init__.py")):
                hidden_files.add(name + ".py")
                self.result.shadowed.append((single, prefix + name, package + "/__init__.py"))
            elif not self._excluded(name, folder.path):
                hidden_dirs.add(name)
                self.watch(folder.path)
                self.result.shadowed.append((package + "/", prefix + name, single))
        return hidden_files, hidden_dirs

    def leave_out(self, folder: str, reason: str, *, backups: bool = True) -> None:
        """Record a top-level folder as left out; its Python files become backups (sources for suggestions)."""
        below = self.python_files_below(self.root / folder)
        if backups:
            self.result.backups.extend(below)
        count = sum(1 for path in below if path.endswith(".py"))
        if count or reason != GIT_IGNORED_REASON:  # an ignored folder without Python files is not worth a line
            self.result.left_out.append((folder, count, reason))

    def python_files_below(self, directory: Path | str) -> list[str]:
        found = []
        for dirpath, _dirs, files in os.walk(directory):
            if dirpath != str(directory):
                self.watch(Path(dirpath))
            for name in sorted(files):
                if name.endswith(".py") or _is_backup_name(name):
                    found.append(self.relpath(Path(dirpath) / name))
        return found


def _entries_digest(entries: list[os.DirEntry[str]]) -> bytes:
    """A digest of a directory's entry names and types (a symlink's target included)."""
    return _sorted_digest(sorted(entries, key=_name))[0]


def _sorted_digest(entries: list[os.DirEntry[str]]) -> tuple[bytes, bool]:
    """`_entries_digest` of entries sorted by name, and whether any is (or may be) a symlink.

    Sorted by name, the entries' parts are in the order sorting the parts gives (no name holds a NUL).
    """
    parts = []
    links = False
    for entry in entries:
        try:
            if entry.is_symlink():
                kind = "l" + os.readlink(entry.path)
                links = True
            elif entry.is_dir(follow_symlinks=False):
                kind = "d"
            elif entry.is_file(follow_symlinks=False):
                kind = "f"
            else:
                kind = "o"
        except OSError:
            kind = "?"
            links = True
        parts.append(f"{entry.name}\0{kind}")
    return blake2b("\0\0".join(parts).encode("utf-8", "surrogateescape"), digest_size=16).digest(), links


def _settled(result: os.stat_result, limit: int) -> DirectorySignature | None:
    if result.st_mtime_ns < limit and result.st_ctime_ns < limit:
        return (result.st_mtime_ns, result.st_ctime_ns, result.st_ino)
    return None


def _existing_ancestor(directory: Path, stop: Path) -> Path:
    while directory != stop and not directory.is_dir() and directory.parent != directory:
        directory = directory.parent
    return directory


_name = attrgetter("name")


def _real_first(entry: os.DirEntry[str]) -> tuple[bool, str]:
    """Sort key: real entries before symlinks (a symlink must not hide its target), then by name."""
    return (entry.is_symlink(), entry.name)


def _is_backup_name(name: str) -> bool:
    return ".py.backup" in name or ".py.bak" in name or name.endswith((".py.orig", ".py~"))


def _is_symlink(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_symlink()
    except OSError:
        return True  # unknown: the caller then asks the file system


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


def _names(directory: Path | str) -> set[str]:
    try:
        return set(os.listdir(directory))
    except OSError:
        return set()


def _is_virtualenv(directory: Path) -> bool:
    return (directory / "pyvenv.cfg").exists()
