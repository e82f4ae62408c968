"""Conditions whose value is the same on every Python 3: `sys.version_info[0] == 2`, `six.PY2`, ...

A branch such a condition never enters runs only on Python 2; the code under it never runs on the
Python the project targets (remediator reads Python 3 code). Version tests that depend on the minor
version (`sys.version_info < (3, 8)`) are not constant and are left alone.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tree_sitter import Node

_PY2_FLAGS = frozenset({"PY2"})  # six.PY2, a module's own `PY2 = sys.version_info[0] == 2`
_PY3_FLAGS = frozenset({"PY3"})
_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}
_MIRRORED = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}
# Python 3 versions as `sys.version_info` compares them (the first three fields are enough: a literal of
# four or more numbers is not read).
_PYTHON3 = tuple((3, minor, micro) for minor in range(40) for micro in (0, 99)) + ((3, 999, 0),)


def python2_polarity(condition: Node | None) -> int:
    """1 when `condition` is false on every Python 3 (its branch runs only on Python 2), -1 when it is
    true on every Python 3 (its `else`/`elif` branches run only on Python 2), 0 otherwise."""
    if condition is None:
        return 0
    truth = python3_truth(condition)
    return 0 if truth is None else -1 if truth else 1


def python3_truth(node: Node) -> bool | None:
    """The value of an expression on every Python 3, when it is the same on all of them; else None."""
    kind = node.type
    if kind == "parenthesized_expression" and node.named_child_count == 1:
        return python3_truth(node.named_children[0])
    if kind == "not_operator":
        argument = node.child_by_field_name("argument")
        inner = None if argument is None else python3_truth(argument)
        return None if inner is None else not inner
    if kind in ("identifier", "attribute"):
        last = _text(node).rsplit(".", 1)[-1]
        return False if last in _PY2_FLAGS else True if last in _PY3_FLAGS else None
    if kind == "boolean_operator":
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        values = [None if side is None else python3_truth(side) for side in (left, right)]
        joiner = node.child_by_field_name("operator")
        if joiner is not None and joiner.type == "and":
            return False if False in values else True if values == [True, True] else None
        return True if True in values else False if values == [False, False] else None
    if kind == "comparison_operator":
        return _comparison(node)
    return None


def _comparison(node: Node) -> bool | None:
    """`sys.version_info OP literal` (or `literal OP sys.version_info`), when its value is the same on every Python 3."""
    operands = node.named_children
    operators = [child.type for child in node.children if not child.is_named]
    if len(operands) != 2 or len(operators) != 1 or operators[0] not in _OPERATORS:
        return None
    symbol = operators[0]
    left, right = _version(operands[0]), _literal(operands[1])
    if left is None or right is None:
        left, right = _version(operands[1]), _literal(operands[0])
        symbol = _MIRRORED[symbol]
        if left is None or right is None:
            return None
    compare = _OPERATORS[symbol]
    if left == "major":
        if not isinstance(right, int):
            return None
        return compare(3, right)
    if not isinstance(right, tuple) or not 1 <= len(right) <= 3:
        return None
    values = {compare(version, right) for version in _PYTHON3}
    return values.pop() if len(values) == 1 else None


def _version(node: Node) -> str | None:
    """ "tuple" for `sys.version_info`, "major" for `sys.version_info[0]` or `.major`; else None."""
    if node.type in ("identifier", "attribute") and _is_version_info(node):
        return "tuple"
    if node.type == "subscript":
        value, index = node.child_by_field_name("value"), node.child_by_field_name("subscript")
        if value is not None and _is_version_info(value) and index is not None and _text(index) == "0":
            return "major"
    if node.type == "attribute":
        value, name = node.child_by_field_name("object"), node.child_by_field_name("attribute")
        if value is not None and _is_version_info(value) and name is not None and _text(name) == "major":
            return "major"
    return None


def _is_version_info(node: Node) -> bool:
    return node.type in ("identifier", "attribute") and _text(node).rsplit(".", 1)[-1] == "version_info"


def _literal(node: Node) -> int | tuple[int, ...] | None:
    """An integer, or a tuple of integers, written as a literal."""
    if node.type == "integer":
        text = _text(node)
        return int(text) if text.isdigit() else None
    if node.type == "tuple":
        numbers = [_literal(child) for child in node.named_children]
        if numbers and all(isinstance(number, int) for number in numbers):
            return tuple(number for number in numbers if isinstance(number, int))
    return None


def _text(node: Node) -> str:
    text = node.text
    return "" if text is None else text.decode("utf-8", "replace")
