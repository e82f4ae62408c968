"""Branches only Python 2 enters (`if sys.version_info[0] == 2:`, `if six.PY2:`, the `else` of a Python 3 test).

A clean-up that deletes the Python 2 compatibility modules leaves their imports
in such branches; Python 3 never runs them. Python is the oracle: the scan
reports an import exactly when running the file fails.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import remediator
from remediator.adapters.parser import parse_source
from remediator.domain.facts import Context

from conftest import python_runs, write_tree

PRELUDE = "import sys\nimport types\n\nsix = types.SimpleNamespace(PY2=sys.version_info[0] == 2)\nPY2 = sys.version_info[0] == 2\nPY3 = not PY2\nX = True\n\n"

CASES = [
    # (the branch, does Python run the file)
    ("if sys.version_info[0] == 2:\n    import pkg.gone\n", True),
    ("if sys.version_info < (3,):\n    from pkg.gone import thing\n", True),
    ("if sys.version_info.major < 3:\n    import pkg.gone\n", True),
    ("if (3, 0) > sys.version_info:\n    import pkg.gone\n", True),
    ("if sys.version_info >= (3, 0):\n    pass\nelse:\n    import pkg.gone\n", True),
    ("if sys.version_info >= (3,):\n    pass\nelif X:\n    import pkg.gone\n", True),
    ("if six.PY2:\n    from pkg.compat2 import thing\nelse:\n    from pkg.compat3 import thing\n", True),
    ("if not PY3:\n    import pkg.gone\n", True),
    ("if sys.version_info[0] == 2 and X:\n    import pkg.gone\n", True),
    ("if PY2:\n    import importlib\n    importlib.import_module('pkg.gone')\n", True),
    # near misses: the branch runs on Python 3
    ("if sys.version_info[0] == 2 or X:\n    import pkg.gone\n", False),
    ("if sys.version_info[0] == 3:\n    import pkg.gone\n", False),
    ("if PY2:\n    pass\nelse:\n    import pkg.gone\n", False),
    ("if six.PY2:\n    from pkg.compat3 import thing\nelse:\n    from pkg.compat2 import thing\n", False),
]


@pytest.mark.parametrize("branch, runs", CASES)
def test_an_import_only_python_2_runs_is_not_reported(tmp_path: Path, branch: str, runs: bool) -> None:
    root = write_tree(tmp_path / "repo", {"pkg/__init__.py": "", "pkg/compat3.py": "thing = 3\n", "user.py": PRELUDE + branch})
    ran, error = python_runs(root, "import user")
    assert ran is runs, error  # the oracle
    found = [f for f in remediator.scan(root, use_git=False).findings if f.path == "user.py"]
    assert (not found) is runs, [f.message for f in found]


@pytest.mark.parametrize(
    "condition",
    ["sys.version_info < (3, 8)", "sys.version_info >= (3, 12)", "sys.version_info[1] < 8", "sys.version_info < (3, 8, 1, 0)", "PY2()"],
)
def test_a_test_of_the_minor_version_is_not_constant(condition: str) -> None:
    """Whether `sys.version_info < (3, 8)` holds depends on the Python 3 at hand: not a Python 2 branch."""
    facts = parse_source(f"import sys\nif {condition}:\n    import pkg.gone\nelse:\n    import pkg.other\n".encode())
    assert [record.context & Context.PYTHON2 for record in facts.imports[1:]] == [0, 0]
