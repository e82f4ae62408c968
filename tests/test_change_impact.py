"""`check --since REF` and `check --staged`: every finding a change adds, wherever it is, with its cause.

Real git repositories in temporary folders; the oracle for "new" is a plain scan
of each state (the base checked out on its own, and the state after the change).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import remediator
from remediator.adapters.git_snapshot import STAGED, snapshot
from remediator.application.baseline import fingerprint

from conftest import git, invoke_cli, write_tree

PROJECT = {
    "app/__init__.py": "",
    "app/mocks.py": "class MockSocket:\n    pass\n\n\ndef make_socket():\n    return MockSocket()\n",
    "app/config.py": "TIMEOUT = 3\n",
    "app/unused.py": "X = 1\n",
    "tests/__init__.py": "",
    "tests/test_a.py": "from app.mocks import MockSocket\n\n\ndef test_a():\n    assert MockSocket()\n",
    "tests/test_b.py": "import app.mocks\n\n\ndef test_b():\n    assert app.mocks.make_socket()\n",
    "tests/test_c.py": "from app.mocks import make_socket\n",
    "tests/test_old.py": "import app.long_gone\n",  # broken before the change: never "new"
}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = write_tree(tmp_path / "repo", PROJECT)
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "initial")
    return root


def _check(root: Path, *args: str) -> tuple[int, dict]:
    result = invoke_cli(root, "check", "--format", "json", "--no-git", *args)
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)


def _reported(data: dict) -> list[tuple[str, int, str, str]]:
    return [(f["path"], f["line"], f["rule"], f.get("cause")) for f in data["findings"]]


def test_since_reports_importers_broken_by_a_deletion_elsewhere(repo: Path) -> None:
    (repo / "app/mocks.py").unlink()
    git(repo, "commit", "-q", "-am", "clean-up: delete the mocks")
    code, data = _check(repo, "--since", "HEAD~1")
    cause = "caused by: app/mocks.py deleted"
    assert code == 1
    assert _reported(data) == [
        ("tests/test_a.py", 1, "missing-module", cause),
        ("tests/test_b.py", 1, "missing-module", cause),
        ("tests/test_c.py", 1, "missing-module", cause),
    ]
    assert data["summary"]["check"]["new_elsewhere"] == 3 and data["summary"]["check"]["since"] == "HEAD~1"

    # the old behaviour, on request: no line of those files changed
    code, data = _check(repo, "--since", "HEAD~1", "--changed-lines-only")
    assert (code, data["findings"]) == (0, [])

    # the same from the Python API
    result = remediator.check(repo, since="HEAD~1", use_git=False)
    assert [(f.path, f.cause) for f in result.findings] == [(f"tests/test_{x}.py", cause) for x in "abc"]


def test_new_means_new_against_a_scan_of_the_base(repo: Path, tmp_path: Path) -> None:
    """The oracle: scan the base and the changed tree on their own; new = fingerprints beyond the base's count."""
    base_scan = remediator.scan(repo, use_git=False, use_cache=False)
    write_tree(
        repo,
        {
            "app/config.py": "RETRIES = 2\n",  # TIMEOUT removed
            "app/views.py": "from app.config import TIMEOUT\nimport app.nowhere\n",  # new file: changed lines
            "app/jobs.py": "from app.config import TIMEOUT\n",
        },
    )
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "rework config")
    (repo / "tests/test_c.py").write_text("from app.mocks import make_socket, gone\n")  # work tree only
    after_scan = remediator.scan(repo, use_git=False, use_cache=False)
    before = {fingerprint(f) for f in base_scan.findings}
    expected = sorted((f.path, f.line, f.rule) for f in after_scan.findings if fingerprint(f) not in before)
    code, data = _check(repo, "--since", "HEAD~1")
    assert sorted((p, line, rule) for p, line, rule, _cause in _reported(data)) == expected
    causes = {(p, line): cause for p, line, _rule, cause in _reported(data)}
    assert causes[("app/jobs.py", 1)] == "on a line changed since HEAD~1"
    assert causes[("tests/test_c.py", 1)] == "on a line changed since HEAD~1"
    assert code == 1


