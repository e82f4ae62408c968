"""A package's submodules that its own code imports are attributes of the package: star imports bring them in.

`from .models import User` in `pkg/__init__.py` sets `pkg.models`, so
`from pkg import *` (with no `__all__`) binds `models` in the importer, and a
module that star-imports `pkg` can be asked for it. Python is the oracle: each
importer runs in a subprocess, and the scan reports it exactly when Python fails.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import remediator

from conftest import python_runs, scan_agrees_with_python, write_tree

CASES = [
    # (pkg/__init__.py, does `from api import models` work, where api.py is `from pkg import *`)
    pytest.param("from . import models\n", True, id="from . import models"),
    pytest.param("from .models import x\n", True, id="a name of the submodule"),
    pytest.param("import pkg.models\n", True, id="an absolute import of its own submodule"),
    pytest.param("from pkg.models import x\n", True, id="an absolute from-import of its own submodule"),
    pytest.param("from . import models\n\n__all__ = ['y']\ny = 1\n", False, id="a static __all__ decides what a star brings"),
    pytest.param(
        "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    from . import models\n",
        False,
        id="under TYPE_CHECKING nothing is loaded",
    ),
    pytest.param("", False, id="a submodule nobody imported is no attribute"),
    pytest.param("def load():\n    from . import models\n", False, id="an import in a function has not run"),
]


@pytest.mark.parametrize("init, runs", CASES)
def test_a_star_import_brings_the_submodules_a_package_loaded(tmp_path: Path, init: str, runs: bool) -> None:
    files = {"pkg/__init__.py": init, "pkg/models.py": "x = 1\n", "api.py": "from pkg import *\n", "user.py": "from api import models\n"}
    scan_agrees_with_python(write_tree(tmp_path / "repo", files), "user", "user.py", runs)


def test_a_private_or_missing_submodule_is_not_brought_in(tmp_path: Path) -> None:
    init = "from . import _private\n\ntry:\n    from . import gone\nexcept ImportError:\n    pass\n"
    files = {"pkg/__init__.py": init, "pkg/_private.py": "", "api.py": "from pkg import *\n", "user.py": "from api import _private\n"}
    root = write_tree(tmp_path / "repo", files)
    (root / "other.py").write_text("from api import gone\n")
    for importer in ("user", "other"):
        ran, error = python_runs(root, f"import {importer}")
        assert not ran, error  # the oracle
    found = {f.path: f.name for f in remediator.scan(root, use_git=False).findings if f.severity == "error"}
    assert found == {"user.py": "_private", "other.py": "gone"}
