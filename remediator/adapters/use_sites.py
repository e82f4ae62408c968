"""Find how a file uses the names it imports: called, awaited, subclassed... (an `ast` parse, never run).

Only the importers of missing names are read this way, when suggestions are made:
they are few, and what is needed (the shape of each call) is not worth keeping in
every file's facts.
"""

from __future__ import annotations

import ast
import warnings
from collections.abc import Iterable

from remediator.domain.name_uses import NameUse


def uses_of_imports(source: bytes, path: str, wanted: Iterable[tuple[int, str]]) -> dict[tuple[int, str], tuple[NameUse, ...]]:
    """(statement line, imported name) -> the uses of the local name that `from M import name [as alias]` binds there.

    A use is a load of the local name anywhere in the file (rebinding it elsewhere is
    not followed). A file that does not parse gives no uses.
    """
    wanted = set(wanted)
    if not wanted:
        return {}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return {}
    local_of: dict[tuple[int, str], str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if (node.lineno, alias.name) in wanted:
                    local_of[(node.lineno, alias.name)] = alias.asname or alias.name
    found = _uses(tree, path, set(local_of.values()))
    return {key: tuple(found.get(local, ())) for key, local in local_of.items()}


def _uses(tree: ast.AST, path: str, locals_: set[str]) -> dict[str, list[NameUse]]:
    found: dict[str, list[NameUse]] = {}
    seen: set[int] = set()  # calls and names already counted in a more specific use

    def add(name: ast.expr, how: str, call: ast.Call | None = None) -> None:
        assert isinstance(name, ast.Name)
        seen.add(id(name))
        if call is None:
            found.setdefault(name.id, []).append(NameUse(how, path, name.lineno))
            return
        seen.add(id(call))
        keywords = tuple(k.arg for k in call.keywords if k.arg is not None)
        unpacked = any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords)
        found.setdefault(name.id, []).append(NameUse(how, path, call.lineno, len(call.args), keywords, unpacked))

    def ours(node: ast.expr | None) -> bool:
        return isinstance(node, ast.Name) and node.id in locals_

    def called(node: ast.expr | None) -> ast.Call | None:
        return node if isinstance(node, ast.Call) and ours(node.func) else None

    for node in ast.walk(tree):
        if isinstance(node, ast.Await):
            if (call := called(node.value)) is not None:
                add(call.func, "await", call)
            elif ours(node.value):
                add(node.value, "await-value")
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            how = "with" if isinstance(node, ast.With) else "async-with"
            for item in node.items:
                if (call := called(item.context_expr)) is not None:
                    add(call.func, how, call)
                elif ours(item.context_expr):
                    add(item.context_expr, "with-value")
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            for decorator in node.decorator_list:
                if ours(decorator):
                    add(decorator, "decorator")
            if isinstance(node, ast.ClassDef):
                for base in node.bases:
                    if ours(base):
                        add(base, "base")
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and id(node) not in seen and (call := called(node)) is not None:
            add(call.func, "call", call)
    for uses in found.values():
        uses.sort(key=lambda use: use.line)
    return found
