"""Static symbol tables: which names a module defines or re-exports.

A module's names are its module-level bindings (defs, classes, assignments,
imports, `global` declarations) plus what its star imports bring in, followed
through the project. Names are *unknown* (None) when the module can make any
attribute exist: a module-level `__getattr__`, `globals()` tricks, a star import
from outside the project, an unparsable file or an extension module. Unknown
names are never reported as missing.

Each question is answered for one name at a time (is `n` in `m`? where did `m`
get `n`?), following star imports as far as that name needs, so the answer
depends on few facts and notes exactly those as dependency keys (see
`analysis.dependencies`). A star-import cycle contributes a name when some
module on it binds the name (a least fixpoint: the same answer whichever module
is asked first).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import NamedTuple

from remediator.analysis.dependencies import ALL, Dependency, DependencyRecorder, Memo
from remediator.analysis.module_index import EXTENSION, NAMESPACE, PACKAGE, UNREADABLE, ModuleIndex
from remediator.domain.facts import NOT_BOUND_ON_IMPORT, REGISTERS_BELOW, Context, ModuleFacts
from remediator.domain.modules import absolute_module

# What `from M import name` finds on any module without M binding it: the attributes the import system sets
# (`__path__` on packages only; `__builtins__` and `__cached__` not on namespace packages) and those of the
# module type itself (`dir(types.ModuleType)`).
MODULE_ATTRIBUTES = frozenset(
    {
        "__name__",
        "__file__",
        "__doc__",
        "__spec__",
        "__loader__",
        "__package__",
        "__path__",
        "__builtins__",
        "__cached__",
        "__dict__",
        "__annotations__",
        "__class__",
        "__delattr__",
        "__dir__",
        "__eq__",
        "__format__",
        "__ge__",
        "__getattribute__",
        "__gt__",
        "__hash__",
        "__init__",
        "__init_subclass__",
        "__le__",
        "__lt__",
        "__ne__",
        "__new__",
        "__reduce__",
        "__reduce_ex__",
        "__repr__",
        "__setattr__",
        "__sizeof__",
        "__str__",
        "__subclasshook__",
    }
)
_NOT_ON_EVERY_MODULE = frozenset({"__path__", "__builtins__", "__cached__"})

_NEVER_RUNS = int(Context.TYPE_CHECKING | Context.PYTHON2)  # an import there loads nothing at run time
AbsoluteModule = Callable[[str, bool, str, int], "str | None"]
Binding = tuple[str, "str | None"]  # (absolute module imported from, name imported or None for `import a.b as n`)


class ModuleSymbols(NamedTuple):
    """What a module's own files say about names; everything the symbol tables read of them."""

    own: frozenset[str]  # bound at module level, except names bound only by importing them from itself
    defined: frozenset[str]  # defined here (def, class, assignment), not merely imported
    bindings: Mapping[str, tuple[Binding, ...]]  # name -> the module-level imports of project modules binding it, in order
    star_sources: tuple[str | None, ...]  # module-level `from X import *`, X absolute (None: beyond the top level)
    dunder_all: tuple[str, ...] | None  # the first static `__all__`
    opaque: bool  # a file makes any attribute possible, or could not be parsed
    registered: frozenset[str] = frozenset()  # modules its files register at run time (`ModuleFacts.registered_modules`)
    # A package's submodules its own code imports at module level (`from .models import User` sets the attribute
    # `models`): names of the package when those submodules exist (`from pkg import *` brings them in too).
    loaded: frozenset[str] = frozenset()

    def shape(self) -> tuple[object, ...]:
        """Everything that holds for the module as a whole (its `(module, None)` key)."""
        return (self.opaque, self.star_sources, self.dunder_all, self.registered)

    def signature(self, name: str) -> tuple[object, ...]:
        """Everything said about one name (its `(module, name)` key)."""
        return (name in self.own, name in self.defined, self.bindings.get(name), name in self.loaded)

    def mentioned(self) -> set[str]:
        return set(self.own) | self.defined | self.bindings.keys() | self.loaded


