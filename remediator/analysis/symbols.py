"""Static symbol tables: which names a module defines or re-exports.

A module's names are its module-level bindings (defs, classes, assignments,
imports, `global` declarations) plus what its star imports bring in, followed
through the project. Names are *unknown* (None) when the module can make any
attribute exist: a module-level `__getattr__`, `globals()` tricks, a star import
from outside the project, an unparsable file or an extension module. Unknown
names are never reported as missing.
"""

from __future__ import annotations

from collections.abc import Callable

from remediator.analysis.module_index import ModuleIndex
from remediator.domain.facts import NOT_MODULE_LEVEL, ModuleFacts

MODULE_ATTRIBUTES = frozenset(
    {
        "__name__", "__file__", "__doc__", "__spec__", "__loader__", "__package__", "__path__",
        "__builtins__", "__cached__", "__dict__", "__annotations__",
    }
)

AbsoluteModule = Callable[[str, bool, str, int], "str | None"]


class SymbolTables:
    """Names per module, computed lazily and memoised."""

    def __init__(self, index: ModuleIndex, facts: dict[str, list[ModuleFacts]], absolute: AbsoluteModule) -> None:
        self._index = index
        self._facts = facts  # module -> facts of its files (.py and .pyi)
        self._absolute = absolute
        self._names: dict[str, frozenset[str] | None] = {}
        self._in_progress: set[str] = set()

    def names(self, module: str) -> frozenset[str] | None:
        """All names `module` binds or re-exports, or None when they cannot be known."""
        if module in self._names:
            return self._names[module]
        if module in self._in_progress:
            return frozenset()  # a star-import cycle: contributes nothing new
        self._in_progress.add(module)
        try:
            names = self._compute(module)
        finally:
            self._in_progress.discard(module)
        self._names[module] = names
        return names

    def has_name(self, module: str, name: str) -> bool | None:
        """True/False when known; None when the module's names are unknown."""
        if name in MODULE_ATTRIBUTES:
            return True
        names = self.names(module)
        if names is None:
            return None
        return name in names

    def facts_of(self, module: str) -> list[ModuleFacts]:
        """The facts of `module`'s files (.py and .pyi)."""
        return self._facts.get(module, [])

    def defines(self, module: str, name: str) -> bool:
        """True when `module` itself defines `name` (def, class, assignment), not by import."""
        return any(name in facts.defined_names for facts in self._facts.get(module, ()))

    def star_exports(self, module: str) -> frozenset[str] | None:
        """The names `from module import *` brings in."""
        facts_list = self._facts.get(module, ())
        for facts in facts_list:
            if facts.dunder_all is not None:
                return frozenset(facts.dunder_all)
        names = self.names(module)
        if names is None:
            return None
        return frozenset(n for n in names if not n.startswith("_"))

    def _compute(self, module: str) -> frozenset[str] | None:
        entry = self._index.modules.get(module)
        if entry is None or entry.kind in ("extension", "unreadable"):
            return None
        facts_list = self._facts.get(module, [])
        names: set[str] = set()
        for facts in facts_list:
            if facts.dynamic_names or facts.problem is not None:
                return None
            names |= facts.bound_names - self._self_bound(module, entry.is_package, facts)
            for record in facts.imports:
                if record.name != "*" or record.context & NOT_MODULE_LEVEL:
                    continue
                source = self._absolute(module, entry.is_package, record.module, record.level)
                if source is None or not self._index.is_internal(source) or not self._index.exists(source):
                    return None
                exported = self.star_exports(source)
                if exported is None:
                    return None
                names |= exported
        return frozenset(names)

    def _self_bound(self, module: str, is_package: bool, facts: ModuleFacts) -> set[str]:
        """Names bound only by importing them from this very module (`from . import gone` in an __init__).

        Such an import binds nothing unless the name exists by other means, so it must not
        make itself look satisfied.
        """
        own: set[str] = set()
        other: set[str] = set()
        for record in facts.imports:
            if record.context & NOT_MODULE_LEVEL or record.name in (None, "*"):
                continue
            local = record.alias or record.name or ""
            could_be_self = record.level > 0 or record.module == module
            if could_be_self and self._absolute(module, is_package, record.module, record.level) == module and record.alias in (None, record.name):
                own.add(local)
            else:
                other.add(local)
        return own - other - facts.defined_names

    def provenance(self, module: str, name: str) -> tuple[str, ...]:
        """The modules a name travels through, from `module` to where it is defined.

        `from pkg import JWTHandler`, where pkg/__init__ re-exports it from
        pkg.jwt_handler, gives ("pkg", "pkg.jwt_handler"). A name that is a
        module itself ends the chain with that module.
        """
        chain = [module]
        seen: set[tuple[str, str | None]] = {(module, name)}
        current: tuple[str, str | None] = (module, name)
        while current[1] is not None:
            step = self._source_of(*current)  # type: ignore[arg-type]
            if step is None or step in seen:
                break
            seen.add(step)
            chain.append(step[0])
            current = step
        return tuple(chain)

    def _source_of(self, module: str, name: str) -> tuple[str, str | None] | None:
        """Where `module` got `name` from, when an import (or star import) bound it."""
        if self.defines(module, name):
            return None
        entry = self._index.modules.get(module)
        if entry is None:
            return None
        star_sources = []
        for facts in self._facts.get(module, ()):
            for record in facts.imports:
                if record.context & NOT_MODULE_LEVEL:
                    continue
                base = self._absolute(module, entry.is_package, record.module, record.level)
                if base is None or not self._index.is_internal(base):
                    continue
                if record.name is None:
                    if record.alias == name:
                        return (base, None)
                elif record.name == "*":
                    star_sources.append(base)
                elif (record.alias or record.name) == name:
                    submodule = f"{base}.{record.name}"
                    if self._index.exists(submodule):
                        return (submodule, None)
                    return (base, record.name)
        for source in star_sources:
            exported = self.star_exports(source)
            if exported is not None and name in exported:
                return (source, name)
        return None
