"""Find a file's module-level changes to `sys.path` and work out their paths without running anything.

Only files whose bytes mention `sys.path` are looked at (few, in any project),
with `ast`. What is understood: `sys.path.insert(i, p)`, `sys.path.append(p)`,
`sys.path.extend([p, ...])` at module level (also inside `if`/`try`/`with`
blocks), where `p` is built from string literals, `__file__`, `os.getcwd()` /
`Path.cwd()` and names assigned such a value earlier at module level, through
`os.path.join/dirname/abspath/realpath/normpath`, `Path(...)`, `/`, `.parent`,
`.parents[n]`, `.joinpath(...)`, `.resolve()`, `.absolute()`, `str(...)` and
`os.fspath(...)`. Anything else is an entry whose path is not known ("dynamic").
"""

from __future__ import annotations

import ast
import posixpath
from collections.abc import Iterator

from remediator.domain.facts import SysPathEntry

FILE, CWD, ABSOLUTE, DYNAMIC = "file", "cwd", "absolute", "dynamic"
_SELF = "\0file"  # the file itself, as the last segment of a path anchored at its folder
_Value = tuple[str, str]  # (anchor, POSIX path): a path known statically
_PASS_THROUGH = frozenset(
    {
        "os.path.abspath",
        "os.path.realpath",
        "os.path.normpath",
        "os.fspath",
        "str",
        "Path",
        "pathlib.Path",
        "PurePath",
        "pathlib.PurePath",
        "os.path.expanduser",
    }
)
_PASS_METHODS = frozenset({"resolve", "absolute", "expanduser", "as_posix"})


def sys_path_entries(source: bytes) -> tuple[SysPathEntry, ...]:
    """The module-level sys.path changes in `source` (empty when it mentions none, or does not parse)."""
    if b"sys.path" not in source:
        return ()
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return ()
    names: dict[str, _Value | None] = {}
    entries: list[SysPathEntry] = []
    for statement in _module_statements(tree.body):
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1 and isinstance(statement.targets[0], ast.Name):
            names[statement.targets[0].id] = _evaluate(statement.value, names)
        elif isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name) and statement.value is not None:
            names[statement.target.id] = _evaluate(statement.value, names)
        elif isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
            entries.extend(_entries_of_call(statement.value, names))
    return tuple(entries)


def _module_statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Statements that run at import time, in order, descending into if/try/with blocks (not defs or classes)."""
    for statement in body:
        yield statement
        if isinstance(statement, ast.If):
            yield from _module_statements(statement.body)
            yield from _module_statements(statement.orelse)
        elif isinstance(statement, ast.Try) or type(statement).__name__ == "TryStar":
            yield from _module_statements(statement.body)  # type: ignore[attr-defined]
            for handler in statement.handlers:  # type: ignore[attr-defined]
                yield from _module_statements(handler.body)
            yield from _module_statements(statement.orelse)  # type: ignore[attr-defined]
            yield from _module_statements(statement.finalbody)  # type: ignore[attr-defined]
        elif isinstance(statement, (ast.With, ast.For, ast.While)):
            yield from _module_statements(statement.body)


def _entries_of_call(call: ast.Call, names: dict[str, _Value | None]) -> Iterator[SysPathEntry]:
    function = call.func
    if not (isinstance(function, ast.Attribute) and _dotted(function.value) == "sys.path"):
        return
    if function.attr == "insert" and len(call.args) == 2:
        front = not (isinstance(call.args[0], ast.Call) and _dotted(call.args[0].func) == "len")
        yield _entry(call.args[1], names, front, call)
    elif function.attr == "append" and len(call.args) == 1:
        yield _entry(call.args[0], names, False, call)
    elif function.attr == "extend" and len(call.args) == 1:
        argument = call.args[0]
        if isinstance(argument, (ast.List, ast.Tuple)):
            for element in argument.elts:
                yield _entry(element, names, False, call)
        else:
            yield SysPathEntry(DYNAMIC, "", False, call.lineno, call.col_offset + 1)


def _entry(node: ast.expr, names: dict[str, _Value | None], front: bool, call: ast.Call) -> SysPathEntry:
    value = _evaluate(node, names)
    if value is None or value[1].endswith(_SELF):
        return SysPathEntry(DYNAMIC, "", front, call.lineno, call.col_offset + 1)
    return SysPathEntry(value[0], value[1], front, call.lineno, call.col_offset + 1)


def _evaluate(node: ast.expr, names: dict[str, _Value | None]) -> _Value | None:
    """The path an expression gives, or None when it cannot be known statically."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return _literal(node.value)
    if isinstance(node, ast.Name):
        if node.id == "__file__":
            return (FILE, _SELF)
        return names.get(node.id)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        left = _evaluate(node.left, names)
        right = _evaluate(node.right, names)
        return None if left is None or right is None else _join(left, right)
    if isinstance(node, ast.Attribute):
        if node.attr == "parent":
            base = _evaluate(node.value, names)
            return None if base is None else _parent(base)
        return None
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute) and node.value.attr == "parents":
        index = node.slice
        if isinstance(index, ast.Constant) and type(index.value) is int and index.value >= 0:
            value = _evaluate(node.value.value, names)
            for _ in range(index.value + 1):
                value = None if value is None else _parent(value)
            return value
        return None
    if isinstance(node, ast.Call):
        return _evaluate_call(node, names)
    return None


def _evaluate_call(node: ast.Call, names: dict[str, _Value | None]) -> _Value | None:
    if node.keywords:
        return None
    function = _dotted(node.func)
    arguments = [_evaluate(argument, names) for argument in node.args]
    if any(argument is None for argument in arguments):
        return None
    known = [argument for argument in arguments if argument is not None]
    if function in ("os.getcwd", "Path.cwd", "pathlib.Path.cwd") and not known:
        return (CWD, ".")
    if function in _PASS_THROUGH and len(known) == 1:
        return known[0]
    if function in ("Path", "pathlib.Path", "os.path.join", "posixpath.join") and known:
        return _join_all(known[0], known[1:])
    if function == "os.path.dirname" and len(known) == 1:
        return _parent(known[0])
    if isinstance(node.func, ast.Attribute):
        base = _evaluate(node.func.value, names)
        if base is None:
            return None
        if node.func.attr in _PASS_METHODS and not known:
            return base
        if node.func.attr == "joinpath" and known:
            return _join_all(base, known)
    return None


def _join_all(first: _Value, others: list[_Value]) -> _Value | None:
    value: _Value | None = first
    for other in others:
        value = None if value is None else _join(value, other)
    return value


def _literal(text: str) -> _Value:
    if text.startswith("/"):
        return (ABSOLUTE, posixpath.normpath(text))
    return (CWD, posixpath.normpath(text) if text else ".")


def _join(left: _Value, right: _Value) -> _Value | None:
    if right[0] == ABSOLUTE:
        return right
    if right[0] != CWD or left[1].endswith(_SELF):  # a path joined below a file, or below `os.getcwd()`
        return None
    return (left[0], _normalise(posixpath.join(left[1], right[1])))


def _parent(value: _Value) -> _Value:
    anchor, path = value
    if path == _SELF:
        return (anchor, ".")
    return (anchor, _normalise(posixpath.join(path, "..")))


def _normalise(path: str) -> str:
    return posixpath.normpath(path)


def _dotted(node: ast.expr) -> str:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return ""
