"""The project's modules: which exist, which are packages, which files define them.

The index is a table `module -> flags` (package or not, and the module's kind),
cheap to build, to persist and to load; the entries with their files are made
only for those who ask for them. Lookups note a dependency key (see
`analysis.dependencies`) when the index has a recorder.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from remediator.domain.layout import Discovery, SourceFile
from remediator.analysis.dependencies import DependencyRecorder

PACKAGE = 1
SOURCE, NAMESPACE, EXTENSION, UNREADABLE = 0, 2, 4, 6  # the kind, in bits 1-2 of the flags
MERGED = 8  # a top-level namespace package whose portions merge with an installed namespace package
STUBBED = 16  # the module's own file is only a stub (`m.pyi`, `pkg/__init__.pyi`): Python does not import stubs
_KIND_MASK = 6
KIND_NAMES = {SOURCE: "source", NAMESPACE: "namespace", EXTENSION: "extension", UNREADABLE: "unreadable"}


@dataclass(slots=True)
class ModuleEntry:
    """One importable module of the project."""

    name: str
    files: list[SourceFile] = field(default_factory=list)
    is_package: bool = False
    kind: str = "source"  # "source", "namespace", "extension" or "unreadable"

    @property
    def runtime_file(self) -> SourceFile | None:
        """The file Python executes on import (the .py, not the .pyi)."""
        return next((f for f in self.files if not f.is_stub), None)


class ModuleIndex:
    """Lookup of module names to flags; knows which top-level names are the project's.

    Its answers are those of Python at run time, which ignores stubs: a module whose
    only file is `m.pyi` does not exist, a package with only `__init__.pyi` is a
    namespace package. (A top-level name an installed package also has is not the
    project's: discovery leaves it out.) With `stubs` the answers are a
    type checker's instead, for whom stubs are modules: see `typing_view`.
    `table` is the whole table either way (what is stored).
    """

    def __init__(
        self,
        table: Mapping[str, int],
        roots: Iterable[str],
        files: Iterable[SourceFile] = (),
        recorder: DependencyRecorder | None = None,
        *,
        stubs: bool = False,
    ) -> None:
        self.table: Mapping[str, int] = table
        self.stubs = stubs  # a type checker's view
        self._lookup: Mapping[str, int] = table if stubs else runtime_table(table)
        self.roots = frozenset(roots)
        self._files = list(files)
        self._recorder = recorder
        self._frames = recorder.frames if recorder is not None else []
        self._children: dict[str, set[str]] | None = None
        self._entries: dict[str, ModuleEntry] | None = None

    @classmethod
    def from_discovery(cls, discovery: Discovery, recorder: DependencyRecorder | None = None) -> ModuleIndex:
        return cls(module_table(discovery), discovery.roots, discovery.files, recorder)

    def typing_view(self) -> ModuleIndex:
        """The same modules as a type checker sees them (stubs count), recording into the same recorder."""
        return ModuleIndex(self.table, self.roots, self._files, self._recorder, stubs=True)

    def only_a_stub(self, module: str) -> bool:
        """True when `module`'s own file is only a stub (`m.pyi`, `pkg/__init__.pyi`), which Python does not import."""
        return self.table.get(module, 0) & STUBBED == STUBBED

    def exists(self, module: str) -> bool:
        if self._frames:
            self._frames[-1].add((module, None))
        return module in self._lookup

    def is_package(self, module: str) -> bool:
        if self._frames:
            self._frames[-1].add((module, None))
        return self._lookup.get(module, 0) & PACKAGE == PACKAGE

    def kind(self, module: str) -> int | None:
        """SOURCE, NAMESPACE, EXTENSION or UNREADABLE; None when the module does not exist."""
        if self._frames:
            self._frames[-1].add((module, None))
        flags = self._lookup.get(module)
        return None if flags is None else flags & _KIND_MASK

    def is_merged(self, module: str) -> bool:
        """True when `module`'s top-level package merges with an installed namespace package (its other portions are not seen)."""
        top = module.partition(".")[0]
        if self._frames:
            self._frames[-1].add((top, None))
        return self._lookup.get(top, 0) & MERGED == MERGED

    def is_internal(self, module: str) -> bool:
        """True when `module` is one of the project's packages or lies under one."""
        return is_internal(module, self.roots)

    def nearest_existing(self, module: str) -> str | None:
        """The longest existing prefix of `module` (itself when it exists)."""
        frames = self._frames
        while module:
            if frames:
                frames[-1].add((module, None))
            if module in self._lookup:
                return module
            module = module.rpartition(".")[0]
        return None

    def case_variant(self, module: str) -> str | None:
        """The existing module named as `module`'s first missing part but for case (`app.Helpers` for `app.helpers.x`).

        Python's import matches names exactly, also where the file system does not (Windows,
        macOS, unless PYTHONCASEOK is set): such a module does not satisfy the import, but it
        says what the import meant. Notes the key `(casefolded name, None)`, which a module of
        that name but for case changes (see `application.incremental`).
        """
        nearest = self.nearest_existing(module)
        if nearest == module:
            return None
        depth = nearest.count(".") + 1 if nearest else 0
        missing = ".".join(module.split(".")[: depth + 1])
        key = missing.casefold()
        if self._frames:
            self._frames[-1].add((key, None))
        siblings = self.children(nearest) if nearest else {name for name in self._lookup if "." not in name}
        return next((name for name in sorted(siblings) if name.casefold() == key and name != missing), None)

    def children(self, module: str) -> set[str]:
        """Direct submodules of a package."""
        if self._children is None:
            self._children = {}
            for name in self._lookup:
                parent = name.rpartition(".")[0]
                if parent:
                    self._children.setdefault(parent, set()).add(name)
        return self._children.get(module, set())

    def names(self) -> Iterable[str]:
        return self._lookup.keys()

    @property
    def modules(self) -> dict[str, ModuleEntry]:
        """Every module with its files (made on first use)."""
        if self._entries is None:
            self._entries = {
                name: ModuleEntry(name, [], flags & PACKAGE == PACKAGE, KIND_NAMES[flags & _KIND_MASK])
                for name, flags in self.table.items()
            }
            for source in self._files:
                self._entries[source.module].files.append(source)
        return self._entries


def runtime_table(table: Mapping[str, int]) -> Mapping[str, int]:
    """`table` as Python sees it at run time (`table` itself when no module is STUBBED): a module that is only a stub
    does not exist, and a package whose `__init__` is only a stub is a namespace package."""
    if max(table.values(), default=0) < STUBBED:  # STUBBED is the highest flag: no module is (a C-speed test)
        return table
    runtime: dict[str, int] = {}
    for name, flags in table.items():
        if not flags & STUBBED:
            runtime[name] = flags
        elif flags & PACKAGE:
            runtime[name] = flags & ~(STUBBED | _KIND_MASK) | NAMESPACE
    return runtime


def is_internal(module: str, roots: frozenset[str]) -> bool:
    """True when `module` is one of `roots` (the project's packages, dotted names allowed) or lies under one."""
    if module.partition(".")[0] in roots:
        return True
    while "." in module:
        if module in roots:
            return True
        module = module.rpartition(".")[0]
    return module in roots


def module_table(discovery: Discovery) -> dict[str, int]:
    """`module -> flags` for everything discovery found; every parent of a module is a package.

    A module whose own files are all stubs is STUBBED; one that is an extension module
    with a stub beside it is an extension (Python loads the extension).
    """
    table: dict[str, int] = {}
    stub_only: set[str] = set()
    for source in discovery.files:
        table[source.module] = table.get(source.module, SOURCE) | (PACKAGE if source.is_package else 0)
        if source.is_stub:
            stub_only.add(source.module)
    if stub_only:
        stub_only -= {source.module for source in discovery.files if not source.is_stub}
        for name in stub_only:
            table[name] |= STUBBED
    for name in discovery.namespace_packages:
        table[name] = table.get(name, NAMESPACE) | PACKAGE
    for name in discovery.extension_modules:
        table[name] = EXTENSION if name in stub_only else table.get(name, EXTENSION)
    for _relpath, name, _problem in discovery.problems:
        table.setdefault(name, UNREADABLE)
    for name in list(table):
        parts = name.split(".")
        for i in range(1, len(parts)):
            parent = ".".join(parts[:i])
            table[parent] = table.get(parent, NAMESPACE) | PACKAGE
    for name in discovery.merged:
        if name in table:
            table[name] |= MERGED
    return table
