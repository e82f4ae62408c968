"""Property: after deleting random modules and names, the scan reports exactly the broken imports.

Hypothesis builds a random project (2-3 top-level packages, nested subpackages,
3-15 modules, each defining a few functions, classes and constants) whose
imports are all valid, in varied forms and places. The healthy tree must scan
clean. Then random modules (never an `__init__`) and random definitions are
deleted, and an independent oracle, which knows the tree it generated, says
which import items broke. The scan must report exactly those.

The generator keeps the oracle obviously right: every generated name is unique
in the project (so nothing is re-exported or shadowed) and there are no star
imports. Modules may import from themselves, notably `from . import m` in a
package's own `__init__`: that binds `m` in the very module it reads it from,
which must not make the import look satisfied once `m` is gone (see also the
plain test at the end of this file).

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
from tests.conftest import problems, write_tree

BROKEN_RULES = ("missing-module", "missing-name")
CONTEXTS = ("module", "function", "class", "type_checking", "guarded")


@dataclass(frozen=True)
class Definition:
    kind: str  # "def", "class" or "const"
    name: str

    def lines(self) -> list[str]:
        if self.kind == "def":
            return [f"def {self.name}():", "    return 1"]
        if self.kind == "class":
            return [f"class {self.name}:", "    value = 1"]
        return [f"{self.name} = 1"]


@dataclass(frozen=True)
class Import:
    """One import statement; `target` is the absolute module it reads from."""

    number: int  # unique, names wrappers and aliases
    form: str  # "import" or "from"
    target: str
    written: str  # the module as written, with its leading dots
    items: tuple[tuple[str, str | None], ...]  # (name, alias) of a from-import
    alias: str | None  # of `import a.b as x`
    context: str
    multiline: bool

    def statement(self) -> list[str]:
        if self.form == "import":
            return [f"import {self.target}" + (f" as {self.alias}" if self.alias else "")]
        names = [name + (f" as {alias}" if alias else "") for name, alias in self.items]
        if self.multiline:
            return [f"from {self.written} import ("] + [f"    {n}," for n in names] + [")"]
        return [f"from {self.written} import {', '.join(names)}"]

    def block(self) -> tuple[list[str], int]:
        """The lines of the statement in its context, and the offset of the statement's first line."""
        body = ["    " + line for line in self.statement()]
        if self.context == "module":
            return self.statement(), 0
        if self.context == "function":
            return [f"def w_{self.number}():", *body, "    return None"], 1
        if self.context == "class":
            return [f"class H_{self.number}:", *body], 1
        if self.context == "type_checking":
            return ["if TYPE_CHECKING:", *body], 1
        return ["try:", *body, "except ImportError:", "    pass"], 1


@dataclass(frozen=True)
class Module:
    name: str
    is_package: bool
    blocks: tuple[Definition | Import, ...]

    @property
    def path(self) -> str:
        parts = self.name.split(".")
        return "/".join(parts) + "/__init__.py" if self.is_package else "/".join(parts) + ".py"

    @property
    def definitions(self) -> list[str]:
        return [b.name for b in self.blocks if isinstance(b, Definition)]

    def render(self, deleted_names: frozenset[str]) -> tuple[str, list[tuple[Import, int]]]:
        """The file's text without `deleted_names`, and each import with its 1-based line."""
        lines: list[str] = []
        if any(isinstance(b, Import) and b.context == "type_checking" for b in self.blocks):
            lines.append("from typing import TYPE_CHECKING")
        located: list[tuple[Import, int]] = []
        for block in self.blocks:
            if isinstance(block, Definition):
                if block.name not in deleted_names:
                    lines.extend(block.lines())
                continue
            block_lines, offset = block.block()
            located.append((block, len(lines) + offset + 1))
            lines.extend(block_lines)
        return ("\n".join(lines) + "\n" if lines else ""), located


@dataclass(frozen=True)
class Scenario:
    packages: tuple[str, ...]
    modules: tuple[Module, ...]  # every file: packages' __init__ and plain modules
    deleted_modules: frozenset[str]  # plain modules whose file is removed
    deleted_names: frozenset[str]  # definitions removed (names are unique project-wide)


def parent(name: str) -> str:
    return name.rpartition(".")[0]


