"""The one module-resolution service: scan and fix both ask it, so they never disagree.

It turns an import record or a string reference of a file into an absolute
target and says whether that target exists, without importing anything.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import NamedTuple

from remediator.analysis.dependencies import DependencyRecorder, Memo
from remediator.analysis.module_index import NAMESPACE, SOURCE, ModuleIndex
from remediator.analysis.search_path import SearchPath, SearchPathSpec
from remediator.analysis.symbols import SymbolTables
from remediator.domain.facts import (
    NOT_BOUND_ON_IMPORT,
    Context,
    ImportRecord,
    ModuleFacts,
    StringReference,
    attribute_error_context,
    module_not_found_context,
)
from remediator.domain.modules import absolute_module

OK = "ok"
EXTERNAL = "external"
MISSING_MODULE = "missing-module"
MISSING_NAME = "missing-name"
UNRESOLVED = "unresolved"  # a string whose base cannot be followed statically
RUNTIME = "runtime"  # no file, but a module imported before it registers it at run time (sys.modules, an import hook)
_IN_FUNCTION = int(Context.FUNCTION)
_TYPE_CHECKING = int(Context.TYPE_CHECKING)
_BROKEN = (MISSING_MODULE, MISSING_NAME)


class Resolution(NamedTuple):
    """Outcome of resolving one import or reference.

    `target` is the absolute module imported (the missing one for missing-module);
    `name` the imported name; `depends_on` the existing project module the importer
    depends on because of it (the nearest existing module, as grimp records it).
    """

    status: str
    target: str
    name: str | None
    depends_on: str | None


def import_edge(importer: str, resolution: Resolution) -> str | None:
    """The module an import makes `importer` depend on in the graph, or None: the one rule for every edge.

    An import of a module that does not exist makes no edge: it never reaches
    the nearest existing ancestor's code through that import (grimp records
    such an edge to the ancestor; remediator does not, so no cycle closes
    through an import that fails). A module importing itself makes no edge.
    """
    target = resolution.depends_on
    if target is None or target == importer or resolution.status == MISSING_MODULE:
        return None
    return target


def failure_context(record: ImportRecord, resolution: Resolution) -> int:
    """The context an import's failure happens in, as far as the exception it raises is caught: a star import that
    fails on the module's `__all__` raises AttributeError, which only a guard catching AttributeError handles
    (`except ImportError` does not); a module that does not exist raises ModuleNotFoundError, which
    `except ModuleNotFoundError` handles too; a name the module lacks, or a relative import beyond the top,
    raises plain ImportError, which it does not."""
    if resolution.status == MISSING_NAME and resolution.name == "*":
        return attribute_error_context(record.context)
    if resolution.status == MISSING_MODULE and not resolution.target.startswith("."):
        return module_not_found_context(record.context)
    return record.context


def import_edges(
    importer: str,
    is_stub: bool,
    resolutions: Iterable[tuple[ImportRecord, Resolution]],
) -> Iterator[tuple[str, int, int]]:
    """(imported module, line, context) of each graph edge a file's resolved imports make; a stub makes none."""
    if is_stub:
        return
    for record, resolution in resolutions:
        target = import_edge(importer, resolution)
        if target is not None:
            yield target, record.line, record.context


def project_resolver(
    index: ModuleIndex,
    facts: Mapping[str, Sequence[ModuleFacts]],
    stub_facts: Mapping[str, Sequence[ModuleFacts]],
    spec: SearchPathSpec,
    recorder: DependencyRecorder | None = None,
) -> ModuleResolver:
    """The resolver of a project, as Python runs its imports, with a type checker's view beside it.

    `facts` maps each module to the facts of the files Python runs; `stub_facts` to those
    of all its files, stubs too (what a type checker reads). The type checker's view is
    made only when an import needs it.
    """
    symbols = SymbolTables(index, facts, absolute_module, recorder)
    return ModuleResolver(index, symbols, recorder, SearchPath(index, spec, recorder), _TypingView(index, stub_facts, spec, recorder))


class _TypingView:
    """Makes the type checker's resolver when first needed (an object, not a closure: a model is pickled)."""

    def __init__(
        self, index: ModuleIndex, facts: Mapping[str, Sequence[ModuleFacts]], spec: SearchPathSpec, recorder: DependencyRecorder | None
    ) -> None:
        self._index, self._facts, self._spec, self._recorder = index, facts, spec, recorder

    def __call__(self) -> ModuleResolver:
        index = self._index.typing_view()
        symbols = SymbolTables(index, self._facts, absolute_module, self._recorder)
        return ModuleResolver(index, symbols, self._recorder, SearchPath(index, self._spec, self._recorder))


