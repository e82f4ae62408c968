"""The Hypothesis profiles of tests/conftest.py govern every property test of the suite."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path

from hypothesis import settings

TESTS = Path(__file__).resolve().parent


def test_no_property_test_sets_its_own_example_count() -> None:
    """A `@settings(max_examples=...)` on a test would beat the profile: `thorough` would not reach it."""
    modules = sorted(path.stem for path in TESTS.glob("test_*.py") if "@given" in path.read_text(encoding="utf-8"))
    found = []
    for name in modules:
        for test in vars(importlib.import_module(name)).values():
            if getattr(test, "is_hypothesis_test", False):
                # Hypothesis keeps a test's own settings here (the loaded profile when it has none)
                found.append((name, test.__name__, test._hypothesis_internal_use_settings.max_examples))
    assert len(found) >= 4, found
    assert [entry for entry in found if entry[2] != settings.default.max_examples] == []


def test_the_examples_variable_sets_every_profile() -> None:
    code = (
        "import conftest\n"
        "from hypothesis import settings\n"
        "print(settings.get_current_profile_name(), settings.default.max_examples,"
        " settings.get_profile('ci').max_examples, settings.get_profile('thorough').max_examples)\n"
    )
    # With CI set, Hypothesis loads its own "ci" profile on import: the variables still apply.
    for variable in ("REMEDIATOR_HYPOTHESIS_EXAMPLES", "REMEDIATOR_INCREMENTAL_EXAMPLES"):
        for in_ci in (False, True):
            env = {key: value for key, value in os.environ.items() if not key.startswith("REMEDIATOR_") and key != "CI"}
            env.update({variable: "7", "REMEDIATOR_HYPOTHESIS_PROFILE": "thorough"}, **({"CI": "true"} if in_ci else {}))
            done = subprocess.run([sys.executable, "-c", code], cwd=TESTS, env=env, capture_output=True, text=True, check=False)
            assert done.returncode == 0, done.stderr
            assert done.stdout.split() == ["thorough", "7", "7", "7"], (variable, in_ci)
