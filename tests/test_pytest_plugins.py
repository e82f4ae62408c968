"""`pytest_plugins`: the modules pytest imports with a conftest or a test module.

A deleted fixture module still listed there stops pytest from loading the file:
nothing below a conftest is collected. pytest is the oracle.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import remediator
from remediator.adapters.parser import parse_source

from conftest import uncollectable, write_tree

FIXTURES = {
    "test_framework/__init__.py": "",
    "test_framework/fixtures/__init__.py": "",
    "test_framework/fixtures/clock.py": "import pytest\n\n\n@pytest.fixture\ndef clock():\n    return 1\n",
}
MOCK = "test_framework/fixtures/websocket_manager_mock.py"


def collect(root: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", "tests"]
    return subprocess.run(
        command, cwd=root, capture_output=True, text=True, check=False, env={"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", "PATH": "/usr/bin:/bin"}
    )


def test_a_missing_plugin_of_a_conftest_blocks_every_test_file_below_it(tmp_path: Path) -> None:
    plugins = 'pytest_plugins = [\n    "test_framework.fixtures.clock",\n    "test_framework.fixtures.websocket_manager_mock",\n]\n'
    root = write_tree(
        tmp_path / "repo",
        {
            **FIXTURES,
            "tests/conftest.py": plugins,
            "tests/unit/test_clock.py": "def test_clock(clock):\n    assert clock == 1\n",
            "tests/test_other.py": "def test_other():\n    pass\n",
        },
    )
    done = collect(root)
    assert (
        done.returncode != 0 and "No module named 'test_framework.fixtures.websocket_manager_mock'" in done.stdout + done.stderr
    )  # the oracle
    result = remediator.scan(root, use_git=False)
    [finding] = result.findings
    assert (finding.rule, finding.path, finding.line, finding.reference) == ("missing-module", "tests/conftest.py", 3, "string")
    assert finding.message.startswith("pytest_plugins entry 'test_framework.fixtures.websocket_manager_mock': module")
    [target] = result.to_dict()["summary"]["missing_targets"]
    assert target["failing_test_files"] == ["tests/test_other.py", "tests/unit/test_clock.py"]

    (root / MOCK).write_text("MOCK = 1\n")  # restored: pytest collects, and the scan is clean
    assert collect(root).returncode == 0
    assert remediator.scan(root, use_git=False).findings == []


def test_a_missing_plugin_of_a_test_module_blocks_that_file(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path / "repo",
        {
            **FIXTURES,
            "tests/test_uses_plugin.py": 'pytest_plugins = "test_framework.fixtures.gone"\n\n\ndef test_x():\n    pass\n',
            "tests/test_plain.py": "def test_y():\n    pass\n",
        },
    )
    assert uncollectable(root, ["tests/test_plain.py", "tests/test_uses_plugin.py"]) == ["tests/test_uses_plugin.py"]  # the oracle
    [target] = remediator.scan(root, use_git=False).to_dict()["summary"]["missing_targets"]
    assert (target["target"], target["failing_test_files"]) == ("test_framework.fixtures.gone", ["tests/test_uses_plugin.py"])


@pytest.mark.parametrize(
    "source, named",
    [
        ('pytest_plugins = ["a.b", "c"]\n', [("a.b", 1), ("c", 1)]),
        ('pytest_plugins = ("a.b",)\n', [("a.b", 1)]),
        ('pytest_plugins = "a.b"\n', [("a.b", 1)]),
        ('pytest_plugins = []\npytest_plugins += ["a.b"]\n', [("a.b", 2)]),
        ('if X:\n    pytest_plugins = ["a.b"]\n', [("a.b", 2)]),
        ('def f():\n    pytest_plugins = ["a.b"]\n', []),  # pytest reads the module's attribute, not a local
        ('pytest_plugins = [f"a.{b}", NAME]\n', []),
        ('my_plugins = ["a.b"]\n', []),
    ],
)
def test_what_pytest_plugins_names(source: str, named: list[tuple[str, int]]) -> None:
    facts = parse_source(source.encode())
    assert [(r.text, r.line) for r in facts.strings if r.kind == "plugin"] == named
