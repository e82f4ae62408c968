"""`import app.helpers` with only `app/Helpers.py`: missing, as Python says on every platform, with a note on the case.

Python's import matches module names exactly, also on Windows and macOS where the
file system would open `Helpers.py` for `helpers.py` (PEP 235; PYTHONCASEOK aside).
Real Python on this (case-sensitive) machine is the oracle.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import remediator
from tests.conftest import write_tree

TREE = {
    "app/__init__.py": "",
    "app/Helpers.py": "X = 1\n",
    "app/Reports/__init__.py": "",
    "app/Reports/daily.py": "Y = 2\n",
}
NOTE = "Python's import is case-sensitive even where the file system is not"


@pytest.mark.parametrize(
    ("statement", "rule", "message"),
    [
        ("import app.helpers", "missing-module", f"module app.helpers does not exist: only app.Helpers does, and {NOTE}"),
        ("from app.helpers import X", "missing-module", f"module app.helpers does not exist: only app.Helpers does, and {NOTE}"),
        ("from app import helpers", "missing-name", f"app has no name 'helpers': only the module app.Helpers exists, and {NOTE}"),
        ("import app.reports.daily", "missing-module", f"module app.reports.daily does not exist: only app.Reports does, and {NOTE}"),
        ("import app.Helpers", None, None),
        ("from app.Reports import daily", None, None),
    ],
)
def test_a_module_named_but_for_case_is_missing_as_python_says(
    tmp_path: Path, statement: str, rule: str | None, message: str | None
) -> None:
    root = write_tree(tmp_path / "repo", {**TREE, "app/main.py": statement + "\n"})
    python = subprocess.run([sys.executable, "-c", "import app.main"], cwd=root, capture_output=True, text=True, check=False)
    result = remediator.scan(root, use_git=False)
    found = [(f.rule, f.message) for f in result.findings if f.path == "app/main.py"]
    if rule is None:
        assert python.returncode == 0, python.stderr
        assert found == []
    else:
        assert python.returncode == 1 and ("ModuleNotFoundError" in python.stderr or "ImportError" in python.stderr), python.stderr
        assert found == [(rule, message)]


def test_a_patch_string_with_the_wrong_case_gets_the_note(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path / "repo",
        {**TREE, "tests/test_x.py": "from unittest.mock import patch\n\n@patch('app.helpers.X')\ndef test_x(m):\n    pass\n"},
    )
    (finding,) = [f for f in remediator.scan(root, use_git=False).findings if f.path == "tests/test_x.py"]
    assert finding.message == f"string reference 'app.helpers.X': module app.helpers does not exist: only app.Helpers does, and {NOTE}"


def test_warm_runs_follow_a_module_of_another_case_that_comes_and_goes(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", {"app/__init__.py": "", "app/main.py": "import app.helpers\n"})
    messages = []
    for step in ("none", "added", "renamed", "removed"):
        if step == "added":
            (root / "app/Helpers.py").write_text("X = 1\n")
        elif step == "renamed":
            (root / "app/Helpers.py").rename(root / "app/HELPERS.py")
        elif step == "removed":
            (root / "app/HELPERS.py").unlink()
        warm = [f.message for f in remediator.scan(root, use_git=False).findings]
        full = [f.message for f in remediator.scan(root, use_git=False, use_cache=False).findings]
        assert warm == full, step
        messages += warm
    assert messages == [
        "module app.helpers does not exist",
        f"module app.helpers does not exist: only app.Helpers does, and {NOTE}",
        f"module app.helpers does not exist: only app.HELPERS does, and {NOTE}",
        "module app.helpers does not exist",
    ]
