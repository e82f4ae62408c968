"""Extract ModuleFacts from Python source with tree-sitter.

Why tree-sitter (see docs/architecture.md, "Parsing"): one grammar for every
Python version (PEP 695 code parses the same under a 3.10 pre-commit hook as on
3.13), a C parser that builds no Python objects for the nodes we never visit,
and tolerance. A tree with error nodes is double-checked with `ast` and then
LibCST's native parser (which knows syntax newer than the running interpreter)
before anything is reported as a syntax error, so valid code never is.
"""

from __future__ import annotations

import __future__

import ast
import re
import warnings
from sys import intern
from collections.abc import Iterator
from functools import lru_cache
from typing import TYPE_CHECKING

from remediator.domain.facts import (
    NOT_BOUND_ON_IMPORT,
    NOT_MODULE_LEVEL,
    REGISTERS_BELOW,
    Context,
    Definition,
    ImportRecord,
    ModuleFacts,
    ParseProblem,
    StringReference,
    SyntaxNeed,
    empty_facts,
)
from remediator.domain.findings import SYNTAX_ERROR
from remediator.adapters.fast_locate import call_matches, query_captures, token_at, tokens
from remediator.adapters.grammar import python_language
from remediator.adapters.sys_path_calls import sys_path_entries
from remediator.adapters.syntax_version import NEWER_SYNTAX_PATTERNS, syntax_needs
from remediator.adapters.version_conditions import python2_polarity

if TYPE_CHECKING:
    from tree_sitter import Node, Parser, Query

_CALL_HINTS = (b"patch", b"import_module", b"__import__", b"monkeypatch")
_DYNAMIC_HINTS = (b"globals()", b"sys.modules[__name__]")  # the second only where `sys.` is (one search of the bytes)
_NAMESPACE_CALLS = (b"vars()", b"locals()")  # the module's namespace, where they are called at module level
_SCOPE_STATEMENTS = frozenset({"function_definition", "class_definition", "decorated_definition"})
# Registering modules at run time: a write into `sys.modules` (its key), or an import hook installed. These
# patterns are compiled on first use (`re`'s cache): few files need them, and a warm check imports this module.
_MODULES_WRITE = rb"sys\.modules\s*(?:\[(?P<key>[^\]\n]*)\]\s*=(?!=)|\.\s*(?:update|setdefault)\s*\()"
_IMPORT_HOOK = rb"sys\.(?:meta_path|path_hooks)\s*(?:\.\s*(?:append|insert|extend)\s*\(|\[[^\]\n]*\]\s*=(?!=)|\+=|=(?!=))"
_LITERAL_MODULE = rb"""\s*(['"])([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)\1\s*"""
# A package that extends where its submodules are found: its own `__path__` changed, `pkgutil.extend_path`,
# `pkg_resources.declare_namespace` (another module's `x.__path__` is not its own).
_PATH_EXTENDED = rb"(?<![\w.])(?P<name>__path__)\s*(?:=(?!=)|\+=|\.\s*(?:append|insert|extend)\s*\()|(?P<call>declare_namespace)\s*\("
_IMPORT_ERRORS = frozenset({"ImportError", "Exception", "BaseException"})  # what catches any ImportError
_MODULE_ERRORS = _IMPORT_ERRORS | {"ModuleNotFoundError"}  # what catches the ImportError of a missing module
_ATTRIBUTE_ERRORS = frozenset({"AttributeError", "Exception", "BaseException"})
_EXPECTING_CALLS = frozenset({"suppress", "raises", "assertRaises", "assertRaisesRegex"})
_CLAUSES = frozenset({"block", "else_clause", "elif_clause", "except_clause", "except_group_clause", "finally_clause", "case_clause"})
_COMPOUND = frozenset({"if_statement", "try_statement", "with_statement", "for_statement", "while_statement", "match_statement"})
_TARGET_CONTAINERS = frozenset(
    {
        "pattern_list",
        "tuple_pattern",
        "list_pattern",
        "list_splat_pattern",
        "tuple",
        "list",
        "parenthesized_expression",
        "as_pattern_target",
    }
)


def parse_source(source: bytes, *, fast: bool = True) -> ModuleFacts:
    """Facts of one module, given its UTF-8 source (see adapters.source_reader).

    `fast=False` takes the full path: the nodes the facts come from are found by
    tree-sitter queries over the whole tree, instead of from the bytes
    (`adapters.fast_locate`). Both give the same facts (tests/test_fast_path.py,
    bench/compare_paths.py); the full path is kept as the reference.
    """
    tree = _parser().parse(source)
    root = tree.root_node
    if root.has_error:  # what tree-sitter refuses, Python may accept (then it may still refuse it at compile time)
        problem = _python_refusal(source)
        if problem is not None:
            return empty_facts(problem)
    extractor = _Extractor(source, fast and not root.has_error)  # an error tree may lack a statement's keyword
    facts = extractor.run(root)
    if not root.has_error:
        suspicious = extractor.module_return or any(item.name == "*" and item.context & NOT_MODULE_LEVEL for item in facts.imports)
        problem = _rejected_at_compile_time(source, root, suspicious, extractor.top_level)
        if problem is not None:
            return empty_facts(problem)
    if extractor.syntax_need is not None:
        facts = facts._replace(syntax_need=extractor.syntax_need)
    if extractor.mentions_sys and b"sys.path" in source:
        facts = facts._replace(sys_path=sys_path_entries(source))
    return facts


def registered_modules(source: bytes, root: Node, mentions_sys: bool = True) -> frozenset[str]:
    """The modules a file makes importable when it runs, beyond its files: `sys.modules["a.b"] = ...`
    gives "a.b"; REGISTERS_BELOW (any module below its own) for a computed key
    (`sys.modules[__name__ + ".moves"]`, `sys.modules.update(...)`), an import hook installed
    (`sys.meta_path.append(...)`, `sys.path_hooks`), or its own `__path__` extended
    (`__path__.append(...)`, `pkgutil.extend_path`, `declare_namespace`).

    A write into `sys.modules` or `__path__` counts where it runs on import (not in a function: a
    test helper that fakes a module registers nothing until it is called); an import hook counts
    anywhere (an installer function is called on import). `sys.modules[__name__] = ...` (a module
    replacing itself) registers nothing new. Text in strings and comments is not code. `mentions_sys`
    False says the bytes hold no `sys.` (the caller searched them already).
    """
    found: set[str] = set()
    if mentions_sys and b"sys.modules" in source:
        for match in re.finditer(_MODULES_WRITE, source):
            name = _name_ending_at(root, match.start() + 3)  # `sys`, or an alias ending in it (`_sys`)
            if name is None or _context(name) & _FUNCTION:
                continue
            key = match.group("key")
            if key is None:
                found.add(REGISTERS_BELOW)
            elif key.strip() != b"__name__":
                literal = re.fullmatch(_LITERAL_MODULE, key)
                found.add(literal.group(2).decode("ascii") if literal else REGISTERS_BELOW)
    if mentions_sys and any(_name_ending_at(root, match.start() + 3) is not None for match in re.finditer(_IMPORT_HOOK, source)):
        found.add(REGISTERS_BELOW)
    if b"__path__" in source or b"declare_namespace" in source:
        for match in re.finditer(_PATH_EXTENDED, source):
            name = _name_ending_at(root, match.end("name") if match.group("name") else match.end("call"))
            if name is not None and not _context(name) & _FUNCTION:
                found.add(REGISTERS_BELOW)
                break
    return frozenset(found)


def _name_ending_at(root: Node, end: int) -> Node | None:
    """The identifier that ends at byte `end`, if code is there (not a string or a comment)."""
    node = root.descendant_for_byte_range(end - 1, end)
    if node is None or node.type != "identifier" or node.end_byte != end:
        return None
    return node