class ModuleResolver:
    """Resolves imports and string references against the module index and symbol tables."""

    def __init__(
        self,
        index: ModuleIndex,
        symbols: SymbolTables,
        recorder: DependencyRecorder | None = None,
        search_path: SearchPath | None = None,
        typing: Callable[[], ModuleResolver] | None = None,
    ) -> None:
        self.index = index
        self.symbols = symbols
        self.search_path = search_path  # extra sys.path folders (pytest, conftests, settings); None: the root only
        self._make_typing = typing
        self._typing: ModuleResolver | None = None
        self.recorder = recorder
        self._frames = recorder.frames if recorder is not None else []
        self._memo = Memo(recorder)  # (base, name) -> Resolution
        self._relative: dict[tuple[str, str, int], str | None] = {}  # (importer's package, module, level) -> base or None

    absolute = staticmethod(absolute_module)

    @property
    def typing(self) -> ModuleResolver | None:
        """The same questions answered as a type checker does (stubs are modules), for the imports only a type
        checker follows: those of stubs and of `if TYPE_CHECKING:` branches. None when not given."""
        if self._typing is None and self._make_typing is not None:
            self._typing = self._make_typing()
        return self._typing

    def resolve_import(self, importer: str, is_package: bool, record: ImportRecord, *, stub: bool = False) -> Resolution:
        """Resolve one import item of `importer` (memoised, with the dependency keys the answer read).

        An import that only a type checker follows (in a stub: `stub`; or under `if TYPE_CHECKING:`)
        is resolved as the type checker does, for whom stubs are modules.
        """
        return self.resolve_imports(importer, is_package, (record,), stub=stub)[0][1]

    def resolve_imports(
        self, importer: str, is_package: bool, records: Iterable[ImportRecord], *, stub: bool = False
    ) -> list[tuple[ImportRecord, Resolution]]:
        """`resolve_import` of each of one file's imports: the same answers and keys, with less work per import.

        The importer's sys.path is looked up once (at its first absolute import, where
        `resolve_import` first looks it up), and a relative import's base once per
        (package, module, level) in the whole project.
        """
        resolved = self._resolve_all(importer, is_package, records)
        if self._make_typing is None:
            return resolved
        for i, (record, resolution) in enumerate(resolved):
            if resolution.status in _BROKEN and (stub or record.context & _TYPE_CHECKING):
                typing = self.typing
                assert typing is not None
                resolved[i] = (record, typing.resolve_import(importer, is_package, record))
        return resolved

    def _resolve_all(self, importer: str, is_package: bool, records: Iterable[ImportRecord]) -> list[tuple[ImportRecord, Resolution]]:
        """Each import resolved as Python runs it."""
        memo = self._memo
        resolve = self._resolve
        relative = self._relative
        package = importer if is_package else importer.rpartition(".")[0]
        plain: bool | None = None  # absolute imports name project modules as written (no sys.path entry to search)
        limit: int | None | bool = False  # how many dots pytest's name of the importer allows (False: not asked yet)
        resolved: list[tuple[ImportRecord, Resolution]] = []
        base: str | None
        for record in records:
            level = record.level
            if level:
                if limit is False:
                    name = None if self.search_path is None else self.search_path.pytest_name(importer, is_package)
                    limit = None if name is None else name.count(".")
                if limit is not None and level > limit:  # beyond the top of the package pytest imports it in
                    resolved.append((record, resolve(None, record)))
                    continue
                key = (package, record.module, level)
                try:
                    base = relative[key]
                except KeyError:
                    base = relative[key] = self.absolute(importer, is_package, record.module, level)
                if base is None:
                    resolved.append((record, resolve(None, record)))
                    continue
            else:
                if plain is None:
                    plain = self.search_path is None or self.search_path.searches_root_only(importer, is_package)
                base = record.module if plain else self.locate(record.module, importer, is_package)
            resolved.append((record, memo.get((base, record.name), resolve, base, record)))
        return resolved

    def _base_of(self, importer: str, is_package: bool, record: ImportRecord) -> str | None:
        """The absolute module an import statement reads from: relative to the importer, or along its sys.path."""
        if record.level:
            return self.absolute(importer, is_package, record.module, record.level)
        return self.locate(record.module, importer, is_package)

    def locate(self, name: str, importer: str, is_package: bool) -> str:
        """The project module an absolute import of `name` in `importer` reaches, given the importer's sys.path."""
        if self.search_path is None:
            return name
        return self.search_path.locate(name, importer, is_package)

    def _resolve(self, base: str | None, record: ImportRecord) -> Resolution:
        if base is None:
            written = "." * record.level + record.module
            return Resolution(MISSING_MODULE, written, record.name, None)
        base = self._package_of_init(base)
        if not self.index.is_internal(base):
            return Resolution(EXTERNAL, base, record.name, None)
        if record.name is None:
            if self.index.exists(base):
                return Resolution(OK, base, None, base)
            return self._missing(base, None)
        if not self.index.exists(base):
            return self._missing(base, record.name)
        if record.name == "*":  # fails (AttributeError) when `__all__` lists a name the module lacks
            return Resolution(MISSING_NAME if self.unbound_exports(base) else OK, base, "*", base)
        submodule = f"{base}.{record.name}"
        if self.index.exists(submodule):
            return Resolution(OK, base, record.name, submodule)
        if self._has_name(base, record.name) is False:
            if self.index.kind(base) == NAMESPACE and self.index.is_merged(base):
                return Resolution(EXTERNAL, submodule, None, None)  # may be a submodule of the installed portion
            if self._registered(submodule):
                return Resolution(RUNTIME, submodule, None, base)  # `from` falls back to sys.modules
            return Resolution(MISSING_NAME, base, record.name, base)
        return Resolution(OK, base, record.name, base)

    def _missing(self, module: str, name: str | None) -> Resolution:
        """A project module that does not exist: missing, unless an installed namespace portion may provide it."""
        nearest = self.index.nearest_existing(module)
        if nearest is not None and self.index.is_merged(module) and self.index.kind(nearest) == NAMESPACE:
            return Resolution(EXTERNAL, module, name, None)  # below a namespace the installed portion also has
        if nearest is not None and self._registered(module):
            return Resolution(RUNTIME, module, name, nearest)
        return Resolution(MISSING_MODULE, module, name, nearest)

    def unbound_exports(self, module: str) -> tuple[str, ...]:
        """The names `module`'s static `__all__` lists that it does not have: `from module import *` looks
        each up and raises AttributeError at the first one missing (a submodule listed is imported)."""
        exported = self.symbols.exports(module)
        if not exported:
            return ()
        return tuple(
            name
            for name in exported
            if not self.index.exists(f"{module}.{name}")
            and self._has_name(module, name) is False
            and not self._registered(f"{module}.{name}")
        )

    def _package_of_init(self, dotted: str) -> str:
        """`dotted` with `P.__init__` read as `P` when `P` is a regular package (`pkg.__init__.X` -> `pkg.X`).

        Python imports `P/__init__.py` a second time under the name `P.__init__`
        (`from idlelib.__init__ import testing`): it holds the package's names.
        """
        if ".__init__" not in dotted:
            return dotted
        package, _, rest = dotted.partition(".__init__")
        if rest[:1] not in ("", ".") or not self.index.is_package(package) or self.index.kind(package) != SOURCE:
            return dotted
        return package + rest

    def _registered(self, module: str) -> bool:
        """True when a module Python imports before `module` (an existing ancestor) registers it at run time.

        Importing `a.b.c` runs `a` and `a.b` first; what they put in `sys.modules`
        (`os` puts `os.path`) or serve through an import hook they install (six's
        `six.moves`) is found without a file. A module registered elsewhere is
        there only if that module happened to run first: not counted.
        """
        ancestor = module.rpartition(".")[0]
        while ancestor:
            if self.index.exists(ancestor) and self.symbols.registers(ancestor, module):
                return True
            ancestor = ancestor.rpartition(".")[0]
        return False

    def resolve_dotted(self, dotted: str, *, module_only: bool) -> Resolution:
        """Resolve a dotted path to a module (`module_only`) or to an object in a module."""
        dotted = self._package_of_init(dotted)
        if not self.index.is_internal(dotted):
            return Resolution(EXTERNAL, dotted, None, None)
        if self.index.exists(dotted):
            return Resolution(OK, dotted, None, dotted)
        module = self.index.nearest_existing(dotted)
        if module is not None and self.index.is_merged(dotted) and self.index.kind(module) == NAMESPACE:
            return Resolution(EXTERNAL, dotted, None, None)  # below a namespace the installed portion also has
        if module_only or module is None:
            if module is not None and self._registered(dotted):
                return Resolution(RUNTIME, dotted, None, module)
            return Resolution(MISSING_MODULE, dotted, None, module)
        rest = dotted[len(module) + 1 :].split(".")
        known = self._has_name(module, rest[0])
        if known is None and len(rest) > 1 and self.symbols.star_imports_missing(module, rest[0]):
            known = False  # `pkg.gone.X` where pkg star-imports the missing pkg.gone: nothing can bind `gone`
        if known is not False:
            return Resolution(OK, module, rest[0], module)
        if self._registered(f"{module}.{rest[0]}"):  # `patch` imports what it cannot get as an attribute
            return Resolution(RUNTIME, f"{module}.{rest[0]}", None, module)
        if len(rest) > 1 and self.index.is_package(module):
            return Resolution(MISSING_MODULE, f"{module}.{rest[0]}", None, module)
        return Resolution(MISSING_NAME, module, rest[0], module)

    def resolve_string(self, importer: str, is_package: bool, reference: StringReference, imports: tuple[ImportRecord, ...]) -> Resolution:
        """Resolve a `patch(...)`, `patch.object(...)` or `import_module(...)` target."""
        if reference.kind in ("module", "plugin"):
            return self.resolve_dotted(self.locate(reference.text, importer, is_package), module_only=True)
        if reference.kind == "patch":
            dotted = self.locate(reference.text, importer, is_package)
            resolution = self.resolve_dotted(dotted, module_only=False)
            if reference.creates and resolution.status == MISSING_NAME and f"{resolution.target}.{resolution.name}" == dotted:
                return Resolution(OK, resolution.target, resolution.name, resolution.depends_on)  # the call makes it
            return resolution
        module = self._module_bound_to(importer, is_package, reference, imports)
        if module is None:
            return Resolution(UNRESOLVED, reference.base or "", reference.text, None)
        if reference.creates or self.index.exists(f"{module}.{reference.text}") or self._has_name(module, reference.text) is not False:
            return Resolution(OK, module, reference.text, module)
        return Resolution(MISSING_NAME, module, reference.text, module)

    def _module_bound_to(
        self, importer: str, is_package: bool, reference: StringReference, imports: tuple[ImportRecord, ...]
    ) -> str | None:
        """The existing project module that `reference.base` refers to where it is evaluated, if an import binds it.

        Python looks the name up when the call runs, so the binding that counts is the
        one in effect then, not the first import of the name: at module level (a
        decorator, a module-level call) the last module-level import of the name before
        the reference; inside a function, which runs after the module has, the last
        import of it in a function before the reference (taken for one in the same
        function: facts do not say which function an import is in), else the last
        module-level import of it in the file. When that binding is not a project
        module (a class, an external module), the reference is not followed.
        """
        local = reference.base or ""
        head = local.split(".")[0]
        at = (reference.line, reference.column)
        module_level = [r for r in imports if not r.context & NOT_BOUND_ON_IMPORT and _binds(r, head)]
        if reference.context & _IN_FUNCTION:
            in_functions = [r for r in imports if r.context & _IN_FUNCTION and _binds(r, head) and (r.line, r.column) <= at]
            scope = in_functions or module_level
        else:
            scope = [r for r in module_level if (r.line, r.column) <= at]
        if not scope:
            return None
        record = scope[-1]
        base = self._base_of(importer, is_package, record)
        if base is None:
            return None
        if record.name is not None:
            candidate: str | None = f"{base}.{record.name}" if (record.alias or record.name) == local else None
        elif record.alias is not None:
            candidate = base if record.alias == local else None
        else:  # `import a.b` binds `a`; `local` ("a" or "a.b") is a module when an import of that scope names it
            candidate = (
                local
                if any(r.name is None and r.alias is None and self._base_of(importer, is_package, r) == local for r in scope)
                else None
            )
        if candidate and self.index.is_internal(candidate) and self.index.exists(candidate):
            return candidate
        return None

    def _has_name(self, module: str, name: str) -> bool | None:
        return self.symbols.has_name(module, name)

    def shadows_submodule(self, package: str, name: str) -> bool:
        """True when `package` binds `name` to something other than its submodule `package.name`.

        Then `import package.name as x` and `from package import name` give that
        object, not the module (Python looks the attribute up first).
        """
        if not self.index.exists(f"{package}.{name}"):
            return False
        shadowed = False
        for facts in self.symbols.facts_of(package):
            if name in facts.defined_names:
                return True
            for record in facts.imports:
                local = record.alias or (record.name if record.name else record.module.split(".")[0])
                if local != name or record.context & NOT_BOUND_ON_IMPORT:
                    continue
                resolution = self.resolve_import(package, True, record)
                submodule = f"{package}.{name}"
                if record.name is None:
                    binds_module = resolution.target == submodule
                else:
                    binds_module = resolution.depends_on == f"{resolution.target}.{record.name}" == submodule
                shadowed = not binds_module
        return shadowed


def _binds(record: ImportRecord, name: str) -> bool:
    """True when the import statement `record` binds the local `name` (`import a.b` binds `a`; star imports are not followed)."""
    if record.name is None:
        return (record.alias or record.module.split(".")[0]) == name
    return record.name != "*" and (record.alias or record.name) == name
