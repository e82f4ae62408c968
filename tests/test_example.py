"""The bundled example: the scan reports exactly the problems PLANTED.md lists, nothing else."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

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
        [sys.executable, "-m", "remediator", "scan", str(EXAMPLE), "--format", "json", "--no-git"],
        capture_output=True, text=True, check=False,
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
            expected.add((row["rule"], row["path"], int(row["line"]), row["importer"], row["target"], name, row["guarded"] == "yes", row["reference"]))
    found = {
        (f["rule"], f["path"], f["line"], f["importer"], f["target"], f["name"], f["guarded"], f["reference"])
        for f in scan_json["findings"]
        if f["rule"] in ("missing-module", "missing-name")
    }
    assert found == expected
    assert len(expected) == 12


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
    found = {
        (f["path"], f["line"], f["importer"], f["target"], f["name"])
        for f in scan_json["findings"]
        if f["rule"] == "ssot-violation"
    }
    assert found == expected
    ssot = scan_json["summary"]["ssot"]
    assert ssot["violating_imports"] == 5 and ssot["violating_files"] == 5
    assert ssot["compliant_imports"] == 3 and ssot["compliance"] == 0.375


def test_no_other_findings(scan_json: dict) -> None:
    assert scan_json["summary"]["by_rule"] == {
        "import-cycle": 1, "missing-module": 10, "missing-name": 2, "shadowed-module": 1, "ssot-violation": 6,
    }
    assert scan_json["summary"]["errors"] == 17 and scan_json["summary"]["warnings"] == 2


def test_the_planted_shadowed_folder_is_what_python_cannot_import(scan_json: dict) -> None:
    (row,) = [r for r in _planted() if r["rule"] == "shadowed-module"]
    (finding,) = [f for f in scan_json["findings"] if f["rule"] == "shadowed-module"]
    assert (finding["path"], finding["line"], finding["target"]) == (row["path"], int(row["line"]), row["target"])
    probe = "import shared.formatting as m; print(m.__file__)\ntry:\n    import shared.formatting.currency\nexcept ImportError:\n    print('no currency')\n"
    done = subprocess.run([sys.executable, "-c", probe], cwd=EXAMPLE, capture_output=True, text=True, check=True,
                          env={"PATH": "/usr/bin:/bin", "PYTHONDONTWRITEBYTECODE": "1"})
    assert done.stdout.splitlines()[0].endswith("shared/formatting.py") and done.stdout.splitlines()[1] == "no currency"


def test_suggestions_and_blast_radius(scan_json: dict) -> None:
    targets = {(t["target"], t["name"]): t for t in scan_json["summary"]["missing_targets"]}
    mock = targets[("test_framework.fixtures.websocket_manager_mock", None)]
    assert mock["suggestion"]["kind"] == "move"
    assert mock["suggestion"]["target"] == "test_framework.ssot.websocket_mocks"
    assert mock["importers"] == 6 and mock["string_references"] == 1
    # test_ws_auth imports the mock inside a test function: it still collects
    assert mock["failing_test_files"] == [
        "tests/backend/test_notification_service.py",
        "tests/backend/test_session_events.py",
        "tests/websocket/test_connection_lifecycle.py",
        "tests/websocket/test_message_router.py",
        "tests/websocket/test_websocket_manager.py",
    ]
    legacy = targets[("shared.legacy_settings", None)]
    assert legacy["suggestion"]["kind"] == "backup" and legacy["suggestion"]["path"] == "shared/legacy_settings.py.backup"
    jwt = targets[("auth_service.auth_core.core.jwt_handler", "validate_jwt_cross_service")]
    assert jwt["importers"] == 2
    assert jwt["failing_test_files"] == ["tests/backend/test_cross_service_auth.py"]
    assert jwt["suggestion"] is None  # the only other definition is a guarded fallback, not a new home
    order = [t["target"] for t in scan_json["summary"]["missing_targets"]]
    assert order[0] == "test_framework.fixtures.websocket_manager_mock"


def test_pytest_agrees_about_which_test_files_cannot_be_collected(scan_json: dict, tmp_path: Path) -> None:
    """The blast radius is what pytest itself reports as collection errors."""
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", "-p", "no:benchmark"],
        cwd=EXAMPLE, capture_output=True, text=True, check=False, env={"PATH": "/usr/bin:/bin", "PYTHONDONTWRITEBYTECODE": "1"},
    )
    errors = sorted({line.split()[1] for line in completed.stdout.splitlines() if line.startswith("ERROR ")})
    predicted = sorted({p for t in scan_json["summary"]["missing_targets"] for p in t["failing_test_files"]})
    assert errors == predicted


def test_the_snapshot_copy_is_an_alternative_and_restoring_it_unblocks_the_tests(scan_json: dict, tmp_path: Path) -> None:
    """backups/<stamp>/system_snapshot/ is no package (`packages` lists the live ones) but a source for suggestions.

    Run the suggested command on a copy of the example: pytest then collects the five test files it could not.
    """
    import shutil

    findings = [f for f in scan_json["findings"] if f["target"] == "test_framework.fixtures.websocket_manager_mock"]
    assert all(f["suggestion"]["kind"] == "move" for f in findings)  # the move stays the first choice
    (backup,) = {a["command"]: a for f in findings for a in f.get("alternatives", []) if a["kind"] == "backup"}.values()
    assert "backups/20250904_181500/system_snapshot/ (2025-09-04)" in backup["detail"]
    assert not any(f["path"].startswith("backups/") for f in scan_json["findings"])  # the copy's stale imports: not reported
    copy = tmp_path / "netra"
    shutil.copytree(EXAMPLE, copy, ignore=shutil.ignore_patterns(".remediator", "__pycache__"))

    def collection_errors() -> list[str]:
        completed = subprocess.run(
            [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", "-p", "no:benchmark"],
            cwd=copy, capture_output=True, text=True, check=False, env={"PATH": "/usr/bin:/bin", "PYTHONDONTWRITEBYTECODE": "1"},
        )
        return sorted({line.split()[1] for line in completed.stdout.splitlines() if line.startswith("ERROR ")})

    before = collection_errors()
    subprocess.run(backup["command"], shell=True, cwd=copy, check=True)
    after = collection_errors()
    unblocked = sorted(set(before) - set(after))
    assert unblocked == sorted(p for t in scan_json["summary"]["missing_targets"]
                               if t["target"] == "test_framework.fixtures.websocket_manager_mock" for p in t["failing_test_files"])
    assert len(unblocked) == 5 and not set(after) - set(before)
