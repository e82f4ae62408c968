"""check computes the blast radius of the targets it reports only, and gives each the figures the whole scan gives it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import remediator
from remediator.domain.config import Settings
from tests.conftest import write_tree

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "netra_monorepo"

# Two missing targets share an importer; one breaks a conftest; an unparsable module breaks more; tests below each.
TREE = {
    "app/__init__.py": "",
    "app/core.py": "import app.gone\n",
    "app/both.py": "import app.gone\nfrom app.util import missing\n",
    "app/util.py": "X = 1\n",
    "app/uses_core.py": "import app.core\n",
    "app/bad.py": "def broken(:\n",
    "app/uses_bad.py": "import app.bad\nimport app.gone\n",
    "tests/__init__.py": "",
    "tests/test_core.py": "import app.uses_core\n",
    "tests/test_both.py": "import app.both\n",
    "tests/test_bad.py": "import app.uses_bad\n",
    "tests/sub/__init__.py": "",
    "tests/sub/conftest.py": "from app.util import missing\n",
    "tests/sub/test_plain.py": "import app.util\n",
    "tests/sub/test_core_too.py": "import app.core\n",
    "scripts/tool.py": "import app.vanished\n",
}


def _by_label(targets: list[dict], keys: tuple[str, ...] | None = None) -> dict[tuple[str, str | None], dict]:
    """Each target's entry by (target, name): without `fix_set`, or only `keys`."""
    return {(t["target"], t["name"]): {k: v for k, v in t.items() if (k in keys if keys else k != "fix_set")} for t in targets}


RADIUS = ("failing_modules", "failing_test_files", "unblocks")  # importers and suggestions come from the reported findings


def _check_each_file_against_the_scan(root: Path, settings: Settings | None = None) -> int:
    """For every file with a missing target, check it alone; its targets' figures are the whole scan's. Returns the files checked."""
    scan = remediator.scan(root, settings=settings, use_git=False, use_cache=False)
    whole = _by_label(scan.summary()["missing_targets"], RADIUS)
    paths = sorted({f.path for f in scan.findings if f.rule in ("missing-module", "missing-name")})
    for path in paths:
        check = remediator.check(root, files=[root / path], settings=settings, use_git=False, use_baseline=False)
        targets = check.summary()["missing_targets"]
        assert targets, path
        assert all(t["fix_set"] is None for t in targets)  # check lists no fix sets: it numbers none
        assert _by_label(targets, RADIUS) == {label: whole[label] for label in _by_label(targets)}, path
        # by blast radius, loose folders' targets last
        order = [(bool(t["loose_folders"]), -t["failing_modules"], -t["importers"]) for t in targets]
        assert order == sorted(order)
    return len(paths)


def test_every_break_and_cause_kind(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", TREE)
    assert _check_each_file_against_the_scan(root) == 5
    check = remediator.check(root, files=[root / "app/both.py"], use_git=False)
    gone, missing = sorted(check.missing_targets, key=lambda t: t.label)
    assert gone.label == "app.gone" and missing.label == "app.util.missing"
    # app.both needs both fixed; app.uses_bad also needs app/bad.py repaired; app.core needs app.gone alone
    assert gone.unblocked_modules == {"app.core", "app.uses_core", "tests.test_core", "tests.sub.test_core_too"}
    assert gone.unblocked_test_files == ["tests/test_core.py"]  # tests/sub/test_core_too.py: its conftest lacks `missing`
    assert missing.failing_test_files == ["tests/sub/test_core_too.py", "tests/sub/test_plain.py", "tests/test_both.py"]
    assert missing.unblocked_test_files == ["tests/sub/test_plain.py"]


def test_the_example_project(tmp_path: Path) -> None:
    root = tmp_path / "example"
    shutil.copytree(EXAMPLE, root)
    assert _check_each_file_against_the_scan(root) >= 5


@pytest.mark.parametrize("files", [["app/both.py"], ["app/both.py", "scripts/tool.py"], ["tests/sub/conftest.py"]])
def test_the_check_output_is_the_whole_radius_but_the_fix_set_numbers(tmp_path: Path, files: list[str]) -> None:
    """What check reported before it limited the work (the whole project's blast radius), but for `fix_set`."""
    from remediator.application.blast_radius import missing_targets
    from remediator.application.check import narrow
    from remediator.application.incremental import open_analysis

    root = write_tree(tmp_path / "repo", TREE)
    check = remediator.check(root, files=[root / f for f in files], use_git=False)
    with open_analysis(root, Settings()) as analysis:
        before = missing_targets(analysis, narrow(analysis, files=tuple(files), use_git=False).findings)
    assert _by_label([t.to_dict() for t in check.missing_targets]) == _by_label([t.to_dict() for t in before])
