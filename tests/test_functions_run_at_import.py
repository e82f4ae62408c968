"""An import inside a function runs at import time when the module itself calls that function while it is imported.

A decorator applied at module level (or in a class body), a call at module
level, or a call from such a function (in the same file) runs the function, and
with it the imports in its body: a broken one fails the module, and a cycle
through it can fail at import time. `if __name__ == "__main__":` does not run on
import. Python is the oracle: the module is imported in a subprocess; the
scan's missing target breaks the module exactly when Python fails.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import remediator

from conftest import python_runs, write_tree

IMPORTING = "def register(fn):\n    from pkg.m import gone\n    return fn\n"

CASES = [
    # (pkg/user.py, does Python import it)
    pytest.param(IMPORTING + "\n\n@register\ndef f():\n    pass\n", False, id="a decorator"),
    pytest.param(IMPORTING + "\n\nclass A:\n    @register\n    def f(self):\n        pass\n", False, id="a decorator in a class body"),
    pytest.param(IMPORTING + "\n\nregister(print)\n", False, id="a call at module level"),
    pytest.param(IMPORTING + "\n\nHANDLER = register(print)\n", False, id="a call in an assignment"),
    pytest.param(
        IMPORTING + "\n\ndef setup():\n    register(print)\n\n\nsetup()\n", False, id="a call from a function called at module level"
    ),
    pytest.param(IMPORTING, True, id="defined, never called"),
    pytest.param(IMPORTING + "\n\ndef later():\n    register(print)\n", True, id="called from a function nobody calls"),
    pytest.param(IMPORTING + "\n\nif __name__ == '__main__':\n    register(print)\n", True, id="called under the main guard"),
    pytest.param(IMPORTING + "\n\nLATER = lambda: register(print)\n", True, id="called in a lambda"),
    pytest.param(
        "def outer():\n    def inner():\n        from pkg.m import gone\n    return inner\n\n\nouter()\n",
        True,
        id="a nested function the call does not run",
    ),
]


@pytest.mark.parametrize("source, runs", CASES)
def test_a_function_import_breaks_the_module_exactly_when_it_runs_on_import(tmp_path: Path, source: str, runs: bool) -> None:
    root = write_tree(tmp_path / "repo", {"pkg/__init__.py": "", "pkg/m.py": "x = 1\n", "pkg/user.py": source})
    ran, error = python_runs(root, "import pkg.user")
    assert ran is runs, error  # the oracle
    [target] = remediator.scan(root, use_git=False).to_dict()["summary"]["missing_targets"]
    assert (target["target"], target["name"]) == ("pkg.m", "gone")
    assert target["failing_modules"] == (0 if runs else 1)


def test_a_cycle_through_a_decorator_that_imports_is_an_import_time_cycle(tmp_path: Path) -> None:
    registry = "def register(fn):\n    from app.handlers import HANDLERS\n    HANDLERS.append(fn)\n    return fn\n\n\n@register\ndef default():\n    pass\n\n\nREGISTRY = {}\n"
    files = {"app/__init__.py": "", "app/registry.py": registry, "app/handlers.py": "from app.registry import REGISTRY\nHANDLERS = []\n"}
    root = write_tree(tmp_path / "repo", files)
    ran, error = python_runs(root, "import app.handlers")
    assert not ran and "partially initialized module" in error  # the oracle
    [cycle] = [f for f in remediator.scan(root, use_git=False).findings if f.rule == "import-cycle"]
    assert cycle.cycle_kind == "import-time"
