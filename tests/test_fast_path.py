"""The parser's fast path gives exactly the facts of the full path (issue 14).

The fast path (`parse_source(source)`) finds the import statements, `global`
statements, newer-syntax constructs and `patch(...)`-like calls from the
source bytes (`adapters/fast_locate.py`); the full path
(`parse_source(source, fast=False)`) finds them with tree-sitter queries over
the whole tree. Generated modules mix everything a byte-level shortcut could
trip on: `import` and `patch(` in strings, comments and docstrings,
multi-line strings at column 0, line continuations, nested guards,
decorators, `match`, PEP 695 type parameters and `type` statements, PEP 701
f-strings with nested quotes, `except*`, positional-only markers, starred
indexes, with Unix or Windows line ends. The real parser runs on real source
text; no mocks.
"""

from __future__ import annotations

import pytest
from hypothesis import assume, given, note
from hypothesis import strategies as st

from remediator.adapters.parser import _parser, parse_source

NAMES = st.sampled_from(["a", "b", "pkg", "mod", "x", "T", "os", "patch", "match", "type", "_", "Ω", "data_1"])
DOTTED = st.lists(st.sampled_from(["pkg", "sub", "mod", "a", "b", "core"]), min_size=1, max_size=3).map(".".join)
QUOTES = st.sampled_from(['"', "'"])

SIMPLE = [  # one logical line (possibly over several physical lines), {n} a name, {d} a dotted module
    "import {d}",
    "import {d} as {n}",
    "import {d}, os.path",
    "from {d} import {n}",
    "from {d} import ({n},\n    other as o2,  # import in a comment\n)",
    "from . import {n}",
    "from .{d} import {n} as alias_{n}",
    "from .. import *",
    "from {d} import *",
    "from {d} \\\n    import {n}",
    "import \\\n    {d}",
    "from.import {n}",
    "global {n}",
    "{n} = 1",
    "{n}: int = 0",
    "{n}, (b2, *rest) = 1, (2, 3)",
    "{n} = b3 = None",
    "__all__ = ['{n}', \"b\"]",
    "__all__ += ['c']",
    "__all__.append('{n}')",
    "__all__.extend(names)",
    "__all__ = [n for n in dir()]",
    "x = 'from {d} import {n}'",
    'x = "import {d}"  # import {d}',
    "# from {d} import {n}",
    "# patch('{d}.{n}')",
    "x = '''\nimport {d}\nfrom {d} import {n}\n'''",
    'x = """\npatch(\'{d}.{n}\')\n  import x\n"""',
    "x = f'{{{n}!r:>{{width}}}}'",
    "x = f\"{{d['import']}} {{patch('a.b')}}\"",
    'x = f"{{\'a\' if {n} else "b"}}"',
    "x = f'{{f\"{{{n}}}\"}}'",
    "x = f\"{{'\\n'.join(items)}}\"",
    "x = rf'\\d{{{n}}}' + Rf\"{{x:{{'>'}}10}}\"",
    'x = f"""{{dict(k=1)["k"]}}\n"""',
    "x = t'{{{n}}}'",
    'x = f"""{{1 + \\\n    {n}}}"""',
    "patch('{d}.{n}')",
    "mock.patch('{d}.{n}', new=1)",
    "mock.patch.object({n}, '{n}')",
    "patch.dict('{d}', {{}})",
    "patch.multiple('{d}', a=1)",
    "monkeypatch.setattr('{d}.{n}', 1)",
    "monkeypatch.delattr('{d}.{n}')",
    "monkeypatch.setattr({n}, 'attr', 1)",
    "importlib.import_module('{d}')",
    "import_module(  # a comment\n    '{d}')",
    "__import__('{d}')",
    "patch \\\n    ('{d}')",
    "mypatch('{d}')",
    "patch.start('{d}')",
    "x.patch.dict('{d}', {{}})",
    "patch(f'{d}.{{x}}')",
    "patch('.{d}')",
    "patch(a for a in b)",
    "if ({n} := 3) > 2: pass",
    "f = lambda a, /, b=1: a",
    "y = {n}[*b]",
    "y = {n}[1, *b]",
    "y = {n}[  # comment\n    *b]",
    "y = 1 / 2 * 3, [*c]",
    "type {n} = int",
    "type Pair[K] = tuple[K, K]",
    "type(x).attr = 1",
    "print('a := b', \"it's\")",
    "x = {{'a': 1}}['a']",
    "import sys; sys.path.insert(0, 'lib')",
    "x = 1 if globals() else 2",
    "raise NotImplementedError",
]
# Import statements that the fast path reads from their bytes (parser._Extractor._import_records_from_bytes).
IMPORT_FORMS = [
    "from {d} import (  # a comment\n    {n},  # another, with a backslash \\\n    b as c,\n)",
    "from {d} import (\n    # only a comment\n    {n}\n)",
    "from {d} import ({n},)",
    "from {d} import {n} as \\\n    al, b",
    "from {d} import (\n    {n}\n    as al2,\n    b)",
    "from . . {d} import {n}",
    "from . .import {n}",
    "from .\\\n. import {n}",
    "from ... {d} import {n}",
    "from .import ({n})",
    "import {d} as {n}, os.path as op, sys",
    "import {d} . sub as s2",
    "import a.b as c, d",
    "from \t{d}\t import\t{n}",
    "from {d}\x0c import {n}",
    "from importlib import import_module as imp",
    "from {d}.importer import {n}, import_x",
    "import Ωmod.données as été",
    "from été import ({n} as Ω2)",
    "import {d}; from {d} import {n}",
    "from {d} import (a, b) ; import c",
]
NAMES_OF_IMPORTS = st.sampled_from(["a", "b", "pkg", "mod", "x", "_", "Ω", "data_1", "match", "type", "print", "import_x"])