def test_a_removed_name_and_a_rename_name_their_cause(repo: Path) -> None:
    write_tree(repo, {"app/reader.py": "from app.config import TIMEOUT\n"})
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "a reader of app.config")
    git(repo, "mv", "app/config.py", "app/settings.py")
    write_tree(repo, {"app/mocks.py": "class MockSocket:\n    pass\n"})  # make_socket removed
    git(repo, "add", "-A")
    code, data = _check(repo, "--staged")
    causes = {(p, rule): cause for p, _line, rule, cause in _reported(data)}
    assert causes == {
        ("tests/test_c.py", "missing-name"): "caused by: make_socket no longer defined in app/mocks.py",
        ("app/reader.py", "missing-module"): "caused by: app/config.py renamed to app/settings.py",
    }
    assert code == 1 and data["summary"]["check"]["staged"] is True


def test_staged_is_judged_by_what_is_staged_not_the_work_tree(repo: Path) -> None:
    # staged: the deletion; in the work tree the file is back (untracked): the commit would still break the importers
    git(repo, "rm", "-q", "--cached", "app/mocks.py")
    code, data = _check(repo, "--staged")
    assert code == 1
    assert {(p, cause) for p, _line, _rule, cause in _reported(data)} == {
        (f"tests/test_{x}.py", "caused by: app/mocks.py deleted") for x in "abc"
    }
    git(repo, "add", "app/mocks.py")

    # staged: a good edit; the work tree breaks it further (unstaged): the commit is fine
    write_tree(repo, {"tests/test_c.py": "from app.mocks import MockSocket\n"})
    git(repo, "add", "tests/test_c.py")
    write_tree(repo, {"tests/test_c.py": "from app.mocks import Nothing\n"})
    code, data = _check(repo, "--staged")
    assert (code, data["findings"]) == (0, [])

    # and the other way round: a broken edit staged, mended only in the work tree
    write_tree(repo, {"tests/test_c.py": "from app.mocks import Nothing\n"})
    git(repo, "add", "tests/test_c.py")
    write_tree(repo, {"tests/test_c.py": "from app.mocks import MockSocket\n"})
    code, data = _check(repo, "--staged")
    assert code == 1 and _reported(data) == [("tests/test_c.py", 1, "missing-name", "on a staged line")]


def test_moving_a_module_and_updating_every_importer_passes(repo: Path) -> None:
    git(repo, "mv", "app/mocks.py", "app/testing_mocks.py")
    for name in ("test_a", "test_b", "test_c"):
        path = repo / f"tests/{name}.py"
        path.write_text(path.read_text().replace("app.mocks", "app.testing_mocks"))
    git(repo, "add", "-A")
    code, data = _check(repo, "--staged")
    assert (code, data["findings"]) == (0, []), data
    # deleting a module nothing imports passes too
    git(repo, "rm", "-q", "app/unused.py")
    code, data = _check(repo, "--staged")
    assert (code, data["findings"]) == (0, [])


def test_a_renamed_package_with_a_compatibility_shim_passes(repo: Path) -> None:
    git(repo, "mv", "app/mocks.py", "app/fakes.py")
    write_tree(
        repo,
        {"app/mocks.py": "from app.fakes import *  # compatibility: app.mocks moved to app.fakes\nfrom app.fakes import make_socket\n"},
    )
    git(repo, "add", "-A")
    code, data = _check(repo, "--staged")
    assert (code, data["findings"]) == (0, []), data


def test_the_staged_state_is_kept_and_is_the_next_commits_base(repo: Path) -> None:
    write_tree(repo, {"app/extra.py": "import app.config\n"})
    git(repo, "add", "-A")
    staged = snapshot(repo, STAGED)
    code, _data = _check(repo, "--staged")
    assert code == 0
    kept = list((repo / ".remediator/cache").glob(f"*/states/*/{staged.key}"))
    assert len(kept) == 1, list((repo / ".remediator").rglob("*"))
    git(repo, "commit", "-q", "-m", "extra")
    assert snapshot(repo, "HEAD").key == staged.key  # what the next run looks up as its base


