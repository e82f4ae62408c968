"""`remediator check` (files, --since) and the baseline ratchet, on real trees and real git repositories."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

import remediator
from remediator.adapters.git_diff import WHOLE_FILE, GitDiffError, changed_lines
from remediator.application.baseline import DEFAULT_BASELINE, BaselineError, fingerprint
from remediator.application.check import CheckError, CheckResult
from tests.conftest import git, invoke_cli as cli, write_tree

SSOT = """
    [tool.remediator]
    [[tool.remediator.ssot]]
    name = "settings-via-config"
    forbid = ["app.raw"]
    use = "app.config"
"""
TREE = {
    "pyproject.toml": SSOT,
    "app/__init__.py": "",
    "app/raw.py": "TIMEOUT = 5\nRETRIES = 3\n",
    "app/config.py": "from app.raw import TIMEOUT, RETRIES\n",
    "app/a.py": "from app.raw import TIMEOUT\nimport app.gone\n",
    "app/b.py": "from app.config import TIMEOUT\nfrom app.config import nothing\n\n\ndef helper():\n    return TIMEOUT\n",
    "app/c.py": "from app.b import helper\n",
}


def reported(result: Result) -> list[tuple[str, int, str, Any]]:
    document = json.loads(result.stdout)
    return [(f["path"], f["line"], f["rule"], f["name"] or f["target"]) for f in document["findings"]]


def repository(root: Path, files: dict[str, str]) -> Path:
    write_tree(root, files)
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    return root


# --- files -----------------------------------------------------------------------------------------


def test_check_without_files_reports_the_whole_project(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", TREE)
    result = cli(root, "check", "--format", "json")
    assert result.exit_code == 1, result.output
    assert reported(result) == [
        ("app/a.py", 1, "ssot-violation", "TIMEOUT"),
        ("app/a.py", 2, "missing-module", "app.gone"),
        ("app/b.py", 2, "missing-name", "nothing"),
    ]


def test_check_reports_only_the_given_files_but_analyses_the_whole_project(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", TREE)
    only_b = cli(root, "check", "app/b.py", "--format", "json")
    assert only_b.exit_code == 1
    assert reported(only_b) == [("app/b.py", 2, "missing-name", "nothing")]
    assert "2 findings outside the checked files not reported" in only_b.stderr
    # c.py imports a name defined in b.py: fine only if the whole project is analysed
    clean = cli(root, "check", "app/c.py", "app/config.py")
    assert clean.exit_code == 0, clean.output
    assert "0 errors" in clean.stdout


def test_files_are_relative_to_the_working_directory_or_absolute_and_may_be_folders(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", TREE)
    from_outside = cli(tmp_path, "check", "--root", "repo", "repo/app/b.py", str(root / "app" / "a.py"), "--format", "json")
    assert [r[0] for r in reported(from_outside)] == ["app/a.py", "app/a.py", "app/b.py"]
    from_inside = cli(root / "app", "check", "--root", "..", "b.py", "--format", "json")
    assert reported(from_inside) == [("app/b.py", 2, "missing-name", "nothing")]
    folder = cli(root, "check", "app", "--format", "json")
    assert len(reported(folder)) == 3


@pytest.mark.e2e
def test_a_file_outside_the_root_is_a_usage_error(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", TREE)
    stray = write_tree(tmp_path / "elsewhere", {"x.py": "import os\n"}) / "x.py"
    completed = subprocess.run(
        [sys.executable, "-m", "remediator", "check", str(stray)], cwd=root, capture_output=True, text=True, check=False
    )
    assert completed.returncode == 2
    assert f"{stray}: not under the root" in completed.stderr
    assert "Traceback" not in completed.stderr and completed.stdout == ""
    missing = cli(root, "check", "app/nope.py")
    assert missing.exit_code == 2 and "does not exist" in missing.stderr


@pytest.mark.e2e
def test_configuration_errors_exit_2_naming_file_and_key(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", {**TREE, "pyproject.toml": "[tool.remediator]\npackagez = ['app']\n"})
    completed = subprocess.run(
        [sys.executable, "-m", "remediator", "check", "app/a.py"], cwd=root, capture_output=True, text=True, check=False
    )
    assert completed.returncode == 2
    assert "pyproject.toml" in completed.stderr and "tool.remediator.packagez" in completed.stderr
    assert "Traceback" not in completed.stderr


def test_python_api_returns_a_narrowed_scan_result(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", TREE)
    result = remediator.check(root, files=[root / "app" / "a.py"], use_git=False)
    assert isinstance(result, CheckResult) and isinstance(result, remediator.ScanResult)
    assert [(f.path, f.rule) for f in result.findings] == [("app/a.py", "ssot-violation"), ("app/a.py", "missing-module")]
    assert result.exit_code == 1
    assert result.outside_scope == 1
    assert [t.target for t in result.missing_targets] == ["app.gone"]
    summary = result.to_dict()["summary"]
    assert summary["errors"] == 2
    assert summary["check"] == {
        "files": ["app/a.py"],
        "since": None,
        "staged": False,
        "changed_lines_only": False,
        "new_elsewhere": 0,
        "outside_scope": 1,
        "baseline": None,
    }
    with pytest.raises(CheckError, match="not under the root"):
        remediator.check(root / "app", files=[root / "pyproject.toml"])


# --- --since ---------------------------------------------------------------------------------------


def test_since_reports_only_added_or_changed_lines(tmp_path: Path) -> None:
    root = repository(
        tmp_path / "repo",
        {
            **TREE,
            "app/multi.py": "from app.config import (\n    TIMEOUT,\n    missing_one,\n)\n",
        },
    )
    write_tree(
        root,
        {
            # unchanged violation on line 2 (was line 1), new violation on line 4
            "app/a.py": "import os\nfrom app.raw import TIMEOUT\nimport app.gone\nfrom app.raw import RETRIES\n",
            # a name added inside a parenthesised import: the finding is at the statement's first line
            "app/multi.py": "from app.config import (\n    TIMEOUT,\n    missing_one,\n    missing_two,\n)\n",
            "app/untracked.py": "import app.nowhere\n",  # new and untracked: every line counts
            "app/staged.py": "import app.elsewhere\n",
        },
    )
    git(root, "add", "app/staged.py")
    result = cli(root, "check", "--since", "HEAD", "--format", "json")
    assert result.exit_code == 1, result.output
    assert reported(result) == [
        ("app/a.py", 4, "ssot-violation", "RETRIES"),
        ("app/multi.py", 1, "missing-name", "missing_one"),
        ("app/multi.py", 1, "missing-name", "missing_two"),
        ("app/staged.py", 1, "missing-module", "app.elsewhere"),
        ("app/untracked.py", 1, "missing-module", "app.nowhere"),
    ]
    assert "3 findings already there at HEAD and not on changed lines not reported" in result.stderr
    only_lines = cli(root, "check", "--since", "HEAD", "--changed-lines-only", "--format", "json")
    assert reported(only_lines) == reported(result)  # nothing broken elsewhere here
    assert "3 findings not on lines changed since HEAD not reported" in only_lines.stderr
    assert cli(root, "check", "app/b.py", "--since", "HEAD").exit_code == 0


def test_since_with_a_root_below_the_repository_top(tmp_path: Path) -> None:
    top = repository(tmp_path / "top", {f"service/{k}": v for k, v in TREE.items()})
    write_tree(top, {"service/app/b.py": "from app.config import TIMEOUT\nfrom app.config import nothing\nimport app.new\n"})
    result = remediator.check(top / "service", since="HEAD", use_git=False)
    assert [(f.path, f.line, f.target, f.cause) for f in result.findings] == [
        ("app/b.py", 3, "app.new", "on a line changed since HEAD"),
        ("app/c.py", 1, "app.b", "caused by: helper no longer defined in app/b.py"),  # def helper() went away
    ]
    only_lines = remediator.check(top / "service", since="HEAD", changed_lines_only=True, use_git=False)
    assert [(f.path, f.line, f.target) for f in only_lines.findings] == [("app/b.py", 3, "app.new")]


def test_since_needs_a_repository_and_a_known_ref(tmp_path: Path) -> None:
    plain = write_tree(tmp_path / "plain", TREE)
    outside = cli(plain, "check", "--since", "HEAD")
    assert outside.exit_code == 2
    assert "not inside a git work tree" in outside.stderr
    root = repository(tmp_path / "repo", TREE)
    for ref in ("no-such-branch", "--output=x"):
        unknown = cli(root, "check", f"--since={ref}")
        assert unknown.exit_code == 2, unknown.output
        assert f"unknown git ref {ref!r}" in unknown.stderr
        assert unknown.stdout == ""
    with pytest.raises(GitDiffError):
        changed_lines(root, "HEAD~5")


def test_changed_lines_reads_real_git_diffs(tmp_path: Path) -> None:
    root = repository(
        tmp_path / "repo",
        {
            "keep.py": "a = 1\nb = 2\nc = 3\n",
            "only_deleted.py": "a = 1\nb = 2\n",
            "to rename.py": "".join(f"line{i} = {i}\n" for i in range(20)),
            "gone.py": "x = 1\n",
            "ignored.log": "",
            ".gitignore": "*.log\n",
        },
    )
    write_tree(
        root,
        {
            "keep.py": "a = 1\nb = 20\nc = 3\nd = 4\n",
            "only_deleted.py": "a = 1\n",
            "dir/ünïcode name.py": "z = 3\n",
            'dir/quo"te\\.py': "y = 2\n",  # C-quoted by git
            "new.log": "ignored\n",
        },
    )
    (root / "gone.py").unlink()
    git(root, "mv", "to rename.py", "renamed.py")
    with (root / "renamed.py").open("a") as handle:
        handle.write("extra = 1\n")
    changes = changed_lines(root, "HEAD")
    assert set(changes) == {"keep.py", "dir/ünïcode name.py", 'dir/quo"te\\.py', "renamed.py"}
    assert sorted(changes["keep.py"]) == [2, 4]
    assert changes["dir/ünïcode name.py"] is WHOLE_FILE and 1 in WHOLE_FILE
    assert sorted(changes["renamed.py"]) == [21]
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "second")
    assert changed_lines(root, "HEAD") == {}
    again = changed_lines(root, "HEAD~1")
    assert set(again) == {"keep.py", "dir/ünïcode name.py", 'dir/quo"te\\.py', "renamed.py"}
    assert again['dir/quo"te\\.py'] is WHOLE_FILE and sorted(again["keep.py"]) == [2, 4]


# --- baseline --------------------------------------------------------------------------------------


def test_baseline_file_format(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path / "repo",
        {
            **TREE,
            "app/cyc1.py": "import app.cyc2\n",  # an import cycle: info, never recorded
            "app/cyc2.py": "import app.cyc1\n",
            "app/guarded.py": "try:\n    import app.optional\nexcept ImportError:\n    pass\n",  # warning: recorded
        },
    )
    written = cli(root, "baseline")
    assert written.exit_code == 0, written.output
    assert "wrote .remediator-baseline.json: 4 findings recorded" in written.stdout
    document = json.loads((root / DEFAULT_BASELINE).read_text())
    assert set(document) == {"version", "tool", "occurrences", "entries"}
    assert (document["version"], document["tool"], document["occurrences"]) == (1, "remediator", 4)
    entries = document["entries"]
    assert [(e["path"], e["rule"], e["target"], e["name"], e["count"]) for e in entries] == [
        ("app/a.py", "missing-module", "app.gone", None, 1),
        ("app/a.py", "ssot-violation", "app.raw", "TIMEOUT", 1),
        ("app/b.py", "missing-name", "app.config", "nothing", 1),
        ("app/guarded.py", "missing-module", "app.optional", None, 1),
    ]
    assert entries[1]["ssot_rule"] == "settings-via-config" and entries[1]["reference"] == "import"
    result = remediator.scan(root, use_git=False)
    assert {e["fingerprint"] for e in entries} == {fingerprint(f) for f in result.findings if f.severity != "info"}
    assert cli(root, "baseline").exit_code == 0
    assert json.loads((root / DEFAULT_BASELINE).read_text()) == document  # stable: no timestamps, sorted


def test_the_ratchet_allows_known_findings_and_fails_the_next_one(tmp_path: Path) -> None:
    files: dict[str, str] = {
        "pyproject.toml": SSOT,
        "app/__init__.py": "",
        "app/raw.py": "A = B = C = 1\n",
        "app/config.py": "A = B = C = 1\n",
    }
    for i in range(116):  # 348 violations, three per file
        files[f"app/m{i:03}.py"] = "from app.raw import A\nfrom app.raw import B\nfrom app.raw import C\n"
    root = write_tree(tmp_path / "repo", files)
    assert cli(root, "check").exit_code == 1
    assert "wrote .remediator-baseline.json: 348 findings recorded" in cli(root, "baseline").stdout
    adopted = cli(root, "check")
    assert adopted.exit_code == 0, adopted.output
    assert "348 findings recorded in the baseline .remediator-baseline.json not reported" in adopted.stdout
    write_tree(root, {"app/m349.py": "from app.raw import A\n"})
    refused = cli(root, "check", "--format", "json")
    assert refused.exit_code == 1
    assert reported(refused) == [("app/m349.py", 1, "ssot-violation", "A")]
    assert json.loads(refused.stdout)["summary"]["check"]["baseline"] == {"path": DEFAULT_BASELINE, "suppressed": 348, "gone": 0}


def test_fingerprints_survive_line_shifts_and_count_occurrences(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path / "repo",
        {
            **TREE,
            "app/twice.py": "def f():\n    import app.gone\n\n\ndef g():\n    import app.gone\n",
        },
    )
    cli(root, "baseline")
    assert json.loads((root / DEFAULT_BASELINE).read_text())["entries"][-1]["count"] == 2
    write_tree(
        root,
        {
            "app/a.py": '"""Docstring."""\n\nimport os\n\nimport app.gone\nfrom app.raw import TIMEOUT\n',  # moved and reordered
            "app/twice.py": "def f():\n    import app.gone\n\n\ndef g():\n    import app.gone\n\n\ndef h():\n    import app.gone\n",
        },
    )
    result = cli(root, "check", "--format", "json")
    assert result.exit_code == 1
    assert reported(result) == [("app/twice.py", 10, "missing-module", "app.gone")]  # the surplus: the last one


def test_surplus_occurrences_prefer_the_changed_lines(tmp_path: Path) -> None:
    root = repository(tmp_path / "repo", {**TREE, "app/twice.py": "import app.gone\nimport app.gone\n"})
    cli(root, "baseline")
    write_tree(root, {"app/twice.py": "import app.gone  # new, at the top\nimport app.gone\nimport app.gone\n"})
    git(root, "diff", "--quiet", "--", "app/a.py")  # the rest is unchanged
    result = cli(root, "check", "--since", "HEAD", "--format", "json")
    assert reported(result) == [("app/twice.py", 1, "missing-module", "app.gone")]


def test_gone_entries_are_told_not_failed_and_prune_drops_them_without_adding(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", TREE)
    cli(root, "baseline")
    write_tree(root, {"app/a.py": "import os\n"})  # both findings of a.py fixed
    fixed = cli(root, "check")
    assert fixed.exit_code == 0, fixed.output
    assert "2 baseline entries no longer occur: run `remediator baseline --prune`" in fixed.stdout
    assert "run `remediator baseline repo --prune`" in cli(tmp_path, "check", "--root", "repo").stdout
    as_json = cli(root, "check", "--format", "json")
    assert "2 baseline entries no longer occur" in as_json.stderr
    assert json.loads(as_json.stdout)["summary"]["check"]["baseline"]["gone"] == 2

    write_tree(root, {"app/c.py": "import app.brand_new\n"})  # a new finding: prune must not record it
    pruned = cli(root, "baseline", "--prune")
    assert pruned.exit_code == 0, pruned.output
    assert "pruned .remediator-baseline.json: removed 2 entries that no longer occur; 1 finding recorded" in pruned.stdout
    assert "1 finding not in the baseline left out (--prune never adds)" in pruned.stdout
    document = json.loads((root / DEFAULT_BASELINE).read_text())
    assert [(e["path"], e["name"]) for e in document["entries"]] == [("app/b.py", "nothing")]
    after = cli(root, "check", "--format", "json")
    assert after.exit_code == 1
    assert reported(after) == [("app/c.py", 1, "missing-module", "app.brand_new")]
    assert "no longer occur" not in after.stderr


def test_explicit_default_and_disabled_baselines(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", TREE)
    custom = tmp_path / "ci" / "baseline.json"
    custom.parent.mkdir()
    assert cli(root, "baseline", "--output", str(custom)).exit_code == 0
    assert not (root / DEFAULT_BASELINE).exists()
    assert cli(root, "check").exit_code == 1  # no default file: nothing is suppressed
    assert cli(root, "check", "--baseline", str(custom)).exit_code == 0
    write_tree(root, {"app/a.py": "import os\n"})
    told = cli(root, "check", "--baseline", str(custom))
    assert f"run `remediator baseline --prune --output {custom}`" in told.stdout
    cli(root, "baseline")
    assert cli(root, "check").exit_code == 0  # the default file is picked up
    assert cli(root, "check", "--no-baseline").exit_code == 1
    both = cli(root, "check", "--no-baseline", "--baseline", str(custom))
    assert both.exit_code == 2 and "exclude each other" in both.stderr


@pytest.mark.e2e
@pytest.mark.parametrize(
    "content, key",
    [
        ("{", "json"),
        ("[]", "(top level)"),
        ('{"version": 2, "entries": []}', "version"),
        ('{"version": 1}', "entries"),
        ('{"version": 1, "entries": [{"path": "a.py", "reference": "import"}]}', "entries[0].rule"),
        ('{"version": 1, "entries": [{"rule": "r", "path": "a.py", "reference": "import", "count": 0}]}', "entries[0].count"),
        ('{"version": 1, "entries": [{"rule": "r", "path": "a.py", "reference": "import", "line": 3}]}', "entries[0].line"),
        ('{"version": 1, "entries": [], "extra": true}', "extra"),
    ],
)
def test_a_malformed_baseline_is_a_usage_error_naming_the_key(tmp_path: Path, content: str, key: str) -> None:
    root = write_tree(tmp_path / "repo", {**TREE, DEFAULT_BASELINE: content})
    completed = subprocess.run([sys.executable, "-m", "remediator", "check"], cwd=root, capture_output=True, text=True, check=False)
    assert completed.returncode == 2
    assert DEFAULT_BASELINE in completed.stderr and key in completed.stderr
    assert "Traceback" not in completed.stderr and completed.stdout == ""
    with pytest.raises(BaselineError):
        remediator.check(root)


def test_missing_files_for_baseline_options_exit_2(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", TREE)
    missing = cli(root, "check", "--baseline", "nope.json")
    assert missing.exit_code == 2 and "nope.json: --baseline: file not found" in missing.stderr
    prune = cli(root, "baseline", "--prune")
    assert prune.exit_code == 2 and "file not found" in prune.stderr
    assert not (root / DEFAULT_BASELINE).exists()


def test_baseline_python_api(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", TREE)
    update = remediator.baseline(root)
    assert update.path == root / DEFAULT_BASELINE and update.baseline.occurrences == 3
    write_tree(root, {"app/b.py": "from app.config import TIMEOUT\n\n\ndef helper():\n    return TIMEOUT\n"})
    pruned = remediator.baseline(root, prune=True)
    assert (pruned.pruned, pruned.left_out, pruned.baseline.occurrences) == (1, 0, 2)
    result = remediator.check(root, use_git=False)
    assert result.findings == [] and result.exit_code == 0
    assert result.baseline is not None and (result.baseline.suppressed, result.baseline.gone_occurrences) == (2, 0)


def test_a_warm_check_imports_no_module_its_run_does_not_use(tmp_path: Path) -> None:
    """Each import is start-up time for every pre-commit run: the baseline module (no baseline file here),
    the fix plan, `subprocess` (no git is asked), `configparser` and `shlex` (pytest's settings are in
    pyproject.toml) stay out of a warm check, and so do `importlib.resources` and `tempfile`, which the
    grammar package's `__init__` would import when the edited file is parsed."""
    root = write_tree(tmp_path / "repo", TREE)
    # The store is written by the same interpreter and code the check runs with (the analysis is keyed by the
    # code: a test process that imports the checkout, beside an installed copy, would make the check a rebuild).
    program = (
        "import sys\n"
        "unused = ['remediator.application.baseline', 'remediator.domain.plan', 'subprocess', 'configparser', 'shlex',\n"
        "          'remediator.reports.progress', 'importlib.resources', 'tempfile']\n"
        "for name in unused:\n"
        "    sys.modules.pop(name, None)  # loaded at start-up (by a .pth file): an import by the check loads it again\n"
        "from remediator.cli import main\n"
        "try:\n"
        "    main(sys.argv[1:], standalone_mode=False)\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('imported:', [name for name in unused if name in sys.modules])\n"
        "print('parsed:', 'tree_sitter' in sys.modules)\n"
    )
    subprocess.run([sys.executable, "-c", program, "scan", ".", "--no-git", "--format", "json"], capture_output=True, check=True, cwd=root)
    write_tree(root, {"app/a.py": "from app.raw import TIMEOUT\nimport app.gone\nx = 1\n"})
    check = ["check", "app/a.py", "--root", ".", "--no-git", "--format", "json"]
    run = subprocess.run([sys.executable, "-c", program, *check], capture_output=True, text=True, check=True, cwd=root)
    assert '"rule": "missing-module"' in run.stdout  # the check ran and reported the broken import
    assert run.stdout.splitlines()[-2:] == ["imported: []", "parsed: True"]  # (the edited file was parsed)
