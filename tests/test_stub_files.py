"""Stubs (`.pyi`) are for type checkers: Python never imports them.

A module whose only file is `m.pyi` does not exist at run time, a name only the
stub declares is not the module's, and a package whose `__init__` is only a stub
is a namespace package. Python is the oracle: each importer runs in a subprocess,
and the scan reports it exactly when Python fails. The imports only a type checker
follows (those of stubs and of `if TYPE_CHECKING:` branches) are resolved as a
type checker does, for whom stubs are modules.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import remediator

from conftest import invoke_cli, python_runs, scan_agrees_with_python, write_tree

ONLY_A_STUB = {"pkg/__init__.py": "", "pkg/m.pyi": "X: int\n"}
STALE_STUB = {"pkg/__init__.py": "", "pkg/m.py": "a = 1\n", "pkg/m.pyi": "a: int\nb: int\n"}
STUB_INIT = {"pkg/__init__.pyi": "Z: int\n", "pkg/core.py": "W = 1\n"}
MADE_AT_RUN_TIME = {  # numpy.dtypes: the classes are set on the module and listed in `__all__` by a helper
    "pkg/__init__.py": "from pkg import dtypes\n\n\nclass StringDType:\n    pass\n\n\ndtypes._add(StringDType)\n",
    "pkg/dtypes.py": (
        "__all__ = []\n\n\ndef _add(cls):\n    from pkg import dtypes\n\n"
        "    setattr(dtypes, cls.__name__, cls)\n    __all__.append(cls.__name__)\n"
    ),
    "pkg/dtypes.pyi": "class StringDType: ...\n",
}

CASES = [
    # (files, the importer's source, does Python import it)
    pytest.param(ONLY_A_STUB, "import pkg.m\n", False, id="a module that is only a stub"),
    pytest.param(ONLY_A_STUB, "from pkg import m\n", False, id="the same, from its package"),
    pytest.param(ONLY_A_STUB, "from pkg.m import X\n", False, id="a name of it"),
    pytest.param(ONLY_A_STUB, "from unittest import mock\n\nmock.patch('pkg.m.X').start()\n", False, id="a patch target in it"),
    pytest.param({**ONLY_A_STUB, "pkg/m.py": "X = 1\n"}, "import pkg.m\n", True, id="a stub beside its module"),
    pytest.param(STALE_STUB, "from pkg.m import b\n", False, id="a name only the stub declares"),
    pytest.param(STALE_STUB, "from pkg.m import a\n", True, id="a name the module binds"),
    pytest.param(STUB_INIT, "import pkg.core\n", True, id="a package whose __init__ is a stub is a namespace package"),
    pytest.param(STUB_INIT, "from pkg import Z\n", False, id="whose stub's names are not there"),
    pytest.param(STUB_INIT, "from pkg import core\n", True, id="but whose submodules are"),
    pytest.param(MADE_AT_RUN_TIME, "from pkg.dtypes import StringDType\n", True, id="names a module makes at run time"),
    pytest.param(
        {"click/__init__.pyi": "def group() -> None: ...\n"},
        "from click import command\n",
        True,
        id="stubs for an installed package describe it: Python imports the package",
    ),
    pytest.param(
        {"nowhere/__init__.pyi": "def group() -> None: ...\n"},
        "from nowhere import group\n",
        False,
        id="stubs for a package installed nowhere describe nothing Python has",
    ),
]


@pytest.mark.parametrize("files, importer, runs", CASES)
def test_a_stub_is_reported_exactly_when_python_fails(tmp_path: Path, files: dict[str, str], importer: str, runs: bool) -> None:
    root = write_tree(tmp_path / "repo", {**files, "user.py": importer})
    found = scan_agrees_with_python(root, "user", "user.py", runs)
    assert all(f.severity == "error" for f in found)


def test_the_message_says_python_does_not_import_stubs(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path / "repo",
        {**ONLY_A_STUB, "lib/__init__.pyi": "Z: int\n", "lib/core.py": "", "user.py": "import pkg.m\nfrom lib import Z\n"},
    )
    messages = [f.message for f in remediator.scan(root, use_git=False).findings if f.path == "user.py"]
    assert messages == [
        "module pkg.m does not exist: it is only a stub (.pyi), and Python does not read .pyi files",
        "lib has no name 'Z': only its stub declares it, and Python does not read .pyi files",
    ]


def test_a_test_file_importing_a_stub_cannot_be_collected(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path / "repo",
        {**STALE_STUB, "pkg/user.py": "from pkg.m import b\n", "tests/test_user.py": "import pkg.user\n\n\ndef test_it():\n    pass\n"},
    )
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode != 0 and "cannot import name 'b'" in done.stdout  # the oracle
    [target] = remediator.scan(root, use_git=False).to_dict()["summary"]["missing_targets"]
    assert (target["target"], target["name"], target["failing_test_files"]) == ("pkg.m", "b", ["tests/test_user.py"])
    cli = invoke_cli(root, "scan", ".")
    assert cli.exit_code == 1 and "only its stub declares it" in cli.output


TYPING_CASES = [
    # (files, the importer's source, what stays broken for a type checker too)
    pytest.param(ONLY_A_STUB, "from pkg.m import X, Y\n", ["Y"], id="imports of a stub resolve against stubs"),
    pytest.param(STALE_STUB, "from pkg.m import a, b, c\n", ["c"], id="names only the stub declares count"),
    pytest.param(STUB_INIT, "from pkg import Z, core, nothing\n", ["nothing"], id="a stub __init__ counts"),
]


@pytest.mark.parametrize("files, imports, broken", TYPING_CASES)
@pytest.mark.parametrize("where", ["a stub", "TYPE_CHECKING"])
def test_what_only_a_type_checker_follows_sees_the_stubs(
    tmp_path: Path, files: dict[str, str], imports: str, broken: list[str], where: str
) -> None:
    if where == "a stub":
        files = {**files, "user.pyi": imports}
    else:
        files = {**files, "user.py": "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    " + imports}
    root = write_tree(tmp_path / "repo", files)
    found = [f for f in remediator.scan(root, use_git=False).findings if f.importer == "user"]
    assert [f.name for f in found] == broken
    assert all(f.rule == "missing-name" and f.severity == "error" for f in found)


def _shared_json_module() -> str | None:
    """CPython's `_json` when it is a shared library (a real extension module to copy), else None."""
    import _json

    path = getattr(_json, "__file__", None)
    return path if path and path.endswith((".so", ".pyd")) else None


