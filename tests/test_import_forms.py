"""Table tests: every syntactic import form, broken and healthy, with its expected findings."""

from __future__ import annotations

import pytest

from tests.conftest import problems

# A small project every case adds one file to.
BASE = {
    "pkg/__init__.py": "from .core import Engine\n__all__ = ['Engine']\n",
    "pkg/core.py": "class Engine:\n    pass\n\ndef start():\n    return Engine()\n",
    "pkg/sub/__init__.py": "",
    "pkg/sub/leaf.py": "VALUE = 1\n",
}

# (case id, source of pkg/sub/user.py, expected (rule, line, target, name, guarded) findings)
CASES = [
    ("import ok", "import pkg.core\n", []),
    ("import missing", "import pkg.gone\n", [("missing-module", 1, "pkg.gone", None, False)]),
    ("import missing deep", "import pkg.sub.gone.deeper\n", [("missing-module", 1, "pkg.sub.gone.deeper", None, False)]),
    ("import as missing", "import pkg.gone as g\n", [("missing-module", 1, "pkg.gone", None, False)]),
    ("import several", "import os, pkg.gone, pkg.core\n", [("missing-module", 1, "pkg.gone", None, False)]),
    ("from ok name", "from pkg.core import Engine, start\n", []),
    ("from ok submodule", "from pkg.sub import leaf\n", []),
    ("from missing module", "from pkg.gone import x\n", [("missing-module", 1, "pkg.gone", "x", False)]),
    ("from missing name", "from pkg.core import Engine, Gone\n", [("missing-name", 1, "pkg.core", "Gone", False)]),
    ("from name as", "from pkg.core import Gone as G\n", [("missing-name", 1, "pkg.core", "Gone", False)]),
    (
        "parenthesized multi-line",
        "x = 1\nfrom pkg.core import (\n    Engine,  # fine\n    Gone,\n)\n",
        [("missing-name", 2, "pkg.core", "Gone", False)],
    ),
    ("re-exported name", "from pkg import Engine\n", []),
    ("relative dot ok", "from . import leaf\n", []),
    ("relative dot missing", "from . import gone\n", [("missing-name", 1, "pkg.sub", "gone", False)]),
    ("relative parent ok", "from ..core import Engine\n", []),
    ("relative parent missing module", "from ..gone import x\n", [("missing-module", 1, "pkg.gone", "x", False)]),
    ("relative parent missing name", "from ..core import Gone\n", [("missing-name", 1, "pkg.core", "Gone", False)]),
    ("relative beyond top", "from .... import x\n", [("missing-module", 1, "....", "x", False)]),
    ("star from project", "from pkg.core import *\n", []),
    ("star from missing", "from pkg.gone import *\n", [("missing-module", 1, "pkg.gone", "*", False)]),
    ("inside function", "def f():\n    import pkg.gone\n", [("missing-module", 2, "pkg.gone", None, False)]),
    ("inside class", "class C:\n    from pkg.core import Gone\n", [("missing-name", 2, "pkg.core", "Gone", False)]),
    (
        "inside method",
        "class C:\n    def m(self):\n        from pkg.gone import x\n",
        [("missing-module", 3, "pkg.gone", "x", False)],
    ),
    (
        "TYPE_CHECKING block",
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.gone import T\n",
        [("missing-module", 3, "pkg.gone", "T", False)],
    ),
    (
        "try ImportError",
        "try:\n    from pkg.gone import x\nexcept ImportError:\n    x = None\n",
        [("missing-module", 2, "pkg.gone", "x", True)],
    ),
    (
        "try other error is not a guard",
        "try:\n    from pkg.gone import x\nexcept KeyError:\n    x = None\n",
        [("missing-module", 2, "pkg.gone", "x", False)],
    ),
    ("external import", "import requests\nfrom yaml import safe_load\nimport os.path\n", []),
    ("future import", "from __future__ import annotations\n", []),
    ("module attribute", "from pkg.core import __file__, __name__\n", []),
    ("package __path__", "from pkg import __path__\n", []),
]


