"""remediator checks its own layers: the detection-only rules in pyproject.toml, through its own scan."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import invoke_cli

PROJECT = Path(__file__).resolve().parent.parent
LAYERS = ("domain", "adapters", "analysis", "rules", "application", "reports", "api")


def _copy_of_the_project(root: Path) -> Path:
    """The package, the codemods and pyproject.toml (its rules), without caches: a scan never writes into the checkout."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for folder in ("remediator", "codemods"):
        shutil.copytree(PROJECT / folder, root / folder, ignore=ignore)
    shutil.copy2(PROJECT / "pyproject.toml", root / "pyproject.toml")
    return root


def _scan(root: Path) -> dict:
    result = invoke_cli(root, "scan", ".", "--no-cache", "--format", "json")
    return json.loads(result.stdout)


def test_the_project_keeps_its_own_layers(tmp_path: Path) -> None:
    report = _scan(_copy_of_the_project(tmp_path))
    rules = {rule["rule"]: rule for rule in report["summary"]["ssot"]["rules"]}
    assert {f"layer {name}" for name in LAYERS} <= set(rules)  # pyproject.toml's rules were read
    assert [f for f in report["findings"] if f["rule"] == "ssot-violation"] == []
    assert all(rule["violating_imports"] == 0 and rule["use"] is None for rule in rules.values())


@pytest.mark.parametrize(
    ("path", "statement", "rule"),
    [
        ("remediator/domain/version.py", "from remediator.adapters import hashing", "layer domain"),
        ("remediator/analysis/graph.py", "import remediator.adapters.writer", "layer analysis"),
        ("remediator/reports/json_report.py", "from remediator.api import scan", "layer reports"),
    ],
)
def test_a_step_against_the_layers_is_reported_where_it_is(tmp_path: Path, path: str, statement: str, rule: str) -> None:
    root = _copy_of_the_project(tmp_path)
    source = root / path
    text = source.read_text(encoding="utf-8")
    source.write_text(text + f"\n{statement}  # a step against the layers\n", encoding="utf-8")
    line = len(text.splitlines()) + 2
    found = [(f["path"], f["line"], f["ssot_rule"]) for f in _scan(root)["findings"] if f["rule"] == "ssot-violation"]
    assert (path, line, rule) in found
    assert {entry[2] for entry in found} <= {rule, "the model and the rules read values, never the outside world"}
    # import-linter, reading the same pyproject.toml, agrees that the layers are broken
    lint_imports = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))
    if not Path(lint_imports).exists():
        pytest.skip("lint-imports is not installed")
    env = {**os.environ, "PYTHONPATH": str(root)}
    done = subprocess.run([lint_imports, "--no-cache"], cwd=root, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "BROKEN" in done.stdout