@st.composite
def import_statements(draw: st.DrawFn) -> str:
    """An import statement with random blanks, line continuations, comments (in parentheses), aliases and dots."""

    def gap(inside: bool = False) -> str:
        choices = [" ", "  ", "\t", " \\\n    ", "\\\n"]
        if inside:
            choices += ["\n", "  # comment, with import x\n", "\n    ", " # \\ no continuation\n  "]
        return draw(st.sampled_from(choices))

    def dotted(inside: bool = False) -> str:
        parts = draw(st.lists(NAMES_OF_IMPORTS, min_size=1, max_size=3))
        return "".join(part if i == 0 else draw(st.sampled_from([".", " .", ". ", " . "])) + part for i, part in enumerate(parts))

    def item(inside: bool, allow_dots: bool) -> str:
        name = dotted(inside) if allow_dots else draw(NAMES_OF_IMPORTS)
        if draw(st.booleans()):
            name += gap(inside) + "as" + gap(inside) + draw(NAMES_OF_IMPORTS)
        return name

    if draw(st.booleans()):
        items = [item(False, True) for _ in range(draw(st.integers(1, 3)))]
        return "import" + gap() + ("," + gap()).join(items)
    dots = draw(st.sampled_from(["", ".", "..", "...", ". .", ".. ."]))
    module = dotted() if not dots or draw(st.booleans()) else ""
    head = "from" + (gap() if not dots or draw(st.booleans()) else "") + dots + (gap() if module else "") + module
    head += gap() if module or draw(st.booleans()) else ""
    if draw(st.integers(0, 5)) == 0:
        return head + "import" + gap() + "*"
    parenthesised = draw(st.booleans())
    items = [item(parenthesised, False) for _ in range(draw(st.integers(1, 4)))]
    names = ("," + gap(parenthesised)).join(items)
    if parenthesised:
        names = "(" + gap(True) + names + ("," if draw(st.booleans()) else "") + gap(True) + ")"
    return head + "import" + gap() + names