def _confirm_syntax_error(source: bytes) -> ParseProblem | None:
    """The real syntax error, or None when `ast` or LibCST accept what tree-sitter did not."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(source.decode("utf-8", "replace"))  # str: offsets count characters, not bytes
        return None
    except SyntaxError as error:
        problem = ParseProblem(SYNTAX_ERROR, error.msg, error.lineno or 1, error.offset or 1)
        if "too many nested" in error.msg or not _may_be_newer_syntax(source, problem.line):
            return problem  # invalid in every Python version: no need to ask LibCST
    except (RecursionError, MemoryError, ValueError) as error:
        problem = ParseProblem(SYNTAX_ERROR, f"cannot parse: {type(error).__name__}", 1, 1)
    return None if _libcst_accepts(source) else problem


# Syntax newer than Python 3.10 (the oldest we run on): except*, star in subscripts (3.11);
# type statements, type parameters, nested f-string quotes (3.12); parameter defaults (3.13);
# unparenthesized except lists and t-strings (3.14).
_NEWER_SYNTAX = re.compile(
    rb"except\s*\*|\[\s*\*|\btype\s+\w+\s*[\[=]|\b(?:def|class)\s+\w+\s*\[|\bexcept\s+[^:(]*,|[fFtT][rR]?['\"]|[rR][fFtT]['\"]"
)


def _may_be_newer_syntax(source: bytes, line: int) -> bool:
    """True when the lines around a syntax error hold syntax that a newer Python accepts.

    Only then is LibCST asked, which is slow on pathological input (long chains).
    """
    lines = source.splitlines()
    window = b"\n".join(lines[max(0, line - 3) : line + 1])
    return _NEWER_SYNTAX.search(window) is not None


_LIBCST_STACK = 512 << 20  # reserved, not committed: deep nesting must not overflow the native parser


def _libcst_accepts(source: bytes) -> bool:
    """Ask LibCST's native parser (which knows syntax newer than this interpreter).

    It runs in a thread with a large stack: on pathological nesting the native
    parser recurses deeply and would otherwise crash the process.
    """
    import threading

    import libcst  # only for files that the running interpreter rejects

    outcome: list[bool] = []

    def attempt() -> None:
        try:
            libcst.parse_module(source)
            outcome.append(True)
        except Exception:  # ParserSyntaxError, or RecursionError on pathological input
            outcome.append(False)

    previous = threading.stack_size(_LIBCST_STACK)
    try:
        worker = threading.Thread(target=attempt, name="remediator-libcst-check")
        worker.start()
    finally:
        threading.stack_size(previous)
    worker.join()
    return bool(outcome and outcome[0])


# ---------------------------------------------------------------------------- what tree-sitter tolerates


# `0777`: `\b0[0-9]`, spelled with the literal `0` first (`re` then finds candidates at C speed; `\b` first
# made it scan every byte, 20 times slower); `.07` and `'007'` match too, and the tree tells them apart.
_LEADING_ZERO = re.compile(rb"0(?<![0-9A-Za-z_]0)[0-9]")
_LEGACY_LINE = re.compile(rb"(?m)^[ \t]*(?:print|exec)[ \t]+[^\s(=.,:)\]]")  # `print "x"`, `exec code`, not `print(x)`
_FUTURE_FEATURES = frozenset(__future__.all_feature_names)


def _rejected_at_compile_time(source: bytes, root: Node, suspicious: bool, top_level: list[Node]) -> ParseProblem | None:
    """A syntax error that tree-sitter's grammar lets through but Python refuses, or None.

    tree-sitter accepts Python 2 `print`/`exec` statements and `<>`, an indented
    statement at module level, `return` or `await` where Python forbids them,
    `from __future__` after other statements (or naming an unknown feature),
    `0777`, backquotes, `10L`, `ur"..."` and `raise E, "message"`. Cheap checks (`suspicious`: the extractor saw a module-level
    `return`) find the files that may hold one; only those are compiled (never
    run), and only a refusal is reported. `top_level`: the root's named children.
    """
    if not (suspicious or _may_be_rejected(source, root, top_level)):
        return None
    return _python_refusal(source)


def _python_refusal(source: bytes) -> ParseProblem | None:
    """Why Python refuses the file, or None: one `compile()` (never run) in the common case where it accepts.

    A refusal by the compiler (the parse succeeded) is the same in every version; a refusal by the parser may
    be syntax newer than the running Python, which `_confirm_syntax_error` settles.
    """
    text = source.decode("utf-8", "replace")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(text, "<checked>", "exec", dont_inherit=True)
        return None
    except SyntaxError as error:
        compile_stage = ParseProblem(SYNTAX_ERROR, error.msg, error.lineno or 1, error.offset or 1)
    except (RecursionError, MemoryError, ValueError):
        return _confirm_syntax_error(source)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(text)
    except (SyntaxError, RecursionError, MemoryError, ValueError):
        return _confirm_syntax_error(source)  # the parser refused it: perhaps syntax newer than the running Python
    return compile_stage


def _may_be_rejected(source: bytes, root: Node, top_level: list[Node]) -> bool:
    """True when the file holds one of the forms `_rejected_at_compile_time` names; each check is confirmed on the tree.

    Only those files are compiled, so each check is as narrow as the tree allows:
    a statement after `;` is not indented, a docstring after a comment is still
    the docstring, `0` in `.05` or in a string is no integer, `<>` in a string is
    no operator.
    """
    seen_code = False
    seen_statement = False  # the first statement after comments may be the docstring
    for node in top_level:
        kind = node.type
        if node.start_point[1] > 0 and kind != "comment" and _indented(source, node.start_byte):
            return True  # an indented statement at module level (an indented comment is no statement)
        if kind in ("print_statement", "exec_statement"):
            return True
        if kind == "future_import_statement":
            if (
                seen_code
                or any(child.type == "wildcard_import" for child in node.children)
                or any(_text(name).split(" as ")[0].strip() not in _FUTURE_FEATURES for name in node.children_by_field_name("name"))
            ):
                return True
        elif kind != "comment" and not (
            not seen_statement and kind == "expression_statement" and node.named_children and node.named_children[0].type == "string"
        ):
            seen_code = True
        seen_statement = seen_statement or kind != "comment"
    if (b"print " in source or b"exec " in source) and _LEGACY_LINE.search(source) and _captures(_legacy_query(), root):
        return True
    if (b"await" in source or b"async" in source) and _await_outside_async(source, root):
        return True
    if _misplaced_keyword(source, root):
        return True
    if b"<>" in source and tokens(source, root, b"<>"):  # Python 2's not-equal
        return True
    if _leading_zero_integer(source, root):
        return True
    return _python2_literal_or_raise(source, root)


def _indented(source: bytes, start: int) -> bool:
    """True when only blanks stand before `start` on its line (not a statement after `;`)."""
    line_start = source.rfind(b"\n", 0, start) + 1
    return not source[line_start:start].strip(b" \t\f")


def _leading_zero_integer(source: bytes, root: Node) -> bool:
    """True when an integer literal starts with `0` and a digit and is not zero (`0777`, not `00` or `0_0`) or imaginary (`07j`)."""
    for match in _LEADING_ZERO.finditer(source):
        start = match.start()
        node = root.descendant_for_byte_range(start, start + 1)
        if node is not None and node.type == "integer" and node.start_byte == start:
            text = source[start : node.end_byte]
            if text[-1:] not in (b"j", b"J") and text.strip(b"0_"):
                return True
    return False


_FOLDED = bytes.maketrans(b"0123456789lur", b"0000000000LUR")  # digits -> 0; l, u, r -> upper case


def _python2_literal_or_raise(source: bytes, root: Node) -> bool:
    """Backquotes, `10L`, a `ur"..."` prefix, `raise E, "message"`: Python 2 forms tree-sitter reads as valid code.

    Found in the bytes by a translation and plain searches (C speed), each confirmed on the tree.
    """
    if b"`" in source:
        start = source.find(b"`")
        while start != -1:
            node = root.descendant_for_byte_range(start, start + 1)
            if node is not None and node.type == "string_start":
                return True
            start = source.find(b"`", start + 1)
    folded = source.translate(_FOLDED)
    for needle in (b"0L", b'UR"', b"UR'"):
        start = folded.find(needle)
        while start != -1:
            node = root.descendant_for_byte_range(start, start + 1)
            if node is not None and node.type in ("integer", "string_start"):
                text = node.text or b""
                if text[-1:] in (b"l", b"L") or text[:2].lower() == b"ur":
                    return True
            start = folded.find(needle, start + 1)
    start = source.find(b"raise ")
    while start != -1:
        end = source.find(b"\n", start)
        if b"," in source[start : end if end != -1 else len(source)]:
            node = root.descendant_for_byte_range(start, start + 5)
            statement = node.parent if node is not None else None
            if (
                statement is not None
                and statement.type == "raise_statement"
                and any(child.type == "expression_list" for child in statement.named_children)
            ):
                return True
        start = source.find(b"raise ", start + 6)
    return False


# A keyword Python accepts only inside some enclosing node: (the enclosing kinds that make it valid, the
# kinds that end the search first). The module ends every search: a keyword that reaches it is misplaced.
_PLACES: dict[bytes, tuple[frozenset[str], frozenset[str]]] = {
    b"break": (frozenset({"for_statement", "while_statement"}), frozenset({"function_definition", "class_definition", "lambda"})),
    b"continue": (frozenset({"for_statement", "while_statement"}), frozenset({"function_definition", "class_definition", "lambda"})),
    b"yield": (frozenset({"function_definition", "lambda"}), frozenset({"class_definition"})),
    b"nonlocal": (frozenset({"function_definition"}), frozenset()),
}


def _misplaced_keyword(source: bytes, root: Node) -> bool:
    """True when `break`/`continue` stand outside a loop, `yield` outside a function, `nonlocal` at module level.

    A sign, not a verdict (compile() decides): a `break` in a loop's `else:` counts as inside the loop here.
    """
    for keyword, (valid, ends) in _PLACES.items():
        for node in tokens(source, root, keyword):
            around = _enclosing(node.parent, valid | ends)
            if around is None or around.type in ends:
                return True
    return False


def _enclosing(node: Node | None, kinds: frozenset[str]) -> Node | None:
    """`node` or its nearest ancestor of one of `kinds`; None when there is none up to the module."""
    while node is not None and node.type not in kinds:
        node = node.parent
    return node


def _await_outside_async(source: bytes, root: Node) -> bool:
    """True when `await`, `async for` or `async with` stands outside an `async def` (module level included).

    The tree has no errors: a def is async when its first token is `async`.
    """
    for keyword, spelling, statements in _ASYNC_ONLY:
        for match in spelling.finditer(source):
            node = token_at(root, match.start(), keyword)
            if node is not None and node.parent is not None and node.parent.type in statements:
                around = _enclosing(node.parent.parent, _FUNCTIONS)
                if around is None or around.type == "lambda" or not source.startswith(b"async", around.start_byte):
                    return True
    return False


# Each keyword as the tree has it under the statements it may stand in only inside an `async def`; `async def`
# itself and names such as `async_setup` are passed over in the bytes (Home Assistant: 77,937 `async`, 764 left).
_FUNCTIONS = frozenset({"function_definition", "lambda"})
_ASYNC_ONLY = (
    (b"await", re.compile(rb"await"), frozenset({"await"})),
    (b"async", re.compile(rb"async(?![A-Za-z0-9_])(?![ \t]*def\b)"), frozenset({"for_statement", "with_statement", "for_in_clause"})),
)


@lru_cache(maxsize=1)
def _legacy_query() -> Query:
    from tree_sitter import Query

    return Query(python_language(), "(print_statement) @legacy (exec_statement) @legacy")


@lru_cache(maxsize=1)
def _parser() -> Parser:
    from tree_sitter import Parser

    return Parser(python_language())


@lru_cache(maxsize=1)
def _queries() -> tuple[Query, Query]:
    from tree_sitter import Query

    language = python_language()
    imports = Query(
        language,
        "(import_statement) @import (import_from_statement) @import (global_statement) @global" + NEWER_SYNTAX_PATTERNS,
    )
    calls = Query(
        language,
        "(call function: [(identifier) (attribute)] @function arguments: (argument_list) @arguments"
        f' (#match? @function "{_CALLEE_PATTERN}"))',
    )
    return imports, calls


# The call query's predicate on the callee's text; the fast path applies it itself.
_CALLEE_PATTERN = "(^|[.])(patch|object|dict|multiple|import_module|__import__|setattr|delattr)$"
_CALLEE = re.compile(_CALLEE_PATTERN)


def _captures(query: Query, node: Node) -> dict[str, list[Node]]:
    from tree_sitter import QueryCursor

    return QueryCursor(query).captures(node)


def _matches(query: Query, node: Node) -> list[tuple[int, dict[str, list[Node]]]]:
    from tree_sitter import QueryCursor

    return QueryCursor(query).matches(node)


# An import statement's bytes (`_Extractor._import_records_from_bytes`): comments and line continuations are cut,
# then only ASCII names, dots, commas, parentheses, `*` and blanks may remain.
_IMPORT_COMMENT = re.compile(rb"#[^\r\n]*")
_IMPORT_CONTINUATION = re.compile(rb"\\\r?\n")
_IMPORT_PLAIN = re.compile(rb"[A-Za-z0-9_ \t\f\n.,()*]*")
# `from` dots, module, `import` (a keyword, not a part of a name), names.
_FROM_IMPORT = re.compile(r"from([.\s]*)(.*?)(?<![\w])import(?![\w])(.*)", re.S)
_new_record = tuple.__new__  # ImportRecord's own __new__ is a Python function: one call less per record
_Items = tuple[tuple[str, int, str | None, str | None], ...]
# The items of the statements read lately, by their bytes: the same import lines recur from file to file
# (`import logging`, `from __future__ import annotations`, a project's own core imports).
_ITEMS_READ: dict[bytes, _Items | None] = {}
_ITEMS_KEPT = 4096
_UNREAD: _Items = ()


def _import_items(raw: bytes) -> _Items | None:
    """(module, level, name, alias) of each item of an import statement, from its bytes; None when not sure.

    Between the tokens of an import statement there is only space: blanks, line continuations and,
    inside parentheses, line ends and comments (no strings). Once the comments and continuations are
    cut, a statement of only ASCII names, dots, commas, parentheses, `*` and blanks is split with str
    methods. Anything else gives None: a non-ASCII name, a lone carriage return, or spaces between the
    dots of a relative import (the walk takes the level from the dots' span, spaces included).
    """
    if b"#" in raw:
        raw = _IMPORT_COMMENT.sub(b" ", raw)
    if b"\\" in raw:
        raw = _IMPORT_CONTINUATION.sub(b" ", raw)
    if b"\r" in raw:
        raw = raw.replace(b"\r\n", b"\n")
    if _IMPORT_PLAIN.fullmatch(raw) is None:
        return None
    text = raw.decode("ascii")
    items: list[tuple[str, int, str | None, str | None]] = []
    if text.startswith("import"):
        for item in text[6:].split(","):
            parts = item.split()
            if len(parts) >= 3 and parts[-2] == "as":
                items.append(("".join(parts[:-2]), 0, None, parts[-1]))
            elif parts:
                items.append(("".join(parts), 0, None, None))
        return tuple(items)
    match = _FROM_IMPORT.fullmatch(text)
    if match is None:
        return None
    dots, module, names = match.groups()
    level = dots.count(".")
    if level > 1 and dots.strip() != "." * level:
        return None  # `from . . x import y`
    module = "".join(module.split())
    if "(" in names:
        names = names.replace("(", " ").replace(")", " ")
    if names.strip() == "*":
        return ((module, level, "*", None),)
    for item in names.split(","):
        parts = item.split()
        if len(parts) >= 3 and parts[-2] == "as":
            items.append((module, level, "".join(parts[:-2]), parts[-1]))
        elif parts:
            items.append((module, level, "".join(parts), None))
    return tuple(items)


# Where a `__all__` may be changed: a method called on it or an attribute set, an assignment (in a function that
# declares it global) or an alias of it, an augmented assignment, an item set or deleted, or a call it is passed to.
_CHANGING_PARENTS = frozenset(
    ("attribute", "assignment", "augmented_assignment", "subscript", "delete_statement", "argument_list", "keyword_argument")
)
_READING_CALLS = frozenset(("sorted", "list", "tuple", "set", "frozenset", "len", "iter", "enumerate", "print", "repr"))


def _changes_all_elsewhere(source: bytes, root: Node, read: set[int]) -> bool:
    """True when code other than the module-level statements at the offsets `read` may change `__all__`, as numpy's
    `extend_all(module)` does with `__all__.append(name)` in a function: then the literal is not what Python exports."""
    at = source.find(b"__all__")
    while at != -1:
        if at not in read:
            node = root.descendant_for_byte_range(at, at + 7)
            if node is not None and node.type == "identifier" and node.start_byte == at:  # not in a string or comment
                parent = node.parent
                if parent is not None and parent.type in _CHANGING_PARENTS and _may_change(node, parent):
                    return True
        at = source.find(b"__all__", at + 7)
    return False


def _may_change(node: Node, parent: Node) -> bool:
    """Whether the `__all__` at `node` may be changed there: not the name of another's (`m.__all__`), not read by a
    builtin that only reads (`sorted(__all__)`)."""
    field = {"attribute": "object", "keyword_argument": "value"}.get(parent.type)
    if field is not None:
        return parent.child_by_field_name(field) == node
    if parent.type == "argument_list":
        call = parent.parent
        return call is None or _text(call.child_by_field_name("function")) not in _READING_CALLS
    return True


class _Extractor:
    """One pass over one tree; keeps the source for positions and texts."""

    def __init__(self, source: bytes, fast: bool = False) -> None:
        self.source = source
        self.fast = fast  # find the nodes from the bytes (adapters.fast_locate), not by queries
        self.bound: set[str] = set()
        self.defined: set[str] = set()
        self.dunder_all: list[str] | None = None
        self.all_is_static = True
        self.all_read: set[int] = set()  # where the module-level statements read above name `__all__`
        self.mentions_sys = b"sys." in source  # most files do not: the searches for `sys.<name>` are skipped
        self.dynamic = _DYNAMIC_HINTS[0] in source or (self.mentions_sys and _DYNAMIC_HINTS[1] in source)
        self.annotated: set[str] = set()  # module-level names only annotated (`x: int`): declared, not bound
        self.module_return = False  # a `return` at module level: Python refuses the file
        self.syntax_need: SyntaxNeed | None = None  # the newest syntax used
        self.placeholders: set[str] = set()  # module-level names defined as a stub: `pass` body, `= None`, `= Mock()`
        self.substantive: set[str] = set()  # ... and those defined with real content somewhere in the module
        self.definitions: dict[str, Definition | None] = {}  # what each module-level def or class is (None: not sure)
        self.bindings: dict[str, int] = {}  # how many module-level statements bind each name
        self.top_level: list[Node] = []  # the root's named children (the syntax checks go over them too)

    def run(self, root: Node) -> ModuleFacts:
        captured = query_captures(self.source, root) if self.fast else _captures(_queries()[0], root)
        self.syntax_need = syntax_needs(self.source, captured, root)
        imports: list[ImportRecord] = []
        in_functions: list[tuple[int, int, Node]] = []  # (first, end) indexes of the imports of a statement in a function
        nodes = captured.get("import", ()) if self.fast else sorted(captured.get("import", ()), key=lambda n: n.start_byte)
        for node in nodes:
            records = self._import_records_from_bytes(node) if self.fast else None  # (in document order already)
            if records is None:
                records = list(self._import_records(node))
            if records and records[0].context & _FUNCTION:
                in_functions.append((len(imports), len(imports) + len(records), node))
            imports.extend(records)
        if in_functions:
            imports = _mark_runs_at_import(self.source, root, imports, in_functions)
        main_blocks = _main_blocks(root.named_children) if b"__main__" in self.source else ()
        if main_blocks:  # (found once per file here, not by `_context` at every `if` above every import)
            imports = [
                record._replace(context=record.context | _MAIN_ONLY)
                if any(first <= record.line <= last for first, last, _start, _end in main_blocks)
                else record
                for record in imports
            ]
        declared_global: set[str] = set()  # a function may bind these at module level whenever it runs
        for node in captured.get("global", ()):
            names = [_text(child) for child in node.named_children if child.type == "identifier"]
            self.bound.update(names)
            declared_global.update(names)
            for name in names:
                self._count(name)
        strings: list[StringReference] = []
        if any(hint in self.source for hint in _CALL_HINTS):
            if self.fast:
                calls = [(f, a, callee) for f, a in call_matches(self.source, root) if _CALLEE.search(callee := _text(f))]
            else:
                calls = [(m["function"][0], m["arguments"][0], _text(m["function"][0])) for _, m in _matches(_queries()[1], root)]
            for function, arguments, callee in calls:
                reference = self._string_reference(function, arguments, callee)
                if reference is not None:
                    strings.append(reference)
            strings.sort(key=lambda r: (r.line, r.column))
        track = b"TYPE_CHECKING" in self.source  # else no name can be bound under it: skip the bookkeeping
        checking: set[str] = set()  # bound under `if TYPE_CHECKING:`
        runtime: set[str] = set()  # bound where the code runs
        self.top_level = root.named_children
        plugins = len(strings)
        deleted: dict[str, int] = {}  # a name a `del` at the top of the module removes -> that statement's line
        for statement, kind in _module_statements(self.top_level):
            if kind not in _BINDING_STATEMENTS:  # `_bind` has nothing to do with it
                if kind == "return_statement":
                    self.module_return = True
                elif kind == "delete_statement" and statement.parent == root:  # (one in a branch may not run)
                    deleted.update(dict.fromkeys(_deleted_names(statement), statement.start_point[0] + 1))
                continue
            if main_blocks and any(start <= statement.start_byte < end for _first, _last, start, end in main_blocks):
                continue  # run as a script only: what it binds is not the module's when imported
            if kind == "expression_statement" and self.source.startswith(b"pytest_plugins", statement.start_byte):
                strings += self._plugin_references(statement)
            if not track and not deleted:
                self._bind(statement, kind)
                continue
            outer = self.bound, self.defined
            self.bound, self.defined = set(), set()
            self._bind(statement, kind)
            if track:
                (checking if _context(statement) & _TYPE_CHECKING else runtime).update(self.bound, self.defined)
            for name in deleted.keys() & (self.bound | self.defined):
                del deleted[name]  # bound again after the `del`
            outer[0].update(self.bound)
            outer[1].update(self.defined)
            self.bound, self.defined = outer
        if len(strings) > plugins:
            strings.sort(key=lambda r: (r.line, r.column))
        bound, bindings = self.bound, self.bindings
        for module, _level, imported, alias, _line, _column, context in imports:
            if context & NOT_BOUND_ON_IMPORT or imported == "*":
                continue
            name = alias or (imported if imported else module.split(".")[0])
            bound.add(name)
            bindings[name] = bindings.get(name, 0) + 1  # (`_count`, inline: this runs for every import)
            if track:
                (checking if context & _TYPE_CHECKING else runtime).add(name)
        self.bound.update(self.defined)
        if deleted:
            self._unbind(deleted, imports, declared_global)
        if not self.dynamic and (_NAMESPACE_CALLS[0] in self.source or _NAMESPACE_CALLS[1] in self.source):
            self.dynamic = _namespace_call_at_module_level(self.source, root)
        if "py38_walrus" in captured:
            for name in _walrus_names_at_module_level(root, captured["py38_walrus"]):
                self.bound.add(name)
                self.defined.add(name)
                self.substantive.add(name)
                self._count(name)
        if self.dunder_all is not None and self.all_is_static and self.source.count(b"__all__") > len(self.all_read):
            if _changes_all_elsewhere(self.source, root, self.all_read):
                # Names listed at run time are made at run time too (numpy.dtypes: `setattr` on the module, then
                # `__all__.append`): which ones cannot be known, nor what a star import takes.
                self.all_is_static = False
                self.dynamic = True
        dunder_all = tuple(self.dunder_all) if self.dunder_all is not None and self.all_is_static else None
        return ModuleFacts(
            tuple(imports),
            tuple(strings),
            frozenset(self.bound),
            frozenset(self.defined),
            dunder_all,
            self.dynamic,
            None,
            frozenset(checking - runtime),
            placeholder_names=frozenset(self.placeholders - self.substantive),
            definitions=tuple(d for name, d in self.definitions.items() if d is not None and self.bindings[name] == 1),
            registered_modules=registered_modules(self.source, root, self.mentions_sys),
            annotated_names=frozenset(self.annotated - self.bound),
        )

    def _unbind(self, deleted: dict[str, int], imports: list[ImportRecord], declared_global: set[str]) -> None:
        """Forget the names a module-level `del` removed for good: not bound again after it by an import, and not
        declared `global` in a function (which may bind it again when it runs)."""
        for module, _level, imported, alias, line, _column, context in imports:
            if not context & NOT_BOUND_ON_IMPORT and imported != "*":
                name = alias or (imported if imported else module.split(".")[0])
                if line >= deleted.get(name, line + 1):
                    del deleted[name]
        for name in deleted.keys() - declared_global:
            self.bound.discard(name)
            self.defined.discard(name)
            self.definitions.pop(name, None)
            self.placeholders.discard(name)

    # -- imports -------------------------------------------------------------

    def _import_records(self, node: Node) -> Iterator[ImportRecord]:
        line, column = self._position(node)
        context = _context(node)
        if node.type == "import_statement":
            for item in node.children_by_field_name("name"):
                dotted, alias = _dotted_and_alias(item)
                yield ImportRecord(dotted, 0, None, alias, line, column, int(context))
            return
        module_node = node.child_by_field_name("module_name")
        if module_node is None:
            return
        level = 0
        module = ""
        if module_node.type == "relative_import":
            for child in module_node.children:
                if child.type == "import_prefix":
                    level = len(_text(child).strip())
                elif child.type == "dotted_name":
                    module = _dotted(child)
        else:
            module = _dotted(module_node)
        names = node.children_by_field_name("name")
        if not names and any(child.type == "wildcard_import" for child in node.children):
            yield ImportRecord(module, level, "*", None, line, column, int(context))
            return
        for item in names:
            name, alias = _dotted_and_alias(item)
            yield ImportRecord(module, level, name, alias, line, column, int(context))

    def _import_records_from_bytes(self, node: Node) -> list[ImportRecord] | None:
        """`_import_records` of an import statement of an error-free tree, read from the statement's own bytes.

        None when `_import_items` cannot read them: the caller then walks the nodes.
        """
        source = self.source
        start = node.start_byte
        raw = source[start : node.end_byte]
        items = _ITEMS_READ.get(raw, _UNREAD)
        if items is _UNREAD:
            if len(_ITEMS_READ) >= _ITEMS_KEPT:
                _ITEMS_READ.clear()
            items = _ITEMS_READ[raw] = _import_items(raw)
        if items is None:
            return None
        row, byte_column = node.start_point
        line, column = row + 1, byte_column + 1
        if byte_column and not source[start - byte_column : start].isascii():
            line, column = self._position(node)  # the column counts characters
        place = (line, column, _context(node))
        return [_new_record(ImportRecord, item + place) for item in items]

    # -- string references ---------------------------------------------------

    def _string_reference(self, function: Node, arguments: Node, callee: str) -> StringReference | None:
        """The reference a call makes with a string (`patch("a.b")`, `import_module("a")`); `callee`: the function's text."""
        last = callee.rsplit(".", 1)[-1]
        positional = [a for a in arguments.named_children if a.type not in ("keyword_argument", "comment")]
        if not positional:
            return None
        if last in ("patch", "dict", "multiple") and (last == "patch" or callee.endswith(("patch.dict", "patch.multiple"))):
            kind, base, literal = "patch", None, _literal(positional[0])
        elif last == "object" and callee.endswith("patch.object") and len(positional) >= 2:
            kind, literal = "patch-object", _literal(positional[1])
            base = _text(positional[0]) if positional[0].type in ("identifier", "attribute") else None
            if base is None:
                return None
        elif last in ("import_module", "__import__"):
            kind, base, literal = "module", None, _literal(positional[0])
        elif last in ("setattr", "delattr") and callee.endswith(("monkeypatch.setattr", "monkeypatch.delattr")):
            if len(positional) == (3 if last == "setattr" else 2):  # monkeypatch.setattr(obj, "name", value)
                kind, literal = "patch-object", _literal(positional[1])
                base = _text(positional[0]) if positional[0].type in ("identifier", "attribute") else None
                if base is None:
                    return None
            elif len(positional) == (2 if last == "setattr" else 1):  # monkeypatch.setattr("a.b.name", value)
                kind, base, literal = "patch", None, _literal(positional[0])
            else:
                return None
        else:
            return None
        if not literal or literal.startswith(".") or " " in literal:
            return None
        line, column = self._position(positional[1] if kind == "patch-object" else positional[0])
        # `patch(..., create=True)` makes a missing attribute, `monkeypatch.setattr(..., raising=False)` makes (or
        # skips) it; a value that is not a literal may be either: taken as making it (no error on weak evidence)
        if last in ("setattr", "delattr"):
            creates = _keyword_value(arguments, "raising") not in (None, "true")
        else:
            creates = kind != "module" and _keyword_value(arguments, "create") not in (None, "false")
        return StringReference(kind, literal, base, line, column, int(_context(function)), creates)

    def _plugin_references(self, statement: Node) -> list[StringReference]:
        """The modules `pytest_plugins = "a.b"` (or a list or tuple of such strings, or `+=`) makes pytest import."""
        found: list[StringReference] = []
        for child in statement.named_children:
            if child.type not in ("assignment", "augmented_assignment") or _text(child.child_by_field_name("left")) != "pytest_plugins":
                continue
            right = child.child_by_field_name("right")
            values = [right] if right is not None and right.type == "string" else [] if right is None else right.named_children
            for value in values:
                literal = _literal(value)
                if literal and not literal.startswith(".") and " " not in literal:
                    line, column = self._position(value)
                    found.append(StringReference("plugin", literal, None, line, column, int(_context(value))))
        return found

    # -- module-level bindings ----------------------------------------------

    def _count(self, name: str) -> None:
        self.bindings[name] = self.bindings.get(name, 0) + 1

    def _bind(self, statement: Node, kind: str) -> None:
        decorators: list[Node] = []
        if kind == "decorated_definition":
            definition = statement.child_by_field_name("definition")
            if definition is None:
                return
            decorators = [child for child in statement.named_children if child.type == "decorator"]
            statement, kind = definition, definition.type
        if kind in ("function_definition", "class_definition"):
            name = _text(statement.child_by_field_name("name"))
            self.defined.add(name)
            self._count(name)
            self.definitions[name] = _definition(name, statement, decorators, self.source if self.fast else None)
            (self.placeholders if _is_placeholder_body(statement.child_by_field_name("body")) else self.substantive).add(name)
            if name == "__getattr__" and kind == "function_definition":
                self.dynamic = True
        elif kind == "expression_statement":
            for child in statement.named_children:
                child_kind = child.type
                if child_kind == "assignment":
                    self._bind_assignment(child)
                elif child_kind == "augmented_assignment" or (
                    child_kind == "call" and self.source.startswith(b"__all__.", child.start_byte)
                ):  # (a call binds only as `__all__.extend(...)` / `__all__.append(...)`, whose callee starts the call)
                    self._bind_expression(child)
        elif kind == "type_alias_statement":
            left = statement.child_by_field_name("left")
            identifier = _first_identifier(left)
            if identifier:
                self.defined.add(identifier)
                self._count(identifier)
        elif kind == "for_statement":
            self._bind_target(statement.child_by_field_name("left"))
        elif kind == "case_clause":
            for pattern in statement.named_children:
                if pattern.type == "case_pattern":
                    for name in _captured_names(pattern):
                        self.defined.add(name)
                        self.substantive.add(name)
                        self._count(name)
        elif kind == "with_statement":
            for item in _descendants_of_type(statement, "as_pattern_target", stop="block"):
                self._bind_target(item)

    def _bind_assignment(self, node: Node | None) -> None:
        """`_bind_expression` of an assignment (`a = b = value`, `x: int = 0`, `a, b = pair`); `x: int` binds nothing."""
        while node is not None and node.type == "assignment":
            left = node.child_by_field_name("left")
            right = node.child_by_field_name("right")
            if right is None and node.child_by_field_name("type") is not None:  # an annotation alone
                if left is not None and left.type == "identifier":
                    self.annotated.add(_text(left))
                    self.all_read.add(left.start_byte)
                return
            if left is not None and left.type == "identifier":
                name = _text(left)
                if name == "__all__":
                    self.all_read.add(left.start_byte)
                    if self._runs(node):
                        self._set_all(right)
                (self.placeholders if _is_placeholder_value(right) else self.substantive).add(name)
                self.defined.add(name)  # (`_bind_target` of an identifier)
                self.bindings[name] = self.bindings.get(name, 0) + 1
            else:
                self._bind_target(left)
            node = right

    def _bind_expression(self, node: Node | None) -> None:
        if node is None:
            return
        if node.type == "assignment":
            self._bind_assignment(node)
        elif node.type == "augmented_assignment":
            left = node.child_by_field_name("left")
            if left is not None and left.type == "identifier":
                name = _text(left)
                self.defined.add(name)
                self._count(name)
                if name == "__all__":
                    self.all_read.add(left.start_byte)
                    if self._runs(node):
                        self._extend_all(node.child_by_field_name("right"))
        elif node.type == "call":
            callee = _text(node.child_by_field_name("function"))
            if callee in ("__all__.extend", "__all__.append"):
                self.all_read.add(node.start_byte)
                if not self._runs(node):
                    return
                args = node.child_by_field_name("arguments")
                values = args.named_children if args is not None else []
                if callee.endswith("append") and len(values) == 1:
                    literal = _literal(values[0])
                    if literal is None:
                        self.all_is_static = False
                    elif self.dunder_all is not None:
                        self.dunder_all.append(literal)
                elif len(values) == 1:
                    self._extend_all(values[0])
                else:
                    self.all_is_static = False

    def _bind_target(self, target: Node | None) -> None:
        if target is None:
            return
        if target.type == "identifier":
            self.defined.add(_text(target))
            self._count(_text(target))
        elif target.type in _TARGET_CONTAINERS:
            for child in target.named_children:
                self._bind_target(child)

    def _runs(self, node: Node) -> bool:
        """Whether a module-level statement runs on import (not under `if TYPE_CHECKING:`, nor Python 2 only)."""
        return not _context(node) & (_TYPE_CHECKING | _PYTHON2)

    def _set_all(self, value: Node | None) -> None:
        names = _literal_sequence(value)
        if names is None:
            self.all_is_static = False
            self.dunder_all = []
        else:
            self.dunder_all = names

    def _extend_all(self, value: Node | None) -> None:
        names = _literal_sequence(value)
        if names is None or self.dunder_all is None:
            self.all_is_static = False
        else:
            self.dunder_all.extend(names)

    def _position(self, node: Node) -> tuple[int, int]:
        row, byte_column = node.start_point
        start = node.start_byte - byte_column
        prefix = self.source[start : node.start_byte]
        width = len(prefix) if prefix.isascii() else len(prefix.decode("utf-8", "replace"))
        return row + 1, width + 1


_MOCKS = frozenset(
    {
        "Mock",
        "MagicMock",
        "AsyncMock",
        "NonCallableMock",
        "mock.Mock",
        "mock.MagicMock",
        "mock.AsyncMock",
        "unittest.mock.Mock",
        "unittest.mock.MagicMock",
        "object",
    }
)


def _is_placeholder_body(body: Node | None) -> bool:
    """A `def`/`class` body of only a docstring, `pass`, `...` or `raise NotImplementedError`: a stub."""
    if body is None:
        return False
    for index in range(body.named_child_count):  # (one child at a time: most bodies stop at the first)
        statement = body.named_child(index)
        if statement is None:
            return False
        if statement.type == "pass_statement" or statement.type == "comment":
            continue
        if (
            statement.type == "expression_statement"
            and statement.named_children
            and statement.named_children[0].type in ("string", "ellipsis")
        ):
            continue
        if statement.type == "raise_statement" and b"NotImplementedError" in (statement.text or b""):
            continue
        return False
    return True


# Decorators that leave a def a function with the same parameters, or a class a class.
_KEEPS_KIND = frozenset(
    {
        "lru_cache",
        "cache",
        "wraps",
        "final",
        "deprecated",
        "no_type_check",
        "singledispatch",
        "total_ordering",
        "dataclass",
        "runtime_checkable",
        "unique",
        "define",
        "frozen",
        "mutable",
        "attrs",
        "s",
    }
)
_CONTEXT_MANAGER_DECORATORS = frozenset({"contextmanager", "asynccontextmanager"})


def _definition(name: str, node: Node, decorators: list[Node], source: bytes | None = None) -> Definition | None:
    """What a module-level def or class is; None when a decorator may have made it something else.

    `source`: the tree has no errors, and its bytes may be searched (`_yields_in_bytes`).
    """
    kind = "class" if node.type == "class_definition" else "function"
    for decorator in decorators:
        expression = decorator.named_children[0] if decorator.named_children else None
        if expression is not None and expression.type == "call":
            expression = expression.child_by_field_name("function")
        last = _text(expression).rsplit(".", 1)[-1]
        if kind != "class" and last in _CONTEXT_MANAGER_DECORATORS:
            kind = last
        elif last not in _KEEPS_KIND:
            return None
    if kind == "class":
        return Definition(name, kind)
    if kind == "function" and (
        any(child.type == "async" for child in node.children) if source is None else source.startswith(b"async", node.start_byte)
    ):
        body = node.child_by_field_name("body")
        yields = _yields(body) if source is None else _yields_in_bytes(body, source)
        kind = "async-generator" if yields else "async"
    return _with_parameters(Definition(name, kind), node.child_by_field_name("parameters"))


def _with_parameters(definition: Definition, parameters: Node | None) -> Definition:
    params: list[str] = []
    required = 0
    keywords: list[str] = []
    required_keywords: list[str] = []
    varargs = varkw = keyword_only = False
    for parameter in parameters.named_children if parameters is not None else ():
        kind = parameter.type
        if kind == "typed_parameter" and parameter.named_children:
            first = parameter.named_children[0]
            parameter, kind = (first, first.type) if first.type != "identifier" else (first, "identifier")
        if kind == "identifier":
            name, has_default = _text(parameter), False
        elif kind in ("default_parameter", "typed_default_parameter"):
            name, has_default = _text(parameter.child_by_field_name("name")), True
        elif kind == "list_splat_pattern":
            varargs = keyword_only = True
            continue
        elif kind == "keyword_separator":
            keyword_only = True
            continue
        elif kind == "dictionary_splat_pattern":
            varkw = True
            continue
        else:  # `/`, comments
            continue
        if keyword_only:
            keywords.append(name)
            if not has_default:
                required_keywords.append(name)
        else:
            params.append(name)
            required += not has_default
    return definition._replace(
        params=tuple(params),
        required=required,
        varargs=varargs,
        keywords=tuple(keywords),
        required_keywords=tuple(required_keywords),
        varkw=varkw,
    )


def _yields(body: Node | None) -> bool:
    """True when a function body yields (not counting nested functions and classes)."""
    stack = list(body.named_children) if body is not None else []
    while stack:
        node = stack.pop()
        if node.type == "yield":
            return True
        if node.type not in ("function_definition", "lambda", "class_definition"):
            stack.extend(node.named_children)
    return False


_NESTED_SCOPES = frozenset({"function_definition", "lambda", "class_definition"})


def _yields_in_bytes(body: Node | None, source: bytes) -> bool:
    """`_yields`, from the bytes: each `yield` keyword of the body, unless a nested def, lambda or class holds it.

    A walk of the body builds a Python object per node; most bodies spell no `yield` at all.
    """
    if body is None:
        return False
    start, end = body.start_byte, body.end_byte
    found = source.find(b"yield", start, end)
    while found != -1:
        token = body.descendant_for_byte_range(found, found + 5)
        if token is not None and token.type == "yield" and not token.is_named and token.start_byte == found:
            node = token.parent  # the `yield` expression
            while node is not None and node != body and node.type not in _NESTED_SCOPES:
                node = node.parent
            if node == body:
                return True
        found = source.find(b"yield", found + 5, end)
    return False


def _is_placeholder_value(value: Node | None) -> bool:
    """`None`, or a bare `Mock()` / `MagicMock()` / `object()`: a name that holds nothing real."""
    if value is None:
        return False
    if value.type == "none":
        return True
    if value.type == "call":
        arguments = value.child_by_field_name("arguments")
        return _text(value.child_by_field_name("function")) in _MOCKS and (arguments is None or not arguments.named_children)
    return False


def _deleted_names(statement: Node) -> list[str]:
    """The plain names `del a, b` removes (not `del a.b` or `del a[0]`, which leave the names bound)."""
    targets = statement.named_children
    if len(targets) == 1 and targets[0].type in ("expression_list", "parenthesized_expression", "tuple", "list"):
        targets = targets[0].named_children
    return [_text(target) for target in targets if target.type == "identifier"]


def _keyword_value(arguments: Node, name: str) -> str | None:
    """The node type of the value a call passes as `name=` ("true", "false", "identifier", ...), or None."""
    for argument in arguments.named_children:
        if argument.type == "keyword_argument" and _text(argument.child_by_field_name("name")) == name:
            value = argument.child_by_field_name("value")
            return None if value is None else value.type
    return None


def _mark_runs_at_import(
    source: bytes, root: Node, imports: list[ImportRecord], in_functions: list[tuple[int, int, Node]]
) -> list[ImportRecord]:
    """`imports` with RUNS_AT_IMPORT on those directly in a module-level function that runs while the module is
    imported: applied as a decorator or called at module level (a class body counts, `if __name__ ==
    "__main__":` does not), or called by such a function (the same file only). `in_functions` gives the
    imports inside functions: (first index, end index, their statement).

    The function a statement is in is first taken from the top-level statement that holds it (one lookup);
    only for a function found to run is it checked that no def, lambda or class nested in it holds the
    statement (parent walks, which tree-sitter makes from the root).
    """
    candidates: dict[int, str] = {}  # position in `in_functions` -> the top-level function holding the statement
    for position, (_first, _end, node) in enumerate(in_functions):
        top = root.first_named_child_for_byte(node.start_byte)
        if top is not None and top.type == "decorated_definition":
            top = top.child_by_field_name("definition")
        if top is not None and top.type == "function_definition":
            candidates[position] = _text(top.child_by_field_name("name"))
    if not candidates:
        return imports
    running = _functions_run_at_import(source, root, set(candidates.values()))
    marked: set[int] = set()
    for position, name in candidates.items():
        first, end, node = in_functions[position]
        if name in running and _module_function_of(node) == name:
            marked.update(range(first, end))
    if not marked:
        return imports
    return [record._replace(context=record.context | _RUNS_AT_IMPORT) if i in marked else record for i, record in enumerate(imports)]


def _module_function_of(node: Node) -> str | None:
    """The name of the module-level function whose own body holds `node` (not a def, lambda or class nested in it)."""
    parent = node.parent
    while parent is not None and parent.type not in ("function_definition", "lambda", "class_definition"):
        parent = parent.parent
    if parent is None or parent.type != "function_definition":
        return None
    return None if _in_scope_of_its_own(parent) else _text(parent.child_by_field_name("name"))


def _functions_run_at_import(source: bytes, root: Node, wanted: set[str]) -> set[str]:
    """Which of `wanted` (module-level functions) run while the module is imported: called or applied where the
    module's code runs, or by a function that does (followed through the callers, in this file)."""
    callers: dict[str, set[str | None]] = {}  # function -> where it is called (None: in the module's namespace)
    todo, seen = list(wanted), set(wanted)
    while todo:
        name = todo.pop()
        word = name.encode()
        at = source.find(word)
        while at != -1:
            start, end = at, at + len(word)
            at = source.find(word, end)
            if not _may_call(source, start, end):  # (the bytes first: most places are the def, or another name)
                continue
            node = root.descendant_for_byte_range(start, end)
            if node is None or node.type != "identifier" or node.end_byte - node.start_byte != len(word) or not _is_called(node):
                continue
            caller = _caller(root, node)
            callers.setdefault(name, set()).add(caller)
            if caller and caller not in seen:
                seen.add(caller)
                todo.append(caller)
    running: set[str] = set()
    changed = True
    while changed:
        changed = False
        for name, where in callers.items():
            if name not in running and any(caller is None or caller in running for caller in where):
                running.add(name)
                changed = True
    return running & wanted


def _may_call(source: bytes, start: int, end: int) -> bool:
    """Whether the name spelled at `start:end` may be called or applied there, as the bytes alone say: a whole
    name (not part of another, not an attribute), followed by `(` or after `@`, and not the name of a `def`."""
    before = source[start - 1 : start] if start else b""
    after = source[end : end + 1]
    if (before.isalnum() or before in (b"_", b".")) or (after.isalnum() or after == b"_") or before >= b"\x80" or after >= b"\x80":
        return False
    preceding = source[max(0, start - 16) : start].rstrip(b" \t")
    if preceding.endswith(b"@"):
        return True
    return source[end : end + 16].lstrip(b" \t").startswith(b"(") and not preceding.endswith(b"def")


def _is_called(identifier: Node) -> bool:
    """The identifier is called (`name(...)`) or applied as a decorator (`@name`, `@name(...)`)."""
    parent = identifier.parent
    if parent is None:
        return False
    if parent.type == "decorator":
        return True
    return parent.type == "call" and parent.child_by_field_name("function") == identifier


def _caller(root: Node, node: Node) -> str | None:
    """Where a call runs: None in the module's namespace (import time), the name of the module-level function it is
    directly in, or "" where it does not run on import (another function, a lambda, `if __name__ == "__main__":`)."""
    child, parent = node, node.parent
    while parent is not None:
        kind = parent.type
        if kind == "lambda":
            return ""
        if kind == "function_definition":
            top = root.first_named_child_for_byte(parent.start_byte)
            if top is not None and top.type == "decorated_definition":
                top = top.child_by_field_name("definition")
            return _text(parent.child_by_field_name("name")) if top is not None and top.start_byte == parent.start_byte else ""
        if kind == "if_statement" and child == parent.child_by_field_name("consequence") and _is_main_check(parent):
            return ""
        child, parent = parent, parent.parent
    return None


def _main_blocks(top_level: list[Node]) -> tuple[tuple[int, int, int, int], ...]:
    """The bodies of the module's `if __name__ == "__main__":` statements: (first line, last line, start byte,
    end byte) of each."""
    spans = []
    for statement in top_level:
        if statement.type == "if_statement" and _is_main_check(statement):
            body = statement.child_by_field_name("consequence")
            if body is not None:
                spans.append((body.start_point[0] + 1, body.end_point[0] + 1, body.start_byte, body.end_byte))
    return tuple(spans)


def _is_main_check(if_statement: Node) -> bool:
    """`if __name__ == "__main__":`, either way round."""
    condition = if_statement.child_by_field_name("condition")
    if condition is None or condition.type != "comparison_operator":
        return False
    return _text(condition).replace("'", '"').replace(" ", "") in ('__name__=="__main__"', '"__main__"==__name__')


def _namespace_call_at_module_level(source: bytes, root: Node) -> bool:
    """True when `vars()` or `locals()` is called where the code runs in the module's namespace (not in a def, lambda
    or class body): through it the module may bind any name (`vars()[name] = value`)."""
    for call in _NAMESPACE_CALLS:
        at = source.find(call)
        while at != -1:
            if not _in_top_level_scope(root, at):
                node = root.descendant_for_byte_range(at, at + len(call))
                if node is not None and node.type == "call" and node.start_byte == at and not _in_scope_of_its_own(node):
                    return True
            at = source.find(call, at + len(call))
    return False


def _walrus_names_at_module_level(root: Node, expressions: list[Node]) -> Iterator[str]:
    """The names the assignment expressions (`(name := value)`) bind in the module's namespace (also from a
    comprehension at module level)."""
    for expression in expressions:
        if not _in_top_level_scope(root, expression.start_byte) and not _in_scope_of_its_own(expression):
            name = _text(expression.child_by_field_name("name"))
            if name:
                yield name


def _in_top_level_scope(root: Node, at: int) -> bool:
    """True when the byte `at` lies in a def or class at the top of the module: what is there does not run in the
    module's namespace. (A tree-sitter node finds its parent by walking down from the root: this test spares
    most of those walks.)"""
    child = root.first_named_child_for_byte(at)
    return child is not None and child.start_byte <= at and child.type in _SCOPE_STATEMENTS


def _in_scope_of_its_own(node: Node) -> bool:
    """True when `node` lies in a def, a lambda or a class body: what it binds is not the module's."""
    parent = node.parent
    while parent is not None:
        if parent.type in ("function_definition", "lambda", "class_definition"):
            return True
        parent = parent.parent
    return False


def _captured_names(pattern: Node) -> Iterator[str]:
    """The names a `case` pattern binds: captures (`case x`, `Point(x=px)`), `*rest`, `**rest` and `as name`."""
    stack = [pattern]
    while stack:
        node = stack.pop()
        kind = node.type
        if kind == "dotted_name":
            parent = node.parent
            if node.named_child_count == 1 and parent is not None and parent.type in ("case_pattern", "keyword_pattern"):
                name = _text(node)
                if name != "_" and (parent.type == "case_pattern" or node != parent.named_children[0]):
                    yield name
            continue
        if kind in ("splat_pattern", "as_pattern"):
            for child in node.named_children:
                if child.type == "identifier" and _text(child) != "_":
                    yield _text(child)
        stack.extend(child for child in node.named_children if child.type != "identifier")


def _module_statements(top_level: list[Node]) -> Iterator[tuple[Node, str]]:
    """Statements that run in the module namespace (not inside defs or class bodies), with their types.

    `top_level`: the root's named children.
    """
    stack = list(reversed(top_level))
    while stack:
        node = stack.pop()
        kind = node.type
        yield node, kind
        if kind == "block":
            stack.extend(reversed(node.named_children))
        elif kind in _COMPOUND or kind in _CLAUSES:
            stack.extend(reversed([c for c in node.named_children if c.type in _CLAUSES]))


# The statements `_Extractor._bind` binds names of (it passes over the others).
_BINDING_STATEMENTS = frozenset(
    {
        "decorated_definition",
        "function_definition",
        "class_definition",
        "expression_statement",
        "type_alias_statement",
        "for_statement",
        "with_statement",
        "case_clause",
    }
)


# Context flags as plain ints: IntFlag arithmetic costs a call per operation, and `_context` runs for
# every import and string reference.
_FUNCTION, _CLASS, _TYPE_CHECKING, _GUARDED, _GUARDED_ATTRIBUTE, _GUARDED_MODULE, _PYTHON2, _RUNS_AT_IMPORT, _MAIN_ONLY = (
    int(flag)
    for flag in (
        Context.FUNCTION,
        Context.CLASS,
        Context.TYPE_CHECKING,
        Context.GUARDED,
        Context.GUARDED_ATTRIBUTE,
        Context.GUARDED_MODULE,
        Context.PYTHON2,
        Context.RUNS_AT_IMPORT,
        Context.MAIN_ONLY,
    )
)
_FUNCTION_OR_CLASS = _FUNCTION | _CLASS


def _context(node: Node) -> int:
    """Function/class/TYPE_CHECKING/guarded/Python 2 flags (`Context`, as an int) from the node's ancestors."""
    context = 0
    child, parent = node, node.parent
    while parent is not None:
        kind = parent.type
        if kind in ("function_definition", "lambda"):
            context |= _FUNCTION
        elif kind == "class_definition":
            context |= _CLASS
        elif kind == "try_statement":
            if child == parent.child_by_field_name("body"):
                context |= _guard_of(parent)
        elif kind == "with_statement":
            if child == parent.child_by_field_name("body"):
                context |= _expects_import_error(parent)
        elif kind in ("if_statement", "elif_clause"):
            condition = parent.child_by_field_name("condition")
            in_consequence = child == parent.child_by_field_name("consequence")
            for polarity, flag in ((_type_checking_polarity(condition), _TYPE_CHECKING), (python2_polarity(condition), _PYTHON2)):
                if (polarity == 1 and in_consequence) or (polarity == -1 and not in_consequence and kind == "if_statement"):
                    context |= flag
        child, parent = parent, parent.parent
    return context


def _type_checking_polarity(condition: Node | None) -> int:
    """1 for `TYPE_CHECKING`, -1 for `not TYPE_CHECKING`, 0 for anything else."""
    negated = False
    while condition is not None:
        if condition.type == "parenthesized_expression" and condition.named_children:
            condition = condition.named_children[0]
        elif condition.type == "not_operator":
            negated = not negated
            condition = condition.child_by_field_name("argument")
        else:
            break
    if condition is None or condition.type not in ("identifier", "attribute"):
        return 0
    if _text(condition).rsplit(".", 1)[-1] != "TYPE_CHECKING":
        return 0
    return -1 if negated else 1


def _guard_of(try_statement: Node) -> int:
    """The guard flags of a try statement's body: GUARDED when the handler that catches an ImportError handles it,
    GUARDED_MODULE when only a ModuleNotFoundError is handled, GUARDED_ATTRIBUTE when an AttributeError is.

    Python runs the first handler that matches; one that always raises again (`raise ImportError("install
    the extra") from e`) handles nothing, and no later handler catches what it raises.
    """
    handlers = []  # (the names each handler catches, None for a bare except; whether it handles)
    for clause in try_statement.named_children:
        if clause.type in ("except_clause", "except_group_clause"):
            caught = [c for c in clause.named_children if c.type != "block" and c.type != "comment"]
            value = caught[0] if caught else None
            if value is not None and value.type == "as_pattern" and value.named_children:
                value = value.named_children[0]
            handlers.append((None if value is None else _names_in(value), not _raises_again(clause)))
    guard = 0
    for flag, catching in ((_GUARDED, _IMPORT_ERRORS), (_GUARDED_MODULE, _MODULE_ERRORS), (_GUARDED_ATTRIBUTE, _ATTRIBUTE_ERRORS)):
        handles = next((handles for names, handles in handlers if names is None or names & catching), False)
        if handles:
            guard |= flag
    return guard if guard & _GUARDED == 0 else guard & ~_GUARDED_MODULE


def _raises_again(clause: Node) -> bool:
    """True when an except clause's block ends in a `raise` of its own (not in a branch): the failure goes on."""
    block = next((c for c in clause.named_children if c.type == "block"), None)
    statements = [c for c in block.named_children if c.type != "comment"] if block is not None else []
    return bool(statements) and statements[-1].type == "raise_statement"


def _import_guard(names: set[str]) -> int:
    """GUARDED when `names` (the exceptions a handler catches) hold ImportError or a base of it, GUARDED_MODULE when
    they hold only its subclass ModuleNotFoundError, else 0."""
    if names & _IMPORT_ERRORS:
        return _GUARDED
    return _GUARDED_MODULE if "ModuleNotFoundError" in names else 0


def _expects_import_error(with_statement: Node) -> int:
    """The guard flags of a `with suppress(...)` / `with pytest.raises(...)` body (see `_import_guard`)."""
    guard = 0
    for item in _descendants_of_type(with_statement, "call", stop="block"):
        callee = _text(item.child_by_field_name("function")).rsplit(".", 1)[-1]
        arguments = item.child_by_field_name("arguments")
        if callee in _EXPECTING_CALLS and arguments is not None:
            guard |= _import_guard(_names_in(arguments) & {"ImportError", "ModuleNotFoundError"})
    return guard


def _names_in(node: Node) -> set[str]:
    """Last segments of identifiers and attributes in an exception expression."""
    if node.type == "identifier":
        return {_text(node)}
    if node.type == "attribute":
        return {_text(node).rsplit(".", 1)[-1]}
    names: set[str] = set()
    for child in node.named_children:
        if child.type in ("identifier", "attribute", "tuple", "parenthesized_expression", "argument_list", "list"):
            names |= _names_in(child)
    return names


def _descendants_of_type(node: Node, kind: str, stop: str) -> Iterator[Node]:
    stack = [c for c in node.named_children if c.type != stop]
    while stack:
        current = stack.pop()
        if current.type == kind:
            yield current
        stack.extend(c for c in current.named_children if c.type != stop)


def _dotted_and_alias(item: Node) -> tuple[str, str | None]:
    if item.type == "aliased_import":
        name = item.child_by_field_name("name")
        alias = item.child_by_field_name("alias")
        return _dotted(name), _text(alias) if alias is not None else None
    return _dotted(item), None


def _dotted(node: Node | None) -> str:
    if node is None:
        return ""
    return ".".join(_text(c) for c in node.named_children if c.type == "identifier") or _text(node)


def _first_identifier(node: Node | None) -> str | None:
    while node is not None:
        if node.type == "identifier":
            return _text(node)
        node = node.named_children[0] if node.named_children else None
    return None


def _literal(node: Node) -> str | None:
    """The value of a plain string literal (no f/b prefix, escapes or interpolation)."""
    if node.type != "string":
        return None
    parts = node.children
    if len(parts) < 2 or parts[0].type != "string_start":
        return None
    prefix = (parts[0].text or b"").lower()
    if b"f" in prefix or b"b" in prefix or b"t" in prefix:
        return None
    inner = parts[1:-1]
    if not inner:
        return ""
    if len(inner) != 1 or inner[0].type != "string_content" or inner[0].named_children:
        return None
    return _text(inner[0])


def _literal_sequence(node: Node | None) -> list[str] | None:
    if node is None or node.type not in ("list", "tuple", "parenthesized_expression"):
        return None
    values: list[str] = []
    for child in node.named_children:
        if child.type == "comment":
            continue
        literal = _literal(child)
        if literal is None:
            return None
        values.append(literal)
    return values


def _text(node: Node | None) -> str:
    """The node's source, interned: the same names recur in every file (`logger`, `setUp`), and a scan keeps them all."""
    text = None if node is None else node.text  # (each `.text` copies the bytes: read it once)
    return "" if text is None else intern(text.decode("utf-8", "replace"))
