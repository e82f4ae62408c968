"""The target environment: a first-party namespace folder loses to an installed or standard-library package.

Real virtualenvs are made in temporary folders (`python -m venv --without-pip`),
with a package put into their site-packages by hand, and the venv's own Python
is the oracle: run from the project root (the root first on sys.path, as for
`python -m` and pytest), it says what `from alembic import op` really gives.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import remediator
from remediator.adapters.environment import environment_for, find_environment

from conftest import write_tree

MIGRATIONS = {
    "app/__init__.py": "",
    "app/models.py": "TABLES = []\n",
    "alembic/env.py": "from alembic import context\nfrom app.models import TABLES\n",
    "alembic/versions/ae1027a6acf_init.py": "from alembic import op\n",
}
INSTALLED_ALEMBIC = {"__init__.py": "op = 'the installed op'\ncontext = 'the installed context'\n"}


def _venv(place: Path, packages: dict[str, dict[str, str]]) -> Path:
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(place)], check=True, capture_output=True)
    (site,) = place.glob("lib/python3*/site-packages")
    for name, files in packages.items():
        for relpath, text in files.items():
            target = site / name / relpath
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
    return place


def _python_says(venv: Path, root: Path, code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(venv / "bin" / "python"), "-c", code], cwd=root, capture_output=True, text=True, check=False)


@pytest.fixture(autouse=True)
def _no_outer_virtualenv(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    environment_for.cache_clear()


def test_a_migrations_folder_loses_to_the_installed_package(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", MIGRATIONS)
    venv = _venv(root / ".venv", {"alembic": INSTALLED_ALEMBIC})
    oracle = _python_says(venv, root, "from alembic import op, context; print(op)")
    assert oracle.returncode == 0 and oracle.stdout.strip() == "the installed op", oracle.stderr

    result = remediator.scan(root, use_git=False)
    assert result.findings == []  # no false missing-name for `from alembic import op`
    (left,) = result.to_dict()["summary"]["left_out"]
    assert left["path"] == "alembic/" and "Python imports alembic from an installed package" in left["reason"]
    included = remediator.scan(root, use_git=False, include=["alembic"])  # asked for: scanned as before
    assert {(f.rule, f.name) for f in included.findings} == {("missing-name", "op"), ("missing-name", "context")}


def test_without_the_package_installed_the_folder_is_what_python_imports(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", MIGRATIONS)
    venv = _venv(root / ".venv", {})
    oracle = _python_says(venv, root, "from alembic import op")
    assert oracle.returncode != 0 and "cannot import name 'op'" in oracle.stderr
    result = remediator.scan(root, use_git=False)
    assert {(f.rule, f.path, f.name) for f in result.findings} == {
        ("missing-name", "alembic/env.py", "context"),
        ("missing-name", "alembic/versions/ae1027a6acf_init.py", "op"),
    }


def test_a_regular_first_party_package_wins_and_a_stdlib_twin_is_a_warning(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path / "repo",
        {
            "alembic/__init__.py": "op = 'ours'\n",  # regular: the root comes first on sys.path
            "queue.py": "JOBS = []\n",
            "app/__init__.py": "",
            "app/jobs.py": "from queue import JOBS\nfrom alembic import op\n",
        },
    )
    venv = _venv(root / ".venv", {"alembic": INSTALLED_ALEMBIC})
    oracle = _python_says(venv, root, "import queue, alembic; print(queue.__file__, alembic.op)")
    assert oracle.returncode == 0 and oracle.stdout.split() == [str(root / "queue.py"), "ours"]
    result = remediator.scan(root, use_git=False)
    assert [(f.rule, f.path, f.severity) for f in result.findings] == [
        ("shadowed-module", "alembic/", "warning"),
        ("shadowed-module", "queue.py", "warning"),
    ]
    assert "hides the installed package alembic" in result.findings[0].message
    assert "hides the standard library's queue" in result.findings[1].message


@pytest.mark.parametrize(
    "distribution, project_name, hidden",
    [
        ("other_dist", "my-app", True),  # another distribution's `app`: the project's `app/` hides it
        ("My_App", "my-app", False),  # an installed copy of the project itself (`pip install .`): nothing is hidden
    ],
)
def test_hiding_an_installed_package_names_its_distribution_unless_it_is_the_project(
    tmp_path: Path,
    distribution: str,
    project_name: str,
    hidden: bool,
) -> None:
    root = write_tree(
        tmp_path / "repo",
        {
            "pyproject.toml": f'[project]\nname = "{project_name}"\nversion = "1"\n',
            "app/__init__.py": "WHO = 'ours'\n",
            "app/main.py": "from app import WHO\n",
        },
    )
    venv = _venv(
        root / ".venv",
        {
            "app": {"__init__.py": "WHO = 'installed'\n"},
            f"{distribution}-1.0.dist-info": {"RECORD": "app/__init__.py,sha256=x,20\n", "METADATA": f"Name: {distribution}\n"},
        },
    )
    oracle = _python_says(venv, root, "import app; print(app.WHO)")
    assert oracle.stdout.strip() == "ours"  # the root comes first either way
    result = remediator.scan(root, use_git=False)
    found = [(f.rule, f.path) for f in result.findings]
    assert found == ([("shadowed-module", "app/")] if hidden else [])
    if hidden:
        assert f"distribution {distribution}" in result.findings[0].message


def test_the_environment_is_found_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = write_tree(tmp_path / "repo", {"app/__init__.py": ""})
    local = _venv(root / ".venv", {"only_local": {"__init__.py": ""}})
    named = _venv(tmp_path / "named", {"only_named": {"__init__.py": ""}})
    outer = _venv(tmp_path / "outer", {"only_outer": {"__init__.py": ""}})
    assert "only_local" in find_environment(root).installed
    monkeypatch.setenv("VIRTUAL_ENV", str(outer))
    assert "only_outer" in find_environment(root).installed
    setting = find_environment(root, os.path.relpath(named / "bin" / "python", root))  # an interpreter inside a venv
    assert "only_named" in setting.installed and "only_outer" not in setting.installed
    assert local.is_dir()
    monkeypatch.delenv("VIRTUAL_ENV")
    (local / "pyvenv.cfg").unlink()  # not a venv any more: the running interpreter's site-packages
    assert find_environment(root).description == "the interpreter running remediator"


def test_installing_a_package_is_seen_by_the_next_warm_run(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", MIGRATIONS)
    venv = _venv(root / ".venv", {})
    assert len(remediator.scan(root, use_git=False).findings) == 2
    (site,) = venv.glob("lib/python3*/site-packages")
    write_tree(site, {"alembic/__init__.py": INSTALLED_ALEMBIC["__init__.py"]})
    environment_for.cache_clear()  # a new process would look again
    warm = remediator.scan(root, use_git=False)
    assert warm.findings == [] and warm.to_dict()["summary"]["left_out"][0]["path"] == "alembic/"


def test_a_namespace_folder_with_test_files_stays_whatever_is_installed(tmp_path: Path) -> None:
    """A sloppy distribution installs a top-level `tests` package; pytest still collects the project's tests/ by path."""
    root = write_tree(tmp_path / "repo", {"app/__init__.py": "", "tests/test_app.py": "import app.gone\n"})
    _venv(root / ".venv", {"tests": {"__init__.py": ""}})
    result = remediator.scan(root, use_git=False)
    assert result.to_dict()["summary"]["left_out"] == []
    assert [(f.rule, f.path) for f in result.findings] == [("missing-module", "tests/test_app.py")]


