"""Guarded imports, TYPE_CHECKING branches and dangling string references."""

from __future__ import annotations

import pytest

from tests.conftest import problems

BASE = {"pkg/__init__.py": "", "pkg/core.py": "class Engine:\n    def run(self):\n        return 1\n"}

GUARD_CASES = [
    ("except ImportError", "try:\n    import pkg.gone\nexcept ImportError:\n    pass\n", True),
    ("except ModuleNotFoundError as", "try:\n    import pkg.gone\nexcept ModuleNotFoundError as error:\n    pass\n", True),
    ("except tuple", "try:\n    import pkg.gone\nexcept (ValueError, ImportError):\n    pass\n", True),
    ("except Exception", "try:\n    import pkg.gone\nexcept Exception:\n    pass\n", True),
    ("bare except", "try:\n    import pkg.gone\nexcept:\n    pass\n", True),
    ("except builtins.ImportError", "import builtins\ntry:\n    import pkg.gone\nexcept builtins.ImportError:\n    pass\n", True),
    ("except ValueError only", "try:\n    import pkg.gone\nexcept ValueError:\n    pass\n", False),
    ("import in the handler is not guarded", "try:\n    import json\nexcept ImportError:\n    import pkg.gone\n", False),
    ("import in finally is not guarded", "try:\n    pass\nexcept ImportError:\n    pass\nfinally:\n    import pkg.gone\n", False),
    ("contextlib.suppress", "import contextlib\nwith contextlib.suppress(ImportError):\n    import pkg.gone\n", True),
    ("suppress", "from contextlib import suppress\nwith suppress(ModuleNotFoundError):\n    import pkg.gone\n", True),
    ("suppress other", "from contextlib import suppress\nwith suppress(KeyError):\n    import pkg.gone\n", False),
    ("pytest.raises", "import pytest\ndef test():\n    with pytest.raises(ImportError):\n        import pkg.gone\n", True),
    (
        "raises tuple",
        "import pytest\ndef test():\n    with pytest.raises((ImportError, KeyError)):\n        from pkg.core import Gone\n",
        True,
    ),
    (
        "assertRaises",
        "class T:\n    def test(self):\n        with self.assertRaises(ModuleNotFoundError):\n            import pkg.gone\n",
        True,
    ),
    ("nested try guards inner", "try:\n    def f():\n        import pkg.gone\nexcept ImportError:\n    pass\n", True),
]


@pytest.mark.parametrize("source, guarded", [pytest.param(s, g, id=i) for i, s, g in GUARD_CASES])
def test_guarded(project, source: str, guarded: bool) -> None:
    result = project({**BASE, "pkg/user.py": source})
    (finding,) = [f for f in result.findings if f.rule in ("missing-module", "missing-name")]
    assert finding.guarded is guarded
    assert finding.severity == ("warning" if guarded else "error")
    assert result.exit_code == (0 if guarded else 1)


TYPE_CHECKING_CASES = [
    ("if TYPE_CHECKING", "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import pkg.gone\n", True),
    ("typing.TYPE_CHECKING", "import typing\nif typing.TYPE_CHECKING:\n    import pkg.gone\n", True),
    ("else of TYPE_CHECKING runs", "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    pass\nelse:\n    import pkg.gone\n", False),
    ("if not TYPE_CHECKING runs", "from typing import TYPE_CHECKING\nif not TYPE_CHECKING:\n    import pkg.gone\n", False),
    ("else of not TYPE_CHECKING", "from typing import TYPE_CHECKING\nif not TYPE_CHECKING:\n    pass\nelse:\n    import pkg.gone\n", True),
    (
        "elif of not TYPE_CHECKING",
        "from typing import TYPE_CHECKING\nif not TYPE_CHECKING:\n    pass\nelif True:\n    import pkg.gone\n",
        True,
    ),
]


@pytest.mark.parametrize("source, type_checking", [pytest.param(s, t, id=i) for i, s, t in TYPE_CHECKING_CASES])
def test_type_checking_branches(project, source: str, type_checking: bool) -> None:
    result = project({**BASE, "pkg/user.py": source, "tests/__init__.py": "", "tests/test_user.py": "import pkg.user\n"})
    (finding,) = [f for f in result.findings if f.rule == "missing-module"]
    assert finding.type_checking is type_checking
    assert finding.severity == "error"  # type checkers fail on it either way
    (target,) = result.missing_targets
    # Only imports that run break the importer (and the test that imports it).
    assert target.failing_test_files == ([] if type_checking else ["tests/test_user.py"])


