"""Relative imports in test files and conftests as pytest names them.

In pytest's default `prepend` mode (and `append`), a test file or conftest is
imported under its path from its basedir, the first folder upwards without an
`__init__.py`: `tests/test_a.py` without `tests/__init__.py` is the top-level
module `test_a`, and its `from . import helpers` fails. A clean-up that deletes
"empty" `__init__.py` files does exactly this. pytest is the oracle.
"""

from __future__ import annotations

from pathlib import Path

import remediator

from conftest import uncollectable, write_tree

HELPERS = {"tests/helpers.py": "X = 1\n", "tests/unit/helpers.py": "Y = 1\n"}
TESTS = {
    "tests/unit/test_same_package.py": "from .helpers import Y\n\n\ndef test_b():\n    assert Y == 1\n",
    "tests/unit/test_parent.py": "from ..helpers import X\n\n\ndef test_c():\n    assert X == 1\n",
    "tests/test_top.py": "from .helpers import X\n\n\ndef test_d():\n    assert X == 1\n",
}


def broken_test_files(result: remediator.ScanResult) -> list[str]:
    return sorted({path for target in result.to_dict()["summary"]["missing_targets"] for path in target["failing_test_files"]})


def test_relative_imports_fail_where_pytest_names_the_file_without_a_package(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", {**HELPERS, "tests/unit/__init__.py": "", **TESTS})
    failing = uncollectable(root, sorted(TESTS))  # the oracle
    assert failing == ["tests/test_top.py", "tests/unit/test_parent.py"]
    result = remediator.scan(root, use_git=False)
    assert broken_test_files(result) == failing
    messages = {f.path: f.message for f in result.findings}
    assert messages["tests/test_top.py"].endswith(
        "pytest imports this file as 'test_top' (as a top-level module), from the first folder upwards without an __init__.py"
    )
    assert "as 'unit.test_parent' (in the package unit)" in messages["tests/unit/test_parent.py"]


def test_a_deleted_init_breaks_a_conftest_and_everything_below_it(tmp_path: Path) -> None:
    files = {**HELPERS, "tests/__init__.py": "", "tests/unit/__init__.py": "", "tests/conftest.py": "from .helpers import X\n", **TESTS}
    root = write_tree(tmp_path / "repo", files)
    assert uncollectable(root, sorted(TESTS)) == []  # the oracle: with tests/__init__.py every import works
    assert remediator.scan(root, use_git=False).findings == []

    (root / "tests/__init__.py").unlink()  # the clean-up
    after = uncollectable(root, sorted(TESTS))
    assert after == sorted(TESTS)  # pytest cannot load the conftest: nothing below it is collected
    result = remediator.scan(root, use_git=False)
    assert broken_test_files(result) == after
    assert any(f.path == "tests/conftest.py" and "as 'conftest'" in f.message for f in result.findings)