def test_the_first_commit_has_no_base(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "fresh", {"app/__init__.py": "", "app/a.py": "import app.missing\n"})
    git(root, "init", "-q")
    git(root, "add", "-A")
    code, data = _check(root, "--staged")
    assert code == 1 and _reported(data) == [("app/a.py", 1, "missing-module", "on a staged line")]


def test_files_and_baseline_narrow_what_a_change_adds(repo: Path) -> None:
    (repo / "app/mocks.py").unlink()
    git(repo, "commit", "-q", "-am", "delete")
    code, data = _check(repo, "tests/test_a.py", "--since", "HEAD~1")
    assert [p for p, *_ in _reported(data)] == ["tests/test_a.py"]
    assert invoke_cli(repo, "baseline").exit_code == 0
    code, data = _check(repo, "--since", "HEAD~1")
    assert (code, data["findings"]) == (0, [])  # recorded in the baseline: known, not new to it


@pytest.mark.parametrize("output_format", ["sarif", "github"])
def test_the_cause_is_in_every_format(repo: Path, output_format: str) -> None:
    (repo / "app/mocks.py").unlink()
    git(repo, "commit", "-q", "-am", "delete")
    result = invoke_cli(repo, "check", "--since", "HEAD~1", "--no-git", "--format", output_format)
    assert result.exit_code == 1
    assert result.output.count("caused by: app/mocks.py deleted") == 3


def test_text_names_the_cause_before_the_importers(repo: Path) -> None:
    (repo / "app/mocks.py").unlink()
    git(repo, "add", "-A")
    result = invoke_cli(repo, "check", "--staged", "--no-git")
    assert result.exit_code == 1
    text = result.output
    head = text.index("app/mocks.py deleted — 3 places broken:")
    assert head < text.index("tests/test_a.py:1:1 from app.mocks import MockSocket") < text.index("Missing targets")
    assert "already there at HEAD and not on changed lines not reported" in text  # tests/test_old.py


@pytest.mark.parametrize(
    "args, words",
    [
        (("--since", "no-such-ref"), "unknown git ref"),
        (("--changed-lines-only",), "--changed-lines-only goes with --since REF or --staged"),
    ],
)
def test_bad_requests_are_clear_errors(repo: Path, args: tuple[str, ...], words: str) -> None:
    result = invoke_cli(repo, "check", *args)
    assert result.exit_code == 2 and words in result.output
    assert "Traceback" not in result.output


def test_staged_outside_git_is_a_clear_error(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "plain", {"a.py": ""})
    result = invoke_cli(root, "check", "--staged")
    assert result.exit_code == 2 and "--staged" in result.output and "not inside a git work tree" in result.output


def test_a_renamed_package_with_compatibility_modules_passes(repo: Path) -> None:
    """`app/` becomes `core/`; `app/` keeps thin modules that re-export the new homes, so every old import still works."""
    git(repo, "mv", "app", "core")
    write_tree(
        repo,
        {
            "app/__init__.py": "from core import *  # compatibility: the package is core now\n",
            "app/mocks.py": "from core.mocks import *  # compatibility\nfrom core.mocks import make_socket\n",
            "app/config.py": "from core.config import *  # compatibility\n",
        },
    )
    git(repo, "add", "-A")
    code, data = _check(repo, "--staged")
    assert (code, data["findings"]) == (0, []), data
    # without the compatibility modules the same rename breaks every importer, each with its cause
    git(repo, "rm", "-q", "-r", "--cached", "app")
    code, data = _check(repo, "--staged")
    assert code == 1
    assert {cause for _p, _l, _r, cause in _reported(data)} == {"caused by: app/__init__.py renamed to core/__init__.py"}
    assert {p for p, *_ in _reported(data)} == {"tests/test_a.py", "tests/test_b.py", "tests/test_c.py"}
