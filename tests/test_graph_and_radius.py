"""Import cycles, blast radius, and agreement of our graph with grimp's own build."""

from __future__ import annotations

import subprocess
import sys

import grimp
import pytest

from tests.conftest import write_tree
import remediator
from remediator.domain.config import Settings


def test_cycle_is_reported_with_a_chain_and_lines(project) -> None:
    files = {
        "app/__init__.py": "",
        "app/a.py": "import os\nfrom app import b\n",
        "app/b.py": "def f():\n    from app import c\n",
        "app/c.py": "x = 1\ny = 2\nimport app.a\n",
        "app/d.py": "import app.a\n",  # imports into the cycle but is not part of it
    }
    result = project(files)
    (cycle,) = [f for f in result.findings if f.rule == "import-cycle"]
    assert cycle.severity == "info"
    assert cycle.message == (
        "import cycle of 3 modules: app.a -> app.b -> app.c -> app.a (a dependency cycle: it closes only through "
        "imports inside functions, which run when called: it fails at import time only if such a function is called "
        "while the modules are imported, by a decorator or a call at module level)"
    )
    assert cycle.cycle_kind == "function-level"
    assert [(link["path"], link["line"]) for link in cycle.chain] == [("app/a.py", 2), ("app/b.py", 2), ("app/c.py", 3)]
    assert result.exit_code == 0  # cycles are information in scan


def test_two_separate_cycles(project) -> None:
    files = {
        "p/__init__.py": "",
        "p/a.py": "import p.b\n",
        "p/b.py": "import p.a\n",
        "p/c.py": "import p.d\n",
        "p/d.py": "import p.c\n",
    }
    messages = sorted(f.message for f in project(files).findings)
    assert messages == [
        "import cycle of 2 modules: p.a -> p.b -> p.a",
        "import cycle of 2 modules: p.c -> p.d -> p.c",
    ]


def test_blast_radius_follows_runtime_imports_only(project) -> None:
    files = {
        "app/__init__.py": "",
        "app/broken.py": "from app.gone import thing\n",
        "app/direct_user.py": "import app.broken\n",
        "app/lazy_user.py": "def f():\n    import app.broken\n",
        "app/guarded_user.py": "try:\n    import app.broken\nexcept ImportError:\n    pass\n",
        "app/typing_user.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import app.broken\n",
        "app/transitive.py": "from app import direct_user\n",
        "tests/__init__.py": "",
        "tests/test_a.py": "import app.transitive\n",
        "tests/test_b.py": "import app.lazy_user\n",
        "tests/helpers.py": "import app.broken\n",
    }
    result = project(files)
    (target,) = result.missing_targets
    assert target.target == "app.gone" and target.name is None
    assert target.importers == {"app.broken"}
    assert target.failing_modules == {"app.broken", "app.direct_user", "app.transitive", "tests.test_a", "tests.helpers"}
    assert target.failing_test_files == ["tests/test_a.py"]


def test_a_failing_package_init_breaks_its_submodules_and_conftest_breaks_its_tests(project) -> None:
    files = {
        "lib/__init__.py": "from lib.gone import x\n",
        "lib/util.py": "VALUE = 1\n",
        "tests/__init__.py": "",
        "tests/unit/__init__.py": "",
        "tests/unit/conftest.py": "from lib.util import VALUE\n",
        "tests/unit/test_one.py": "def test():\n    assert 1\n",
        "tests/other/__init__.py": "",
        "tests/other/test_two.py": "def test():\n    assert 1\n",
    }
    result = project(files)
    (target,) = result.missing_targets
    assert {"lib", "lib.util", "tests.unit.conftest"} <= target.failing_modules
    assert target.failing_test_files == ["tests/unit/test_one.py"]
    summary = result.to_dict()["summary"]["missing_targets"][0]
    assert summary == {
        "target": "lib.gone",
        "name": None,
        "kind": "missing-module",
        "importers": 1,
        "string_references": 0,
        "failing_modules": len(target.failing_modules),
        "failing_test_files": ["tests/unit/test_one.py"],
        "suggestion": None,
        "loose_folders": [],
        "unblocks": {"modules": len(target.failing_modules), "test_files": ["tests/unit/test_one.py"]},
        "fix_set": 1,
    }


def test_graph_edges_agree_with_grimp(tmp_path, monkeypatch) -> None:
    files = {
        "alpha/__init__.py": "from .core import Engine\n",
        "alpha/core.py": "import beta.util\nfrom beta import models\nclass Engine: pass\n",
        "alpha/extra.py": "from . import core\nfrom .core import Engine\ndef f():\n    import beta.models as m\n",
        "beta/__init__.py": "",
        "beta/util.py": "import os\nfrom alpha.core import Engine\n",
        "beta/models.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from alpha import extra\n",
    }
    files["beta/gone_user.py"] = "import alpha.never_existed\nfrom beta.missing_too import thing\n"  # grimp: edges to alpha, beta
    root = write_tree(tmp_path / "repo", files)
    result = remediator.scan(root, settings=Settings(), use_git=False)
    ours = set(result.graph.nx.edges)
    monkeypatch.syspath_prepend(str(root))
    graph = grimp.build_graph("alpha", "beta", cache_dir=None)
    theirs = {(m, i) for m in graph.modules for i in graph.find_modules_directly_imported_by(m)}
    # the same edges for every import that resolves; grimp also turns an import of a missing module into an edge to
    # its nearest existing ancestor, which remediator does not invent
    assert theirs - ours == {("beta.gone_user", "alpha")}  # (grimp draws no edge to the importer's own package)
    assert ours <= theirs
    sys.modules.pop("alpha", None)
    sys.modules.pop("beta", None)


