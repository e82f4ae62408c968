"""Names a module-level `del` removes are not the module's (`del helper` after importing it in `__init__.py`).

Python is the oracle: each importer runs in a subprocess, and the scan reports
it exactly when Python fails.
"""

from __future__ import annotations

from pathlib import Path

import pytest


from conftest import scan_agrees_with_python, write_tree

CORE = {"pkg/core.py": "def helper():\n    return 1\n"}

CASES = [
    # (pkg/__init__.py, the importer, does Python run it)
    ("from .core import helper\n\ndel helper\n", "from pkg import helper", False),
    ("import os\n\ndel os\n", "from pkg import os", False),
    ("def local():\n    pass\n\n\ndel local\n", "from pkg import local", False),
    ("from .core import helper\n\ndel helper\n__all__ = ['helper']\n", "from pkg import *", False),
    ("from .core import helper\n\ndel helper\n", "from pkg import core", True),  # a submodule: found in sys.modules
    ("from . import core\n\ndel core\n", "from pkg import core", True),
    ("from .core import helper\n\ndel helper\nhelper = 2\n", "from pkg import helper", True),
    ("from .core import helper\n\ndel helper\nfrom .core import helper\n", "from pkg import helper", True),
    ("from .core import helper\n\nif False:\n    del helper\n", "from pkg import helper", True),
    ("from .core import helper\n\ndel helper.__doc__\n", "from pkg import helper", True),
    ("helper = 1\ndel helper\n\n\ndef again():\n    global helper\n    helper = 2\n\n\nagain()\n", "from pkg import helper", True),
]


@pytest.mark.parametrize("init, statement, runs", CASES)
def test_a_deleted_name_is_reported_exactly_when_python_fails(tmp_path: Path, init: str, statement: str, runs: bool) -> None:
    root = write_tree(tmp_path / "repo", {**CORE, "pkg/__init__.py": init, "user.py": statement + "\n"})
    scan_agrees_with_python(root, "user", "user.py", runs)
