"""The parser's grammar, loaded from the grammar package's extension without running the package's `__init__`.

It must be the very grammar the package gives (`tree_sitter_python.language()`):
the same node kinds, and the same trees.
"""

from __future__ import annotations

import subprocess
import sys

import tree_sitter
import tree_sitter_python

from remediator.adapters.grammar import python_language

SOURCE = b"""\
from __future__ import annotations
import os.path as p
try:
    from .x import y
except ImportError:
    y = None
type Alias[T] = list[T]
def f[T](a, /, *b: T, **c) -> T:
    match a:
        case [1, *rest]:
            return f"{a!r:>{10}}"
    return (n := 1)
"""


def test_the_grammar_is_the_one_the_package_gives() -> None:
    ours, theirs = python_language(), tree_sitter.Language(tree_sitter_python.language())
    kinds = [ours.node_kind_for_id(i) for i in range(ours.node_kind_count)]
    assert kinds == [theirs.node_kind_for_id(i) for i in range(theirs.node_kind_count)]
    assert "import_from_statement" in kinds
    ours_tree = tree_sitter.Parser(ours).parse(SOURCE).root_node
    theirs_tree = tree_sitter.Parser(theirs).parse(SOURCE).root_node
    assert not ours_tree.has_error
    assert str(ours_tree) == str(theirs_tree)


def test_loading_the_grammar_does_not_run_the_package_init() -> None:
    """The package's `__init__` imports `importlib.resources` (and `tempfile` through it); loading the grammar does not."""
    program = (
        "import sys\n"
        "for name in ('importlib.resources', 'tempfile', 'tree_sitter_python'):\n"
        "    sys.modules.pop(name, None)  # a .pth file may have loaded them at start-up\n"
        "from remediator.adapters.grammar import python_language\n"
        "print(python_language().node_kind_count > 0, sorted(n for n in ('importlib.resources', 'tempfile', 'tree_sitter_python') if n in sys.modules))\n"
    )
    assert _printed_by(program) == ["True", "[]"]


def test_a_grammar_package_loaded_without_a_spec_is_used_as_it_is() -> None:
    """`find_spec` refuses a module in `sys.modules` whose `__spec__` is None (one made by hand, by an embedding
    program); the grammar then comes from that module, and the parser works."""
    program = (
        "import sys, types\n"
        "import tree_sitter_python\n"
        "bare = types.ModuleType('tree_sitter_python')\n"
        "bare.language = tree_sitter_python.language  # the real grammar, in a module without a spec\n"
        "bare.__spec__ = None\n"
        "sys.modules['tree_sitter_python'] = bare\n"
        "from remediator.adapters.grammar import _grammar_module\n"
        "from remediator.adapters.parser import parse_source\n"
        "print(_grammar_module() is bare, parse_source(b'from a import b\\n').imports[0].name)\n"
    )
    assert _printed_by(program) == ["True", "b"]


def _printed_by(program: str) -> list[str]:
    """The words `program` prints, run in a fresh interpreter (its imports are its own)."""
    return subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True).stdout.split()
