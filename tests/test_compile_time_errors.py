"""Files Python refuses although tree-sitter's grammar accepts them: each is a syntax-error finding.

The oracle is a real import of the file in a subprocess. Files that Python
accepts (the near misses) must not be reported.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import remediator

from conftest import write_tree

REFUSED = [
    ("print statement", 'print "hello"\n'),
    ("print statement in a function", 'def f():\n    print "hello"\n'),
    ("exec statement", 'exec "x = 1"\n'),
    ("indented first statement", "  x = 1\n"),
    ("indented later statement", "x = 1\n    y = 2\n"),
    ("return outside a function", "x = 1\nreturn x\n"),
    ("return in a module-level if", "if True:\n    return 1\n"),
    ("return under the main guard", "if __name__ == '__main__':\n    return 1\n"),
    ("await outside an async function", "def f():\n    await g()\n"),
    ("await at module level", "import asyncio\nawait asyncio.sleep(0)\n"),
    ("future import after code", "import os\nfrom __future__ import annotations\n"),
    ("unknown future feature", "from __future__ import no_such_feature\n"),
    ("future star import", '"""Doc."""\n\nfrom __future__ import *\n'),  # tree-sitter errors; ast.parse accepts; compile() refuses
    ("leading zero", "mode = 0777\n"),
    ("python 2 not-equal", "same = 1 <> 2\n"),
    ("python 2 backquotes", "text = `42`\n"),
    ("python 2 long integer", "big = 10L\n"),
    ("python 2 ur prefix", "pattern = ur'\\d+'\n"),
    ("python 2 raise with a message", "raise ValueError, 'bad'\n"),
    ("break outside a loop", "x = 1\nif x:\n    break\n"),
    ("continue in a function without a loop", "def f():\n    continue\n"),
    ("break in a function inside a loop", "for x in range(3):\n    def f():\n        break\n"),
    ("yield at module level", "yield 1\n"),
    ("yield in a class body", "class C:\n    yield 1\n"),
    ("nonlocal at module level", "nonlocal x\n"),
    ("import star in a function", "def f():\n    from os import *\n"),
    ("import star in a class body", "class C:\n    from os import *\n"),
    ("async for in a plain def", "def f(y):\n    async for x in y:\n        pass\n"),
    ("async with in a plain def", "def f(y):\n    async with y:\n        pass\n"),
    ("async comprehension at module level", "y = []\nx = [a async for a in y]\n"),
]

ACCEPTED = [
    ("print call", 'print("hello")\n'),
    ("print as a name", "print = log = None\nprint\n"),
    ("await in async def", "async def f():\n    await g()\n"),
    ("await in a nested async def", "def outer():\n    async def inner():\n        await g()\n    return inner\n"),
    ("future import after the docstring", '"""Doc."""\nfrom __future__ import annotations\n'),
    ("zero and zeros", "a = 0\nb = 00\nc = 0.7\nd = '0777'\ne = 0o777\n"),
    ("two statements on one line", "x = 1; y = 2\n"),
    ("return in a function", "def f():\n    return 1\n"),
    ("not-equal in a string", "html = '<>'\n"),
    ("backquotes in a docstring", '"""Use ``run()``."""\nx = 1\n'),
    ("an l after a digit", "cell = 'A1L'\nx1l = 1\nvalue = 0x1F\n"),
    ("ur in a word", "four = 'your'\nsour = four\n"),
    ("raise of a call with arguments", "def f():\n    raise ValueError('a', 'b')\n"),
    ("print chevron, an expression in Python 3", "import sys\n\n\ndef f():\n    print >>sys.stderr, 'x'\n"),
    ("digits after a zero in floats and strings", "rate = 1.05\nsmall = .07\nday = '2024-01-01'\n# 0777 in a comment\n"),
    ("zero integers and an imaginary with zeros", "a = 0_0\nb = 000\nc = 07j\n"),
    ("docstring after a license comment", '# Copyright\n# License\n"""Doc."""\nfrom __future__ import annotations\n'),
    ("a statement after a semicolon, spaced", "x = 1;   y = 2\n"),
    ("break and continue in loops", "def f(y):\n    for x in y:\n        if x:\n            break\n    while y:\n        continue\n"),
    ("yield in a function and in a lambda of a class body", "def f():\n    yield 1\n\n\nclass C:\n    g = lambda: (yield)\n"),
    ("nonlocal with a binding", "def f():\n    x = 1\n\n    def g():\n        nonlocal x\n"),
    ("import star under a module-level if", "if True:\n    from os import *\n"),
    ("async for and with in an async def", "async def f(y):\n    async for x in y:\n        pass\n    async with y:\n        pass\n"),
    ("an indented comment at module level", "x = 1\n    # old code:\n    # y = 2\n"),
    ("keywords in strings and comments", "s = 'break yield nonlocal'\n# continue, async for\n"),
]

# Near misses the tree settles: the cheap checks say no, so the file is not compiled at all.
NOT_COMPILED = [source for name, source in ACCEPTED if not name.startswith("print chevron")]


def _python_imports(root: Path, module: str) -> bool:
    done = subprocess.run([sys.executable, "-c", f"import {module}"], cwd=root, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        assert "SyntaxError" in done.stderr or "IndentationError" in done.stderr, done.stderr
    return done.returncode == 0


@pytest.mark.parametrize("source", [pytest.param(s, id=i) for i, s in REFUSED])
def test_a_file_python_refuses_is_a_syntax_error(tmp_path: Path, source: str) -> None:
    root = write_tree(tmp_path / "repo", {"app/__init__.py": "", "app/mod.py": source.encode(), "app/user.py": "from app import mod\n"})
    assert not _python_imports(root, "app.mod")  # the oracle
    result = remediator.scan(root, use_git=False)
    (finding,) = [f for f in result.findings if f.path == "app/mod.py"]
    assert (finding.rule, finding.severity) == ("syntax-error", "error")
    assert result.exit_code == 1


@pytest.mark.parametrize("source", [pytest.param(s, id=i) for i, s in ACCEPTED])
def test_a_file_python_accepts_is_not_reported(tmp_path: Path, source: str) -> None:
    root = write_tree(tmp_path / "repo", {"app/__init__.py": "", "app/mod.py": source.encode()})  # bytes: not dedented
    assert _python_imports(root, "app.mod")  # the oracle
    result = remediator.scan(root, use_git=False)
    assert [f for f in result.findings if f.rule == "syntax-error"] == []


@pytest.mark.parametrize("source", NOT_COMPILED)
def test_a_near_miss_is_not_sent_to_compile(source: str) -> None:
    from remediator.adapters.parser import _may_be_rejected, _parser

    data = source.encode()
    root = _parser().parse(data).root_node
    assert not root.has_error
    assert not _may_be_rejected(data, root, root.named_children)
