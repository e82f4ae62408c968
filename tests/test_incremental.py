"""The incremental analysis: what a warm run analyses again, when discovery runs, a damaged store, concurrent runs.

Every test compares the warm result with a scan from nothing (`use_cache=False`):
being fast must never change an answer. `result.analysis.run` says what the run
did (how it got the analysis, which files it analysed, whether discovery ran).
tests/test_hypothesis_incremental.py checks the same equality after random edits.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

import remediator
from remediator.adapters.cache import CACHE_DIR
from remediator.domain.config import Settings, SsotRule

from conftest import write_tree

TREE = {
    "lib/__init__.py": "from .core import *\n",
    "lib/core.py": "X = 1\nY = 2\n\ndef helper():\n    return X\n",
    "lib/legacy.py": "def token():\n    return 'old'\n",
    "app/__init__.py": "",
    "app/uses_x.py": "from lib.core import X\n",
    "app/uses_y.py": "from lib.core import Y\n",
    "app/via_package.py": "from lib import helper\n",
    "app/unrelated.py": "import os\n\nVALUE = os.sep\n",
    "app/legacy_user.py": "from lib.legacy import token\n",
    "tests/test_app.py": "from unittest import mock\n\n@mock.patch('lib.core.X')\ndef test_x(m):\n    pass\n",
}
SETTINGS = Settings(ssot=(SsotRule("no legacy", forbid=("lib.legacy",), use="lib.core", scope=("app",)),))


def scan(root: Path, settings: Settings = SETTINGS, **options: Any) -> remediator.ScanResult:
    return remediator.scan(root, settings=settings, use_git=False, **options)


def document(result: remediator.ScanResult) -> dict[str, Any]:
    data = result.to_dict()
    data["summary"].pop("elapsed_seconds")
    return data


def warm_equals_full(root: Path, settings: Settings = SETTINGS) -> remediator.ScanResult:
    """Scan through the store; assert it says exactly what a scan from nothing says."""
    warm = scan(root, settings)
    assert document(warm) == document(scan(root, settings, use_cache=False))
    return warm


@pytest.fixture
def root(tmp_path: Path) -> Path:
    root = write_tree(tmp_path / "repo", TREE)
    first = scan(root)
    assert first.analysis.run.how == "rebuilt"
    return root


def test_nothing_changed_analyses_nothing(root: Path) -> None:
    result = warm_equals_full(root)
    assert result.analysis.run.how == "incremental"
    assert (result.analysis.run.analysed, result.analysis.run.parsed, result.analysis.run.discovered) == ((), 0, False)


def test_a_body_edit_is_parsed_but_analyses_nothing(root: Path) -> None:
    core = root / "lib/core.py"
    core.write_text(core.read_text().replace("return X", "return X + Y"))  # same imports, same names
    result = warm_equals_full(root)
    assert result.analysis.run.parsed == 1
    assert result.analysis.run.analysed == () and result.analysis.run.changed == ()


def test_removing_a_name_analyses_exactly_the_files_that_read_it(root: Path) -> None:
    core = root / "lib/core.py"
    core.write_text(core.read_text().replace("X = 1\n", ""))
    result = warm_equals_full(root)
    # lib/core.py changed; uses_x imports X; lib/__init__ star-imports it; the test patches lib.core.X;
    # uses_y and via_package read other names, unrelated reads nothing of lib
    assert set(result.analysis.run.analysed) == {"lib/core.py", "app/uses_x.py", "tests/test_app.py"}
    assert {(f.rule, f.path) for f in result.findings} >= {("missing-name", "app/uses_x.py"), ("missing-name", "tests/test_app.py")}


def test_a_name_removed_behind_a_star_import_reaches_importers_of_the_package(root: Path) -> None:
    core = root / "lib/core.py"
    core.write_text(core.read_text().replace("def helper():\n    return X\n", ""))
    result = warm_equals_full(root)
    assert "app/via_package.py" in result.analysis.run.analysed
    assert ("missing-name", "app/via_package.py", "helper") in {(f.rule, f.path, f.name) for f in result.findings}
    assert "app/uses_y.py" not in result.analysis.run.analysed


def test_lines_moving_above_an_import_are_followed(root: Path) -> None:
    user = root / "app/legacy_user.py"
    user.write_text("# a comment\n\n" + user.read_text())
    result = warm_equals_full(root)
    violation = next(f for f in result.findings if f.rule == "ssot-violation")
    assert (violation.path, violation.line) == ("app/legacy_user.py", 3)


def test_a_cycle_follows_its_imports_when_they_move_and_when_it_is_broken(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", {"ring/__init__.py": "", "ring/a.py": "import ring.b\n", "ring/b.py": "import ring.a\n"})
    plain = Settings()
    scan(root, plain)
    (root / "ring/a.py").write_text("# moved down\n\nimport ring.b\n")  # the same imports, on another line
    result = warm_equals_full(root, plain)
    (cycle,) = [f for f in result.findings if f.rule == "import-cycle"]
    assert ("ring/a.py", 3) in {(link["path"], link["line"]) for link in cycle.chain}
    (root / "ring/b.py").write_text("VALUE = 1\n")  # the cycle is gone
    assert not [f for f in warm_equals_full(root, plain).findings if f.rule == "import-cycle"]
    (root / "ring/b.py").write_text("from ring import a\n")  # and back, through another form
    assert [f for f in warm_equals_full(root, plain).findings if f.rule == "import-cycle"]


def test_a_deleted_module_breaks_its_importers_and_a_created_one_mends_them(root: Path) -> None:
    (root / "lib/legacy.py").unlink()
    result = warm_equals_full(root)
    assert result.analysis.run.discovered
    assert ("missing-module", "app/legacy_user.py") in {(f.rule, f.path) for f in result.findings}
    (root / "lib/legacy.py").write_text("def token():\n    return 'back'\n")
    result = warm_equals_full(root)
    assert not any(f.rule == "missing-module" for f in result.findings)
    assert "app/unrelated.py" not in result.analysis.run.analysed


def test_an_atomic_save_does_not_run_discovery_again(root: Path) -> None:
    user = root / "app/uses_y.py"
    temporary = user.with_name(".uses_y.py.swp")
    temporary.write_text("from lib.core import Y, X\n")
    os.replace(temporary, user)  # as editors save: the folder changed, its entries did not
    result = warm_equals_full(root)
    assert not result.analysis.run.discovered
    assert result.analysis.run.analysed == ("app/uses_y.py",)


def test_a_new_file_that_is_not_python_runs_discovery_and_changes_nothing(root: Path) -> None:
    (root / "lib/README.txt").write_text("notes\n")
    result = warm_equals_full(root)
    assert result.analysis.run.discovered and result.analysis.run.analysed == ()


def test_a_package_becoming_a_namespace_package_is_followed(root: Path) -> None:
    (root / "app/__init__.py").unlink()
    warm_equals_full(root)
    (root / "app/__init__.py").write_text("")
    warm_equals_full(root)


def test_a_new_top_level_package_rebuilds(root: Path) -> None:
    write_tree(root, {"extra/__init__.py": "from lib.core import X\n"})
    result = warm_equals_full(root)
    assert result.analysis.run.how == "rebuilt"  # what counts as the project's own changed: every resolution may


def test_a_same_size_edit_of_a_settled_file_is_seen(root: Path) -> None:
    core = root / "lib/core.py"
    newest = max(max(p.stat().st_mtime, p.stat().st_ctime) for p in root.rglob("*.py"))
    time.sleep(max(0.0, newest + 2.1 - time.time()))  # older than the settle time: the stat index trusts them
    scan(root)
    before = core.stat()
    core.write_text(core.read_text().replace("Y = 2", "Z = 2"))  # same size
    os.utime(core, ns=(before.st_atime_ns, before.st_mtime_ns))  # and the same mtime; the ctime still moves
    result = warm_equals_full(root)
    assert ("missing-name", "app/uses_y.py") in {(f.rule, f.path) for f in result.findings}


def test_check_of_one_file_gives_what_the_full_check_gives(root: Path) -> None:
    (root / "lib/legacy.py").write_text("def other():\n    return 1\n")
    files = [root / "app/legacy_user.py"]
    warm = remediator.check(root, files=files, settings=SETTINGS, use_git=False)
    full = remediator.check(root, files=files, settings=SETTINGS, use_git=False, use_cache=False)
    assert document(warm) == document(full)
    assert {f.rule for f in warm.findings} == {"missing-name", "ssot-violation"}


def test_other_settings_keep_their_own_store(root: Path) -> None:
    other = Settings()
    assert remediator.scan(root, settings=other, use_git=False).analysis.run.how == "rebuilt"
    assert scan(root).analysis.run.how == "incremental"  # the first settings' store is still there
    assert remediator.scan(root, settings=other, use_git=False).analysis.run.how == "incremental"


def test_the_model_of_a_warm_scan_is_the_model_of_a_full_scan(root: Path) -> None:
    warm = scan(root)
    assert warm.analysis.run.how == "incremental"
    full = scan(root, use_cache=False)
    assert sorted(warm.graph.nx.edges) == sorted(full.graph.nx.edges)
    assert warm.model.symbols.names("lib") == full.model.symbols.names("lib")


# ---------------------------------------------------------------------------- a damaged store


def _store(root: Path) -> Path:
    (path,) = (root / CACHE_DIR / "cache").glob("*/store.sqlite")
    return path


@pytest.mark.parametrize("damage", ["junk", "truncate", "empty", "garble-state", "garble-shard", "wrong-shape", "wrong-shape-shard"])
def test_a_damaged_store_is_never_trusted(root: Path, damage: str) -> None:
    store = _store(root)
    if damage in ("junk", "truncate", "empty"):
        data = store.read_bytes()
        store.write_bytes({"junk": os.urandom(len(data)), "truncate": data[: len(data) // 2], "empty": b""}[damage])
    else:
        db = sqlite3.connect(store)
        if damage == "garble-state":
            (blob,) = db.execute("SELECT data FROM blobs WHERE name = 'state'").fetchone()
            db.execute("UPDATE blobs SET data = ? WHERE name = 'state'", (blob[:-1] + bytes([blob[-1] ^ 1]),))
        elif damage == "garble-shard":  # read only when an edit needs it
            db.execute("UPDATE blobs SET data = substr(data, 1, length(data) - 3) WHERE name LIKE 'rdeps/%'")
            core = root / "lib/core.py"
            core.write_text(core.read_text().replace("X = 1\n", ""))
        else:  # a sound checksum over a value of the wrong shape: the state, or each entry of the reverse index's shards
            from remediator.adapters.cache import FactsCache

            (scope,) = db.execute("SELECT scope FROM blobs WHERE name = 'state'").fetchone()
            shards = [name for (name,) in db.execute("SELECT name FROM blobs WHERE name LIKE 'rdeps/%'")]
            db.close()
            writer = FactsCache.for_root(root.resolve()).store
            assert writer is not None and writer.path == store
            if damage == "wrong-shape":
                writer.put(scope, "state", ("not", "a", "state", "at all"))
            else:  # read only when an edit needs it; a map of the wrong values
                for name in shards:
                    writer.put(scope, name, {"lib.core": ("not", "a", "map")})
                core = root / "lib/core.py"
                core.write_text(core.read_text().replace("X = 1\n", ""))
            assert writer.commit()
            writer.close()
            db = sqlite3.connect(store)
        db.commit()
        db.close()
    result = warm_equals_full(root)
    assert result.analysis.run.how == "rebuilt"
    again = warm_equals_full(root)  # and the store is sound again
    assert again.analysis.run.how == "incremental" and again.analysis.run.analysed == ()


def test_damage_found_after_the_answer_is_given_answers_from_the_model_and_drops_the_store(root: Path) -> None:
    # the graph and the definers are read only when the report asks (blast radius, suggestions): after the update
    db = sqlite3.connect(_store(root))
    db.execute("UPDATE blobs SET data = substr(data, 1, length(data) - 3) WHERE name LIKE 'graph/%' OR name LIKE 'definers/%'")
    db.commit()
    db.close()
    (root / "app/uses_x.py").write_text("from lib.core import X, Gone\n")
    result = warm_equals_full(root)
    assert result.analysis.run.how == "incremental" and result.analysis.run.analysed == ("app/uses_x.py",)
    assert ("missing-name", "app/uses_x.py") in {(f.rule, f.path) for f in result.findings}
    assert warm_equals_full(root).analysis.run.how == "rebuilt"  # the store was dropped when that run ended
    assert warm_equals_full(root).analysis.run.how == "incremental"


# ---------------------------------------------------------------------------- concurrent runs


@pytest.mark.e2e
def test_concurrent_checks_after_an_edit_are_right_and_leave_a_sound_store(root: Path) -> None:
    core = root / "lib/core.py"
    core.write_text(core.read_text().replace("Y = 2\n", ""))
    (root / "pyproject.toml").write_text(
        '[tool.remediator]\n[[tool.remediator.ssot]]\nname = "no legacy"\nforbid = ["lib.legacy"]\nuse = "lib.core"\nscope = ["app"]\n'
    )
    command = [sys.executable, "-m", "remediator", "check", "--root", str(root), "--format", "json", "--no-git"]
    expected = subprocess.run([*command, "--no-cache"], capture_output=True, text=True, check=False)
    runs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(4)]
    for run in runs:
        stdout, stderr = run.communicate(timeout=300)
        assert run.returncode == expected.returncode == 1, stderr
        assert _findings(stdout) == _findings(expected.stdout)
    settings = Settings(ssot=SETTINGS.ssot, source=root / "pyproject.toml")
    after = remediator.scan(root, settings=settings, use_git=False)
    assert after.analysis.run.how == "incremental" and after.analysis.run.analysed == ()
    assert document(after) == document(remediator.scan(root, settings=settings, use_git=False, use_cache=False))


def _findings(stdout: str) -> list[dict[str, Any]]:
    return json.loads(stdout)["findings"]
