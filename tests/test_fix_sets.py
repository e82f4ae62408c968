"""What a fix unblocks, checked against real pytest on generated trees with overlapping causes.

Each tree has packages whose `__init__.py` star-imports deleted modules, modules
importing deleted modules and missing names (some guarded, some inside
functions), conftests, and test files. For every missing target, repairing it
alone must make pytest collect exactly the test files the scan says it
unblocks; repairing the fix sets one after another, in the scan's order, must
make pytest collect exactly each step's test files, and in the end everything.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest
from conftest import uncollectable, write_tree

import remediator
from remediator.application.blast_radius import MissingTarget

SEEDS = (3, 9, 38)  # trees with 4-5 fix sets, one or two of several targets (seeds 1-39 surveyed)


@pytest.mark.e2e
@pytest.mark.parametrize("seed", SEEDS)
def test_unblocks_and_fix_sets_agree_with_pytest(seed: int, tmp_path: Path) -> None:
    files = _generated_tree(random.Random(seed))
    root = write_tree(tmp_path / "tree", files)
    result = remediator.scan(root, use_git=False)
    assert result.radius is not None
    tests = sorted(path for path in files if path.rpartition("/")[2].startswith("test_"))
    failing = uncollectable(root, tests)
    assert failing == sorted({p for t in result.missing_targets for p in t.failing_test_files})

    for target in result.missing_targets:
        if not target.failing_test_files:  # it breaks no test file (checked above): it cannot unblock one
            assert target.unblocked_test_files == []
            continue
        alone = _copy(root, tmp_path / f"alone-{target.label}")
        _repair(alone, target, result)
        assert sorted(set(failing) - set(uncollectable(alone, tests))) == target.unblocked_test_files, target.label

    by_label = {t.label: t for t in result.missing_targets}
    stepwise = _copy(root, tmp_path / "steps")
    for fix_set in result.radius.fix_sets:
        for label in fix_set.targets:
            _repair(stepwise, by_label[label], result)
        now = uncollectable(stepwise, tests)
        assert sorted(set(failing) - set(now)) == list(fix_set.test_files), fix_set.targets
        assert set(now) <= set(failing)
        failing = now
    assert failing == []


def test_the_seeds_cover_overlapping_causes(tmp_path: Path) -> None:
    """The trees above include fix sets of several targets, and targets that alone unblock nothing."""
    together = alone_nothing = 0
    for seed in SEEDS:
        root = write_tree(tmp_path / str(seed), _generated_tree(random.Random(seed)))
        result = remediator.scan(root, use_git=False)
        assert result.radius is not None
        together += sum(1 for fix_set in result.radius.fix_sets if len(fix_set.targets) > 1 and fix_set.test_files)
        alone_nothing += sum(1 for t in result.missing_targets if t.failing_test_files and not t.unblocked_test_files)
    assert together >= 2 and alone_nothing >= 4


def _generated_tree(rng: random.Random) -> dict[str, str]:
    """Packages, modules, conftests and tests over deleted modules and missing names; no import cycles."""
    files: dict[str, str] = {"pyproject.toml": '[tool.pytest.ini_options]\npythonpath = ["."]\ntestpaths = ["tests"]\n'}
    modules: list[str] = []
    deleted = [f"pkg{p}.gone{g}" for p in range(3) for g in range(2)]
    for package in range(3):
        lines = [f"from pkg{package}.gone{g} import *" for g in range(2) if rng.random() < 0.45]
        files[f"pkg{package}/__init__.py"] = "".join(line + "\n" for line in lines)
        for number in range(4):
            module = f"pkg{package}.mod{number}"
            body = []
            for other in rng.sample(modules, k=min(len(modules), rng.choice((0, 1, 2)))):
                body.append(f"import {other}")
            roll = rng.random()
            if roll < 0.2:
                body.append(f"from {rng.choice(deleted)} import thing{rng.randrange(3)}")
            elif roll < 0.3 and modules:
                body.append(f"from {rng.choice(modules)} import absent{rng.randrange(2)}")
            elif roll < 0.38:
                body.append(f"try:\n    from {rng.choice(deleted)} import thing0\nexcept ImportError:\n    thing0 = None")
            elif roll < 0.45:
                body.append(f"def later():\n    from {rng.choice(deleted)} import thing1\n    return thing1")
            body.append(f"VALUE{number} = {number}")
            files[f"{module.replace('.', '/')}.py"] = "\n".join(body) + "\n"
            modules.append(module)
    for folder in ("a", "b", "c"):
        if rng.random() < 0.5:
            files[f"tests/{folder}/conftest.py"] = f"import {rng.choice(modules)}\n"
        for number in range(3):
            imports = "".join(f"import {m}\n" for m in rng.sample(modules, k=rng.choice((1, 2))))
            files[f"tests/{folder}/test_{folder}{number}.py"] = f"{imports}\n\ndef test_ok():\n    assert True\n"
    return files


def _copy(root: Path, destination: Path) -> Path:
    shutil.copytree(root, destination, ignore=shutil.ignore_patterns(".remediator", "__pycache__", ".pytest_cache"))
    return destination


def _repair(root: Path, target: MissingTarget, result: remediator.ScanResult) -> None:
    """Make the target exist: write the missing module with the names imported from it, or define the missing name."""
    path = root / (target.target.replace(".", "/") + ".py")
    if target.name is not None:
        path.write_text(path.read_text() + f"\n{target.name} = None\n")
        return
    names = sorted({f.name for f in result.findings if f.target == target.target and f.name and f.name != "*"})
    path.write_text("".join(f"{name} = None\n" for name in names))
