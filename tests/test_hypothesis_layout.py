"""Property: on trees with Python's layout collisions, the scan follows Python's precedence, per an independent oracle.

Hypothesis builds a package `app` of modules, then twists some of them:

* a *module twin*: `app/mN.py` beside a regular package `app/mN/__init__.py`
  (the package wins; the file is a `shadowed-module`);
* a *namespace twin*: `app/mN.py` beside a folder `app/mN/` without
  `__init__.py` holding `extra.py` (the module wins; the folder is a
  `shadowed-module`, and `app.mN.extra` does not exist);
* optionally a top-level namespace folder named like a standard-library
  package (`logging/`: Python imports the standard library's, the folder is
  left out, its imports are not the project's), a top-level regular package
  hiding a standard-library module (`queue/`: a `shadowed-module` warning),
  and a snapshot of the project (`backups/<stamp>/system_snapshot/app/...`,
  with broken imports of its own: left out, nothing reported).

A user module imports names and submodules of every candidate. The oracle
applies the precedence rules to the structure it generated (it never looks
at the files) and says which imports break and which files are shadowed.

Examples: the Hypothesis profile (tests/conftest.py).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from hypothesis import given, note
from hypothesis import strategies as st

import remediator
from remediator.domain.config import Settings
from tests.conftest import write_tree

TWISTS = ("plain", "module_twin", "namespace_twin")


@dataclass(frozen=True)
class Case:
    twists: tuple[str, ...]  # per module mN
    imports: tuple[tuple[int, str, str], ...]  # (module number, form, what): form "name" (from app.mN import what) or "sub"
    stdlib_folder: bool
    stdlib_package: bool
    snapshot: bool

    def files(self) -> dict[str, str]:
        files = {"app/__init__.py": ""}
        for n, twist in enumerate(self.twists):
            files[f"app/m{n}.py"] = f"FILE_{n} = 1\n"
            if twist == "module_twin":
                files[f"app/m{n}/__init__.py"] = f"PACKAGE_{n} = 1\n"
                files[f"app/m{n}/extra.py"] = f"EXTRA_{n} = 1\n"
            elif twist == "namespace_twin":
                files[f"app/m{n}/extra.py"] = f"EXTRA_{n} = 1\n"
        lines = []
        for n, form, what in self.imports:
            lines.append(f"from app.m{n} import {what}" if form == "name" else f"import app.m{n}.{what}")
        if self.stdlib_folder:
            files["logging/extra_handlers.py"] = "from logging import getLogger\nfrom app.gone_in_logging import x\n"
            lines.append("from logging import getLogger")
        if self.stdlib_package:
            files["queue/__init__.py"] = "JOBS = []\n"
            lines.append("from queue import JOBS")
        if self.snapshot:
            for n in range(len(self.twists)):
                files[f"backups/20250101_000000/system_snapshot/app/m{n}.py"] = f"from app.long_gone import y\nFILE_{n} = 1\n"
            files["backups/20250101_000000/system_snapshot/app/__init__.py"] = ""
        files["app/user.py"] = "\n".join(lines) + "\n"
        return files


@st.composite
def cases(draw: st.DrawFn) -> Case:
    twists = tuple(draw(st.lists(st.sampled_from(TWISTS), min_size=1, max_size=4)))
    imports = []
    for _ in range(draw(st.integers(1, 6))):
        n = draw(st.integers(0, len(twists) - 1))
        if draw(st.booleans()):
            imports.append((n, "name", draw(st.sampled_from([f"FILE_{n}", f"PACKAGE_{n}"]))))
        else:
            imports.append((n, "sub", "extra"))
    return Case(twists, tuple(imports), draw(st.booleans()), draw(st.booleans()), draw(st.booleans()))


def oracle(case: Case) -> tuple[set[tuple[str, str, int | None, str | None, str | None]], list[str]]:
    """The findings Python's precedence implies, and the folders left out."""
    expected: set[tuple[str, str, int | None, str | None, str | None]] = set()
    for n, twist in enumerate(case.twists):
        if twist == "module_twin":  # the regular package wins over the file
            expected.add(("shadowed-module", f"app/m{n}.py", 1, f"app.m{n}", None))
        elif twist == "namespace_twin":  # the file wins over the namespace folder
            expected.add(("shadowed-module", f"app/m{n}/", 1, f"app.m{n}", None))
    for line, (n, form, what) in enumerate(case.imports, start=1):
        twist = case.twists[n]
        if form == "name":
            has = {f"PACKAGE_{n}"} if twist == "module_twin" else {f"FILE_{n}"}
            if what not in has:
                expected.add(("missing-name", "app/user.py", line, f"app.m{n}", what))
        elif twist != "module_twin":  # only a package has the submodule
            expected.add(("missing-module", "app/user.py", line, f"app.m{n}.{what}", None))
    if case.stdlib_package:
        expected.add(("shadowed-module", "queue/", 1, "queue", None))
    left_out = (["backups/"] if case.snapshot else []) + (["logging/"] if case.stdlib_folder else [])
    return expected, sorted(left_out)


@given(case=cases())
def test_scan_follows_pythons_precedence(case: Case) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = write_tree(Path(tmp), case.files())
        for path in sorted(root.rglob("*.py")):
            note(f"--- {path.relative_to(root)}\n{path.read_text()}")
        result = remediator.scan(root, settings=Settings(), use_git=False)
        found = {(f.rule, f.path, f.line, f.target, f.name) for f in result.findings if f.rule != "import-cycle"}
        expected, left_out = oracle(case)
        assert found == expected
        assert sorted(d["path"] for d in result.to_dict()["summary"]["left_out"]) == left_out
