"""The sys.path a project really runs its tests with: pytest's import modes, `pythonpath`, conftest changes.

pytest is the oracle: each case collects every test file in a subprocess
(`python -m pytest --collect-only FILE`), and the scan must report a broken
import in exactly the test files whose collection fails.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import remediator
from remediator.adapters.parser import parse_source
from remediator.adapters.pytest_config import read_pytest_paths
from remediator.domain.config import Settings
from tests.conftest import invoke_cli, write_tree

BROKEN = ("missing-module", "missing-name")
HELPERS_PACKAGE = {"helpers/__init__.py": "def unrelated():\n    pass\n"}  # a root package of the same name: no `f`
E2E = {
    "tests/e2e/helpers.py": "def f():\n    return 1\n",
    "tests/e2e/test_x.py": "from helpers import f\n\n\ndef test_x():\n    assert f() == 1\n",
}


def _pyproject(addopts: str = "", pythonpath: str = "") -> dict[str, str]:
    lines = ["[tool.pytest.ini_options]"]
    if addopts:
        lines.append(f'addopts = "{addopts}"')
    if pythonpath:
        lines.append(f"pythonpath = [{pythonpath}]")
    return {"pyproject.toml": "\n".join(lines) + "\n"}


CASES = {
    # pytest's default `prepend` mode puts tests/e2e (no __init__.py) first: `helpers` is tests/e2e/helpers.py.
    "prepend: the test's folder comes first": ({**HELPERS_PACKAGE, **E2E, **_pyproject()}, {"tests/e2e/test_x.py": True}),
    # ...and a name that module does not define is still broken.
    "prepend: a name the sibling lacks": (
        {**HELPERS_PACKAGE, **E2E, **_pyproject(), "tests/e2e/test_y.py": "from helpers import g\n\n\ndef test_y():\n    pass\n"},
        {"tests/e2e/test_x.py": True, "tests/e2e/test_y.py": False},
    ),
    # With __init__.py files up to the root, the basedir is the root: the root package wins.
    "prepend: packages up to the root": (
        {**HELPERS_PACKAGE, **E2E, **_pyproject(), "tests/__init__.py": "", "tests/e2e/__init__.py": ""},
        {"tests/e2e/test_x.py": False},
    ),
    # The first folder upwards without __init__.py is the one put on sys.path.
    "prepend: the first folder without __init__.py": (
        {
            **HELPERS_PACKAGE,
            **_pyproject(),
            "tests/e2e/__init__.py": "",
            "tests/helpers.py": "def f():\n    return 1\n",
            "tests/e2e/test_x.py": "from helpers import f\nfrom e2e import test_x\n\n\ndef test_x():\n    pass\n",
        },
        {"tests/e2e/test_x.py": True},
    ),
    # importlib mode changes nothing: the root's `helpers` has no `f`.
    "importlib: no folder is added": (
        {**HELPERS_PACKAGE, **E2E, **_pyproject(addopts="--import-mode=importlib")},
        {"tests/e2e/test_x.py": False},
    ),
    # append mode puts the folder last: the root's `helpers` wins.
    "append: the root comes first": (
        {**HELPERS_PACKAGE, **E2E, **_pyproject(addopts="--import-mode append")},
        {"tests/e2e/test_x.py": False},
    ),
    # pytest's pythonpath: first on sys.path for every file.
    "pythonpath": (
        {
            **_pyproject(addopts="--import-mode=importlib", pythonpath='"tests/support"'),
            "factories.py": "def other():\n    pass\n",
            "tests/support/factories.py": "def make():\n    return 1\n",
            "tests/unit/test_a.py": "from factories import make\n\n\ndef test_a():\n    pass\n",
            "tests/unit/test_b.py": "from factories import other\n\n\ndef test_b():\n    pass\n",
        },
        {"tests/unit/test_a.py": True, "tests/unit/test_b.py": False},
    ),
    # pytest.ini is read too, before pyproject.toml.
    "pythonpath in pytest.ini": (
        {
            "pytest.ini": "[pytest]\npythonpath = tests/support\naddopts = --import-mode=importlib\n",
            "factories.py": "def other():\n    pass\n",
            "tests/support/factories.py": "def make():\n    return 1\n",
            "tests/unit/test_a.py": "from factories import make\n\n\ndef test_a():\n    pass\n",
        },
        {"tests/unit/test_a.py": True},
    ),
    # A conftest.py that inserts a static path: the tests below it see it; the others do not.
    "conftest sys.path.insert": (
        {
            **_pyproject(addopts="--import-mode=importlib"),
            "tools/__init__.py": "def other():\n    pass\n",
            "tests/conftest.py": (
                "import sys\nfrom pathlib import Path\n\nLIB = Path(__file__).resolve().parent / 'lib'\nsys.path.insert(0, str(LIB))\n"
            ),
            "tests/lib/tools.py": "def tool():\n    return 1\n",
            "tests/test_t.py": "from tools import tool\n\n\ndef test_t():\n    pass\n",
            "other/test_o.py": "from tools import tool\n\n\ndef test_o():\n    pass\n",
        },
        {"tests/test_t.py": True, "other/test_o.py": False},
    ),
    "conftest os.path.join": (
        {
            **_pyproject(addopts="--import-mode=importlib"),
            "tools/__init__.py": "def other():\n    pass\n",
            "tests/unit/conftest.py": (
                "import os\nimport sys\n\nsys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib'))\n"
            ),
            "tests/lib/tools.py": "def tool():\n    return 1\n",
            "tests/unit/test_t.py": "from tools import tool\n\n\ndef test_t():\n    pass\n",
        },
        {"tests/unit/test_t.py": True},
    ),
}


@pytest.mark.e2e
@pytest.mark.parametrize("files, expected", CASES.values(), ids=CASES.keys())
def test_scan_agrees_with_pytest_collection(tmp_path: Path, files: dict[str, str], expected: dict[str, bool]) -> None:
    root = write_tree(tmp_path / "repo", files)
    collects = {relpath: _pytest_collects(root, relpath) for relpath in expected}
    assert collects == expected, "the case itself is wrong: pytest disagrees with what the case says"
    result = remediator.scan(root, use_git=False)
    broken = {f.path for f in result.findings if f.rule in BROKEN and f.severity == "error"}
    assert {relpath: relpath not in broken for relpath in expected} == expected, [f.to_dict() for f in result.findings]


def test_a_warm_run_follows_a_conftest_that_starts_changing_sys_path(tmp_path: Path) -> None:
    files = CASES["conftest sys.path.insert"][0]
    root = write_tree(tmp_path / "repo", {**files, "tests/conftest.py": "import sys\n"})
    first = remediator.scan(root, use_git=False)
    assert "tests/test_t.py" in {f.path for f in first.findings if f.rule in BROKEN}
    write_tree(root, {"tests/conftest.py": files["tests/conftest.py"]})
    warm = remediator.scan(root, use_git=False)
    cold = remediator.scan(root, use_git=False, use_cache=False)
    assert "tests/test_t.py" not in {f.path for f in warm.findings if f.rule in BROKEN}
    assert [f.to_dict() for f in warm.findings] == [f.to_dict() for f in cold.findings]


def test_the_pythonpath_setting_is_a_folder_put_first(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path / "repo",
        {
            "pyproject.toml": '[tool.remediator]\npythonpath = ["vendor"]\n',
            "app/__init__.py": "",
            "app/main.py": "from shim import thing\nfrom shim import absent\n",
            "vendor/shim.py": "thing = 1\n",
        },
    )
    env = {**os.environ, "PYTHONPATH": str(root / "vendor")}  # what the setting stands for
    run = subprocess.run([sys.executable, "-c", "import app.main"], cwd=root, env=env, capture_output=True, text=True)
    assert "cannot import name 'absent'" in run.stderr
    result = remediator.scan(root, use_git=False)
    assert [(f.rule, f.path, f.line, f.target, f.name) for f in result.findings if f.rule in BROKEN] == [
        ("missing-name", "app/main.py", 2, "vendor.shim", "absent"),
    ]
    without = remediator.scan(root, settings=Settings(), use_git=False, use_cache=False)
    assert not [f for f in without.findings if f.rule in BROKEN]  # `shim` is then not a project module: not checked


def test_a_dynamic_conftest_path_is_reported_once_as_info(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path / "repo",
        {
            "app/__init__.py": "",
            "tests/conftest.py": "import os\nimport sys\n\nsys.path.insert(0, os.environ['EXTRA'])\nsys.path.append('/elsewhere/lib')\n",
            "tests/test_a.py": "import app\n",
            "tests/test_b.py": "import app\n",
        },
    )
    result = remediator.scan(root, use_git=False)
    notes = [(f.rule, f.path, f.line, f.severity) for f in result.findings if f.rule == "unmodelled-sys-path"]
    assert notes == [
        ("unmodelled-sys-path", "tests/conftest.py", 4, "info"),
        ("unmodelled-sys-path", "tests/conftest.py", 5, "info"),
    ]
    cli = invoke_cli(root, "scan", ".", "--no-git")
    assert cli.exit_code == 0, cli.output  # information only
    assert "tests/conftest.py:4" in cli.stdout and "computed at run time" in cli.stdout


SYS_PATH_FORMS = [
    ("sys.path.insert(0, 'lib')", ("cwd", "lib", True)),
    ("sys.path.append(os.getcwd())", ("cwd", ".", False)),
    ("sys.path.insert(0, str(Path(__file__).parent))", ("file", ".", True)),
    ("sys.path.insert(0, str(Path(__file__).parents[1] / 'x' / 'y'))", ("file", "../x/y", True)),
    ("sys.path.insert(0, os.path.dirname(os.path.dirname(__file__)))", ("file", "..", True)),
    ("sys.path.insert(0, os.path.join(os.path.dirname(__file__), 'a', '..', 'b'))", ("file", "b", True)),
    ("sys.path.insert(0, Path(__file__).resolve().parent.joinpath('c'))", ("file", "c", True)),
    ("sys.path.insert(len(sys.path), '/opt/lib')", ("absolute", "/opt/lib", False)),
    ("sys.path.extend(['a', 'b'])", ("cwd", "a", False)),
    ("sys.path.insert(0, os.environ['X'])", ("dynamic", "", True)),
    ("sys.path.insert(0, f'{HOME}/x')", ("dynamic", "", True)),
    ("sys.path.insert(0, str(Path(__file__) / 'x'))", ("dynamic", "", True)),  # below a file: not a folder
    ("sys.path.insert(0, __file__)", ("dynamic", "", True)),
]


@pytest.mark.parametrize("statement, expected", SYS_PATH_FORMS)
def test_sys_path_forms(statement: str, expected: tuple[str, str, bool]) -> None:
    source = f"import os\nimport sys\nfrom pathlib import Path\nHOME = os.environ.get('HOME')\n{statement}\n".encode()
    (first, *_rest) = parse_source(source).sys_path
    assert (first.anchor, first.path, first.front) == expected
    assert first.line == 5


def test_sys_path_changes_inside_functions_are_not_module_level() -> None:
    source = b"import sys\n\ndef f():\n    sys.path.insert(0, 'x')\n\nif True:\n    sys.path.insert(0, 'y')\n"
    assert [(e.path, e.line) for e in parse_source(source).sys_path] == [("y", 7)]


@pytest.mark.parametrize(
    "files, expected",
    [
        ({}, ((), "prepend", None)),
        ({"pytest.ini": "[pytest]\n", "pyproject.toml": '[tool.pytest.ini_options]\npythonpath = ["a"]\n'}, ((), "prepend", "pytest.ini")),
        (
            {"pyproject.toml": '[tool.pytest.ini_options]\npythonpath = ["a", "b/c"]\naddopts = "-q --import-mode=importlib"\n'},
            (("a", "b/c"), "importlib", "pyproject.toml"),
        ),
        (
            {"pyproject.toml": '[tool.pytest]\npythonpath = ["a"]\naddopts = ["--import-mode", "append"]\n'},
            (("a",), "append", "pyproject.toml"),
        ),
        ({"pyproject.toml": "[tool.black]\n", "tox.ini": "[pytest]\npythonpath = x y\n"}, (("x", "y"), "prepend", "tox.ini")),
        ({"setup.cfg": "[tool:pytest]\naddopts = --import-mode=importlib\n"}, ((), "importlib", "setup.cfg")),
        ({"pytest.toml": '[pytest]\npythonpath = ["t"]\n'}, (("t",), "prepend", "pytest.toml")),
        ({"tox.ini": "[tox]\nenv_list = py311\n"}, ((), "prepend", None)),
    ],
)
def test_pytest_configuration_is_read_as_pytest_reads_it(tmp_path: Path, files: dict[str, str], expected: tuple[object, ...]) -> None:
    assert tuple(read_pytest_paths(write_tree(tmp_path, files))) == expected


def _pytest_collects(root: Path, relpath: str) -> bool:
    """Whether `python -m pytest --collect-only` collects the file without an error (the root on sys.path, as with -m)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST_") and key != "PYTHONPATH"}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", relpath],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode in (0, 2), done.stdout + done.stderr  # 2: interrupted by a collection error
    return done.returncode == 0
