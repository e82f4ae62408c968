"""Modules Python imports without a file of their own name: those registered at run time (`sys.modules[...] = ...`,
import hooks in `sys.meta_path`, as `os` and six do), and `P.__init__`.

Python is the oracle: each statement runs in a subprocess in the tree, and the
scan reports a broken import at it exactly when Python fails. A module counts as
registered only by a module Python runs before it (an existing ancestor).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import remediator
from remediator.adapters.parser import parse_source
from remediator.domain.facts import REGISTERS_BELOW

from conftest import invoke_cli, python_runs, write_tree

# six's way, cut down: an import hook serving modules below the module that installs it (which, like
# six, gives itself a `__path__`: Python looks for submodules only below a package).
HOOK = """\
import importlib.abc
import importlib.util
import sys
import types

__path__ = []


class _Moves(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, fullname, path=None, target=None):
        if fullname in (__name__ + ".moves", __name__ + ".moves.sub"):
            return importlib.util.spec_from_loader(fullname, self, is_package=True)
        return None

    def create_module(self, spec):
        module = types.ModuleType(spec.name)
        module.__path__ = []
        module.thing = 1
        return module

    def exec_module(self, module):
        pass


sys.meta_path.append(_Moves())
"""
# os's way: a module puts another under its own name in sys.modules.
LITERAL_IN_MODULE = 'import sys\nimport types\n\npath = types.ModuleType("mod.path")\npath.SEP = "/"\nsys.modules["mod.path"] = path\n'
PLUGINS = "import os\n\n__path__.append(os.path.join(os.path.dirname(__file__), '..', 'plugins'))\n"
LITERAL_IN_PACKAGE = (
    'import sys\nimport types\n\n_alias = types.ModuleType("pkg.alias")\n_alias.VALUE = 1\nsys.modules["pkg.alias"] = _alias\n'
)

CASES = [
    # (files, statement, does Python run it)
    pytest.param(
        {"app/__init__.py": "", "app/compat.py": HOOK}, "from app.compat.moves import thing", True, id="hook: from a served module"
    ),
    pytest.param({"app/__init__.py": "", "app/compat.py": HOOK}, "import app.compat.moves.sub", True, id="hook: a served submodule"),
    pytest.param({"app/__init__.py": "", "app/compat.py": HOOK}, "from .compat.moves import thing", True, id="hook: relative import"),
    pytest.param(
        {"app/__init__.py": "", "app/compat.py": HOOK},
        "from unittest import mock\nwith mock.patch('app.compat.moves.thing', 2):\n    pass",
        True,
        id="hook: a patch target",
    ),
    pytest.param({"mod.py": LITERAL_IN_MODULE}, "import mod.path", True, id="literal key in a module: os.path"),
    pytest.param({"mod.py": LITERAL_IN_MODULE}, "from mod.path import SEP", True, id="literal key in a module: a name of it"),
    pytest.param({"pkg/__init__.py": LITERAL_IN_PACKAGE}, "from pkg import alias", True, id="literal key in a package: from-import"),
    pytest.param({"pkg/__init__.py": LITERAL_IN_PACKAGE}, "import pkg.alias", True, id="literal key in a package: import"),
    pytest.param({"pkg/__init__.py": LITERAL_IN_PACKAGE}, "import pkg.other", False, id="literal key: only that name"),
    pytest.param(
        {"pkg/__init__.py": "", "pkg/compat.py": LITERAL_IN_PACKAGE.replace("pkg.alias", "pkg.old")},
        "import pkg.old",
        False,
        id="registered by a sibling that has not run",
    ),
    pytest.param(
        {"pkg/__init__.py": 'import sys\n\nOLD = sys.modules.get("pkg.gone")\nif sys.modules["pkg"] == 1:\n    pass\n'},
        "import pkg.gone",
        False,
        id="sys.modules only read",
    ),
    pytest.param(
        {"pkg/__init__.py": "import sys\n\nsys.modules[__name__] = sys.modules[__name__]\n"},
        "import pkg.gone",
        False,
        id="a module replacing itself registers nothing",
    ),
    pytest.param(
        {"app/__init__.py": "", "app/compat.py": "import sys\n\nfor hook in sys.meta_path:\n    pass\n"},
        "import app.compat.moves",
        False,
        id="sys.meta_path only read",
    ),
    pytest.param(
        {"pkg/__init__.py": "import sys\n\n\ndef fake(name, module):\n    sys.modules[name] = module\n"},
        "import pkg.gone",
        False,
        id="a helper that registers when called",
    ),
    pytest.param(
        {"pkg/__init__.py": PLUGINS, "plugins/extra.py": "E = 1\n"},
        "from pkg.extra import E",
        True,
        id="a package extending its own __path__",
    ),
    pytest.param(
        {"pkg/__init__.py": PLUGINS.replace("__path__.append", "other = []\nother.append"), "plugins/extra.py": "E = 1\n"},
        "from pkg.extra import E",
        False,
        id="a list that is not __path__",
    ),
    # `P.__init__`: P/__init__.py imported a second time under that name
    pytest.param({"pkg/__init__.py": "X = 1\n"}, "from pkg.__init__ import X", True, id="P.__init__: a name of the package"),
    pytest.param({"pkg/__init__.py": "X = 1\n"}, "import pkg.__init__", True, id="P.__init__: import"),
    pytest.param({"app/__init__.py": "X = 1\n"}, "from .__init__ import X", True, id="P.__init__: relative"),
    pytest.param(
        {"pkg/__init__.py": "X = 1\n"},
        "from unittest import mock\nwith mock.patch('pkg.__init__.X', 2):\n    pass",
        True,
        id="P.__init__: a patch target",
    ),
    pytest.param({"pkg/__init__.py": "X = 1\n"}, "from pkg.__init__ import Gone", False, id="P.__init__: a missing name"),
    pytest.param({"ns/mod.py": "X = 1\n"}, "import ns.__init__", False, id="P.__init__: a namespace package has none"),
]


@pytest.mark.parametrize("files, statement, runs", CASES)
def test_an_import_is_reported_exactly_when_python_fails(tmp_path: Path, files: dict[str, str], statement: str, runs: bool) -> None:
    user = "app/user.py" if statement.startswith("from .") else "user.py"
    root = write_tree(tmp_path / "repo", {**files, user: statement + "\n"})
    module = user[:-3].replace("/", ".")
    ran, error = python_runs(root, f"import {module}")
    assert ran is runs, error  # the oracle
    result = remediator.scan(root, use_git=False)
    broken = [f for f in result.findings if f.path == user and f.rule in ("missing-module", "missing-name")]
    assert (not broken) is runs, [f.message for f in broken]


REGISTRATIONS = [
    # (source, what it registers)
    ('sys.modules["a.b"] = m\n', {"a.b"}),
    ("sys.modules[ 'a' ]=m\n", {"a"}),
    ('sys.modules["a"] = sys.modules["b"] = m\n', {"a", "b"}),
    ('sys.modules[__name__ + ".moves"] = m\n', {REGISTERS_BELOW}),
    ("sys.modules[fullname] = module\n", {REGISTERS_BELOW}),
    ("sys.modules.update(table)\n", {REGISTERS_BELOW}),
    ('sys.modules.setdefault("a", m)\n', {REGISTERS_BELOW}),
    ("sys.meta_path.append(Finder())\n", {REGISTERS_BELOW}),
    ("sys.meta_path.insert(0, Finder())\n", {REGISTERS_BELOW}),
    ("sys.meta_path[0] = Finder()\n", {REGISTERS_BELOW}),
    ("sys.meta_path += [Finder()]\n", {REGISTERS_BELOW}),
    ("sys.path_hooks.append(hook)\n", {REGISTERS_BELOW}),
    # near misses: nothing registered
    ("sys.modules[__name__] = Wrapper()\n", set()),
    ('x = sys.modules["a"]\n', set()),
    ('if sys.modules["a"] == m:\n    pass\n', set()),
    ('del sys.modules["a"]\n', set()),
    ('m = sys.modules.get("a")\n', set()),
    ("for finder in sys.meta_path:\n    pass\n", set()),
    ("if sys.meta_path == []:\n    pass\n", set()),
    ("import os\n\nos.path.join('a', 'b')\n", set()),
    # a package extending where its submodules are found
    ("__path__.append('plugins')\n", {REGISTERS_BELOW}),
    ("__path__ += ['plugins']\n", {REGISTERS_BELOW}),
    ("__path__ = __import__('pkgutil').extend_path(__path__, __name__)\n", {REGISTERS_BELOW}),
    ("__import__('pkg_resources').declare_namespace(__name__)\n", {REGISTERS_BELOW}),
    ("other.__path__.append('plugins')\n", set()),
    ("print(__path__)\nif __path__ == []:\n    pass\n", set()),
    ("def extend():\n    __path__.append('plugins')\n", set()),
    # where it is: a write counts where it runs on import, a hook anywhere; text is not code
    ('if X:\n    sys.modules["a"] = m\nelse:\n    sys.modules["b"] = m\n', {"a", "b"}),
    ('try:\n    import a\nexcept ImportError:\n    sys.modules["a"] = m\n', {"a"}),
    ('class Loader:\n    sys.modules["a"] = m\n', {"a"}),
    ("def fake(name):\n    sys.modules[name] = Mock()\n", set()),
    ('def fake():\n    sys.modules["a"] = Mock()\n', set()),
    ("register = lambda n, m: sys.modules.update({n: m})\n", set()),
    ("def install():\n    sys.meta_path.insert(0, Finder())\n", {REGISTERS_BELOW}),
    ("import sys as _sys\n_sys.modules['a'] = m\n", {"a"}),
    ("NOTE = \"sys.modules['a'] = m\"\n", set()),
    ("# sys.meta_path.append(Finder())\n", set()),
    ('"""\nsys.modules["a"] = m\n"""\n', set()),
]


@pytest.mark.parametrize("source, expected", REGISTRATIONS)
def test_what_a_file_registers(source: str, expected: set[str]) -> None:
    data = ("import sys\n" + source).encode()
    assert parse_source(data).registered_modules == expected
    assert parse_source(data, fast=False).registered_modules == expected


def test_an_ancestor_gaining_or_losing_a_hook_is_followed_by_a_warm_scan(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path / "repo",
        {
            "app/__init__.py": "",
            "app/compat.py": "VERSION = 1\n",
            "app/user.py": "from app.compat.moves import thing\n",
            "app/other.py": "X = 1\n",
        },
    )

    def scan() -> remediator.ScanResult:
        warm = remediator.scan(root, use_git=False)
        full = remediator.scan(root, use_git=False, use_cache=False)
        assert [f.to_dict() for f in warm.findings] == [f.to_dict() for f in full.findings]
        return warm

    assert [f.rule for f in scan().findings] == ["missing-module"]
    (root / "app/compat.py").write_text(HOOK)
    warm = scan()
    assert warm.findings == [] and warm.analysis.run.how == "incremental"
    assert "app/user.py" in warm.analysis.run.analysed and "app/other.py" not in warm.analysis.run.analysed
    (root / "app/compat.py").write_text("VERSION = 2\n")
    assert [f.rule for f in scan().findings] == ["missing-module"]


def test_a_vendored_six_leaves_scan_and_check_green_from_the_command_line(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path / "repo",
        {
            "app/__init__.py": "",
            "app/vendor/__init__.py": "",
            "app/vendor/six.py": HOOK,
            "app/user.py": "from app.vendor.six.moves import thing\nimport app.vendor.six.moves.sub\n",
            "app/broken.py": "import app.vendor.gone\n",
        },
    )
    scan = invoke_cli(root, "scan", ".", "--format", "json")
    assert scan.exit_code == 1  # app/broken.py: its parent registers nothing
    assert [(f["path"], f["rule"]) for f in json.loads(scan.output)["findings"]] == [("app/broken.py", "missing-module")]
    check = invoke_cli(root, "check", "app/user.py")
    assert check.exit_code == 0, check.output


def test_pkgutil_namespace_portions_on_two_roots(tmp_path: Path) -> None:
    """`pkgutil.extend_path`: each folder on sys.path with a `pkg/` adds to the package; Python finds `pkg.b` in the second."""
    extend = '__path__ = __import__("pkgutil").extend_path(__path__, __name__)\n'
    root = write_tree(
        tmp_path / "repo",
        {
            "pyproject.toml": '[tool.pytest.ini_options]\npythonpath = ["src1", "src2"]\n',
            "src1/pkg/__init__.py": extend,
            "src2/pkg/__init__.py": extend,
            "src1/pkg/a.py": "from pkg.b import B\n",
            "src2/pkg/b.py": "B = 1\n",
        },
    )
    ran, error = python_runs(root, "import sys\nsys.path[:0] = ['src1', 'src2']\nimport pkg.a\n")
    assert ran, error  # the oracle
    result = remediator.scan(root, use_git=False)
    assert [f.message for f in result.findings if f.rule in ("missing-module", "missing-name")] == []
