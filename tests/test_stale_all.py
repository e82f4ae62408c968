"""A star import of a module whose static `__all__` lists a name it does not have fails (AttributeError).

Python is the oracle: each importer runs in a subprocess, and the scan reports an
error at the star import exactly when Python fails (a guard that catches
AttributeError makes it a warning; `except ImportError` does not catch it).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import remediator

from conftest import invoke_cli, python_runs, write_tree

STALE = "__all__ = ['present', 'gone']\n\n\ndef present():\n    pass\n"
EXTENDED = (
    "from .core import *\n\n__all__ = ['present']\n\n\ndef present():\n    pass\n\n\n"
    "def _extend(names):\n    for name in names:\n        __all__.append(name)\n\n\n_extend(['X'])\n"
)

CASES = [
    # (files, the importer's source, does Python import it)
    pytest.param({"pkg/__init__.py": STALE}, "from pkg import *\n", False, id="a name listed and gone"),
    pytest.param({"pkg/__init__.py": STALE}, "from pkg import present\n", True, id="only a star import looks the list up"),
    pytest.param(
        {"pkg/__init__.py": "__all__ = ['sub']\n", "pkg/sub.py": "X = 1\n"},
        "from pkg import *\n",
        True,
        id="a submodule listed is imported",
    ),
    pytest.param(
        {"pkg/__init__.py": "from .core import *\n\n__all__ = ['X']\n", "pkg/core.py": "X = 1\n"},
        "from pkg import *\n",
        True,
        id="a name bound by a star import",
    ),
    pytest.param(
        {
            "pkg/__init__.py": "__all__ = ['lazy']\n\n\ndef __getattr__(name):\n    if name == 'lazy':\n        return 1\n    raise AttributeError(name)\n"
        },
        "from pkg import *\n",
        True,
        id="a module __getattr__ answers",
    ),
    pytest.param(
        {"pkg/__init__.py": STALE},
        "try:\n    from pkg import *\nexcept ImportError:\n    pass\n",
        False,
        id="except ImportError does not catch it",
    ),
    pytest.param(
        {"pkg/__init__.py": STALE}, "try:\n    from pkg import *\nexcept Exception:\n    pass\n", True, id="except Exception does"
    ),
    pytest.param(
        {"pkg/__init__.py": STALE},
        "try:\n    from pkg import *\nexcept (ImportError, AttributeError):\n    pass\n",
        True,
        id="except AttributeError does",
    ),
    pytest.param(
        {"pkg/__init__.py": "", "pkg/mod.py": STALE},
        "from pkg.mod import *\n",
        False,
        id="a module, not a package",
    ),
    pytest.param(
        {"pkg/__init__.py": EXTENDED, "pkg/core.py": "X = 1\n", "mid.py": "from pkg import *\n"},
        "from mid import X\n",
        True,
        id="a function appends to __all__ (numpy's extend_all): the literal is not what is exported",
    ),
    pytest.param(
        {"pkg/__init__.py": STALE + "\n\ndef __dir__():\n    return __all__\n"},
        "from pkg import *\n",
        False,
        id="a function that only reads __all__ changes nothing",
    ),
]


@pytest.mark.parametrize("files, source, imports", CASES)
def test_a_star_import_fails_exactly_when_python_says_so(tmp_path: Path, files: dict[str, str], source: str, imports: bool) -> None:
    root = write_tree(tmp_path / "repo", {**files, "user.py": source})
    ran, error = python_runs(root, "import user")
    assert ran is imports, error  # the oracle
    result = remediator.scan(root, use_git=False)
    errors = [f for f in result.findings if f.path == "user.py" and f.severity == "error"]
    assert (not errors) is imports, [f.message for f in errors]
    if not imports:
        assert [(f.rule, f.name) for f in errors] == [("missing-name", "*")]
        assert "lists 'gone' in __all__" in errors[0].message


def test_the_failure_travels_to_the_modules_that_import_the_star_importer(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path / "repo",
        {"lib/__init__.py": STALE, "app/__init__.py": "", "app/api.py": "from lib import *\n", "tests/test_api.py": "import app.api\n"},
    )
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "tests"], cwd=root, capture_output=True, text=True, check=False
    )
    assert done.returncode != 0 and "AttributeError" in done.stdout  # the oracle: the test file cannot be collected
    result = remediator.scan(root, use_git=False)
    [target] = result.to_dict()["summary"]["missing_targets"]
    assert (target["target"], target["name"], target["failing_test_files"]) == ("lib", "*", ["tests/test_api.py"])
    text = invoke_cli(root, "scan", ".")
    assert text.exit_code == 1
    assert "lib.* — __all__ lists missing names" in text.output and "lib lists 'gone' in __all__" in text.output
