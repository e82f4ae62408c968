"""What one source file says about imports and names, as extracted by the parser.

These records are produced once per file (possibly in a worker process, so they
are small picklable tuples) and are the only view of the source that the
analysis uses.
"""

from __future__ import annotations

from enum import IntFlag
from typing import NamedTuple


class Context(IntFlag):
    """Where a statement sits, as far as import-time behaviour is concerned."""

    MODULE = 0
    FUNCTION = 1  # inside a def or lambda: runs only when called
    CLASS = 2  # inside a class body: runs at import time
    TYPE_CHECKING = 4  # `if TYPE_CHECKING:` branch (or `else:` of `if not TYPE_CHECKING:`)
    GUARDED = 8  # failure is expected: try/except ImportError, suppress(ImportError), raises(ImportError)
    GUARDED_ATTRIBUTE = 16  # an AttributeError is expected: except AttributeError / Exception / BaseException, a bare except
    PYTHON2 = 32  # a branch only Python 2 enters (`if sys.version_info[0] == 2:`, `if six.PY2:`): never runs here
    GUARDED_MODULE = 64  # only a missing module is expected: `except ModuleNotFoundError` (a missing name raises ImportError)
    RUNS_AT_IMPORT = 128  # in a function the module itself calls while it is imported (a decorator, a module-level call)
    MAIN_ONLY = 256  # under `if __name__ == "__main__":`: runs when the file is run as a script, not when it is imported


# Plain-int masks for hot loops (IntFlag arithmetic is slow).
NOT_MODULE_LEVEL = int(Context.FUNCTION | Context.CLASS)  # the statement does not bind module names
NOT_BOUND_ON_IMPORT = int(Context.FUNCTION | Context.CLASS | Context.MAIN_ONLY)  # ... or binds them only in a script run
_NOT_AT_IMPORT = int(Context.FUNCTION | Context.TYPE_CHECKING | Context.GUARDED | Context.PYTHON2 | Context.MAIN_ONLY)
_GUARDED, _GUARDED_ATTRIBUTE, _GUARDED_MODULE = int(Context.GUARDED), int(Context.GUARDED_ATTRIBUTE), int(Context.GUARDED_MODULE)
_FUNCTION, _RUNS_AT_IMPORT = int(Context.FUNCTION), int(Context.RUNS_AT_IMPORT)


def at_import(context: int) -> int:
    """`context` as far as import time is concerned: an import in a function the module calls while it is
    imported (RUNS_AT_IMPORT) runs then, as one at module level does."""
    return context & ~_FUNCTION if context & _RUNS_AT_IMPORT else context


def breaks_importer(context: int) -> bool:
    """True when a broken import in `context` makes its module fail at import time."""
    return not at_import(context) & _NOT_AT_IMPORT


def module_not_found_context(context: int) -> int:
    """`context` for a failure that raises ModuleNotFoundError (a module that does not exist): guarded also when a
    guard catches only ModuleNotFoundError."""
    return context | _GUARDED if context & _GUARDED_MODULE else context


def attribute_error_context(context: int) -> int:
    """`context` for a failure that raises AttributeError, not ImportError (a star import of a module whose
    `__all__` lists a name it lacks): guarded when a guard catches AttributeError, not merely ImportError."""
    return context | _GUARDED if context & _GUARDED_ATTRIBUTE else context & ~_GUARDED


class ImportRecord(NamedTuple):
    """One imported item: `import a.b as c` or one name of `from a.b import c as d`.

    `module` is the module as written, without leading dots; `level` counts the dots.
    `name` is None for `import a.b`, the imported name (or "*") for from-imports.
    `alias` is the local name the statement binds (None for `import a.b`, which binds `a`).
    `line` / `column` (1-based) locate the whole statement; `name_column` the item.
    """

    module: str
    level: int
    name: str | None
    alias: str | None
    line: int
    column: int
    context: int  # Context flags, stored as a plain int so records pickle cheaply