def symbol_changes(module: str, old: ModuleSymbols, new: ModuleSymbols) -> set[Dependency]:
    """The dependency keys of `module` whose answers differ between its old and new facts."""
    changed: set[Dependency] = set()
    if old.shape() != new.shape():
        changed.add((module, None))
    for name in old.mentioned() | new.mentioned():
        if old.signature(name) != new.signature(name):
            changed.add((module, name))
    if changed:
        changed.add((module, ALL))
    return changed


class SymbolTables:
    """Names per module, computed on demand from the facts of the module's files, answers memoised."""

    def __init__(
        self,
        index: ModuleIndex,
        facts: Mapping[str, Sequence[ModuleFacts]],
        absolute: AbsoluteModule,
        recorder: DependencyRecorder | None = None,
    ) -> None:
        self._index = index
        self._facts = facts  # module -> facts of its files (.py and .pyi); may load them lazily
        self._absolute = absolute
        self._frames = recorder.frames if recorder is not None else []
        self._symbols: dict[str, ModuleSymbols] = {}
        self._has = Memo(recorder)  # (module, name) -> bool | None
        self._unknown = Memo(recorder)  # module -> bool
        self._provenance = Memo(recorder)  # (module, name) -> chain

    # -- the questions ----------------------------------------------------------

    def has_name(self, module: str, name: str) -> bool | None:
        """True/False when known; None when the module's names are unknown."""
        if name in MODULE_ATTRIBUTES and (name not in _NOT_ON_EVERY_MODULE or self._kind_sets(module, name)):
            return True
        found: bool | None = self._has.get((module, name), self._has_name, module, name)
        return found

    def names(self, module: str) -> frozenset[str] | None:
        """All names `module` binds or re-exports, or None when they cannot be known."""
        self._note((module, ALL))
        if self._is_unknown(module):
            return None
        names: set[str] = set()
        self._collect(module, names, public_only=False, seen=set())
        return frozenset(names)

    def only_for_type_checking(self, module: str, name: str) -> bool:
        """True when `module`'s own code binds `name` only under `if TYPE_CHECKING:`: at run time it does not exist."""
        self._note((module, name))
        facts_list = self._facts.get(module, ())
        if not any(name in facts.type_checking_names for facts in facts_list):
            return False
        return not any(name in facts.bound_names - facts.type_checking_names or facts.dynamic_names for facts in facts_list)

    def facts_of(self, module: str) -> Sequence[ModuleFacts]:
        """The facts of `module`'s files (.py and .pyi)."""
        self._note((module, ALL))
        return self._facts.get(module, ())

    def defines(self, module: str, name: str) -> bool:
        """True when `module` itself defines `name` (def, class, assignment), not by import."""
        self._note((module, name))
        return name in self.module_symbols(module).defined

    def star_imports_missing(self, module: str, name: str) -> bool:
        """True when `module` star-imports its own submodule `name` and that submodule does not exist.

        Its names are unknown (a missing star source could have held anything), but
        the attribute `name` itself can never be bound: the star import fails first.
        """
        self._note((module, None))
        submodule = f"{module}.{name}"
        return submodule in self.module_symbols(module).star_sources and not self._index.exists(submodule)

    def exports(self, module: str) -> tuple[str, ...] | None:
        """The module's static `__all__` (what `from module import *` looks up), or None."""
        return self._dunder_all(module)

    def registers(self, module: str, other: str) -> bool:
        """True when running `module` registers the module `other` below it (or a module above `other`) in
        `sys.modules`, or may (a computed name, an import hook): then `other` can exist without a file."""
        self._note((module, None))
        registered = self.module_symbols(module).registered
        if not registered:
            return False
        if REGISTERS_BELOW in registered and other.startswith(module + "."):
            return True
        return any(other == name or other.startswith(name + ".") for name in registered)

    def provenance(self, module: str, name: str) -> tuple[str, ...]:
        """The modules a name travels through, from `module` to where it is defined.

        `from pkg import JWTHandler`, where pkg/__init__ re-exports it from
        pkg.jwt_handler, gives ("pkg", "pkg.jwt_handler"). A name that is a
        module itself ends the chain with that module.
        """
        chain: tuple[str, ...] = self._provenance.get((module, name), self._provenance_of, module, name)
        return chain

    def module_symbols(self, module: str) -> ModuleSymbols:
        """The name facts of `module`'s files (not a lookup: notes nothing)."""
        symbols = self._symbols.get(module)
        if symbols is None:
            symbols = self._symbols[module] = symbols_in(self._index, module, self._facts.get(module, ()), self._absolute)
        return symbols

    # -- how they are answered ----------------------------------------------------

    def _has_name(self, module: str, name: str) -> bool | None:
        if self._is_unknown(module):
            return None
        return self._contains(module, name, set())

    def _kind_sets(self, module: str, name: str) -> bool:
        """Whether the import system sets `name` on `module`: `__path__` on a package, `__builtins__` and
        `__cached__` on any module but a namespace package."""
        if name == "__path__":
            return self._index.is_package(module)
        return self._index.kind(module) != NAMESPACE

    def _is_unknown(self, module: str) -> bool:
        unknown: bool = self._unknown.get(module, self._compute_unknown, module)
        return unknown

    def _compute_unknown(self, module: str, seen: set[str] | None = None) -> bool:
        """True when `from module import x` could succeed for any x: opaque somewhere along its star imports."""
        seen = seen if seen is not None else set()
        seen.add(module)
        kind = self._index.kind(module)
        if kind is None or kind in (EXTENSION, UNREADABLE):
            return True
        symbols = self.module_symbols(module)
        if symbols.opaque:
            return True
        for source in symbols.star_sources:
            if source is None or not self._index.is_internal(source) or not self._index.exists(source):
                return True
        for source in symbols.star_sources:
            assert source is not None
            if self._dunder_all(source) is not None or source in seen:
                continue  # its exports are its __all__; or a star-import cycle, which adds nothing unknown
            if self._compute_unknown(source, seen):
                return True
        return False

    def _contains(self, module: str, name: str, seen: set[str]) -> bool:
        """`name` in the names of a module whose names are known."""
        seen.add(module)
        self._note((module, name))
        symbols = self.module_symbols(module)
        if name in symbols.own or (name in symbols.loaded and self._index.exists(f"{module}.{name}")):
            return True
        self._note((module, None))
        return any(source not in seen and self._exports(source, name, seen) for source in symbols.star_sources)  # type: ignore[arg-type]

    def _exports(self, module: str, name: str, seen: set[str]) -> bool:
        """`name` among what `from module import *` brings in (the module's names are known)."""
        dunder_all = self._dunder_all(module)
        if dunder_all is not None:
            return name in dunder_all
        return not name.startswith("_") and self._contains(module, name, seen)

    def _dunder_all(self, module: str) -> tuple[str, ...] | None:
        self._note((module, None))
        return self.module_symbols(module).dunder_all

    def _provenance_of(self, module: str, name: str) -> tuple[str, ...]:
        chain = [module]
        seen: set[tuple[str, str | None]] = {(module, name)}
        current: tuple[str, str | None] = (module, name)
        while current[1] is not None:
            step = self._source_of(current[0], current[1])
            if step is None or step in seen:
                break
            seen.add(step)
            chain.append(step[0])
            current = step
        return tuple(chain)

    def _source_of(self, module: str, name: str) -> tuple[str, str | None] | None:
        """Where `module` got `name` from, when an import (or star import) bound it."""
        if self.defines(module, name) or self._index.kind(module) is None:
            return None
        symbols = self.module_symbols(module)
        for base, imported in symbols.bindings.get(name, ())[:1]:
            if imported is None:
                return (base, None)
            submodule = f"{base}.{imported}"
            if self._index.exists(submodule):
                return (submodule, None)
            return (base, imported)
        self._note((module, None))
        for source in symbols.star_sources:
            if source is None or not self._index.is_internal(source):
                continue
            if self._dunder_all(source) is None and self._is_unknown(source):
                continue  # what it exports cannot be known
            if self._exports(source, name, set()):
                return (source, name)
        return None

    def _collect(self, module: str, names: set[str], public_only: bool, seen: set[str]) -> None:
        """Add the names of a module whose names are known (its star exports, with `public_only`)."""
        seen.add(module)
        symbols = self.module_symbols(module)
        names.update(n for n in symbols.own if not (public_only and n.startswith("_")))
        names.update(n for n in symbols.loaded if not (public_only and n.startswith("_")) and self._index.exists(f"{module}.{n}"))
        for source in symbols.star_sources:
            assert source is not None
            self._note((source, ALL))
            dunder_all = self._dunder_all(source)
            if dunder_all is not None:
                names.update(n for n in dunder_all if not (public_only and n.startswith("_")))
            elif source not in seen:
                self._collect(source, names, True, seen)

    def _note(self, key: Dependency) -> None:
        if self._frames:
            self._frames[-1].add(key)