HEADERS = [  # a compound statement's first line (its body follows, indented)
    "if TYPE_CHECKING:",
    "if not TYPE_CHECKING:",
    "if typing.TYPE_CHECKING and x:",
    "elif_placeholder",
    "try:",
    "with suppress(ImportError):",
    "with pytest.raises(ModuleNotFoundError):",
    "with open(f) as {n}, ctx() as (a, b):",
    "for {n} in range(3):",
    "while {n}:",
    "def {n}(a, /, b, *args, c=1, **kw):",
    "async def {n}():",
    "def {n}[T](x: T) -> T:",
    "class {n}:",
    "class {n}[T](Base, metaclass=M):",
    "@patch('{d}.{n}')\n@mock.patch.object(Foo, 'bar')\ndef test_{n}(self, m):",
    "@contextmanager\ndef {n}():",
    "@dataclass(frozen=True)\nclass {n}:",
    "@decorator\nasync def {n}():",
    "def __getattr__(name):",
    "match {n}:\n    case [1, *rest]:",
    "match command.split():\n    case ['go', direction] if direction:",
]


@st.composite
def lines_of(draw: st.DrawFn, depth: int) -> list[str]:
    """Statements at one level: simple ones and compound ones with a body one level deeper."""
    out: list[str] = []
    for _ in range(draw(st.integers(1, 4 if depth else 8))):
        name, dotted = draw(NAMES), draw(DOTTED)
        if depth < 3 and draw(st.integers(0, 2)) == 0:
            header = draw(st.sampled_from(HEADERS))
            body = draw(lines_of(depth + 1))
            if header == "elif_placeholder":
                out += ["if x:", *_indent(body), f"elif {name}:", *_indent(draw(lines_of(depth + 1)))]
                continue
            header = header.format(n=name, d=dotted)
            extra = 4 if header.startswith("match") else 0  # a case body sits two levels in
            out += [*header.split("\n"), *_indent(body, 4 + extra)]
            if header == "try:":
                clause = draw(
                    st.sampled_from(
                        [
                            "except ImportError:",
                            "except (ValueError, ModuleNotFoundError) as e:",
                            "except* OSError:",
                            "except:",
                            "except Exception:",
                            "finally:",
                            "except KeyError:",
                        ]
                    )
                )
                out += [clause, *_indent(draw(lines_of(depth + 1)))]
                if draw(st.booleans()) and not clause.startswith("finally"):
                    out += ["else:", *_indent(draw(lines_of(depth + 1)))]
        else:
            kind = draw(st.integers(0, 7))  # mostly SIMPLE: the modules must still hold strings and newer syntax
            if kind == 0:
                statement = draw(import_statements())
            else:
                statement = draw(st.sampled_from(IMPORT_FORMS if kind == 1 else SIMPLE)).format(n=name, d=dotted)
            out += statement.split("\n")
    return out


def _indent(lines: list[str], width: int = 4) -> list[str]:
    """Indent a body; lines inside a multi-line string (those following an odd count of triple quotes) stay at column 0."""
    out: list[str] = []
    open_string = False
    for line in lines:
        out.append(line if open_string or not line else " " * width + line)
        open_string ^= (line.count("'''") + line.count('"""')) % 2 == 1
    return out


@st.composite
def modules(draw: st.DrawFn) -> str:
    docstring = draw(
        st.sampled_from(["", '"""Example::\n\n    from pkg.mod import name\n    patch("a.b")\n"""\n', "# import os\n'''doc'''\n"])
    )
    future = draw(st.sampled_from(["", "from __future__ import annotations\n"]))
    source = docstring + future + "\n".join(draw(lines_of(0))) + "\n"
    return source.replace("\n", "\r\n") if draw(st.booleans()) else source  # Windows line ends too


@given(modules())
def test_fast_path_gives_the_facts_of_the_full_path(source: str) -> None:
    data = source.encode()
    note(source)
    assert parse_source(data) == parse_source(data, fast=False)


TRICKY = [
    # a statement whose keyword is in a string or comment must not count; the real ones must
    ('s = "import os"\n# from a import b\nx = """\nimport sys\n"""\nimport json\n', {"imports": ["json"]}),
    # continuation lines and parenthesised names
    ("from a \\\n    import (b,\n  c as d)\n", {"imports": ["a"]}),
    # patch targets: decorators, patch.object, nested quotes in f-strings around them
    ('@patch("pkg.mod.A")\ndef test(m):\n    mock.patch.object(pkg, "B")\n    f"{patch("x.y")}"\n', {"strings": ["pkg.mod.A", "B", "x.y"]}),
    # syntax needs: the newest construct wins
    ("def f[T](x: T) -> T:\n    if (y := x):\n        return y\n", {"need": 12}),
    ('d = {"k": 1}\ns = f"{d["k"]}"\n', {"need": 12}),
    ("try:\n    pass\nexcept* ValueError:\n    pass\nz = a[*b]\n", {"need": 11}),
    ("match x:\n    case [1, *rest]:\n        import a.b\n", {"need": 10, "imports": ["a.b"]}),
    ("def f(a, / # c\n, b): pass\n", {"need": 8}),
    ('x = f"""{1 + \\\n 2}"""\n', {"need": 12}),
]