class StringReference(NamedTuple):
    """A string naming a module or object: `patch("a.b.C")`, `import_module("a.b")`.

    kind: "patch" (dotted path to an object), "module" (dotted module path), "plugin" (a module
    `pytest_plugins` names: pytest imports it with the file), or "patch-object"
    (`patch.object(base, "attr")`, `base` a local name, `text` the attribute).
    `creates`: the call makes the last attribute when it is missing (`patch(..., create=True)`,
    `monkeypatch.setattr(..., raising=False)`), so only what leads to it must exist.
    """

    kind: str
    text: str
    base: str | None
    line: int
    column: int
    context: int  # Context flags, stored as a plain int so records pickle cheaply
    creates: bool = False


class SysPathEntry(NamedTuple):
    """A module-level `sys.path.insert(...)` / `append(...)` / `extend([...])`, its path worked out statically.

    `anchor` says what `path` (POSIX, normalised, may start with `..`) is relative to:
    "file" (the file's own folder: `Path(__file__).parent / "lib"`), "cwd" (a relative
    string: the folder Python runs in), "absolute" (an absolute path), or "dynamic"
    (not known without running the code: `path` is empty). `front` is True for an insert
    at position 0 (or any position before the end), False for an append.
    """

    anchor: str
    path: str
    front: bool
    line: int
    column: int


class SyntaxNeed(NamedTuple):
    """The construct of a file that needs the newest Python 3 (`minor`: 3.`minor`), where it first is."""

    minor: int
    line: int
    column: int
    feature: str


class ParseProblem(NamedTuple):
    """Why a file yielded no facts: rule is "syntax-error" or "unreadable-file"."""

    rule: str
    message: str
    line: int
    column: int


class Definition(NamedTuple):
    """What a module-level `def` or `class` is, for checking that a use fits it (suggestions).

    `kind`: "class", "function", "async" (`async def`), "async-generator" (an `async def`
    that yields), "contextmanager" or "asynccontextmanager" (a def under that decorator).
    For the function kinds: `params` are the positional parameter names in order,
    the first `required` of them without a default; `keywords` the keyword-only
    names, `required_keywords` those without a default; `varargs` / `varkw` are
    `*args` / `**kwargs`. Recorded only for names bound once at module level, by a
    def or class with no decorator that could change what the name is.
    """

    name: str
    kind: str
    params: tuple[str, ...] = ()
    required: int = 0
    varargs: bool = False
    keywords: tuple[str, ...] = ()
    required_keywords: tuple[str, ...] = ()
    varkw: bool = False


class ModuleFacts(NamedTuple):
    """Everything the analysis needs from one file."""

    imports: tuple[ImportRecord, ...]
    strings: tuple[StringReference, ...]
    bound_names: frozenset[str]  # every name bound at module level (defs, assignments, imports, globals)
    defined_names: frozenset[str]  # names defined here (def, class, assignment), not merely imported
    dunder_all: tuple[str, ...] | None  # a literal __all__, when it is static
    dynamic_names: bool  # module-level __getattr__: any attribute may exist
    problem: ParseProblem | None = None
    type_checking_names: frozenset[str] = frozenset()  # bound at module level only under `if TYPE_CHECKING:`
    sys_path: tuple[SysPathEntry, ...] = ()  # module-level changes to sys.path, in source order
    syntax_need: SyntaxNeed | None = None  # the newest syntax used (3.8 or later), for the project's target Python
    placeholder_names: frozenset[str] = frozenset()  # defined only as stubs (`pass` body, `= None`, `= Mock()`)
    definitions: tuple[Definition, ...] = ()  # module-level defs and classes whose kind is certain, in source order
    # Modules this file puts in `sys.modules` at run time: literal keys, and REGISTERS_BELOW when it registers
    # modules under computed names or installs an import hook (then any module below its own may exist).
    registered_modules: frozenset[str] = frozenset()
    annotated_names: frozenset[str] = frozenset()  # module-level names only annotated (`x: int`): a type checker's, not bound


REGISTERS_BELOW = "*"  # in `ModuleFacts.registered_modules`: any module below the file's own may be registered


def empty_facts(problem: ParseProblem) -> ModuleFacts:
    """Facts for a file that could not be read or parsed."""
    return ModuleFacts((), (), frozenset(), frozenset(), None, True, problem)