def symbols_in(
    index: ModuleIndex,
    module: str,
    facts_list: Sequence[ModuleFacts],
    absolute: AbsoluteModule = absolute_module,
) -> ModuleSymbols:
    """The name facts of `module`'s files, as `index` places the module (package or not, project or not); for a type
    checker (`index.stubs`), names only annotated (`x: int`) count too."""
    is_package = index.table.get(module, 0) & PACKAGE == PACKAGE
    return module_symbols(module, is_package, facts_list, absolute, index.is_internal, declared=index.stubs)


def module_symbols(
    module: str,
    is_package: bool,
    facts_list: Sequence[ModuleFacts],
    absolute: AbsoluteModule,
    is_internal: Callable[[str], bool],
    *,
    declared: bool = False,
) -> ModuleSymbols:
    """Gather the name facts of a module's files (in order: .py before .pyi); with `declared`, the names only
    annotated at module level (`x: int`, which binds nothing at run time) count as the module's."""
    own: frozenset[str] = frozenset()
    defined: frozenset[str] = frozenset()
    bindings: dict[str, list[Binding]] = {}
    stars: list[str | None] = []
    dunder_all = None
    opaque = False
    registered: frozenset[str] = frozenset()
    loaded: set[str] = set()
    below = module + "."
    for facts in facts_list:
        opaque = opaque or facts.dynamic_names or facts.problem is not None
        if facts.registered_modules:
            registered = registered | facts.registered_modules
        imports_self = False  # some name is imported from this very module: see `_self_bound`
        for record in facts.imports:
            if record.context & NOT_BOUND_ON_IMPORT:
                continue
            name = record.name
            base = absolute(module, is_package, record.module, record.level) if record.level else record.module
            if name == "*":
                stars.append(base)
            elif name is not None and base == module:
                imports_self = True
                if is_package and not record.context & _NEVER_RUNS:
                    loaded.add(name)
            if is_package and base is not None and base.startswith(below) and not record.context & _NEVER_RUNS:
                loaded.add(base[len(below) :].partition(".")[0])
            if base is None or not is_internal(base):
                continue
            if name is None:
                if record.alias is not None:
                    bindings.setdefault(record.alias, []).append((base, None))
            elif name != "*":
                bindings.setdefault(record.alias or name, []).append((base, name))
        self_bound = _self_bound(module, is_package, facts, absolute) if imports_self else None
        bound = facts.bound_names - self_bound if self_bound else facts.bound_names
        if declared and facts.annotated_names:
            bound = bound | facts.annotated_names
        own = own | bound if own else bound  # one file (the usual case): its own frozensets, not copies
        defined = defined | facts.defined_names if defined else facts.defined_names
        if dunder_all is None:
            dunder_all = facts.dunder_all
    return ModuleSymbols(
        frozenset(own),
        frozenset(defined),
        {name: tuple(found) for name, found in bindings.items()},
        tuple(stars),
        dunder_all,
        opaque,
        registered,
        frozenset(loaded),
    )  # frozenset() of a frozenset is the same object


def _self_bound(module: str, is_package: bool, facts: ModuleFacts, absolute: AbsoluteModule) -> set[str]:
    """Names bound only by importing them from this very module (`from . import gone` in an __init__).

    Such an import binds nothing unless the name exists by other means, so it must not
    make itself look satisfied.
    """
    own: set[str] = set()
    other: set[str] = set()
    for record in facts.imports:
        if record.context & NOT_BOUND_ON_IMPORT or record.name == "*":
            continue
        if record.name is None:  # `import json as json`: binds the name from elsewhere
            other.add(record.alias or record.module.partition(".")[0])
            continue
        local = record.alias or record.name
        could_be_self = record.level > 0 or record.module == module
        if could_be_self and absolute(module, is_package, record.module, record.level) == module and record.alias in (None, record.name):
            own.add(local)
        else:
            other.add(local)
    return own - other - facts.defined_names