STRING_CASES = [
    ("patch missing module", 'from unittest import mock\nmock.patch("pkg.gone.Thing")\n', [("missing-module", 2, "pkg.gone", None)]),
    ("patch missing name", 'from unittest.mock import patch\npatch("pkg.core.Gone")\n', [("missing-name", 2, "pkg.core", "Gone")]),
    ("patch existing attribute path", 'from unittest.mock import patch\npatch("pkg.core.Engine.run")\n', []),
    ("patch existing module", 'from unittest.mock import patch\npatch("pkg.core")\n', []),
    (
        "decorator patch",
        'from unittest import mock\n@mock.patch("pkg.core.Gone")\ndef test(m):\n    pass\n',
        [("missing-name", 2, "pkg.core", "Gone")],
    ),
    ("mocker.patch", 'def test(mocker):\n    mocker.patch("pkg.gone.x", return_value=1)\n', [("missing-module", 2, "pkg.gone", None)]),
    ("patch.dict", 'from unittest.mock import patch\npatch.dict("pkg.core.GONE", {})\n', [("missing-name", 2, "pkg.core", "GONE")]),
    (
        "patch.object on module alias",
        'from unittest import mock\nimport pkg.core as core\nmock.patch.object(core, "Gone")\n',
        [("missing-name", 3, "pkg.core", "Gone")],
    ),
    (
        "patch.object on from-imported module",
        'from unittest import mock\nfrom pkg import core\nmock.patch.object(core, "Engine")\nmock.patch.object(core, "Gone")\n',
        [("missing-name", 4, "pkg.core", "Gone")],
    ),
    (
        "patch.object on a class is not followed",
        'from unittest import mock\nfrom pkg.core import Engine\nmock.patch.object(Engine, "whatever")\n',
        [],
    ),
    (
        "import_module",
        'import importlib\nimportlib.import_module("pkg.gone")\nimportlib.import_module("pkg.core")\n',
        [("missing-module", 2, "pkg.gone", None)],
    ),
    ("__import__", '__import__("pkg.gone")\n', [("missing-module", 1, "pkg.gone", None)]),
    (
        "monkeypatch.setattr string",
        'def test(monkeypatch):\n    monkeypatch.setattr("pkg.core.Gone", 1)\n',
        [("missing-name", 2, "pkg.core", "Gone")],
    ),
    (
        "external targets are ignored",
        'from unittest.mock import patch\npatch("os.gone")\nimport importlib\nimportlib.import_module("nowhere.at.all")\n',
        [],
    ),
    ("f-strings are not literals", 'from unittest.mock import patch\nname = "x"\npatch(f"pkg.gone.{name}")\n', []),
]


@pytest.mark.parametrize("source, expected", [pytest.param(s, e, id=i) for i, s, e in STRING_CASES])
def test_string_references(project, source: str, expected: list[tuple]) -> None:
    result = project({**BASE, "pkg/test_strings.py": source})
    found = [(f.rule, f.line, f.target, f.name) for f in result.findings if f.rule.startswith("missing")]
    assert found == expected
    assert all(f.reference == "string" for f in result.findings if f.rule.startswith("missing"))


def test_guarded_import_module_is_a_warning(project) -> None:
    source = 'import importlib\ntry:\n    importlib.import_module("pkg.gone")\nexcept ImportError:\n    pass\n'
    result = project({**BASE, "pkg/plugins.py": source})
    assert problems(result) == [("missing-module", "pkg/plugins.py", 3, "pkg.gone", None, True)]


# --- patch targets bound only under TYPE_CHECKING: they do not exist at run time ------------------------------------

TC_MODULE = (
    "from typing import TYPE_CHECKING\n"
    "if TYPE_CHECKING:\n"
    "    from pkg.core import Engine\n"
    "    from pkg.core import Engine as Alias\n"
    "    class OnlyTyped:\n"
    "        pass\n"
    "    LIMIT: int = 3\n"
    "else:\n"
    "    Fallback = object\n"
    "if not TYPE_CHECKING:\n"
    "    Runtime = object\n"
    "from pkg.core import Engine as Both\n"
    "if TYPE_CHECKING:\n"
    "    from pkg.core import Engine as Both\n"
)

PATCH_CASES = [
    ("import under TYPE_CHECKING", 'patch("pkg.service.Engine")', True),
    ("alias under TYPE_CHECKING", 'patch("pkg.service.Alias")', True),
    ("class under TYPE_CHECKING", 'patch("pkg.service.OnlyTyped")', True),
    ("annotated assignment under TYPE_CHECKING", 'patch("pkg.service.LIMIT")', True),
    ("an attribute of it", 'patch("pkg.service.Engine.run")', True),
    ("patch.object", 'patch.object(service, "Engine")', True),
    ("else branch runs", 'patch("pkg.service.Fallback")', False),
    ("not TYPE_CHECKING runs", 'patch("pkg.service.Runtime")', False),
    ("bound both ways", 'patch("pkg.service.Both")', False),
    ("where it is defined", 'patch("pkg.core.Engine")', False),
    ("create=True makes it", 'patch("pkg.service.Engine", create=True)', False),
]


