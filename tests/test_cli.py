"""The command line: JSON contract, exit statuses, configuration errors, `python -m`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from remediator.cli import main
from tests.conftest import write_tree

FINDING_KEYS = {
    "rule",
    "path",
    "line",
    "column",
    "importer",
    "target",
    "name",
    "guarded",
    "severity",
    "reference",
    "message",
    "suggestion",
}
TREE = {
    "pkg/__init__.py": "",
    "pkg/core.py": "def run(): pass\n",
    "pkg/user.py": "from pkg.core import run, gone\ntry:\n    import pkg.optional\nexcept ImportError:\n    pass\n",
}


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "remediator", *args], capture_output=True, text=True, check=False)


@pytest.mark.e2e
def test_json_contract(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", TREE)
    completed = _run("scan", str(root), "--format", "json")
    assert completed.returncode == 1, completed.stderr
    document = json.loads(completed.stdout)
    assert set(document) == {"findings", "summary"}
    findings = document["findings"]
    assert [(f["rule"], f["line"], f["name"], f["guarded"], f["severity"]) for f in findings] == [
        ("missing-name", 1, "gone", False, "error"),
        ("missing-module", 3, None, True, "warning"),
    ]
    for finding in findings:
        assert FINDING_KEYS <= set(finding)
        assert finding["path"] == "pkg/user.py"
        assert finding["importer"] == "pkg.user"
        assert finding["reference"] == "import"
    assert document["summary"]["errors"] == 1 and document["summary"]["warnings"] == 1
    assert document["summary"]["by_rule"] == {"missing-module": 1, "missing-name": 1}


def test_exit_zero_when_only_warnings(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", {**TREE, "pkg/user.py": "try:\n    import pkg.optional\nexcept ImportError:\n    pass\n"})
    result = CliRunner().invoke(main, ["scan", str(root)])
    assert result.exit_code == 0, result.output
    assert "pkg.optional — missing module" in result.output
    assert "0 errors, 1 warning" in result.output


def test_text_output_groups_by_target_with_blast_radius(tmp_path: Path) -> None:
    files = {
        "lib/__init__.py": "",
        "lib/new_home.py": "class Mock:\n    calls = 0\n",
        "tests/__init__.py": "",
        **{f"tests/test_{i}.py": "from lib.old_home import Mock\n" for i in range(3)},
        "app/__init__.py": "",
        "app/x.py": "from lib.new_home import Gone\n",
    }
    root = write_tree(tmp_path / "repo", files)
    output = CliRunner().invoke(main, ["scan", str(root), "--no-git"]).output
    first = output.index("lib.old_home — missing module — 3 importers — breaks 3 modules (3 test files cannot be collected)")
    second = output.index("lib.new_home.Gone — missing name — 1 importer")
    assert first < second  # biggest blast radius first
    assert "now defined in lib.new_home" in output
    assert "tests/test_0.py:1:1 from lib.old_home import Mock" in output


@pytest.mark.e2e
@pytest.mark.parametrize(
    "config, key",
    [
        ("[tool.remediator]\npackagez = ['x']\n", "tool.remediator.packagez"),
        ("[tool.remediator]\npackages = 'x'\n", "tool.remediator.packages"),
        ("[tool.remediator]\n[[tool.remediator.ssot]]\nname = 'r'\nforbid = ['a..b']\nuse = 'c'\n", "tool.remediator.ssot[0].forbid"),
        ("[tool.remediator]\n[[tool.remediator.ssot]]\nname = 'r'\nuse = 'c'\n", "tool.remediator.ssot[0].forbid"),
        (
            "[tool.remediator]\n[[tool.remediator.ssot]]\nname = 'r'\nforbid = ['a']\nsymbols = { x = 'y' }\n",
            "tool.remediator.ssot[0].symbols",
        ),
        ("[tool.remediator]\n[[tool.remediator.move]]\nfrom = 'a'\nto = 'b.*'\n", "tool.remediator.move[0].to"),
        ("[tool.remediator\n", "toml"),
    ],
)
def test_configuration_errors_exit_2_naming_file_and_key(tmp_path: Path, config: str, key: str) -> None:
    root = write_tree(tmp_path / "repo", {**TREE, "pyproject.toml": config})
    completed = _run("scan", str(root))
    assert completed.returncode == 2
    assert "pyproject.toml" in completed.stderr and key in completed.stderr
    assert "Traceback" not in completed.stderr


@pytest.mark.e2e
def test_config_option_and_packages_setting(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", {**TREE, "other/__init__.py": "", "other/m.py": "import other.gone\n"})
    config = tmp_path / "remediator.toml"
    config.write_text("packages = ['other']\n")
    document = json.loads(_run("scan", str(root), "--format", "json", "--config", str(config)).stdout)
    assert [(f["path"], f["target"]) for f in document["findings"]] == [("other/m.py", "other.gone")]


@pytest.mark.e2e
def test_missing_root_is_a_usage_error(tmp_path: Path) -> None:
    completed = _run("scan", str(tmp_path / "nope"))
    assert completed.returncode == 2
    assert "does not exist" in completed.stderr


@pytest.mark.e2e
def test_cycles_command(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", {"p/__init__.py": "", "p/a.py": "import p.b\n", "p/b.py": "import p.a\n"})
    completed = _run("cycles", str(root), "--format", "json")
    assert completed.returncode == 1
    (cycle,) = json.loads(completed.stdout)["cycles"]
    assert cycle["message"].endswith("p.a -> p.b -> p.a")
    assert _run("cycles", str(write_tree(tmp_path / "flat", {"q/__init__.py": ""}))).returncode == 0


@pytest.mark.e2e
def test_jobs_do_not_change_the_result(tmp_path: Path, start_method: str) -> None:
    files = {"pkg/__init__.py": ""}
    for i in range(450):  # above the threshold where worker processes are used
        files[f"pkg/m{i}.py"] = f"from pkg.m{(i + 1) % 450} import name{i}\nname{i} = {i}\n"
    root = write_tree(tmp_path / "repo", files)
    # --no-cache: both runs parse every file (a second run would otherwise be served by the first one's store)
    one = json.loads(_run("scan", str(root), "--format", "json", "--no-cache", "--jobs", "1").stdout)
    two = json.loads(_run("scan", str(root), "--format", "json", "--no-cache", "--jobs", "2").stdout)
    assert not (root / ".remediator").exists()
    assert sum(f["rule"] == "missing-name" for f in one["findings"]) == 450
    assert one["findings"] == two["findings"]
    assert one["summary"]["missing_targets"] == two["summary"]["missing_targets"]


@pytest.mark.e2e
def test_exit_zero_reports_but_does_not_fail(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", TREE)
    completed = _run("scan", str(root), "--exit-zero", "--format", "json")
    assert completed.returncode == 0
    assert json.loads(completed.stdout)["summary"]["errors"] == 1
    assert _run("scan", str(tmp_path / "missing"), "--exit-zero").returncode == 2


def test_the_console_script_runs_analyses_without_the_cycle_collector_and_fix_and_watch_with_it(tmp_path: Path) -> None:
    """`run` (the console script) switches the cycle collector off: an analysis's objects are in no cycle and the
    process ends with the command. `fix` (LibCST's trees leave garbage in cycles) and `--watch` (a process that
    lives on) switch it back on. Each API entry point is wrapped to say, when called, whether it is on."""
    root = write_tree(tmp_path / "repo", TREE)
    program = (
        "import gc, sys\n"
        "import remediator.api as api\n"
        "import remediator.adapters.watcher as watcher\n"
        "from remediator.cli import run\n"
        "def said(name, real):\n"
        "    def spy(*args, **kwargs):\n"
        "        print(name, 'on' if gc.isenabled() else 'off', file=sys.stderr, flush=True)\n"
        "        return real(*args, **kwargs)\n"
        "    return spy\n"
        "for name in ('scan', 'check', 'fix'):\n"
        "    setattr(api, name, said(name, getattr(api, name)))\n"
        "def stop(*args, **kwargs):\n"
        "    print('watch', 'on' if gc.isenabled() else 'off', file=sys.stderr, flush=True)\n"
        "    raise SystemExit(0)\n"
        "watcher.watch_changes = stop\n"
        "sys.argv[0] = 'remediator'\n"
        "run()\n"
    )
    commands = {
        "scan": ["scan", ".", "--no-git", "--format", "json"],
        "check": ["check", "--root", ".", "--no-git", "--format", "json"],
        "fix": ["fix", ".", "--no-git", "--format", "json"],
        "watch": ["scan", ".", "--no-git", "--watch"],
    }
    said = {}
    for name, args in commands.items():
        done = subprocess.run([sys.executable, "-c", program, *args], capture_output=True, text=True, check=False, cwd=root)
        said[name] = [line for line in done.stderr.splitlines() if line.split(" ")[0] == name]
    assert said == {"scan": ["scan off"], "check": ["check off"], "fix": ["fix on"], "watch": ["watch on"]}


def test_main_called_in_process_leaves_the_collector_as_its_caller_set_it(tmp_path: Path) -> None:
    """Only the console script switches the collector off and on; `fix` through `main` in-process changes nothing."""
    import gc

    root = write_tree(tmp_path / "repo", TREE)
    gc.disable()
    try:
        result = CliRunner().invoke(main, ["fix", str(root), "--no-git", "--format", "json"])
        still_off = not gc.isenabled()
    finally:
        gc.enable()
    assert result.exit_code in (0, 1), result.output
    assert still_off
