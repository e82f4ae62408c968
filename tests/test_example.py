"""The bundled example: the scan reports exactly the problems PLANTED.md lists, nothing else."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import uncollectable

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "netra_monorepo"


def _planted() -> list[dict[str, str]]:
    rows = []
    for line in (EXAMPLE / "PLANTED.md").read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 9 and cells[0].isdigit():
            keys = ("n", "rule", "path", "line", "importer", "target", "name", "guarded", "reference")
            rows.append(dict(zip(keys, cells)))
    return rows


@pytest.fixture(scope="module")
def scan_json() -> dict:
    completed = subprocess.run(
        # --no-cache: a scan from nothing, not one served by a store an earlier run left in the checkout
        [sys.executable, "-m", "remediator", "scan", str(EXAMPLE), "--format", "json", "--no-git", "--no-cache"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 1, completed.stderr
    return json.loads(completed.stdout)


def test_broken_imports_are_exactly_the_planted_ones(scan_json: dict) -> None:
    expected = set()
    for row in _planted():
        if row["rule"] not in ("missing-module", "missing-name"):
            continue
        names = [None] if row["name"] == "-" or row["reference"] == "string" else row["name"].split(", ")
        for name in names:
            expected.add(
                (
                    row["rule"],
                    row["path"],
                    int(row["line"]),
                    row["importer"],
                    row["target"],
                    name,
                    row["guarded"] == "yes",
                    row["reference"],
                )
            )
    found = {
        (f["rule"], f["path"], f["line"], f["importer"], f["target"], f["name"], f["guarded"], f["reference"])
        for f in scan_json["findings"]
        if f["rule"] in ("missing-module", "missing-name")
    }
    assert found == expected
    assert len(expected) == 14


def test_the_one_planted_cycle(scan_json: dict) -> None:
    cycle_rows = {(r["importer"], r["target"], r["path"], int(r["line"])) for r in _planted() if r["rule"] == "import-cycle"}
    (cycle,) = [f for f in scan_json["findings"] if f["rule"] == "import-cycle"]
    assert {(link["importer"], link["imported"], link["path"], link["line"]) for link in cycle["chain"]} == cycle_rows


def test_ssot_violations_are_exactly_the_planted_ones(scan_json: dict) -> None:
    expected = set()
    for row in _planted():
        if row["rule"] == "ssot-violation":
            for name in [None] if row["name"] == "-" else row["name"].split(", "):
                expected.add((row["path"], int(row["line"]), row["importer"], row["target"], name))
    found = {(f["path"], f["line"], f["importer"], f["target"], f["name"]) for f in scan_json["findings"] if f["rule"] == "ssot-violation"}
    assert found == expected
    ssot = scan_json["summary"]["ssot"]
    assert ssot["violating_imports"] == 5 and ssot["violating_files"] == 5
    assert ssot["compliant_imports"] == 3 and ssot["compliance"] == 0.375


def test_no_other_findings(scan_json: dict) -> None:
    assert scan_json["summary"]["by_rule"] == {
        "import-cycle": 1,
        "missing-module": 12,
        "missing-name": 2,
        "shadowed-module": 1,
        "ssot-violation": 6,
    }
    assert scan_json["summary"]["errors"] == 19 and scan_json["summary"]["warnings"] == 2


def test_the_planted_shadowed_folder_is_what_python_cannot_import(scan_json: dict) -> None:
    (row,) = [r for r in _planted() if r["rule"] == "shadowed-module"]
    (finding,) = [f for f in scan_json["findings"] if f["rule"] == "shadowed-module"]
    assert (finding["path"], finding["line"], finding["target"]) == (row["path"], int(row["line"]), row["target"])
    probe = "import shared.formatting as m; print(m.__file__)\ntry:\n    import shared.formatting.currency\nexcept ImportError:\n    print('no currency')\n"
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=EXAMPLE,
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "/usr/bin:/bin", "PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert done.stdout.splitlines()[0].endswith("shared/formatting.py") and done.stdout.splitlines()[1] == "no currency"


ALL_TEST_FILES = sorted(p.relative_to(EXAMPLE).as_posix() for p in (EXAMPLE / "tests").rglob("test_*.py"))


def test_suggestions_and_blast_radius(scan_json: dict) -> None:
    targets = {(t["target"], t["name"]): t for t in scan_json["summary"]["missing_targets"]}
    mock = targets[("test_framework.fixtures.websocket_manager_mock", None)]
    assert mock["suggestion"]["kind"] == "move"
    assert mock["suggestion"]["target"] == "test_framework.ssot.websocket_mocks"
    assert mock["importers"] == 7 and mock["string_references"] == 1
    # test_framework/fixtures/__init__.py star-imports it, and tests/conftest.py imports the package: nothing collects
    assert mock["failing_test_files"] == ALL_TEST_FILES and len(ALL_TEST_FILES) == 12
    headers = targets[("test_framework.fixtures.auth_headers", None)]
    assert headers["suggestion"]["kind"] == "backup" and headers["failing_test_files"] == ALL_TEST_FILES
    # ... and the other star import of the same __init__.py still breaks the package: alone, each fix unblocks nothing
    assert mock["unblocks"] == headers["unblocks"] == {"modules": 0, "test_files": []}
    assert mock["fix_set"] == headers["fix_set"] == 1
    legacy = targets[("shared.legacy_settings", None)]
    assert legacy["suggestion"]["kind"] == "backup" and legacy["suggestion"]["path"] == "shared/legacy_settings.py.backup"
    jwt = targets[("auth_service.auth_core.core.jwt_handler", "validate_jwt_cross_service")]
    assert jwt["importers"] == 2
    assert jwt["failing_test_files"] == ["tests/backend/test_cross_service_auth.py"]  # what it reaches, whatever else breaks
    assert jwt["unblocks"] == {"modules": 2, "test_files": []}  # both modules import again, but the conftest still fails
    assert jwt["suggestion"] is None  # the only other definition is a guarded fallback, not a new home
    order = [t["target"] for t in scan_json["summary"]["missing_targets"]]
    assert order[:2] == ["test_framework.fixtures.websocket_manager_mock", "test_framework.fixtures.auth_headers"]


def test_fix_sets_are_greedy_and_name_the_lines_that_bind_them(scan_json: dict) -> None:
    steps = scan_json["summary"]["fix_sets"]["steps"]
    assert [(s["targets"], s["unblocks"]["modules"], len(s["unblocks"]["test_files"])) for s in steps] == [
        (["test_framework.fixtures.auth_headers", "test_framework.fixtures.websocket_manager_mock"], 8, 11),
        (["auth_service.auth_core.core.jwt_handler.validate_jwt_cross_service"], 2, 1),
        (["shared.legacy_settings"], 1, 0),
    ]
    assert [(b["path"], b["line"]) for b in steps[0]["binding_imports"]] == [
        ("test_framework/fixtures/__init__.py", 2),
        ("test_framework/fixtures/__init__.py", 3),
    ]


@pytest.mark.e2e
def test_pytest_agrees_about_which_test_files_cannot_be_collected(scan_json: dict) -> None:
    """The blast radius is what pytest itself cannot collect."""
    predicted = sorted({p for t in scan_json["summary"]["missing_targets"] for p in t["failing_test_files"]})
    assert uncollectable(EXAMPLE, ALL_TEST_FILES) == predicted


@pytest.mark.e2e
def test_each_fix_set_unblocks_what_pytest_then_collects(scan_json: dict, tmp_path: Path) -> None:
    """Repair the targets of each fix set in the greedy order on a copy: pytest then collects exactly the predicted files.

    And each target alone, from the start, unblocks exactly its `unblocks` (nothing, for the two star imports).
    """
    targets = {t["target"] if t["name"] is None else f"{t['target']}.{t['name']}": t for t in scan_json["summary"]["missing_targets"]}
    for label in ("test_framework.fixtures.websocket_manager_mock", "test_framework.fixtures.auth_headers"):
        alone = _copy(tmp_path / f"alone-{label}")
        _repair(alone, targets[label], scan_json)
        assert sorted(set(ALL_TEST_FILES) - set(uncollectable(alone, ALL_TEST_FILES))) == targets[label]["unblocks"]["test_files"] == []
    copy = _copy(tmp_path / "steps")
    failing = uncollectable(copy, ALL_TEST_FILES)
    for step in scan_json["summary"]["fix_sets"]["steps"]:
        for label in step["targets"]:
            _repair(copy, targets[label], scan_json)
        now = uncollectable(copy, ALL_TEST_FILES)
        assert sorted(set(failing) - set(now)) == step["unblocks"]["test_files"], step["targets"]
        assert set(now) <= set(failing)
        failing = now
    assert failing == []


def _copy(destination: Path) -> Path:
    shutil.copytree(EXAMPLE, destination, ignore=shutil.ignore_patterns(".remediator", "__pycache__"))
    return destination


def _repair(root: Path, target: dict, scan_json: dict) -> None:
    """Bring a missing module back from the backup copy a suggestion names; define a missing name in its module."""
    if target["name"] is not None:
        path = root / (target["target"].replace(".", "/") + ".py")
        path.write_text(path.read_text() + f"\n\ndef {target['name']}(*args, **kwargs):\n    return None\n")
        return
    options = [f["suggestion"] for f in scan_json["findings"] if f["target"] == target["target"] and f["suggestion"]]
    options += [a for f in scan_json["findings"] if f["target"] == target["target"] for a in f.get("alternatives", [])]
    backup = next(o for o in options if o["kind"] == "backup")
    subprocess.run(backup["command"], shell=True, cwd=root, check=True)


@pytest.mark.e2e
def test_the_snapshot_copies_are_alternatives_and_restoring_both_unblocks_the_tests(scan_json: dict, tmp_path: Path) -> None:
    """backups/<stamp>/system_snapshot/ is no package (`packages` lists the live ones) but a source for suggestions.

    Run the suggested commands on a copy of the example: the mock alone unblocks nothing (the package's other
    star import still fails); with the second copy too, pytest collects the eleven test files of fix set 1.
    """
    findings = [f for f in scan_json["findings"] if f["target"] == "test_framework.fixtures.websocket_manager_mock"]
    assert all(f["suggestion"]["kind"] == "move" for f in findings)  # the move stays the first choice
    (backup,) = {a["command"]: a for f in findings for a in f.get("alternatives", []) if a["kind"] == "backup"}.values()
    assert "backups/20250904_181500/system_snapshot/ (2025-09-04)" in backup["detail"]
    (headers,) = [t for t in scan_json["summary"]["missing_targets"] if t["target"] == "test_framework.fixtures.auth_headers"]
    assert "backups/20250904_181500/system_snapshot/ (2025-09-04)" in headers["suggestion"]["detail"]
    assert not any(f["path"].startswith("backups/") for f in scan_json["findings"])  # the copy's stale imports: not reported
    copy = _copy(tmp_path / "netra")
    subprocess.run(backup["command"], shell=True, cwd=copy, check=True)
    assert uncollectable(copy, ALL_TEST_FILES) == ALL_TEST_FILES
    subprocess.run(headers["suggestion"]["command"], shell=True, cwd=copy, check=True)
    (first,) = [s for s in scan_json["summary"]["fix_sets"]["steps"] if s["number"] == 1]
    assert sorted(set(ALL_TEST_FILES) - set(uncollectable(copy, ALL_TEST_FILES))) == first["unblocks"]["test_files"]
    assert len(first["unblocks"]["test_files"]) == 11
