"""Precedence inside one directory, as Python's path finder decides: `X/__init__.py`, then `X.py`, then a namespace `X/`.

Python is the oracle: each case is imported in a subprocess, and the scan must
say what Python did (which names exist, which imports fail) and report the
loser as `shadowed-module`.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import remediator

from conftest import write_tree

CASES = [
    # (files, an import statement, does Python import it, the loser reported)
    pytest.param(
        {
            "app/__init__.py": "",
            "app/exceptions.py": "ErrorCode = 1\n",
            "app/exceptions/__init__.py": "class AppError(Exception):\n    pass\n",
        },
        "from app.exceptions import ErrorCode",
        False,
        "app/exceptions.py",
        id="package beats module: its names only",
    ),
    pytest.param(
        {
            "app/__init__.py": "",
            "app/exceptions.py": "ErrorCode = 1\n",
            "app/exceptions/__init__.py": "class AppError(Exception):\n    pass\n",
        },
        "from app.exceptions import AppError",
        True,
        "app/exceptions.py",
        id="package beats module: the package's name",
    ),
    pytest.param(
        {"pkg/__init__.py": "", "pkg/auth.py": "TOKEN = 1\n", "pkg/auth/websocket_ticket.py": "TICKET = 1\n"},
        "import pkg.auth.websocket_ticket",
        False,
        "pkg/auth/",
        id="module beats namespace folder: no submodules",
    ),
    pytest.param(
        {"pkg/__init__.py": "", "pkg/auth.py": "TOKEN = 1\n", "pkg/auth/websocket_ticket.py": "TICKET = 1\n"},
        "from pkg.auth import TOKEN",
        True,
        "pkg/auth/",
        id="module beats namespace folder: the module's names",
    ),
    pytest.param(
        {"tools.py": "HELPER = 1\n", "tools/extra.py": "EXTRA = 1\n"},
        "from tools.extra import EXTRA",
        False,
        "tools/",
        id="top level: module beats namespace folder",
    ),
    pytest.param(
        {"lib.py": "OLD = 1\n", "lib/__init__.py": "NEW = 1\n", "lib/core.py": "X = 1\n"},
        "from lib.core import X",
        True,
        "lib.py",
        id="top level: package beats module",
    ),
]


@pytest.mark.parametrize("files, statement, imports, loser", CASES)
def test_the_winner_is_the_one_python_imports(tmp_path: Path, files: dict[str, str], statement: str, imports: bool, loser: str) -> None:
    root = write_tree(tmp_path / "repo", {**files, "user.py": statement + "\n"})
    done = subprocess.run([sys.executable, "-c", statement], cwd=root, capture_output=True, text=True, check=False)
    assert (done.returncode == 0) is imports, done.stderr  # the oracle
    result = remediator.scan(root, use_git=False)
    broken = [f for f in result.findings if f.path == "user.py" and f.rule in ("missing-module", "missing-name")]
    assert (not broken) is imports, broken
    (shadowed,) = [f for f in result.findings if f.rule == "shadowed-module"]
    assert (shadowed.path, shadowed.severity) == (loser, "warning")
    assert "can never be imported" in shadowed.message


def test_warm_runs_follow_a_shadowing_that_comes_and_goes(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path / "repo",
        {"app/__init__.py": "", "app/exceptions.py": "ErrorCode = 1\n", "user.py": "from app.exceptions import ErrorCode\n"},
    )
    assert not remediator.scan(root, use_git=False).findings
    write_tree(root, {"app/exceptions/__init__.py": "class AppError(Exception):\n    pass\n"})
    warm = remediator.scan(root, use_git=False)
    full = remediator.scan(root, use_git=False, use_cache=False)
    assert (
        [(f.rule, f.path) for f in warm.findings]
        == [(f.rule, f.path) for f in full.findings]
        == [
            ("shadowed-module", "app/exceptions.py"),
            ("missing-name", "user.py"),
        ]
    )