def relative_forms(importer: str, is_package: bool, target: str) -> list[str]:
    """Every relative spelling of `target` from `importer` (`.`, `.m`, `..x.y`, ...)."""
    package = importer.split(".") if is_package else importer.split(".")[:-1]
    forms = []
    for level in range(1, len(package) + 1):
        base = ".".join(package[: len(package) - (level - 1)])
        if target == base:
            forms.append("." * level)
        elif target.startswith(base + "."):
            forms.append("." * level + target[len(base) + 1 :])
    return forms


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    packages = [f"p{i}" for i in range(draw(st.integers(2, 3)))]
    for j in range(draw(st.integers(0, 3))):
        outer = draw(st.sampled_from(packages))
        if outer.count(".") < 2:  # at most three levels deep
            packages.append(f"{outer}.s{j}")
    plain = [f"{draw(st.sampled_from(packages))}.m{i}" for i in range(draw(st.integers(3, 15)))]
    every = packages + plain
    children = {name: [m for m in every if parent(m) == name] for name in packages}

    counter = iter(range(10**6))
    definitions: dict[str, list[Definition]] = {}
    for name in every:
        kinds = draw(st.lists(st.sampled_from(["def", "class", "const"]), min_size=0 if name in packages else 1, max_size=3))
        prefix = {"def": "f_", "class": "C_", "const": "K_"}
        definitions[name] = [Definition(kind, f"{prefix[kind]}{next(counter)}") for kind in kinds]

    modules = []
    for importer in every:
        is_package = importer in packages
        imports: list[Import] = []
        for _ in range(draw(st.integers(0, 4))):
            target = draw(st.sampled_from(every))
            number = next(counter)
            context = draw(st.sampled_from(CONTEXTS))
            available = [d.name for d in definitions[target]] + [c.rpartition(".")[2] for c in children.get(target, [])]
            if not available or draw(st.integers(0, 3)) == 0:
                alias = f"al_{number}" if draw(st.booleans()) else None
                imports.append(Import(number, "import", target, target, (), alias, context, False))
                continue
            names = draw(st.lists(st.sampled_from(available), min_size=1, max_size=3, unique=True))
            items = tuple((n, f"al_{number}_{k}" if draw(st.booleans()) else None) for k, n in enumerate(names))
            written = target
            relative = relative_forms(importer, is_package, target)
            if relative and draw(st.booleans()):
                written = draw(st.sampled_from(relative))
            imports.append(Import(number, "from", target, written, items, None, context, draw(st.booleans())))
        blocks = draw(st.permutations(definitions[importer] + imports))
        modules.append(Module(importer, is_package, tuple(blocks)))

    deleted_modules = draw(st.sets(st.sampled_from(plain)))
    surviving = sorted(d.name for m in every if m not in deleted_modules for d in definitions[m])
    deleted_names = draw(st.sets(st.sampled_from(surviving))) if surviving else set()
    return Scenario(tuple(packages), tuple(modules), frozenset(deleted_modules), frozenset(deleted_names))


def oracle(scenario: Scenario) -> list[tuple]:
    """(rule, path, line, target, name, guarded) of every import item that the deletions broke."""
    existing = {m.name for m in scenario.modules if m.name not in scenario.deleted_modules}
    names = {m.name: set(m.definitions) - scenario.deleted_names for m in scenario.modules}
    expected = []
    for module in scenario.modules:
        if module.name in scenario.deleted_modules:
            continue
        _, located = module.render(scenario.deleted_names)
        for record, line in located:
            guarded = record.context == "guarded"
            if record.target not in existing:
                for name in [name for name, _ in record.items] or [None]:
                    expected.append(("missing-module", module.path, line, record.target, name, guarded))
                continue
            for name, _ in record.items:
                if f"{record.target}.{name}" not in existing and name not in names[record.target]:
                    expected.append(("missing-name", module.path, line, record.target, name, guarded))
    return sorted(expected)


def scan(root: Path) -> remediator.ScanResult:
    result = remediator.scan(root, settings=Settings(), use_git=False)
    assert {f.rule for f in result.findings} <= {*BROKEN_RULES, "import-cycle"}, [f.to_dict() for f in result.findings]
    return result


@given(scenario=scenarios())
def test_scan_reports_exactly_the_imports_broken_by_deletions(scenario: Scenario) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_tree(root, {m.path: m.render(frozenset())[0] for m in scenario.modules})
        assert problems(scan(root), *BROKEN_RULES) == []  # every generated import is valid

        changed = {}
        for module in scenario.modules:
            if module.name in scenario.deleted_modules:
                (root / module.path).unlink()
            elif scenario.deleted_names & set(module.definitions):
                changed[module.path] = module.render(scenario.deleted_names)[0]
        write_tree(root, changed)
        for path in sorted(root.rglob("*.py")):
            note(f"--- {path.relative_to(root)}\n{path.read_text()}")
        note(f"deleted modules: {sorted(scenario.deleted_modules)}; deleted names: {sorted(scenario.deleted_names)}")

        expected = oracle(scenario)
        found = sorted(problems(scan(root), *BROKEN_RULES))
        assert found == expected


def test_package_init_importing_its_own_deleted_submodule_is_reported(tmp_path: Path) -> None:
    # `from . import gone` in pkg/__init__.py binds `gone` in pkg itself; that binding must
    # not make the import look satisfied. Python: ImportError: cannot import name 'gone'.
    files = {
        "pkg/__init__.py": "from . import kept, gone\nfrom pkg import gone_too\n",
        "pkg/kept.py": "VALUE = 1\n",
    }
    write_tree(tmp_path, files)
    result = remediator.scan(tmp_path, settings=Settings(), use_git=False)
    assert sorted(problems(result, *BROKEN_RULES)) == [
        ("missing-name", "pkg/__init__.py", 1, "pkg", "gone", False),
        ("missing-name", "pkg/__init__.py", 2, "pkg", "gone_too", False),
    ]