@pytest.mark.parametrize("source, expected", [pytest.param(s, e, id=i) for i, s, e in CASES])
def test_import_form(project, source: str, expected: list[tuple]) -> None:
    result = project({**BASE, "pkg/sub/user.py": source})
    found = [(r, line, t, n, g) for r, path, line, t, n, g in problems(result, "missing-module", "missing-name")]
    assert found == expected
    for finding in result.findings:
        assert finding.path == "pkg/sub/user.py"
        assert finding.importer == "pkg.sub.user"


def test_column_is_one_based_and_counts_characters(project) -> None:
    result = project({**BASE, "pkg/sub/user.py": "x = 'é'; import pkg.gone\n"})
    (finding,) = result.findings
    assert (finding.line, finding.column) == (1, 10)


def test_multi_line_statement_reports_its_first_line(project) -> None:
    source = "from pkg.core import (\n    Engine,\n    Gone,\n)\n"
    result = project({**BASE, "pkg/sub/user.py": source})
    assert [(f.line, f.name) for f in result.findings] == [(1, "Gone")]


def test_init_relative_import_resolves_against_the_package_itself(project) -> None:
    result = project({**BASE, "pkg/sub/__init__.py": "from . import leaf\nfrom .leaf import VALUE, MISSING\n"})
    assert problems(result) == [("missing-name", "pkg/sub/__init__.py", 2, "pkg.sub.leaf", "MISSING", False)]


def test_stub_files_are_scanned(project) -> None:
    result = project({**BASE, "pkg/typed.pyi": "from pkg.gone import X\n", "pkg/typed.py": "X = 1\n"})
    assert problems(result) == [("missing-module", "pkg/typed.pyi", 1, "pkg.gone", "X", False)]


def test_src_layout_and_namespace_packages(project) -> None:
    files = {
        "src/app/__init__.py": "",
        "src/app/main.py": "from nspkg.tool import helper, missing\nimport app.gone\n",
        "src/nspkg/tool.py": "def helper():\n    return 1\n",
    }
    result = project(files)
    assert problems(result) == [
        ("missing-name", "src/app/main.py", 1, "nspkg.tool", "missing", False),
        ("missing-module", "src/app/main.py", 2, "app.gone", None, False),
    ]


def test_packages_setting_limits_the_project(project) -> None:
    files = {**BASE, "other/__init__.py": "", "other/mod.py": "import other.gone\nimport pkg.gone\n"}
    result = project(files, packages=("pkg",))
    assert problems(result) == []  # `other` is not part of the project, so nothing in it is scanned
    assert "other.mod" not in result.model.index.modules


def test_dotted_packages_setting_does_not_claim_siblings(project) -> None:
    files = {
        "services/billing/__init__.py": "",
        "services/billing/core.py": "import services.auth\nfrom services.billing import gone\n",
        "services/auth/__init__.py": "",
    }
    result = project(files, packages=("services.billing",))
    # services.auth is not part of the project: an import of it is external, not missing
    assert problems(result) == [("missing-name", "services/billing/core.py", 2, "services.billing", "gone", False)]


@pytest.mark.parametrize(
    "pattern, excluded",
    [("pkg/legacy", True), ("**/legacy", True), ("pkg/**/old.py", True), ("legacy", True), ("*.py", False), ("pkg/leg*", True)],
)
def test_exclude_globs(project, pattern: str, excluded: bool) -> None:
    files = {**BASE, "pkg/legacy/__init__.py": "", "pkg/legacy/old.py": "import pkg.gone\n"}
    result = project(files, exclude=(pattern,))
    assert (problems(result) == []) is excluded


def test_syntax_error_column_counts_characters(project) -> None:
    result = project({**BASE, "pkg/bad.py": "x = 'ééé' +* 2\n"})
    (finding,) = result.findings
    assert finding.rule == "syntax-error"
    assert (finding.line, finding.column) == (1, 12)  # the `*`; counting bytes would say 15
