"""The parser's fast path: find the nodes its queries would find from the source bytes, not by walking the tree.

A tree-sitter query visits every node of the tree: about 0.4 CPU-second per
query per 10 MB of source, whatever the pattern (measured on the realistic
10 MB tree), and the parser ran three of them per file (imports and newer
syntax; `patch(...)`-like calls; the syntax checks' few legacy captures).
Every node those queries capture begins or ends with a fixed token that is
spelled in the bytes: `import` and `global` keywords, `:=`, `match`,
`except`, `type`, `[`, `*`, `/`, `{`, and the last name of a callee
(`patch`, `import_module`, ...). So the fast path finds each spelling with
`bytes.find` (C speed), asks the tree for the smallest node at that place
(`descendant_for_byte_range`, a descent of the tree in C) and keeps it when
that node is the token itself, in the right parent: text in strings and
comments comes back as `string_content` or `comment` and is dropped. The
result has the same nodes, in document order, as the queries give; the parser
uses it only for trees without error nodes (an error tree may hold a
statement without its keyword token), and keeps the queries as the full path
that the property test (`tests/test_fast_path.py`) and `bench/compare_paths.py`
compare it with.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tree_sitter import Node

# token -> ((parent type, capture), ...): the token's parent is captured under that name. These tokens are
# rare enough in real code (a few per KB at most) that every place the bytes spell them is looked up.
_PARENT_CAPTURES: dict[bytes, tuple[tuple[str, str], ...]] = {
    b"import": (("import_statement", "import"), ("import_from_statement", "import")),
    b"global": (("global_statement", "global"),),
    b":=": (("named_expression", "py38_walrus"),),
    b"match": (("match_statement", "py310_match"),),
    b"type": (("type_alias_statement", "py312_type"),),
}
# Tokens that are everywhere in numeric code (`*`, `/`, `[`, `{`) are looked up only where a pattern with no
# false negatives says the construct may be. Between tokens Python allows spaces, line continuations and,
# inside brackets, newlines and comments: `_GAP` skips them. (A comment is taken with its line end, so that
# the two alternatives never match the same text: no backtracking blow-up on long comments.)
_GAP = rb"(?:[ \t\f\r\n\\]|#[^\r\n]*[\r\n])*"
# (Each pattern starts with a literal, which `re` finds at C speed; a pattern starting with a class of
# characters costs about ten times more.)
# `/` of a positional-only marker: followed by `,` `)` (parameters) or `:` (lambda).
_SLASH = re.compile(rb"/(?=" + _GAP + rb"[,):])")
# `*` of a starred index `a[*b]` / `a[x, *b]`: after `[` or `,`; the match ends at the `*`.
_STARS = (re.compile(rb"\[" + _GAP + rb"\*"), re.compile(rb"," + _GAP + rb"\*"))
# `[` of type parameters: `def name[` / `class name[`, with only spaces, continuations and the name between
# (any non-ASCII byte may be part of the name); the match ends at the `[`.
_TYPE_PARAMS = (re.compile(rb"def[\s\\\w\x80-\xff]*\["), re.compile(rb"class[\s\\\w\x80-\xff]*\["))
# The opening of an f-string or t-string (whose replacement fields are `interpolation` nodes), searched in
# the bytes with every prefix letter folded to `f` or `r` and every quote to `"`: `f"` and `fr"`, each
# opening also `rf"` when an `r` precedes.
_FOLD_OPENINGS = bytes.maketrans(b"FtTR'", b'fffr"')


def query_captures(source: bytes, root: Node) -> dict[str, list[Node]]:
    """What the parser's import query (with the newer-syntax patterns) captures, by capture name, in document order.

    `root` must be the root of a tree without errors.
    """
    captured: dict[str, list[Node]] = {}
    for token, parents in _PARENT_CAPTURES.items():
        for node in tokens(source, root, token):
            parent = node.parent
            if parent is None:
                continue
            kind = parent.type
            for parent_type, capture in parents:
                if kind == parent_type:
                    captured.setdefault(capture, []).append(parent)
    for node in tokens(source, root, b"except"):  # (except_clause "*") and (except_clause ",")
        clause = node.parent
        if clause is not None and clause.type == "except_clause":
            for child in clause.children:
                if child.type == "*":
                    captured.setdefault("py311_except_star", []).append(child)
                elif child.type == ",":
                    captured.setdefault("py314_bare_except", []).append(child)
    if b"/" in source:
        for match in _SLASH.finditer(source):
            slash = token_at(root, match.start(), b"/")
            if slash is not None and slash.parent is not None and slash.parent.type == "positional_separator":
                captured.setdefault("py38_slash", []).append(slash.parent)
    for match in _matches(_STARS, source, b"*"):  # (subscript (list_splat))
        star = token_at(root, match.end() - 1, b"*")
        splat = star.parent if star is not None else None
        if splat is not None and splat.type == "list_splat":
            outer = splat.parent
            if outer is not None and outer.type == "subscript":
                captured.setdefault("py311_star_index", []).append(splat)
    for match in _matches(_TYPE_PARAMS, source, b"["):  # (function_definition (type_parameter)), classes too
        bracket = token_at(root, match.end() - 1, b"[")
        parameters = bracket.parent if bracket is not None else None
        if parameters is not None and parameters.type == "type_parameter":
            owner = parameters.parent
            if owner is not None and owner.type in ("function_definition", "class_definition"):
                captured.setdefault("py312_type_params", []).append(parameters)
    if b"{" in source:
        fields = _interpolations(source, root)
        if fields:
            captured["interpolation"] = fields
    for nodes in captured.values():
        nodes.sort(key=_start)
    return captured


def _interpolations(source: bytes, root: Node) -> list[Node]:
    """The `interpolation` nodes (replacement fields, nested ones included) that may need Python 3.12.

    The query captures every field; the only use of them (`syntax_version.syntax_needs`) takes the first
    whose text holds a quote or a backslash. Here a string whose body holds none is skipped, and the
    fields of the others (each `{` token inside) are returned.
    """
    folded = source.translate(_FOLD_OPENINGS)
    openings: set[int] = set()
    for needle in (b'f"', b'fr"'):
        start = folded.find(needle)
        while start != -1:
            openings.add(start)
            if start and folded[start - 1] == 0x72:  # `rf"`
                openings.add(start - 1)
            start = folded.find(needle, start + 1)
    fields: dict[int, Node] = {}
    searched = -1  # strings nest (`f"{f'{x}'}"`): the bytes up to here were searched already
    for position in sorted(openings):
        opening = root.descendant_for_byte_range(position, position + 1)
        if opening is None or opening.type != "string_start" or opening.start_byte != position:
            continue
        string = opening.parent
        if string is None:
            continue
        start, end = max(opening.end_byte, searched), string.end_byte
        searched = max(searched, end)
        closing = string.child(string.child_count - 1)
        body = source[start : closing.start_byte if closing is not None else end]
        if b"\\" not in body and b"'" not in body and b'"' not in body:
            continue  # no field here can hold a quote or a backslash: none matters (syntax_version._needs_pep701)
        brace = source.find(b"{", start, end)
        while brace != -1:
            node = token_at(root, brace, b"{")
            if node is not None and node.parent is not None and node.parent.type == "interpolation":
                fields[brace] = node.parent
            brace = source.find(b"{", brace + 1, end)
    return [fields[start] for start in sorted(fields)]


# The last words of a callee whose call can give a string reference (parser._Extractor._string_reference):
# the callee's text ends with one of them.
_CALLEE_WORDS = (b"patch", b"import_module", b"__import__")
_AFTER_PATCH = (b".dict", b".multiple", b".object", b".setattr", b".delattr")  # patch.dict, monkeypatch.setattr, ...


def call_matches(source: bytes, root: Node) -> list[tuple[Node, Node]]:
    """(function, arguments) of each call the parser's call query can match, in document order.

    Every call that can give a string reference has a callee (an identifier or an
    attribute) whose text ends with `patch`, `patch.dict`, `patch.multiple`,
    `patch.object`, `monkeypatch.setattr`/`delattr`, `import_module` or
    `__import__`; each ending found in the bytes is looked up in the tree. The
    caller applies the query's own predicate to the function's text. `root`
    must be the root of a tree without errors.
    """
    ends: set[int] = set()
    for word in _CALLEE_WORDS:
        size = len(word)
        start = source.find(word)
        while start != -1:
            end = start + size
            ends.add(end)
            if word == b"patch":
                for suffix in _AFTER_PATCH:
                    if source.startswith(suffix, end):
                        ends.add(end + len(suffix))
            start = source.find(word, start + 1)
    calls: dict[int, tuple[Node, Node]] = {}
    for end in sorted(ends):
        name = root.descendant_for_byte_range(end - 1, end)
        if name is None or name.type != "identifier" or name.end_byte != end:
            continue
        function, call = name, name.parent
        if call is not None and call.type == "attribute":
            function, call = call, call.parent
        if call is None or call.type != "call":
            continue
        callee = call.child_by_field_name("function")
        arguments = call.child_by_field_name("arguments")
        if callee is None or callee.end_byte != end or callee.start_byte != function.start_byte:
            continue
        if callee.type not in ("identifier", "attribute") or arguments is None or arguments.type != "argument_list":
            continue
        calls[call.start_byte] = (callee, arguments)
    return [calls[start] for start in sorted(calls)]


def tokens(source: bytes, root: Node, token: bytes) -> list[Node]:
    """The tree's tokens spelled `token`, in document order: each place the bytes spell it, if the tree has a token there."""
    found: list[Node] = []
    size = len(token)
    kind = token.decode()
    start = source.find(token)
    while start != -1:
        node = root.descendant_for_byte_range(start, start + size)
        if node is not None and node.type == kind and not node.is_named and node.start_byte == start:
            found.append(node)
        start = source.find(token, start + size)
    return found


def _matches(patterns: tuple[re.Pattern[bytes], ...], source: bytes, token: bytes) -> list[re.Match[bytes]]:
    """The matches of each pattern, when the source has `token` at all."""
    if token not in source:
        return []
    return [match for pattern in patterns for match in pattern.finditer(source)]


def token_at(root: Node, start: int, token: bytes) -> Node | None:
    """The token `token` that starts at byte `start`, or None (the bytes there are in a string, a comment, ...)."""
    node = root.descendant_for_byte_range(start, start + len(token))
    if node is None or node.is_named or node.start_byte != start or node.type != token.decode():
        return None
    return node


def _start(node: Node) -> int:
    return node.start_byte
