"""The project's modules: which exist, which are packages, which files define them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from remediator.adapters.filesystem import Discovery, SourceFile


@dataclass(slots=True)
class ModuleEntry:
    """One importable module of the project."""

    name: str
    files: list[SourceFile] = field(default_factory=list)
    is_package: bool = False
    kind: str = "source"  # "source", "namespace" or "extension"

    @property
    def runtime_file(self) -> SourceFile | None:
        """The file Python executes on import (the .py, not the .pyi)."""
        return next((f for f in self.files if not f.is_stub), None)


class ModuleIndex:
    """Lookup of module names to entries; knows which top-level names are the project's."""

    def __init__(self, discovery: Discovery) -> None:
        self.modules: dict[str, ModuleEntry] = {}
        for source in discovery.files:
            entry = self.modules.setdefault(source.module, ModuleEntry(source.module))
            entry.files.append(source)
            entry.is_package = entry.is_package or source.is_package
        for name in discovery.namespace_packages:
            entry = self.modules.setdefault(name, ModuleEntry(name, kind="namespace"))
            entry.is_package = True
        for name in discovery.extension_modules:
            self.modules.setdefault(name, ModuleEntry(name, kind="extension"))
        for _relpath, name, _problem in discovery.problems:
            self.modules.setdefault(name, ModuleEntry(name, kind="unreadable"))
        for name in list(self.modules):  # parents of every module are packages
            parts = name.split(".")
            for i in range(1, len(parts)):
                parent = ".".join(parts[:i])
                entry = self.modules.setdefault(parent, ModuleEntry(parent, kind="namespace"))
                entry.is_package = True
        self.roots = frozenset(discovery.roots)
        self._children: dict[str, set[str]] | None = None

    def exists(self, module: str) -> bool:
        return module in self.modules

    def is_package(self, module: str) -> bool:
        entry = self.modules.get(module)
        return entry is not None and entry.is_package

    def is_internal(self, module: str) -> bool:
        """True when `module` is one of the project's packages or lies under one."""
        if module.partition(".")[0] in self.roots:
            return True
        while "." in module:
            if module in self.roots:
                return True
            module = module.rpartition(".")[0]
        return module in self.roots

    def nearest_existing(self, module: str) -> str | None:
        """The longest existing prefix of `module` (itself when it exists)."""
        while module:
            if module in self.modules:
                return module
            module = module.rpartition(".")[0]
        return None

    def children(self, module: str) -> set[str]:
        """Direct submodules of a package."""
        if self._children is None:
            self._children = {}
            for name in self.modules:
                parent = name.rpartition(".")[0]
                if parent:
                    self._children.setdefault(parent, set()).add(name)
        return self._children.get(module, set())

    def names(self) -> Iterable[str]:
        return self.modules.keys()