@pytest.mark.parametrize("call, dangling", [pytest.param(c, d, id=i) for i, c, d in PATCH_CASES])
def test_patch_targets_bound_only_under_type_checking(project, call: str, dangling: bool) -> None:
    test = f"from unittest.mock import patch\nfrom pkg import service\n\n\ndef test():\n    with {call}:\n        pass\n"
    result = project({**BASE, "pkg/service.py": TC_MODULE, "tests/test_service.py": test})
    found = [f for f in result.findings if f.path == "tests/test_service.py"]
    if not dangling:
        assert found == []
        return
    (finding,) = found
    assert (finding.rule, finding.reference, finding.target, finding.severity) == ("missing-name", "string", "pkg.service", "error")
    assert "only under `if TYPE_CHECKING:`" in finding.message


def test_python_agrees_that_such_a_patch_target_does_not_exist(tmp_path) -> None:
    """The oracle: mock.patch really fails on a name bound only under TYPE_CHECKING, and works on the others."""
    import subprocess
    import sys

    from tests.conftest import write_tree

    root = write_tree(tmp_path / "repo", {**BASE, "pkg/service.py": TC_MODULE})
    for call, dangling in [(c, d) for _i, c, d in PATCH_CASES if "patch.object" not in c]:
        code = f"from unittest.mock import patch\nfrom pkg import service\nwith {call}:\n    pass\n"
        done = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=False)
        assert (done.returncode != 0) is dangling, (call, done.stderr)
        if dangling:
            assert "AttributeError" in done.stderr


CREATE_CASES = [
    # (id, a call the test module makes on import, does Python run it)
    ("missing", 'patch("pkg.core.gone").start()', False),
    ("create=True", 'patch("pkg.core.gone", create=True).start()', True),
    ("create=True, an attribute of a class", 'patch("pkg.core.Engine.gone", create=True).start()', True),
    ("create=True, a missing class", 'patch("pkg.core.Gone.attr", create=True).start()', False),
    ("create=True, a missing module", 'patch("pkg.gone.X", create=True).start()', False),
    ("create=False", 'patch("pkg.core.gone", create=False).start()', False),
    ("create from a variable", 'patch("pkg.core.gone", create=MAKE).start()', True),
    ("patch.object, create=True", 'patch.object(core, "gone", create=True).start()', True),
    ("patch.object", 'patch.object(core, "gone").start()', False),
    ("monkeypatch.setattr, raising=False", 'monkeypatch.setattr("pkg.core.gone", 1, raising=False)', True),
    ("monkeypatch.setattr", 'monkeypatch.setattr("pkg.core.gone", 1)', False),
    ("monkeypatch.delattr, raising=False", 'monkeypatch.delattr("pkg.core.gone", raising=False)', True),
    ("monkeypatch.setattr of an object", 'monkeypatch.setattr(core, "gone", 1)', False),
    ("monkeypatch.setattr of an object, raising=False", 'monkeypatch.setattr(core, "gone", 1, raising=False)', True),
    ("monkeypatch.setattr of an object's name", 'monkeypatch.setattr(core, "Engine", 1)', True),
    ("monkeypatch.delattr of an object", 'monkeypatch.delattr(core, "gone")', False),
    ("monkeypatch.delattr of an object's name", 'monkeypatch.delattr(core, "Engine")', True),
]


@pytest.mark.parametrize("call, runs", [pytest.param(c, r, id=i) for i, c, r in CREATE_CASES])
def test_patch_and_monkeypatch_calls_are_reported_exactly_when_python_fails(tmp_path, call: str, runs: bool) -> None:
    """`patch(..., create=True)` and `monkeypatch.setattr(..., raising=False)` make the last attribute; `monkeypatch.setattr(obj,
    "name", value)` needs `name` on `obj`. Python is the oracle."""
    import remediator
    from tests.conftest import python_runs, write_tree

    module = (
        "from unittest.mock import patch\nfrom _pytest.monkeypatch import MonkeyPatch\nfrom pkg import core\n\n"
        f"MAKE = True\nmonkeypatch = MonkeyPatch()\n{call}\n"
    )
    root = write_tree(tmp_path / "repo", {**BASE, "tests/test_make.py": module})
    ran, error = python_runs(root, "import tests.test_make")
    assert ran is runs, error  # the oracle
    found = [f for f in remediator.scan(root, use_git=False).findings if f.path == "tests/test_make.py"]
    assert (not found) is runs, [f.message for f in found]
