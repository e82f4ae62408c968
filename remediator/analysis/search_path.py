"""The `sys.path` each file is imported with, as far as the project declares it.

Every file sees the project root (and `src/`) plus the `pythonpath` entries of
the settings and of pytest's configuration. Under pytest's default `prepend`
import mode a test file (or a `conftest.py`) also sees its *basedir*: its own
folder, or the first folder upwards without an `__init__.py` (`append` mode:
after the root; `importlib` mode: none). A `conftest.py` that changes `sys.path`
with a statically known path (`SysPathEntry`) changes it for the test files and
conftests below its folder. A folder on the path is named here by its dotted
*prefix* in the module index (`tests.e2e`); the root is the empty prefix, so a
name found under an entry maps to the project module `prefix.name`.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from functools import partial

from remediator.domain.layout import is_test_file
from remediator.analysis.dependencies import DependencyRecorder, Memo
from remediator.analysis.module_index import NAMESPACE, ModuleIndex
from remediator.domain.facts import SysPathEntry

ROOT = ""  # the prefix of the project root (and of `src/`)
FILE_ANCHOR, CWD_ANCHOR, ABSOLUTE_ANCHOR = "file", "cwd", "absolute"


@dataclass(frozen=True, slots=True)
class PathNote:
    """A sys.path change remediator does not model: where it is, and why."""

    relpath: str
    line: int
    column: int
    why: str


@dataclass(frozen=True, slots=True)
class SearchPathSpec:
    """What shapes sys.path, as plain data: equal specs give equal search paths over the same index."""

    pythonpath: tuple[tuple[str, str], ...] = ()  # (folder relative to the root, the file declaring it): settings first
    import_mode: str = "prepend"  # pytest's --import-mode: "prepend", "append" or "importlib"
    test_files: tuple[str, ...] = ()  # pytest's python_files patterns
    conftests: tuple[tuple[str, str, tuple[SysPathEntry, ...]], ...] = ()  # (relpath, module, its sys.path changes)
    root: str = field(default="", compare=False)  # the root's absolute POSIX path (absolute entries inside it count)


class SearchPath:
    """Per importing module, the prefixes of the folders searched before (and after) the root, in order."""

    def __init__(self, index: ModuleIndex, spec: SearchPathSpec, recorder: DependencyRecorder | None = None) -> None:
        self.index = index
        self.spec = spec
        self.notes: list[PathNote] = []
        self._global = tuple(_unique([p for p in (self._prefix(d, (f, 1, 1)) for d, f in spec.pythonpath) if p is not None]))
        self._conftest_front: dict[str, list[str]] = {}  # the scope (dotted folder) -> prefixes inserted first
        self._conftest_back: dict[str, list[str]] = {}  # ... appended
        for relpath, module, entries in spec.conftests:
            scope = module.rpartition(".")[0]
            folder = relpath.rpartition("/")[0]
            for entry in entries:
                prefix = self._entry_prefix(relpath, folder, entry)
                if prefix is not None:
                    (self._conftest_front if entry.front else self._conftest_back).setdefault(scope, []).append(prefix)
        self._test_name = partial(is_test_file, patterns=spec.test_files)  # picklable: spawned fix workers get a copy
        self._memo = Memo(recorder)
        self._plain = not self._global and not spec.conftests and spec.import_mode == "importlib"

    def locate(self, name: str, importer: str, is_package: bool) -> str:
        """The project module an absolute import of `name` in `importer` finds first (`name` itself when no entry has it)."""
        if self._plain:
            return name
        prefixes = self.prefixes(importer, is_package)
        if prefixes == (ROOT,):
            return name
        top = name.partition(".")[0]
        fallback = None
        for prefix in prefixes:
            candidate = f"{prefix}.{top}" if prefix else top
            kind = self.index.kind(candidate)
            if kind is None:
                continue
            located = f"{prefix}.{name}" if prefix else name
            if kind != NAMESPACE:
                return located
            if fallback is None:
                fallback = located  # a namespace portion: a regular package or module later on the path wins
        return fallback or name

    def searches_root_only(self, importer: str, is_package: bool) -> bool:
        """True when `locate` gives every name in `importer` back as it is (noting the keys `locate` notes then)."""
        return self._plain or self.prefixes(importer, is_package) == (ROOT,)

    def prefixes(self, importer: str, is_package: bool) -> tuple[str, ...]:
        """The folders searched for an import in `importer`, as prefixes, in sys.path order (ROOT included)."""
        pytest_file = not is_package and self._is_pytest_file(importer)
        if not pytest_file:
            return self._global + (ROOT,)
        folder = importer.rpartition(".")[0]
        result: tuple[str, ...] = self._memo.get(folder, self._pytest_prefixes, folder)
        return result

    def pytest_name(self, importer: str, is_package: bool) -> str | None:
        """The name pytest imports a test file or conftest under, when it differs from its name in the project:
        in `prepend` or `append` mode, its path from its basedir (`tests/test_a.py`, no `tests/__init__.py`:
        `test_a`). None otherwise. A relative import may have as many dots as this name has packages.
        """
        if self.spec.import_mode == "importlib" or is_package or not self._is_pytest_file(importer):
            return None
        basedir = self._basedir(importer.rpartition(".")[0])
        if basedir == ROOT:
            return None  # the root is on sys.path anyway: the file's name is its name in the project
        return importer[len(basedir) + 1 :]

    def _pytest_prefixes(self, folder: str) -> tuple[str, ...]:
        front: list[str] = []
        back: list[str] = []
        mode = self.spec.import_mode
        if mode != "importlib":
            basedir = self._basedir(folder)
            if basedir != ROOT:
                (front if mode == "prepend" else back).append(basedir)
        scope = folder
        while True:  # the nearest conftest's changes come first: it is imported last
            front.extend(self._conftest_front.get(scope, ()))
            back.extend(self._conftest_back.get(scope, ()))
            if not scope:
                break
            scope = scope.rpartition(".")[0]
        ordered = _unique([*front, *self._global, ROOT, *back])
        return tuple(ordered)

    def _basedir(self, folder: str) -> str:
        """pytest's basedir of a file in `folder`: the first folder upwards without an `__init__.py`."""
        while folder and self.index.kind(folder) not in (NAMESPACE, None):
            folder = folder.rpartition(".")[0]
        return folder

    def _is_pytest_file(self, module: str) -> bool:
        name = module.rpartition(".")[2]
        return name == "conftest" or self._test_name(name + ".py")

    def _entry_prefix(self, relpath: str, folder: str, entry: SysPathEntry) -> str | None:
        if entry.anchor == FILE_ANCHOR:
            directory = posixpath.normpath(posixpath.join(folder, entry.path)) if folder else posixpath.normpath(entry.path)
        elif entry.anchor == CWD_ANCHOR:
            directory = posixpath.normpath(entry.path)
        elif entry.anchor == ABSOLUTE_ANCHOR and self.spec.root:
            inside = posixpath.relpath(entry.path, self.spec.root)
            if inside.startswith(".."):
                self.notes.append(PathNote(relpath, entry.line, entry.column, f"{entry.path} is outside the project"))
                return None
            directory = posixpath.normpath(inside)
        else:
            self.notes.append(PathNote(relpath, entry.line, entry.column, "the path is computed at run time"))
            return None
        return self._prefix(directory, (relpath, entry.line, entry.column))

    def _prefix(self, directory: str, where: tuple[str, int, int]) -> str | None:
        """The prefix of a root-relative folder; None (with a note) when it is not modelled."""
        directory = posixpath.normpath(directory)
        if directory in (".", "src"):
            return None  # the root, or a src layout's folder: already searched as the root
        parts = directory.split("/")
        dotted = ".".join(parts)
        if directory.startswith("..") or not all(part.isidentifier() for part in parts) or self.index.kind(dotted) is None:
            self.notes.append(PathNote(*where, f"{directory}/ is not a folder of the scanned packages"))
            return None
        return dotted


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))
