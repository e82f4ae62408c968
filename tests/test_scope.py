"""Scope: the live code, not copies of it. Snapshot and backup folders are left out, said so, and used for suggestions.

Python is the oracle where a claim is about imports: the `backup` suggestion's
command, run in a shell, makes the missing module importable.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import remediator
from remediator.domain.config import Settings

from conftest import invoke_cli, write_tree

LIVE = {
    "app/__init__.py": "",
    "app/core.py": "import app.gone\n",
    "app/util.py": "def helper():\n    return 1\n",
    "test_framework/__init__.py": "",
    "test_framework/fixtures/__init__.py": "",
    "test_framework/ssot/__init__.py": "",
    "test_framework/ssot/mocks.py": "class Mock:\n    pass\n",
    "tests/test_x.py": "from test_framework.fixtures.websocket_manager_mock import MockWebSocketManager\n",
}


def _snapshot(folder: str) -> dict[str, str]:
    """A copy of the project as it was before the clean-up (with the deleted mock), and its own stale breakage."""
    return {
        f"{folder}/app/__init__.py": "",
        f"{folder}/app/core.py": "import app.gone_long_ago\n",
        f"{folder}/app/util.py": "def helper():\n    return 1\n",
        f"{folder}/test_framework/__init__.py": "",
        f"{folder}/test_framework/fixtures/__init__.py": "",
        f"{folder}/test_framework/fixtures/websocket_manager_mock.py": f"class MockWebSocketManager:\n    SOURCE = {folder!r}\n",
        f"{folder}/test_framework/ssot/mocks.py": "class Mock:\n    pass\n",
    }


def _rules(result: remediator.ScanResult) -> list[tuple[str, str]]:
    return sorted((f.path, f.target or "") for f in result.findings)


def test_a_snapshot_folder_is_left_out_said_so_and_can_be_included(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", {**LIVE, **_snapshot("archive_copies/snap_one/system_snapshot")})
    live_only = write_tree(tmp_path / "live", LIVE)
    result = remediator.scan(root, use_git=False)
    assert _rules(result) == _rules(remediator.scan(live_only, use_git=False))  # as if the copy were not there
    (left,) = result.to_dict()["summary"]["left_out"]
    assert left == {
        "path": "archive_copies/",
        "files": 7,
        "reason": "copies of the project's packages",
        "include": "--include archive_copies",
    }
    text = invoke_cli(root, "scan", ".", "--no-git")
    assert "left out: archive_copies/ (7 files): copies of the project's packages; use --include archive_copies to scan them" in text.stdout

    included = remediator.scan(root, use_git=False, include=["archive_copies"])
    assert ("archive_copies/snap_one/system_snapshot/app/core.py", "app.gone_long_ago") in _rules(included)  # the copy's own breakage
    assert included.to_dict()["summary"]["left_out"] == []
    assert included.analysis.file_count == result.analysis.file_count + 7
    as_json = json.loads(invoke_cli(root, "scan", ".", "--no-git", "--include", "archive_copies", "--format", "json").stdout)
    assert as_json["summary"]["left_out"] == [] and as_json["summary"]["files"] == included.analysis.file_count
    setting = remediator.scan(root, use_git=False, settings=Settings(include=("archive_*",)))
    assert setting.to_dict()["summary"]["left_out"] == []


def test_a_tests_folder_that_mirrors_the_packages_is_not_a_snapshot(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path / "repo",
        {
            **LIVE,
            "tests/app/__init__.py": "",
            "tests/test_framework/__init__.py": "",
            "tests/app/test_core.py": "import app.core\n",
            "tests/app/test_util.py": "from app.util import helper\n",
        },
    )
    result = remediator.scan(root, use_git=False)
    assert result.to_dict()["summary"]["left_out"] == []
    assert any(f.path == "tests/test_x.py" for f in result.findings)


def test_a_backup_folder_gives_the_newest_snapshot_copy_and_its_command_works(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path / "repo",
        {
            **LIVE,
            **_snapshot("backups/20250901_120000/system_snapshot"),
            **_snapshot("backups/20250908_093000/system_snapshot"),
        },
    )
    result = remediator.scan(root, use_git=False)
    (left,) = result.to_dict()["summary"]["left_out"]
    assert (left["path"], left["files"], left["reason"]) == ("backups/", 14, "a backup folder")
    (finding,) = [f for f in result.findings if f.target == "test_framework.fixtures.websocket_manager_mock"]
    suggestion = finding.suggestion
    assert suggestion is not None and suggestion.kind == "backup"
    newest = "backups/20250908_093000/system_snapshot/test_framework/fixtures/websocket_manager_mock.py"
    assert suggestion.path == newest
    assert "(2025-09-08)" in suggestion.detail and "backups/20250908_093000/system_snapshot/" in suggestion.detail

    probe = [sys.executable, "-c", "import test_framework.fixtures.websocket_manager_mock as m; print(m.MockWebSocketManager.SOURCE)"]
    before = subprocess.run(probe, cwd=root, capture_output=True, text=True, check=False)
    assert before.returncode != 0 and "ModuleNotFoundError" in before.stderr
    assert suggestion.command is not None
    subprocess.run(suggestion.command, shell=True, cwd=root, check=True)
    after = subprocess.run(probe, cwd=root, capture_output=True, text=True, check=False)
    assert after.returncode == 0 and "backups/20250908_093000/system_snapshot" in after.stdout
    assert not any(f.path == "tests/test_x.py" for f in remediator.scan(root, use_git=False).findings)


def test_warm_runs_follow_a_snapshot_that_appears_and_goes(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", LIVE)
    settings = Settings()
    first = remediator.scan(root, settings=settings, use_git=False)
    write_tree(root, _snapshot("archive_copies/snap/system_snapshot"))
    warm = remediator.scan(root, settings=settings, use_git=False)
    full = remediator.scan(root, settings=settings, use_git=False, use_cache=False)
    assert warm.to_dict()["summary"]["left_out"] == full.to_dict()["summary"]["left_out"] != []
    assert _rules(warm) == _rules(full) == _rules(first)


def _git_repo(root: Path, ignore: str) -> Path:
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    (root / ".gitignore").write_text(ignore)
    return root


GENERATED = {
    "generated/client.py": "from app.gone import Client\n",  # a code generator's output, ignored by git
    "app/_build/stale.py": "import app.gone_too\n",  # a build folder inside a live package, ignored by git
}


def test_folders_ignored_by_git_are_left_out_said_so_and_can_be_included(tmp_path: Path) -> None:
    root = _git_repo(write_tree(tmp_path / "repo", {**LIVE, **GENERATED}), "generated/\n_build/\n")
    live_only = write_tree(tmp_path / "live", LIVE)
    result = remediator.scan(root, use_git=False)
    assert _rules(result) == _rules(remediator.scan(live_only, use_git=False))
    assert result.to_dict()["summary"]["left_out"] == [
        {"path": "app/_build/", "files": 1, "reason": "ignored by git", "include": "--include app/_build"},
        {"path": "generated/", "files": 1, "reason": "ignored by git", "include": "--include generated"},
    ]
    text = invoke_cli(root, "scan", ".", "--no-git")
    assert "left out: generated/ (1 file): ignored by git; use --include generated to scan it" in text.stdout
    included = remediator.scan(root, use_git=False, include=["generated", "app/_build"])
    assert {("generated/client.py", "app.gone"), ("app/_build/stale.py", "app.gone_too")} <= set(_rules(included))
    assert included.to_dict()["summary"]["left_out"] == []


def test_outside_a_git_work_tree_nothing_is_ignored(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", {**LIVE, **GENERATED, ".gitignore": "generated/\n_build/\n"})
    result = remediator.scan(root, use_git=False)
    assert {("generated/client.py", "app.gone"), ("app/_build/stale.py", "app.gone_too")} <= set(_rules(result))


def test_an_ignored_snapshot_keeps_its_reason_and_stays_a_source_for_suggestions(tmp_path: Path) -> None:
    root = _git_repo(write_tree(tmp_path / "repo", {**LIVE, **_snapshot("backups/20250904_181500/system_snapshot")}), "backups/\n")
    result = remediator.scan(root, use_git=False)
    assert [(d["path"], d["reason"]) for d in result.to_dict()["summary"]["left_out"]] == [("backups/", "a backup folder")]
    (finding,) = [f for f in result.findings if f.path == "tests/test_x.py"]
    kinds = [s.kind for s in (finding.suggestion, *finding.alternatives) if s is not None]
    assert "backup" in kinds


def test_a_warm_run_follows_a_change_of_the_ignore_rules(tmp_path: Path) -> None:
    root = _git_repo(write_tree(tmp_path / "repo", {**LIVE, **GENERATED}), "")
    first = remediator.scan(root, use_git=False)
    assert ("generated/client.py", "app.gone") in _rules(first)
    (root / ".gitignore").write_text("generated/\n")
    warm = remediator.scan(root, use_git=False)
    cold = remediator.scan(root, use_git=False, use_cache=False)
    assert ("generated/client.py", "app.gone") not in _rules(warm)
    assert warm.to_dict()["summary"]["left_out"] == cold.to_dict()["summary"]["left_out"] != []


LOOSE = {
    "app/__init__.py": "",
    "app/core.py": "import app.gone\n",  # one live importer
    "scripts/migrate_users.py": "import app.vanished\n",  # three scripts nothing imports, no tests among them
    "scripts/backfill.py": "import app.vanished\n",
    "scripts/reindex.py": "from app.vanished import run\n",
}


def test_findings_of_a_loose_folder_are_reported_but_rank_below_the_live_packages(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", LOOSE)
    result = remediator.scan(root, use_git=False)
    assert [(t.label, len(t.failing_modules), t.loose) for t in result.missing_targets] == [
        ("app.gone", 1, ()),
        ("app.vanished", 3, ("scripts",)),  # the bigger radius, but only loose code needs it
    ]
    assert result.to_dict()["summary"]["missing_targets"][1]["loose_folders"] == ["scripts"]
    text = invoke_cli(root, "scan", ".", "--no-git").stdout
    assert text.index("app.gone") < text.index("app.vanished")
    assert "only in scripts/, which nothing imports and no test covers" in text


@pytest.mark.parametrize(
    "extra",
    [
        {"tests/test_scripts.py": "import scripts.backfill\n"},  # a test imports it: live
        {"scripts/test_backfill.py": "def test_nothing():\n    pass\n"},  # a test path covers it: live
        {"scripts/__init__.py": ""},  # a regular package (a service run as `python -m`): live
    ],
)
def test_a_folder_imported_or_tested_or_regular_is_not_loose(tmp_path: Path, extra: dict[str, str]) -> None:
    root = write_tree(tmp_path / "repo", {**LOOSE, **extra})
    result = remediator.scan(root, use_git=False)
    assert [(t.label, t.loose) for t in result.missing_targets][0] == ("app.vanished", ())
