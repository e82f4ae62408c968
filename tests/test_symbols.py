"""missing-name: static symbol tables, re-exports, star imports and unknowable modules."""

from __future__ import annotations

import pytest

from tests.conftest import problems

# (case id, files of the target package `lib`, import line in app/user.py, expected missing names)
CASES = [
    ("def and class", {"lib/m.py": "def f(): pass\nclass C: pass\n"}, "from lib.m import f, C, g", ["g"]),
    (
        "assignments",
        {"lib/m.py": "a = 1\nb, (c, *d) = 1, (2, 3)\ne: int = 5\nf: str\n"},
        "from lib.m import a, b, c, d, e, f, z",
        ["f", "z"],
    ),
    ("augmented and chained", {"lib/m.py": "a = b = 1\nc = 0\nc += 1\n"}, "from lib.m import a, b, c", []),
    (
        "conditional definitions",
        {
            "lib/m.py": "import sys\nif sys.platform == 'x':\n    A = 1\nelse:\n    B = 2\ntry:\n    C = 1\nexcept Exception:\n    D = 2\nfinally:\n    E = 3\n"
        },
        "from lib.m import A, B, C, D, E, F",
        ["F"],
    ),
    ("for and with targets", {"lib/m.py": "for i, j in []: pass\nwith open('x') as fh: pass\n"}, "from lib.m import i, j, fh", []),
    (
        "function locals are not module names",
        {"lib/m.py": "def f():\n    local = 1\nclass K:\n    attr = 1\n"},
        "from lib.m import local, attr",
        ["local", "attr"],
    ),
    ("global declaration binds", {"lib/m.py": "def setup():\n    global CONFIG\n    CONFIG = {}\n"}, "from lib.m import CONFIG", []),
    (
        "imports re-export",
        {"lib/m.py": "import os\nfrom lib.n import thing as alias\nimport lib.n\n", "lib/n.py": "thing = 1\n"},
        "from lib.m import os, alias, lib, thing",
        ["thing"],
    ),
    ("function-level import binds nothing", {"lib/m.py": "def f():\n    import json\n"}, "from lib.m import json", ["json"]),
    (
        "star import followed",
        {"lib/m.py": "from lib.n import *\n", "lib/n.py": "x = 1\n_private = 2\n"},
        "from lib.m import x, _private",
        ["_private"],
    ),
    (
        "star import honours __all__",
        {"lib/m.py": "from lib.n import *\n", "lib/n.py": "x = 1\ny = 2\n__all__ = ['x']\n"},
        "from lib.m import x, y",
        ["y"],
    ),
    (
        "star import chain",
        {"lib/m.py": "from .n import *\n", "lib/n.py": "from .o import *\n", "lib/o.py": "deep = 1\n"},
        "from lib.m import deep, shallow",
        ["shallow"],
    ),
    (
        "star import cycle terminates",
        {"lib/m.py": "from lib.n import *\na = 1\n", "lib/n.py": "from lib.m import *\nb = 1\n"},
        "from lib.m import a, b, c",
        ["c"],
    ),
    ("external star import makes names unknown", {"lib/m.py": "from os.path import *\n"}, "from lib.m import anything", []),
    ("module __getattr__ makes names unknown", {"lib/m.py": "def __getattr__(name):\n    return name\n"}, "from lib.m import anything", []),
    ("globals() makes names unknown", {"lib/m.py": "globals()['made'] = 1\n"}, "from lib.m import made", []),
    ("submodule of package", {"lib/pkg/__init__.py": "", "lib/pkg/sub.py": ""}, "from lib.pkg import sub, other", ["other"]),
    ("namespace package submodule", {"lib/ns/sub.py": "x = 1\n"}, "from lib.ns import sub, nothing", ["nothing"]),
    ("module dunders exist", {"lib/m.py": ""}, "from lib.m import __name__, __file__, __doc__, __spec__, __loader__", []),
    ("type alias statement", {"lib/m.py": "type Vector = list[float]\n"}, "from lib.m import Vector, Matrix", ["Matrix"]),
    ("a stub adds no names at run time", {"lib/m.py": "a = 1\n", "lib/m.pyi": "a: int\nb: int\n"}, "from lib.m import a, b, c", ["b", "c"]),
    (
        "a stub's names count for a type checker",
        {"lib/m.py": "a = 1\n", "lib/m.pyi": "a: int\nb: int\n"},
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from lib.m import a, b, c",
        ["c"],
    ),
    ("extension module names are unknown", {"lib/fast.cpython-311-x86_64-linux-gnu.so": b"\x7fELF"}, "from lib.fast import anything", []),
    ("unparsable module names are unknown", {"lib/broken.py": "def (:\n"}, "from lib.broken import anything", []),
]


@pytest.mark.parametrize("files, line, missing", [pytest.param(files, line, missing, id=name) for name, files, line, missing in CASES])
def test_symbol_table(project, files: dict, line: str, missing: list[str]) -> None:
    tree = {"lib/__init__.py": "", "app/__init__.py": "", "app/user.py": line + "\n", **files}
    result = project(tree)
    found = [f.name for f in result.findings if f.rule == "missing-name" and f.path == "app/user.py"]
    assert found == missing


def test_names_in_type_checking_else_branch_are_seen(project) -> None:
    files = {
        "lib/__init__.py": "",
        "lib/m.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from lib.n import A\nelse:\n    A = object\n",
        "lib/n.py": "class A: pass\n",
        "app/__init__.py": "",
        "app/user.py": "from lib.m import A\n",
    }
    assert problems(project(files)) == []
