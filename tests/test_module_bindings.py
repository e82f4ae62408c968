"""Which names a module binds, as Python runs it: walrus, `match` captures, `vars()`, annotations, `__all__`.

Each case was a disagreement with Python found by a differential fuzz (random
trees, each module imported in a fresh interpreter). Python is the oracle: the
importer runs in a subprocess, and the scan reports it exactly when Python fails.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import remediator

from conftest import python_runs, scan_agrees_with_python, write_tree

CASES = [
    # (m.py, the importer's source, does Python import it)
    pytest.param(
        "import os\n\nif (HOME := os.environ.get('HOME', '')) or True:\n    pass\n(LIMIT := 10)\n",
        "from m import HOME, LIMIT",
        True,
        id="walrus",
    ),
    pytest.param("[(last := n) for n in range(3)]\n", "from m import last", True, id="walrus in a comprehension binds in the module"),
    pytest.param("def f():\n    (x := 1)\n", "from m import x", False, id="walrus in a function"),
    pytest.param(
        "match {'mode': 'fast'}:\n    case {'mode': MODE, **rest}:\n        pass\n", "from m import MODE, rest", True, id="match captures"
    ),
    pytest.param(
        "class P:\n    __match_args__ = ('x',)\n\n    def __init__(self):\n        self.x = 1\n\n\nmatch P():\n    case P(x=px) as whole:\n        pass\n",
        "from m import px, whole",
        True,
        id="match keyword and as captures",
    ),
    pytest.param(
        "match 1:\n    case [first, *others]:\n        pass\n    case _:\n        pass\n",
        "from m import _",
        False,
        id="the match wildcard binds nothing",
    ),
    pytest.param("for _n in ('A', 'B'):\n    vars()[_n] = _n.lower()\n", "from m import A", True, id="vars() at module level"),
    pytest.param("locals()['K'] = 1\n", "from m import K", True, id="locals() at module level"),
    pytest.param("def f():\n    return vars()\n", "from m import K", False, id="vars() in a function"),
    pytest.param("scale: float\n", "from m import scale", False, id="an annotation alone binds nothing"),
    pytest.param("scale: float = 1.0\n", "from m import scale", True, id="an annotated assignment binds"),
    pytest.param(
        "scale: float\n\n\ndef init():\n    global scale\n    scale = 1.0\n\n\ninit()\n",
        "from m import scale",
        True,
        id="an annotation, then global",
    ),
    pytest.param(
        "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    __all__ = ['Engine']\nvalue = 1\n",
        "from m import *",
        True,
        id="__all__ only for type checkers",
    ),
    pytest.param("__all__ = ['a', 'b']\n__all__.remove('b')\na = 1\n", "from m import *", True, id="__all__.remove"),
    pytest.param(
        "try:\n    from m import json\nexcept ImportError:\n    pass\nimport json as json\n",
        "from m import json",
        True,
        id="a self-import beside another import",
    ),
    pytest.param("x = 1\n", "from m import __class__, __init__, __dict__", True, id="attributes of the module type"),
    pytest.param("x = 1\n", "from m import __path__", False, id="__path__ is a package's"),
]


@pytest.mark.parametrize("module, importer, runs", CASES)
def test_a_module_binds_what_python_binds(tmp_path: Path, module: str, importer: str, runs: bool) -> None:
    root = write_tree(tmp_path / "repo", {"m.py": module, "user.py": importer + "\n"})
    scan_agrees_with_python(root, "user", "user.py", runs)


def test_a_namespace_package_has_no_cached_file(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path / "repo", {"ns/leaf.py": "", "user.py": "from ns import __cached__\n", "other.py": "from ns import __path__, __file__\n"}
    )
    assert not python_runs(root, "import user")[0] and python_runs(root, "import other")[0]  # the oracle
    found = [(f.path, f.name) for f in remediator.scan(root, use_git=False).findings]
    assert found == [("user.py", "__cached__")]


def test_an_annotation_alone_is_explained_and_counts_for_a_type_checker(tmp_path: Path) -> None:
    importer = "from typing import TYPE_CHECKING\n\nfrom m import scale\n\nif TYPE_CHECKING:\n    from m import scale as declared\n"
    root = write_tree(tmp_path / "repo", {"m.py": "scale: float\n", "user.py": importer})
    found = [(f.line, f.message) for f in remediator.scan(root, use_git=False).findings]
    assert found == [(3, "m has no name 'scale': it is only annotated (`scale: ...` binds nothing)")]