@pytest.mark.parametrize(("source", "expected"), TRICKY)
def test_tricky_sources_give_the_same_and_the_right_facts(source: str, expected: dict[str, object]) -> None:
    data = source.encode()
    assert not _parser().parse(data).root_node.has_error  # the fast path is taken
    fast = parse_source(data)
    assert fast == parse_source(data, fast=False)
    if "imports" in expected:
        assert sorted({record.module for record in fast.imports}) == expected["imports"]
    if "strings" in expected:
        assert [reference.text for reference in fast.strings] == expected["strings"]
    if "need" in expected:
        assert fast.syntax_need is not None and fast.syntax_need.minor == expected["need"]


def test_generated_modules_take_the_fast_path() -> None:
    """The generator writes modules without error nodes that hold imports, patch targets and newer syntax.

    The fast path is taken only for trees without error nodes (others take the
    full path), so the property test above is about those.
    """
    from hypothesis import Phase, find, settings

    def rich(source: str) -> bool:
        data = source.encode()
        if _parser().parse(data).root_node.has_error:
            return False
        facts = parse_source(data)
        return bool(facts.imports and facts.strings and facts.syntax_need is not None and facts.problem is None)

    assert rich(find(modules(), rich, settings=settings(database=None, phases=(Phase.generate,))))  # no need to shrink it


def _statement_records(data: bytes) -> list[tuple[list[object], list[object] | None]]:
    """Per import statement of an error-free module: the records of the walk, and those read from the bytes (None: not read)."""
    from remediator.adapters.fast_locate import query_captures
    from remediator.adapters.parser import _Extractor

    root = _parser().parse(data).root_node
    assert not root.has_error
    extractor = _Extractor(data, fast=True)
    pairs: list[tuple[list[object], list[object] | None]] = []
    for node in query_captures(data, root).get("import", ()):
        from_bytes = extractor._import_records_from_bytes(node)
        pairs.append((list(extractor._import_records(node)), None if from_bytes is None else list(from_bytes)))
    return pairs


def _read_from_bytes(source: str) -> bool:
    """True when every import statement of the source is one the fast path reads from its bytes."""
    source = source.replace("\r\n", "\n")
    return source.isascii() and ". ." not in source and ".\\\n." not in source  # spaced dots: the walk gives the level


@given(import_statements(), st.sampled_from(["", "    "]), st.booleans())
def test_import_statements_read_from_their_bytes_give_the_records_of_the_walk(statement: str, indent: str, crlf: bool) -> None:
    source = f"if x:\n{indent or '    '}pass\n" + (f"def f():\n{indent}" if indent else "") + statement + "\n"
    if crlf:
        source = source.replace("\n", "\r\n")
    data = source.encode()
    note(source)
    assume(not _parser().parse(data).root_node.has_error)
    _assert_read_as_walked(source, data)


@pytest.mark.parametrize("form", IMPORT_FORMS)
def test_import_forms_read_from_their_bytes(form: str) -> None:
    source = form.format(n="name", d="pkg.mod") + "\n"
    _assert_read_as_walked(source, source.encode())


def _assert_read_as_walked(source: str, data: bytes) -> None:
    """Each import statement read from its bytes gives the walk's records; the shortcut is taken where it should be."""
    pairs = _statement_records(data)  # (asserts the module is error-free: the fast path is taken)
    assert pairs
    for walked, read in pairs:
        assert read is None or read == walked
    if _read_from_bytes(source):
        assert all(read is not None for _, read in pairs)  # the shortcut is taken
    assert parse_source(data) == parse_source(data, fast=False)
