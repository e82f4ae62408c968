"""Property: after any sequence of edits, an incremental scan reports exactly what a full scan reports.

Hypothesis writes a small project whose modules import each other in every way
that makes one module's findings depend on another's facts: from-imports of
names (present, missing, re-exported, aliased), plain and relative imports,
star imports (with and without `__all__`, in cycles), a module-level
`__getattr__`, syntax errors, `patch("...")` strings, guarded, deferred and
TYPE_CHECKING imports, stubs next to modules, a conftest and test files, under
an SSOT rule; the conftest may put `a/` on sys.path (then tests import `m1`).
Then it edits the tree step by step: rewrites a module, inserts a
line at the top (every line moves), deletes or creates a module, adds or drops
an `__init__.py`, renames a module, adds or drops the conftest's sys.path line. After every step the scan through the
analysis store (`use_cache=True`: only what the edit can affect is analysed
again) must equal a scan from nothing (`use_cache=False`), finding for finding
and figure for figure, and so must `check` of one file.

Examples: the Hypothesis profile (tests/conftest.py: `ci` by default, `thorough`
for long runs; REMEDIATOR_HYPOTHESIS_EXAMPLES sets the count).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import given, note
from hypothesis import strategies as st

import remediator
from remediator.domain.config import ConfigError, Settings, SsotRule

MODULES = ("a.m1", "a.m2", "a.sub.m3", "b.m4", "b.m5", "b")  # candidates for files; "b" is the package's __init__
TARGETS = (*MODULES, "a", "a.sub", "a.gone", "b.m9", "a.sub.m3.deeper")  # what imports may name
TEST_TARGETS = (*TARGETS, "m1", "sub.m3", "m2")  # found (in tests) only while the conftest puts a/ on sys.path
SYS_PATH_LINE = "import sys\nfrom pathlib import Path\nsys.path.insert(0, str(Path(__file__).parent.parent / 'a'))\n"
NAMES = ("f", "g", "K", "_p", "m1", "m3", "m4")
SETTINGS = Settings(ssot=(SsotRule("through m1", forbid=("b.m4",), use="a.m1", scope=("a", "tests")),))
WRAPPERS = ("", "def", "try", "type_checking")


def path_of(module: str) -> str:
    if module in ("a", "a.sub", "b"):
        return module.replace(".", "/") + "/__init__.py"
    return module.replace(".", "/") + ".py"


@st.composite
def statement(draw: st.DrawFn, module: str) -> list[str]:
    kind = draw(st.sampled_from(["def", "const", "from", "from", "from", "import", "star", "all", "getattr", "broken", "relative"]))
    name = draw(st.sampled_from(NAMES))
    target = draw(st.sampled_from(TARGETS))
    if kind == "def":
        return [f"def {name}():", "    return 1"]
    if kind == "const":
        return [f"{name} = 1"]
    if kind == "star":
        return [f"from {target} import *"]
    if kind == "all":
        return [f"__all__ = {sorted(draw(st.sets(st.sampled_from(NAMES), max_size=3)))!r}"]
    if kind == "getattr":
        return ["def __getattr__(name):", "    raise AttributeError(name)"]
    if kind == "broken":
        return ["def (:"]
    if kind == "import":
        alias = draw(st.sampled_from(["", " as al"]))
        line = f"import {target}{alias}"
    elif kind == "relative":
        line = f"from {draw(st.sampled_from(['.', '..', '.m2', '.sub', '..m2', '.m3']))} import {name}"
    else:
        alias = draw(st.sampled_from(["", "", f" as {draw(st.sampled_from(NAMES))}"]))
        line = f"from {target} import {name}{alias}"
    wrapper = draw(st.sampled_from(WRAPPERS))
    if wrapper == "def":
        return ["def w():", f"    {line}"]
    if wrapper == "try":
        return ["try:", f"    {line}", "except ImportError:", "    pass"]
    if wrapper == "type_checking":
        return ["from typing import TYPE_CHECKING", "if TYPE_CHECKING:", f"    {line}"]
    return [line]


@st.composite
def source(draw: st.DrawFn, module: str) -> str:
    lines: list[str] = []
    for block in draw(st.lists(statement(module), max_size=5)):
        lines += block
    return "\n".join(lines) + "\n"


@st.composite
def patching_source(draw: st.DrawFn) -> str:
    lines = ["from unittest import mock"]
    for _ in range(draw(st.integers(0, 3))):
        target = draw(st.sampled_from(TEST_TARGETS))
        name = draw(st.sampled_from(NAMES))
        lines += [f"@mock.patch({target + '.' + name!r})", f"def test_{len(lines)}(m):", "    pass"]
    if draw(st.booleans()):
        lines.append(f"from {draw(st.sampled_from(TEST_TARGETS))} import {draw(st.sampled_from(NAMES))}")
    return "\n".join(lines) + "\n"


@st.composite
def trees(draw: st.DrawFn) -> dict[str, str]:
    files = {
        "a/__init__.py": draw(source("a")),
        "a/sub/__init__.py": draw(source("a.sub")),
        "b/__init__.py": draw(source("b")),
        "a/m1.py": draw(source("a.m1")),  # the rule's `use` module (deleting it is a configuration error, also compared)
    }
    for module in draw(st.sets(st.sampled_from(MODULES[:-1]), min_size=2)):
        files[path_of(module)] = draw(source(module))
    if draw(st.booleans()):
        files["a/m1.pyi"] = draw(source("a.m1"))
    files["tests/__init__.py"] = ""
    files["tests/conftest.py"] = (SYS_PATH_LINE if draw(st.booleans()) else "") + draw(patching_source())
    files["tests/test_one.py"] = draw(patching_source())
    return files


@st.composite
def edits(draw: st.DrawFn) -> list[tuple[str, str, str]]:
    """(action, path, text) steps."""
    steps = []
    for _ in range(draw(st.integers(1, 4))):
        action = draw(
            st.sampled_from(["rewrite", "rewrite", "prepend", "append", "delete", "create", "init", "rename", "test", "sys.path", "stub"])
        )
        module = draw(st.sampled_from(MODULES))
        text = draw(patching_source()) if action in ("test", "sys.path") else draw(source(module))
        steps.append((action, path_of(module), text))
    return steps


def apply(root: Path, action: str, path: str, text: str) -> str:
    """Make one edit; describe it."""
    target = root / path
    if action == "test":
        (root / "tests/test_one.py").write_text(text)
        return "rewrite tests/test_one.py"
    if action == "sys.path":
        conftest = root / "tests/conftest.py"
        before = conftest.read_text()
        conftest.write_text(before[len(SYS_PATH_LINE) :] if before.startswith(SYS_PATH_LINE) else SYS_PATH_LINE + before)
        return "toggle the conftest's sys.path line (a rebuild)"
    if action in ("rewrite", "create"):
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
        return f"{action} {path}"
    if action == "prepend" and target.exists():
        target.write_text("\n" + target.read_text())
        return f"prepend a line to {path}"
    if action == "append" and target.exists():
        target.write_text(target.read_text() + text)
        return f"append to {path}"
    if action == "delete" and target.exists():
        target.unlink()
        return f"delete {path}"
    if action == "stub":  # a stub beside the module, or instead of it: Python ignores it, a type checker reads it
        stub = target.with_suffix(".pyi")
        if stub.exists():
            stub.unlink()
            return f"delete {path}i"
        stub.parent.mkdir(parents=True, exist_ok=True)
        stub.write_text(text)
        return f"create {path}i"
    if action == "init":
        init = root / "a/sub/__init__.py"
        if init.exists():
            init.unlink()
            return "delete a/sub/__init__.py (a namespace package now)"
        init.write_text(text)
        return "create a/sub/__init__.py"
    if action == "rename" and target.exists() and not path.endswith("__init__.py"):
        destination = target.with_name("renamed.py")
        target.rename(destination)
        return f"rename {path} to {destination.relative_to(root)}"
    return "nothing"


def outcome(run: Any, root: Path, how: list[str] | None = None, **options: Any) -> Any:
    """The JSON document of a scan or check, or the configuration error it raised; `how` collects how it got its analysis."""
    try:
        result = run(root, settings=SETTINGS, use_git=False, **options)
    except ConfigError as error:
        return ("error", str(error))
    if how is not None:
        how.append(result.analysis.run.how)
    data = result.to_dict()
    data["summary"].pop("elapsed_seconds")
    return data


def top_level_packages(root: Path) -> set[str]:
    """What the project's packages are (an oracle that does not ask remediator)."""
    return {p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith(".") and any(p.rglob("*.py"))}


