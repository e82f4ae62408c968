"""The public API: one base for every error it raises on purpose, all exported; a reference built from the docstrings."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import git, write_tree

import remediator

REPO = Path(__file__).resolve().parents[1]


def test_every_name_in_all_resolves_and_every_error_shares_one_base() -> None:
    for name in remediator.__all__:
        assert getattr(remediator, name) is not None, name
    errors = [remediator.ConfigError, remediator.BaselineError, remediator.CheckError, remediator.UndoError, remediator.UnknownModule]
    assert all(issubclass(error, remediator.RemediatorError) for error in errors)
    assert issubclass(remediator.UnknownModule, LookupError)  # what it was before: existing handlers keep working


def test_each_public_function_raises_its_error_as_a_remediator_error(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", {"app/__init__.py": "", "app/a.py": "import app.b\n", "app/b.py": ""})
    bad = write_tree(tmp_path / "bad", {"pyproject.toml": "[tool.remediator]\npackages = 3\n", "x.py": ""})
    git(root, "init", "-q")
    cases = [
        (remediator.ConfigError, lambda: remediator.scan(bad, use_git=False)),
        (remediator.CheckError, lambda: remediator.check(root, since="no-such-ref")),
        (remediator.UndoError, lambda: remediator.undo(root)),
        (remediator.UnknownModule, lambda: remediator.explain("app.a", "app.nowhere", root)),
        (remediator.BaselineError, lambda: remediator.baseline(root, prune=True)),
    ]
    for error, call in cases:
        with pytest.raises(remediator.RemediatorError) as caught:
            call()
        assert isinstance(caught.value, error), (error, caught.value)
    with pytest.raises(NotADirectoryError):
        remediator.scan(tmp_path / "nowhere")


@pytest.mark.e2e
def test_the_api_reference_is_built_from_the_docstrings(tmp_path: Path) -> None:
    """`mkdocs build --strict` renders docs/api.md: every public function and error, with its docstring."""
    site = tmp_path / "site"
    built = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "--site-dir", str(site)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert built.returncode == 0, built.stderr[-3000:]
    page = (site / "api" / "index.html").read_text(encoding="utf-8")
    documented = {anchor.rsplit(".", 1)[-1] for anchor in re.findall(r'id="(remediator\.[\w.]+)"', page)}
    assert sorted(set(remediator.__all__) - {"__version__"} - documented) == []  # every export has its entry
    assert "Base class of remediator&#39;s own errors." in page or "Base class of remediator's own errors." in page
