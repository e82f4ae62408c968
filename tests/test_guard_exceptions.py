"""A guard handles an import's failure only when it catches the exception that failure raises, and does not raise again.

A module that does not exist raises ModuleNotFoundError; a name a module lacks
(`from pkg import gone`) and a relative import beyond the top raise plain
ImportError, which `except ModuleNotFoundError` does not catch. A handler that
ends in `raise` lets the failure go on. Python is the oracle: each importer runs
in a subprocess; the scan's finding is an error exactly when Python fails, a
warning (guarded) when the failure is handled.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import remediator

from conftest import python_runs, write_tree

CASES = [
    # (the importer's source, does Python import it)
    pytest.param(
        "try:\n    from pkg.m import gone\nexcept ModuleNotFoundError:\n    gone = None\n",
        False,
        id="a missing name under except ModuleNotFoundError",
    ),
    pytest.param(
        "try:\n    import pkg.gone\nexcept ModuleNotFoundError:\n    pass\n", True, id="a missing module under except ModuleNotFoundError"
    ),
    pytest.param("try:\n    from pkg.gone import x\nexcept ModuleNotFoundError:\n    pass\n", True, id="a name of a missing module"),
    pytest.param(
        "try:\n    from pkg import gone\nexcept ModuleNotFoundError:\n    pass\n",
        False,
        id="a missing submodule by from-import raises ImportError",
    ),
    pytest.param(
        "try:\n    from ... import x\nexcept ModuleNotFoundError:\n    pass\n",
        False,
        id="a relative import beyond the top raises ImportError",
    ),
    pytest.param(
        "try:\n    from pkg.m import gone\nexcept (ModuleNotFoundError, ImportError):\n    gone = None\n", True, id="ImportError caught too"
    ),
    pytest.param("try:\n    from pkg.m import gone\nexcept ImportError:\n    gone = None\n", True, id="except ImportError"),
    pytest.param(
        "try:\n    from pkg.m import gone\nexcept ImportError as e:\n    raise ImportError('install the extra') from e\n",
        False,
        id="a handler that raises again",
    ),
    pytest.param("try:\n    import pkg.gone\nexcept ImportError:\n    raise\n", False, id="a bare raise"),
    pytest.param(
        "try:\n    from pkg.m import gone\nexcept ImportError:\n    if False:\n        raise\n    gone = None\n",
        True,
        id="a raise only in a branch",
    ),
    pytest.param(
        "try:\n    from pkg.m import gone\nexcept ImportError:\n    raise\nexcept Exception:\n    gone = None\n",
        False,
        id="the first handler that matches is the one that runs",
    ),
    pytest.param(
        "import contextlib\n\nwith contextlib.suppress(ModuleNotFoundError):\n    from pkg.m import gone\n",
        False,
        id="suppress(ModuleNotFoundError) of a name",
    ),
    pytest.param(
        "import contextlib\n\nwith contextlib.suppress(ModuleNotFoundError):\n    import pkg.gone\n",
        True,
        id="suppress(ModuleNotFoundError) of a module",
    ),
]


@pytest.mark.parametrize("source, runs", CASES)
def test_a_guard_counts_exactly_when_python_handles_the_failure(tmp_path: Path, source: str, runs: bool) -> None:
    root = write_tree(tmp_path / "repo", {"pkg/__init__.py": "", "pkg/m.py": "x = 1\n", "pkg/user.py": source})
    ran, error = python_runs(root, "import pkg.user")
    assert ran is runs, error  # the oracle
    found = [f for f in remediator.scan(root, use_git=False).findings if f.path == "pkg/user.py"]
    assert found, "the broken import is reported either way"
    errors = [f.message for f in found if f.severity == "error"]
    assert (not errors) is runs, errors
    assert all(f.guarded is runs for f in found)