def test_a_namespace_folder_merges_with_an_installed_namespace_package(tmp_path: Path) -> None:
    """Both are portions of one namespace package: a submodule missing from ours may be the installed one's."""
    root = write_tree(
        tmp_path / "repo",
        {
            "google/ads_helpers/__init__.py": "CLIENT = 'ours'\n",  # our portion of `google`
            "google/ads_helpers/extra.py": "X = 1\n",
            "app/__init__.py": "",
            "app/jobs.py": (
                "from google.cloud import storage\n"  # the installed portion's
                "from google.ads_helpers import CLIENT\n"  # ours
                "from google.ads_helpers import gone\n"  # ours, broken: a regular package has no other portion
                "import google.ads_helpers.missing\n"
            ),
        },
    )
    venv = _venv(root / ".venv", {"google": {"cloud/__init__.py": "", "cloud/storage.py": "BUCKET = 1\n"}})
    oracle = _python_says(venv, root, "from google.cloud import storage; from google.ads_helpers import CLIENT; print(CLIENT)")
    assert oracle.returncode == 0 and oracle.stdout.strip() == "ours", oracle.stderr
    broken = _python_says(venv, root, "from google.ads_helpers import gone")
    assert "cannot import name 'gone'" in broken.stderr
    result = remediator.scan(root, use_git=False)
    assert [(f.rule, f.line, f.target, f.name) for f in result.findings] == [
        ("missing-name", 3, "google.ads_helpers", "gone"),
        ("missing-module", 4, "google.ads_helpers.missing", None),
    ]
    (root / ".venv").rename(tmp_path / "elsewhere")  # without the installed portion, google.cloud is ours to find
    environment_for.cache_clear()
    without = remediator.scan(root, use_git=False, use_cache=False)
    assert ("missing-module", 1, "google.cloud", "storage") in [(f.rule, f.line, f.target, f.name) for f in without.findings]