@pytest.mark.skipif(_shared_json_module() is None, reason="_json is built into this interpreter")
def test_an_extension_module_with_a_stub_is_loaded_and_its_names_are_unknown(tmp_path: Path) -> None:
    extension = _shared_json_module()
    assert extension is not None
    root = write_tree(tmp_path / "repo", {"pkg/__init__.py": "", "pkg/_json.pyi": "def nothing() -> None: ...\n"})
    shutil.copy(extension, root / "pkg" / os.path.basename(extension))
    (root / "user.py").write_text("from pkg._json import scanstring\n")
    ran, error = python_runs(root, "import user")
    assert ran, error  # the oracle: Python loads the extension, not the stub
    assert glob.glob(str(root / "pkg" / "_json*"))
    assert [f for f in remediator.scan(root, use_git=False).findings if f.path == "user.py"] == []


def test_fix_moves_a_name_only_the_stale_stub_still_declares(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path / "repo",
        {
            "app/__init__.py": "",
            "app/a.py": "def g():\n    return 2\n",
            "app/a.pyi": "def f() -> int: ...\ndef g() -> int: ...\n",  # f moved to app.b; the stub was left behind
            "app/b.py": "def f():\n    return 1\n",
            "tests/test_f.py": "from app.a import f, g\n\n\ndef test_f():\n    assert f() == 1 and g() == 2\n",
        },
    )
    pytest_run = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"]
    assert subprocess.run(pytest_run, cwd=root, capture_output=True, check=False).returncode != 0  # the oracle, before
    result = remediator.fix(root, suggested=True, apply=True, use_git=False, use_cache=False)
    assert result.to_dict()["changed_files"] == ["tests/test_f.py"]
    assert (root / "tests/test_f.py").read_text().startswith("from app.a import g\nfrom app.b import f\n")
    after = subprocess.run(pytest_run, cwd=root, capture_output=True, text=True, check=False)
    assert after.returncode == 0, after.stdout  # and after: the test runs