def test_an_import_of_a_missing_module_closes_no_cycle(project, tmp_path) -> None:
    """`pkg/__init__` imports `pkg.launcher`, which imports a missing `pkg.test_services`: no cycle pkg -> launcher -> pkg."""
    files = {
        "pkg/__init__.py": "from pkg import launcher\n",
        "pkg/launcher.py": "import pkg.test_services\n",
        "pkg/real_a.py": "import pkg.real_b\n",
        "pkg/real_b.py": "import pkg.real_a\n",
    }
    result = project(files)
    cycles = [f.message for f in result.findings if f.rule == "import-cycle"]
    assert cycles == ["import cycle of 2 modules: pkg.real_a -> pkg.real_b -> pkg.real_a"]
    assert ("pkg.launcher", "pkg") not in set(result.graph.nx.edges)
    assert [f.target for f in result.findings if f.rule == "missing-module"] == ["pkg.test_services"]


CYCLE_KIND_CASES = [
    ("import-time", {"k/a.py": "import k.b\n", "k/b.py": "import k.a\n"}),
    ("import-time", {"k/a.py": "import k.b\n", "k/b.py": "try:\n    import k.a\nexcept ImportError:\n    pass\n"}),
    ("type-checking", {"k/a.py": "import k.b\n", "k/b.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import k.a\n"}),
    ("function-level", {"k/a.py": "import k.b\n", "k/b.py": "def f():\n    import k.a\n"}),
    (
        "function-level",
        {"k/a.py": "def g():\n    import k.b\n", "k/b.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import k.a\n"},
    ),
    # two ways round: one of them at import time is enough
    ("import-time", {"k/a.py": "import k.b\nimport k.c\n", "k/b.py": "def f():\n    import k.a\n", "k/c.py": "import k.a\n"}),
]


@pytest.mark.parametrize("kind, files", CYCLE_KIND_CASES)
def test_cycles_are_labelled_by_when_they_close(project, tmp_path, kind: str, files: dict[str, str]) -> None:
    result = project({"k/__init__.py": "", **files})
    cycles = [f for f in result.findings if f.rule == "import-cycle"]
    assert [f.cycle_kind for f in cycles] == [kind]
    assert ("cycle_kind", kind) in cycles[0].to_dict().items()
    if kind != "import-time":  # the oracle: Python imports every module of such a cycle, whichever comes first
        root = tmp_path / "repo"
        for module in sorted({p[:-3].replace("/", ".") for p in files}):
            done = subprocess.run([sys.executable, "-c", f"import {module}"], cwd=root, capture_output=True, text=True, check=False)
            assert done.returncode == 0, done.stderr


def test_cycle_kinds_agree_between_a_full_and_an_incremental_scan(tmp_path) -> None:
    root = write_tree(tmp_path / "repo", {"k/__init__.py": "", "k/a.py": "import k.b\n", "k/b.py": "import os\n"})
    remediator.scan(root, use_git=False)
    write_tree(root, {"k/b.py": "def f():\n    import k.a\n"})
    warm = [f.cycle_kind for f in remediator.scan(root, use_git=False).findings if f.rule == "import-cycle"]
    full = [f.cycle_kind for f in remediator.scan(root, use_git=False, use_cache=False).findings if f.rule == "import-cycle"]
    assert warm == full == ["function-level"]
    write_tree(root, {"k/b.py": "import k.a\n"})
    warm = [f.cycle_kind for f in remediator.scan(root, use_git=False).findings if f.rule == "import-cycle"]
    assert warm == ["import-time"]


def test_a_scan_never_builds_the_full_graph_and_asking_for_it_builds_it(tmp_path) -> None:
    """Scans use the light graph; the networkx graph (and networkx itself) is made only when asked for."""
    root = write_tree(
        tmp_path / "repo",
        {"p/__init__.py": "", "p/a.py": "import p.b\n", "p/b.py": "def f():\n    import p.a\n", "p/c.py": "from p import a\n"},
    )
    program = (
        "import sys, remediator\n"
        "from remediator.domain.config import Settings\n"
        f"result = remediator.scan({str(root)!r}, settings=Settings(), use_git=False, use_cache=False)\n"
        "print([f.rule for f in result.findings], 'networkx' in sys.modules)\n"
        "print(sorted(result.graph.nx.edges(data='sites')), 'networkx' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True).stdout.splitlines()
    assert out[0] == "['import-cycle'] False"
    assert out[1] == ("[('p.a', 'p.b', [('p/a.py', 1, 0)]), ('p.b', 'p.a', [('p/b.py', 2, 1)]), ('p.c', 'p.a', [('p/c.py', 1, 0)])] True")
