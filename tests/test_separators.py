"""Paths the Windows way in, POSIX paths out: `\\` in folder settings and --include; `/` in every report."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import remediator
from remediator.domain.config import Settings
from tests.conftest import git, invoke_cli, write_tree

TREE = {
    "app/__init__.py": "",
    "app/main.py": "from shim import thing\nfrom shim import absent\n",
    "vendor/shims/shim.py": "thing = 1\n",  # on sys.path through the pythonpath setting
    "legacy/old/stale.py": "import app.gone\n",  # excluded
    "app/_build/stale.py": "import app.gone_too\n",  # ignored by git, included
}
SETTINGS = "[tool.remediator]\npythonpath = ['{pythonpath}']\nexclude = ['{exclude}']\ninclude = ['{include}']\n"


def test_folder_settings_written_with_backslashes_mean_what_slashes_do(tmp_path: Path) -> None:
    found = {}
    for name, sep in (("slashes", "/"), ("backslashes", "\\")):
        root = write_tree(tmp_path / name, TREE)
        subprocess.run(["git", "init", "-q", str(root)], check=True)
        (root / ".gitignore").write_text("_build/\n")
        text = SETTINGS.format(pythonpath=f"vendor{sep}shims", exclude=f"legacy{sep}old", include=f"app{sep}_build")
        (root / "pyproject.toml").write_text(text)  # TOML literal strings: the backslash is kept as written
        result = remediator.scan(root, use_git=False)
        found[name] = sorted((f.rule, f.path, f.target or "", f.name or "") for f in result.findings)
        assert result.to_dict()["summary"]["left_out"] == []
    assert found["slashes"] == [
        ("missing-module", "app/_build/stale.py", "app.gone_too", ""),
        ("missing-name", "app/main.py", "vendor.shims.shim", "absent"),
    ]
    assert found["backslashes"] == found["slashes"]


def test_settings_and_the_include_option_take_backslashes(tmp_path: Path) -> None:
    settings = Settings(
        exclude=("tests\\unit\\**",), include=("app\\_build",), pythonpath=("src\\lib",), environment=".venv\\Scripts\\python.exe"
    )
    assert (settings.exclude, settings.include, settings.pythonpath) == (("tests/unit/**",), ("app/_build",), ("src/lib",))
    assert settings.environment == ".venv/Scripts/python.exe"
    root = write_tree(tmp_path / "repo", {"app/__init__.py": "", "app/_build/stale.py": "import app.gone_too\n"})
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    (root / ".gitignore").write_text("_build/\n")
    left_out = json.loads(invoke_cli(root, "scan", ".", "--no-git", "--format", "json").stdout)["summary"]["left_out"]
    assert [entry["path"] for entry in left_out] == ["app/_build/"]
    included = json.loads(invoke_cli(root, "scan", ".", "--no-git", "--include", "app\\_build", "--format", "json").stdout)
    assert included["summary"]["left_out"] == []
    assert [f["path"] for f in included["findings"]] == ["app/_build/stale.py"]


def test_since_reports_root_relative_posix_paths_from_any_folder(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path / "repo",
        {"app/__init__.py": "", "app/api/__init__.py": "", "app/api/v1/__init__.py": "", "app/api/v1/users.py": "X = 1\n"},
    )
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-qm", "start")
    (root / "app/api/v1/users.py").write_text("X = 1\nfrom app.api.gone import thing\n")
    for cwd, where in ((root, "."), (root / "app" / "api", str(Path("..") / ".."))):
        document = json.loads(invoke_cli(cwd, "check", "--root", where, "--since", "HEAD", "--format", "json").stdout)
        assert [(f["path"], f["line"]) for f in document["findings"]] == [("app/api/v1/users.py", 2)]
        text = invoke_cli(cwd, "check", "--root", where, "--since", "HEAD").stdout
        assert "app/api/v1/users.py:2:1 from app.api.gone import thing" in text
