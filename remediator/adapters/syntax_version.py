"""The newest Python a file's syntax needs, from the nodes the parser's import query already captures.

Syntax followed (the version that first accepts it): assignment expressions and
positional-only parameters (3.8); `match` (3.10); `except*` and starred
expressions in an index (3.11); `type` statements, type parameters, and
f-string expressions holding the string's own quote or a backslash (3.12,
PEP 701); template strings and unparenthesized `except A, B:` (3.14). The
constructs are captured by the same tree-sitter query pass that finds the
imports (`NEWER_SYNTAX_PATTERNS`), so the check costs no extra walk of the
tree; template strings, which are rare, are found from the bytes first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from remediator.domain.facts import SyntaxNeed

if TYPE_CHECKING:
    from tree_sitter import Node

# Query patterns, appended to the parser's import query: capture name -> (3.minor, feature).
NEWER_SYNTAX_PATTERNS = """
(named_expression) @py38_walrus
(positional_separator) @py38_slash
(match_statement) @py310_match
(except_clause "*" @py311_except_star)
(subscript (list_splat) @py311_star_index)
(type_alias_statement) @py312_type
(function_definition (type_parameter) @py312_type_params)
(class_definition (type_parameter) @py312_type_params)
(interpolation) @interpolation
(except_clause "," @py314_bare_except)
"""
_FEATURES = {
    "py38_walrus": (8, "an assignment expression (:=)"),
    "py38_slash": (8, "a positional-only parameter marker (/)"),
    "py310_match": (10, "a match statement"),
    "py311_except_star": (11, "except*"),
    "py311_star_index": (11, "a starred expression in an index"),
    "py312_type": (12, "a type statement"),
    "py312_type_params": (12, "type parameters"),
    "py314_bare_except": (14, "several exceptions after except without parentheses"),
}
_FSTRING_FIELD = (12, "a quote or backslash of the f-string itself inside its expression")


def syntax_needs(source: bytes, captured: dict[str, list[Node]], root: Node) -> SyntaxNeed | None:
    """The construct needing the newest Python (its first place), or None for syntax older Pythons accept."""
    best: SyntaxNeed | None = None
    for capture, (minor, feature) in _FEATURES.items():
        nodes = captured.get(capture)
        if nodes and capture == "py312_type":
            nodes = [node for node in nodes if _is_type_statement(node)]
        if nodes:
            best = _newer(best, minor, min(nodes, key=lambda n: n.start_byte), feature)
    if best is None or best.minor < 12:
        # In document order: a query's captures of one name need not come in that order (seen with nested
        # f-strings: a later field came first, so the line reported varied from run to run).
        for field in sorted(captured.get("interpolation", ()), key=lambda n: n.start_byte):
            if _needs_pep701(field):
                best = _newer(best, *_FSTRING_FIELD[:1], field, _FSTRING_FIELD[1])
                break
    if best is None or best.minor < 14:
        node = _template_string(source, root)
        if node is not None:
            best = _newer(best, 14, node, 'a template string (t"...")')
    return best


_FOLD_TEMPLATE = bytes.maketrans(b"TR'", b'tr"')
_TEMPLATE_OPENINGS = tuple(t + r + q for t in (b"t", b"T") for r in (b"", b"r", b"R") for q in (b'"', b"'"))


def _template_string(source: bytes, root: Node) -> Node | None:
    """The first `t"..."` string: each `t"`/`t'` (any case) found by a plain search, confirmed on the tree."""
    folded = source.translate(_FOLD_TEMPLATE)  # one search for all twelve openings, then each in its turn
    places: dict[bytes, list[int]] = {}
    for spelling in (b't"', b'tr"'):
        start = folded.find(spelling)
        while start != -1:
            places.setdefault(source[start : start + len(spelling)], []).append(start)
            start = folded.find(spelling, start + 1)
    for needle in _TEMPLATE_OPENINGS:
        for start in places.get(needle, ()):
            prefix_start = start - 1 if len(needle) == 2 and start > 0 and source[start - 1 : start] in (b"r", b"R") else start
            before = source[prefix_start - 1 : prefix_start]
            if not (before.isalnum() or before in (b"_", b".")):
                node = root.descendant_for_byte_range(prefix_start, prefix_start + 1)
                if node is not None and node.type == "string_start":
                    return node
    return None


def _newer(best: SyntaxNeed | None, minor: int, node: Node, feature: str) -> SyntaxNeed:
    line, column = node.start_point[0] + 1, node.start_point[1] + 1
    if best is None or minor > best.minor or (minor == best.minor and line < best.line):
        return SyntaxNeed(minor, line, column, feature)
    return best


def _is_type_statement(node: Node) -> bool:
    """tree-sitter also reads `type(x).attr = value` as a type alias: a real one names an identifier (`type X = ...`)."""
    left = node.child_by_field_name("left")
    first = left.named_children[0] if left is not None and left.named_children else None
    return first is not None and first.type in ("identifier", "generic_type") and not node.has_error


def _needs_pep701(field: Node) -> bool:
    """True when an f-string's replacement field holds the string's own quote, or a backslash, in its expression."""
    text = field.text or b""
    if b"\\" not in text and b'"' not in text and b"'" not in text:
        return False
    string = field.parent
    opening = string.child(0) if string is not None else None
    if opening is None or opening.type != "string_start":
        return False
    quote = (opening.text or b"").lstrip(b"rRbBuUfFtT")
    for child in field.named_children:
        if child.type == "format_specifier":
            continue
        inner = child.text or b""
        if b"\\" in inner or (len(quote) == 1 and quote in inner):
            return True
    return False
