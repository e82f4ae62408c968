"""`exclude` patterns are path globs: `*` stays within one folder, `**` spans folders (docs/configuration.md, `exclude`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import scan_tree

# Every module but the packages' __init__ imports a missing module: the findings name the files that were scanned.
TREE = {
    "tools/__init__.py": "",
    "tools/deploy.py": "import tools.gone\n",
    "tools/sub/__init__.py": "",
    "tools/sub/run.py": "import tools.gone\n",
    "tools/sub/deep/__init__.py": "",
    "tools/sub/deep/old.py": "import tools.gone\n",
}
ALL = ["tools/deploy.py", "tools/sub/deep/old.py", "tools/sub/run.py"]

CASES = [
    ("tools/*.py", ["tools/sub/deep/old.py", "tools/sub/run.py"]),  # `*` does not cross `/`
    ("tools/*/old.py", ALL),  # one folder only: tools/sub/deep/old.py is two below
    ("*/deploy.py", ["tools/sub/deep/old.py", "tools/sub/run.py"]),
    ("tools/*", []),  # matches the folder tools/sub, which is then not entered
    ("tools/**/old.py", ["tools/deploy.py", "tools/sub/run.py"]),  # `**` spans any number of folders
    ("tools/**/*.py", []),  # ... zero included: tools/deploy.py
    ("tools/**", []),
    ("tools/s?b", ["tools/deploy.py"]),
    ("old.py", ["tools/deploy.py", "tools/sub/run.py"]),  # no `/`: by name, anywhere
    ("*.py", []),
    ("/tools/deploy.py/", ["tools/sub/deep/old.py", "tools/sub/run.py"]),  # slashes at the ends do not count
]


@pytest.mark.parametrize("pattern, scanned", CASES, ids=[pattern for pattern, _ in CASES])
def test_exclude_pattern_leaves_out(tmp_path: Path, pattern: str, scanned: list[str]) -> None:
    result = scan_tree(tmp_path / "repo", TREE, exclude=(pattern,))
    assert sorted(f.path for f in result.findings) == scanned


def test_without_exclude_every_file_is_scanned(tmp_path: Path) -> None:
    result = scan_tree(tmp_path / "repo", TREE)
    assert sorted(f.path for f in result.findings) == ALL
