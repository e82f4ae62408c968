"""`patch.object(name, "X")` is checked against the binding of `name` in effect where the call runs, as Python looks it up."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import scan_tree

PACKAGE = {"pkg/__init__.py": "", "pkg/a.py": "X = 1\n", "pkg/c.py": "Y = 1\n"}

# `name` is bound twice: to pkg.a, then (after the tests) to pkg.c. A decorator runs where it
# stands, so it sees pkg.a; a call inside a test runs after the module has, so it sees pkg.c.
REBOUND = """\
from unittest import mock

import pkg.a as name


@mock.patch.object(name, "X")
def test_decorator_sees_the_binding_before_it(patched):
    pass


@mock.patch.object(name, "Y")
def test_decorator_missing_in_the_binding_before_it(patched):
    pass


def test_call_sees_the_last_binding():
    with mock.patch.object(name, "Y"):
        pass


def test_call_missing_in_the_last_binding():
    with mock.patch.object(name, "X"):
        pass


def test_local_import_binds_in_the_function():
    import pkg.a as name
    with mock.patch.object(name, "X"):
        pass


from pkg import c as name  # noqa: E402
"""


def _failing_tests(root: Path, test_file: str) -> set[str]:
    """The tests of `test_file` that real pytest reports as failed, run in `root`."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONDONTWRITEBYTECODE": "1", "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    command = [sys.executable, "-m", "pytest", "-q", "-rf", "-p", "no:cacheprovider", test_file]
    run = subprocess.run(command, cwd=root, capture_output=True, text=True, env=env)
    assert run.returncode in (0, 1), run.stdout + run.stderr
    assert "AttributeError" in run.stdout  # the failures are patch.object's own: the attribute is missing
    return set(re.findall(r"^FAILED [^:]+::(\w+)", run.stdout, re.MULTILINE))


def _test_of_line(source: str, line: int) -> str:
    """The test a line belongs to: the def below a decorator, else the last def above the line."""
    lines = source.splitlines()
    defs = [(number, text[4:].split("(")[0]) for number, text in enumerate(lines, 1) if text.startswith("def ")]
    if lines[line - 1].startswith("@"):
        return next(name for number, name in defs if number > line)
    return [name for number, name in defs if number < line][-1]


def test_findings_are_the_patch_object_calls_that_fail_under_pytest(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    result = scan_tree(root, {**PACKAGE, "tests/test_rebound.py": REBOUND})
    found = [(f.rule, f.target, f.name, _test_of_line(REBOUND, f.line)) for f in result.findings]
    assert sorted(found) == [
        ("missing-name", "pkg.a", "Y", "test_decorator_missing_in_the_binding_before_it"),
        ("missing-name", "pkg.c", "X", "test_call_missing_in_the_last_binding"),
    ]
    assert {test for *_rest, test in found} == _failing_tests(root, "tests/test_rebound.py")


CASES = [
    ("rebound to a class: not followed", "import pkg.a as name\nfrom pkg.a import X as name\nmock.patch.object(name, 'anything')\n", []),
    ("rebound to an external module: not followed", "import pkg.a as name\nimport json as name\nmock.patch.object(name, 'anything')\n", []),
    (
        "module-level call: the binding before it",
        "import pkg.a as name\nmock.patch.object(name, 'Y')\nfrom pkg import c as name\nmock.patch.object(name, 'X')\n",
        [(3, "pkg.a", "Y"), (5, "pkg.c", "X")],
    ),
    ("a later import does not count at module level", "mock.patch.object(name, 'Y')\nimport pkg.a as name\n", []),
    ("dotted base after a rebinding of its head", "import pkg.a\nfrom pkg import c as pkg\nmock.patch.object(pkg.a, 'Y')\n", []),
    ("dotted base", "import pkg.a\nimport pkg.c\nmock.patch.object(pkg.a, 'Y')\n", [(4, "pkg.a", "Y")]),
]


@pytest.mark.parametrize("body, expected", [pytest.param(b, e, id=i) for i, b, e in CASES])
def test_the_binding_in_effect_decides(tmp_path: Path, body: str, expected: list[tuple[int, str, str]]) -> None:
    result = scan_tree(tmp_path / "repo", {**PACKAGE, "tests/test_x.py": "from unittest import mock\n" + body})
    assert [(f.line, f.target, f.name) for f in result.findings if f.rule == "missing-name"] == expected
