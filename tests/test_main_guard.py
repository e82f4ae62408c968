"""What runs under `if __name__ == "__main__":` runs when the file is run as a script, not when it is imported.

A broken import there fails the script (an error), but no importer and no test
file; a name bound only there is not the module's. Python is the oracle: the
module is imported and run as a script in subprocesses, and pytest collects.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import remediator

from conftest import python_runs, scan_agrees_with_python, write_tree

TOOL = 'x = 1\n\nif __name__ == "__main__":\n    from pkg.gone import cli\n\n    main_only = 1\n    cli()\n'


def test_a_broken_import_under_the_main_guard_fails_the_script_not_its_importers(tmp_path: Path) -> None:
    files = {"pkg/__init__.py": "", "pkg/tool.py": TOOL, "tests/test_tool.py": "import pkg.tool\n\n\ndef test_it():\n    pass\n"}
    root = write_tree(tmp_path / "repo", files)
    assert python_runs(root, "import pkg.tool")[0]  # the oracle: importing works
    script = subprocess.run([sys.executable, "-m", "pkg.tool"], cwd=root, capture_output=True, text=True, check=False)
    assert script.returncode != 0 and "No module named 'pkg.gone'" in script.stderr  # running it does not
    collected = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", "tests"], cwd=root, check=False
    )
    assert collected.returncode == 0
    result = remediator.scan(root, use_git=False)
    [finding] = [f for f in result.findings if f.path == "pkg/tool.py"]
    assert (finding.rule, finding.severity, finding.target) == ("missing-module", "error", "pkg.gone")
    [target] = result.to_dict()["summary"]["missing_targets"]
    assert (target["failing_modules"], target["failing_test_files"]) == (0, [])


CASES = [
    # (pkg/tool.py, the importer's source, does Python import it)
    pytest.param(TOOL, "from pkg.tool import main_only\n", False, id="a name bound only under the main guard"),
    pytest.param(
        TOOL.replace('__name__ == "__main__"', "'__main__' == __name__"), "from pkg.tool import main_only\n", False, id="either way round"
    ),
    pytest.param(TOOL + "main_only = 2\n", "from pkg.tool import main_only\n", True, id="a name bound outside it too"),
    pytest.param(TOOL, "from pkg.tool import x\n", True, id="a name bound before it"),
]


@pytest.mark.parametrize("tool, importer, runs", CASES)
def test_names_bound_only_for_a_script_run_are_not_the_modules(tmp_path: Path, tool: str, importer: str, runs: bool) -> None:
    root = write_tree(tmp_path / "repo", {"pkg/__init__.py": "", "pkg/tool.py": tool, "user.py": importer})
    scan_agrees_with_python(root, "user", "user.py", runs)