@given(tree=trees(), steps=edits(), checked=st.sampled_from(MODULES))
def test_incremental_scan_equals_full_scan_after_every_edit(tree: dict[str, str], steps: list[tuple[str, str, str]], checked: str) -> None:
    root = Path(tempfile.mkdtemp(prefix="remediator-incremental-"))
    try:
        for relpath, text in tree.items():
            (root / relpath).parent.mkdir(parents=True, exist_ok=True)
            (root / relpath).write_text(text)
        how: list[str] = []
        assert outcome(remediator.scan, root, how) == outcome(remediator.scan, root, use_cache=False)
        assert how == ["rebuilt"]
        packages = top_level_packages(root)
        for step in steps:
            done = apply(root, *step)
            note(done)
            for path in sorted(root.rglob("*.py*")):
                if ".remediator" not in path.parts:
                    note(f"--- {path.relative_to(root)}\n{path.read_text()}")
            how.clear()
            assert outcome(remediator.scan, root, how) == outcome(remediator.scan, root, use_cache=False)
            # incremental unless the project's packages changed (then every resolution may change: rebuilt)
            # (or a conftest's sys.path change: any test's import may then resolve elsewhere)
            rebuilt = top_level_packages(root) != packages or done.startswith("toggle")
            assert how in (["rebuilt"], []) if rebuilt else how in (["incremental"], [])
            packages = top_level_packages(root)
            file = root / path_of(checked)
            if file.exists():
                assert outcome(remediator.check, root, files=[file]) == outcome(remediator.check, root, files=[file], use_cache=False)
    finally:
        shutil.rmtree(root, ignore_errors=True)
