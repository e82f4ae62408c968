"""Unit tests of remediator/analysis/*: each module's public functions, called directly on small inputs.

The end-to-end tests scan real trees; these pin down the pieces one at a time
(module index, dependency keys, symbol tables, resolution, search path, module
graph), with facts from the real parser where facts are needed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from remediator.domain.layout import Discovery, SourceFile
from remediator.adapters.parser import parse_source
from remediator.analysis.dependencies import ALL, DependencyRecorder, Memo
from remediator.analysis.module_graph import (
    FUNCTION_LEVEL,
    IMPORT_TIME,
    TYPE_CHECKING_ONLY,
    Cycle,
    Link,
    ModuleGraph,
    chain_through,
    components_after_change,
    cycle_kind,
    cycle_order,
    failing_modules,
    strongly_connected,
)
from remediator.analysis.module_index import (
    EXTENSION,
    MERGED,
    NAMESPACE,
    PACKAGE,
    SOURCE,
    UNREADABLE,
    ModuleIndex,
    is_internal,
    module_table,
)
from remediator.analysis.resolver import (
    EXTERNAL,
    MISSING_MODULE,
    MISSING_NAME,
    OK,
    UNRESOLVED,
    ModuleResolver,
    Resolution,
    import_edge,
)
from remediator.analysis.search_path import ROOT, SearchPath, SearchPathSpec
from remediator.analysis.symbols import SymbolTables, symbol_changes, symbols_in
from remediator.domain.facts import Context, ImportRecord, ModuleFacts, ParseProblem, StringReference, SysPathEntry
from remediator.domain.modules import absolute_module

# ---------------------------------------------------------------------------- helpers


def _source(relpath: str) -> SourceFile:
    """The SourceFile discovery makes of a root-relative path."""
    stem = relpath.removesuffix(".pyi").removesuffix(".py")
    parts = stem.split("/")
    is_package = parts[-1] == "__init__"
    module = ".".join(parts[:-1] if is_package else parts)
    return SourceFile(Path("/project") / relpath, relpath, module, is_package, relpath.endswith(".pyi"))


def _discovery(*relpaths: str, **extra: object) -> Discovery:
    files = [_source(relpath) for relpath in relpaths]
    roots = {source.module.partition(".")[0] for source in files}
    discovery = Discovery(Path("/project"), files=files, roots=roots)
    for name, value in extra.items():
        setattr(discovery, name, value)
    return discovery


def _model(sources: Mapping[str, str]) -> tuple[ModuleIndex, dict[str, list[ModuleFacts]], ModuleResolver]:
    """Index, facts (parsed by the real parser) and a resolver with symbol tables, for `relpath -> source`."""
    index = ModuleIndex.from_discovery(_discovery(*sources))
    facts: dict[str, list[ModuleFacts]] = {}
    for relpath, text in sources.items():
        facts.setdefault(_source(relpath).module, []).append(parse_source(text.encode()))
    resolver = ModuleResolver(index, SymbolTables(index, facts, absolute_module))
    return index, facts, resolver


def _record(module: str, name: str | None = None, *, level: int = 0, alias: str | None = None, context: int = 0) -> ImportRecord:
    return ImportRecord(module, level, name, alias, 1, 1, context)


def _facts(
    *,
    imports: Sequence[ImportRecord] = (),
    bound: Sequence[str] = (),
    defined: Sequence[str] = (),
    dunder_all: tuple[str, ...] | None = None,
    dynamic: bool = False,
) -> ModuleFacts:
    return ModuleFacts(tuple(imports), (), frozenset(bound), frozenset(defined), dunder_all, dynamic)


# ---------------------------------------------------------------------------- module_index


def test_module_table_flags_packages_namespaces_extensions_and_unreadable_files() -> None:
    problem = ParseProblem("unreadable-file", "cannot be read", 1, 1)
    discovery = _discovery(
        "app/__init__.py",
        "app/core.py",
        "app/core.pyi",
        "ns/deep/leaf.py",
        extension_modules={"app.fast"},
        problems=[("app/bad.py", "app.bad", problem)],
        merged={"ns"},
    )
    table = module_table(discovery)
    assert table == {
        "app": SOURCE | PACKAGE,
        "app.core": SOURCE,
        "app.fast": EXTENSION,
        "app.bad": UNREADABLE,
        "ns": NAMESPACE | PACKAGE | MERGED,
        "ns.deep": NAMESPACE | PACKAGE,
        "ns.deep.leaf": SOURCE,
    }


def test_is_internal_follows_the_project_roots_dotted_ones_included() -> None:
    roots = frozenset({"app", "lib.vendored"})
    assert [is_internal(m, roots) for m in ("app", "app.x.y", "lib.vendored", "lib.vendored.z", "lib", "lib.other", "apps")] == [
        True,
        True,
        True,
        True,
        False,
        False,
        False,
    ]


def test_module_index_lookups() -> None:
    index = ModuleIndex.from_discovery(_discovery("app/__init__.py", "app/core.py", "app/core.pyi", "ns/leaf.py"))
    assert index.exists("app.core") and not index.exists("app.gone")
    assert index.is_package("app") and index.is_package("ns") and not index.is_package("app.core")
    assert (index.kind("app"), index.kind("ns"), index.kind("app.gone")) == (SOURCE, NAMESPACE, None)
    assert index.nearest_existing("app.core.Thing.attr") == "app.core"
    assert index.nearest_existing("elsewhere.x") is None
    assert index.children("app") == {"app.core"} and index.children("app.core") == set()
    assert sorted(index.names()) == ["app", "app.core", "ns", "ns.leaf"]
    entry = index.modules["app.core"]
    assert [f.relpath for f in entry.files] == ["app/core.py", "app/core.pyi"]
    assert entry.runtime_file is not None and entry.runtime_file.relpath == "app/core.py"  # not the stub
    assert (index.modules["ns"].kind, index.modules["ns"].is_package) == ("namespace", True)
    assert index.is_internal("app.anything") and not index.is_internal("os")


def test_module_index_lookups_note_their_dependency_keys() -> None:
    recorder = DependencyRecorder()
    index = ModuleIndex.from_discovery(_discovery("app/__init__.py", "app/core.py"), recorder)
    recorder.push()
    index.exists("app.core")
    index.nearest_existing("app.gone.deeper")
    index.is_merged("app.core")
    assert set(recorder.pop()) == {("app.core", None), ("app.gone.deeper", None), ("app.gone", None), ("app", None)}


# ---------------------------------------------------------------------------- dependencies


def test_a_closed_frame_adds_its_keys_to_the_enclosing_one() -> None:
    recorder = DependencyRecorder()
    recorder.push()
    recorder.frames[-1].add(("a", None))
    recorder.push()
    recorder.frames[-1].add(("b", "x"))
    assert recorder.pop() == (("b", "x"),)
    assert set(recorder.pop()) == {("a", None), ("b", "x")}
    assert recorder.frames == []


def test_a_memo_computes_once_and_a_hit_notes_the_keys_again() -> None:
    recorder = DependencyRecorder()
    memo = Memo(recorder)
    calls: list[str] = []

    def compute(module: str) -> str:
        calls.append(module)
        recorder.frames[-1].add((module, ALL))
        return module.upper()

    recorder.push()
    assert memo.get("k", compute, "m") == "M"
    assert recorder.pop() == (("m", ALL),)
    recorder.push()  # another file's frame: served from the memo, with the same keys
    assert memo.get("k", compute, "m") == "M"
    assert recorder.pop() == (("m", ALL),)
    assert calls == ["m"]


def test_a_memo_without_a_recorder_is_a_plain_memo() -> None:
    memo = Memo(None)
    calls: list[int] = []
    assert [memo.get("k", lambda: calls.append(1) or len(calls)) for _ in range(3)] == [1, 1, 1]


# ---------------------------------------------------------------------------- symbols


def test_names_follow_star_imports_and_all() -> None:
    _index, _facts_by_module, resolver = _model(
        {
            "lib/__init__.py": "from lib.impl import *\nfrom lib.public import *\n",
            "lib/impl.py": "def visible(): pass\n_hidden = 1\n",
            "lib/public.py": "__all__ = ['exported']\nexported = 1\nnot_exported = 2\n",
        }
    )
    symbols = resolver.symbols
    assert symbols is not None
    assert [symbols.has_name("lib", n) for n in ("visible", "_hidden", "exported", "not_exported", "__file__")] == [
        True,
        False,
        True,
        False,
        True,
    ]
    assert symbols.names("lib") == {"visible", "exported", "impl", "public"}  # the submodules its imports load, too
    assert symbols.provenance("lib", "visible") == ("lib", "lib.impl")
    assert symbols.defines("lib.impl", "visible") and not symbols.defines("lib", "visible")


def test_names_are_unknown_behind_getattr_or_an_outside_star_import() -> None:
    _index, _facts_by_module, resolver = _model(
        {
            "lib/__init__.py": "",
            "lib/lazy.py": "def __getattr__(name):\n    return name\n",
            "lib/outside.py": "from os.path import *\n",
            "lib/plain.py": "A = 1\n",
        }
    )
    symbols = resolver.symbols
    assert symbols is not None
    assert symbols.has_name("lib.lazy", "anything") is None and symbols.names("lib.lazy") is None
    assert symbols.has_name("lib.outside", "anything") is None
    assert symbols.has_name("lib.plain", "B") is False


def test_a_name_bound_only_under_type_checking_does_not_exist_at_run_time() -> None:
    _index, _facts_by_module, resolver = _model(
        {
            "lib/__init__.py": "",
            "lib/m.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from lib.other import Thing\n",
            "lib/other.py": "class Thing: pass\n",
        }
    )
    assert resolver.symbols is not None and resolver.symbols.only_for_type_checking("lib.m", "Thing")


@pytest.mark.parametrize(
    "imports, defined, own",
    [
        ([_record("", "gone", level=1)], [], False),
        ([_record("pkg", "gone")], [], False),  # written absolutely
        ([_record("pkg", "gone"), _record("pkg.other", "gone")], [], True),  # also imported from elsewhere
        ([_record("pkg", "gone", alias="g"), _record("pkg", "gone")], [], False),
        ([_record("", "gone", level=1)], ["gone"], True),  # defined here as well
        ([_record("", "gone", level=1, context=int(Context.FUNCTION))], [], True),  # not at module level: not looked at
    ],
)
def test_an_init_importing_its_own_missing_submodule_does_not_bind_it(imports: list[ImportRecord], defined: list[str], own: bool) -> None:
    index = ModuleIndex({"pkg": SOURCE | PACKAGE, "pkg.other": SOURCE}, ["pkg"])
    facts = _facts(imports=imports, bound=["gone", "g"], defined=defined)
    assert ("gone" in symbols_in(index, "pkg", [facts]).own) is own


def test_symbol_changes_name_the_keys_an_edit_invalidates() -> None:
    index = ModuleIndex({"m": SOURCE}, ["m"])
    old = symbols_in(index, "m", [_facts(bound=["a", "b"], defined=["a", "b"])])
    renamed = symbols_in(index, "m", [_facts(bound=["a", "c"], defined=["a", "c"])])
    assert symbol_changes("m", old, renamed) == {("m", "b"), ("m", "c"), ("m", ALL)}
    opaque = symbols_in(index, "m", [_facts(bound=["a", "b"], defined=["a", "b"], dynamic=True)])
    assert symbol_changes("m", old, opaque) == {("m", None), ("m", ALL)}
    assert symbol_changes("m", old, old) == set()


# ---------------------------------------------------------------------------- resolver

PROJECT = {
    "app/__init__.py": "",
    "app/core.py": "def run(): pass\n",
    "app/sub/__init__.py": "from app.sub.impl import helper\n",
    "app/sub/impl.py": "def helper(): pass\n",
    "app/user.py": "",
}


@pytest.mark.parametrize(
    "importer, record, expected",
    [
        ("app.user", _record("app.core", "run"), Resolution(OK, "app.core", "run", "app.core")),
        ("app.user", _record("app.core", "gone"), Resolution(MISSING_NAME, "app.core", "gone", "app.core")),
        ("app.user", _record("app.sub", "impl"), Resolution(OK, "app.sub", "impl", "app.sub.impl")),  # a submodule
        ("app.user", _record("app.sub", "helper"), Resolution(OK, "app.sub", "helper", "app.sub")),  # a re-export
        ("app.user", _record("app.core"), Resolution(OK, "app.core", None, "app.core")),
        ("app.user", _record("app.gone.deep"), Resolution(MISSING_MODULE, "app.gone.deep", None, "app")),
        ("app.user", _record("app.gone", "x"), Resolution(MISSING_MODULE, "app.gone", "x", "app")),
        ("app.user", _record("os.path", "join"), Resolution(EXTERNAL, "os.path", "join", None)),
        ("app.user", _record("core", "run", level=1), Resolution(OK, "app.core", "run", "app.core")),
        ("app.user", _record("", "x", level=3), Resolution(MISSING_MODULE, "...", "x", None)),  # beyond the top level
        ("app.user", _record("app.core", "*"), Resolution(OK, "app.core", "*", "app.core")),
    ],
)
def test_resolve_import(importer: str, record: ImportRecord, expected: Resolution) -> None:
    _index, _facts_by_module, resolver = _model(PROJECT)
    assert resolver.resolve_import(importer, False, record) == expected


def test_resolve_dotted_strings_to_modules_or_objects() -> None:
    _index, _facts_by_module, resolver = _model(PROJECT)
    assert resolver.resolve_dotted("app.core.run", module_only=False) == Resolution(OK, "app.core", "run", "app.core")
    assert resolver.resolve_dotted("app.core.gone", module_only=False) == Resolution(MISSING_NAME, "app.core", "gone", "app.core")
    assert resolver.resolve_dotted("app.core.run", module_only=True) == Resolution(MISSING_MODULE, "app.core.run", None, "app.core")
    assert resolver.resolve_dotted("app.sub.nowhere.x", module_only=False) == Resolution(MISSING_MODULE, "app.sub.nowhere", None, "app.sub")
    assert resolver.resolve_dotted("json.loads", module_only=False).status == EXTERNAL


def test_resolve_string_references() -> None:
    _index, _facts_by_module, resolver = _model(PROJECT)
    patch = StringReference("patch", "app.core.gone", None, 1, 1, 0)
    assert resolver.resolve_string("app.user", False, patch, ()).status == MISSING_NAME
    imported = (_record("app.core", alias="c"),)
    attribute = StringReference("attribute", "run", "c", 1, 1, 0)  # patch.object(c, "run")
    assert resolver.resolve_string("app.user", False, attribute, imported) == Resolution(OK, "app.core", "run", "app.core")
    unbound = StringReference("attribute", "run", "nobody", 1, 1, 0)
    assert resolver.resolve_string("app.user", False, unbound, imported).status == UNRESOLVED


def test_a_package_binding_the_name_of_its_submodule_shadows_it() -> None:
    _index, _facts_by_module, resolver = _model(
        {
            "pkg/__init__.py": "from pkg.impl import impl\n",
            "pkg/impl.py": "def impl(): pass\n",
            "own/__init__.py": "from own import impl\n",
            "own/impl.py": "",
        }
    )
    assert resolver.shadows_submodule("pkg", "impl")  # `from pkg import impl` gives the function
    assert not resolver.shadows_submodule("own", "impl")  # binds the submodule itself
    assert not resolver.shadows_submodule("pkg", "nothing")


@pytest.mark.parametrize(
    "importer, resolution, edge",
    [
        ("a.x", Resolution(OK, "a.y", None, "a.y"), "a.y"),
        ("a.x", Resolution(MISSING_NAME, "a.y", "gone", "a.y"), "a.y"),  # the module runs, then the name fails
        ("a.x", Resolution(MISSING_MODULE, "a.gone", None, "a"), None),  # no edge to the nearest ancestor
        ("a.x", Resolution(OK, "a.x", None, "a.x"), None),  # itself
        ("a.x", Resolution(EXTERNAL, "os", None, None), None),
    ],
)
def test_import_edge(importer: str, resolution: Resolution, edge: str | None) -> None:
    assert import_edge(importer, resolution) == edge


# ---------------------------------------------------------------------------- search_path

LAYOUT = ModuleIndex(
    {
        "app": SOURCE | PACKAGE,
        "app.core": SOURCE,
        "vendor": NAMESPACE | PACKAGE,
        "vendor.shim": SOURCE,
        "tests": NAMESPACE | PACKAGE,
        "tests.helpers": SOURCE,
        "tests.test_a": SOURCE,
        "tests.conftest": SOURCE,
        "tests.unit": SOURCE | PACKAGE,
        "tests.unit.test_b": SOURCE,
    },
    ["app", "vendor", "tests"],
)
TEST_FILES = ("test_*.py",)  # pytest's python_files


def test_every_file_sees_the_pythonpath_setting_before_the_root() -> None:
    path = SearchPath(LAYOUT, SearchPathSpec(pythonpath=(("vendor", "pyproject.toml"),)))
    assert path.prefixes("app.core", False) == ("vendor", ROOT)
    assert path.locate("shim", "app.core", False) == "vendor.shim"
    assert path.locate("app.core", "app.core", False) == "app.core"
    assert path.locate("nowhere", "app.core", False) == "nowhere"


@pytest.mark.parametrize("mode, prefixes", [("prepend", ("tests", ROOT)), ("append", (ROOT, "tests")), ("importlib", (ROOT,))])
def test_a_test_file_sees_its_basedir_as_pytest_import_mode_puts_it(mode: str, prefixes: tuple[str, ...]) -> None:
    path = SearchPath(LAYOUT, SearchPathSpec(import_mode=mode, test_files=TEST_FILES))
    assert path.prefixes("tests.test_a", False) == prefixes
    assert path.prefixes("tests.unit.test_b", False) == prefixes  # tests/unit has an __init__: the basedir is tests/
    assert path.prefixes("tests.helpers", False) == (ROOT,)  # not a test file
    assert path.locate("helpers", "tests.test_a", False) == ("helpers" if mode == "importlib" else "tests.helpers")


def test_a_conftest_sys_path_insert_reaches_the_files_below_it_and_dynamic_paths_are_noted() -> None:
    entries = (
        SysPathEntry("file", "../vendor", True, 3, 1),
        SysPathEntry("dynamic", "", True, 4, 1),
        SysPathEntry("file", "../nowhere", True, 5, 1),
    )
    spec = SearchPathSpec(import_mode="importlib", test_files=TEST_FILES, conftests=(("tests/conftest.py", "tests.conftest", entries),))
    path = SearchPath(LAYOUT, spec)
    assert path.prefixes("tests.test_a", False) == ("vendor", ROOT)
    assert path.prefixes("app.core", False) == (ROOT,)
    assert [(note.relpath, note.line, note.why) for note in path.notes] == [
        ("tests/conftest.py", 4, "the path is computed at run time"),
        ("tests/conftest.py", 5, "nowhere/ is not a folder of the scanned packages"),
    ]


IMPORTS = (
    _record("app.core", "run"),
    _record("app.core", "gone"),
    _record("helpers"),  # the basedir's module for a pytest file, else missing
    _record("shim", "x"),  # found on the pythonpath setting
    _record("os.path", "join"),
    _record("core", "run", level=1),
    _record("", "core", level=1),
    _record("helpers", level=2),
    _record("", "x", level=3),  # beyond the top level for most importers
    _record("app.core", "*"),
    _record("app.core", "run"),  # again: answered from the memo, its keys noted again
)


@pytest.mark.parametrize(
    "importer, is_package",
    [("app.core", False), ("app", True), ("tests.test_a", False), ("tests.unit.test_b", False), ("tests.unit", True), ("tool", False)],
)
def test_resolving_a_files_imports_at_once_gives_the_answers_and_keys_of_one_at_a_time(importer: str, is_package: bool) -> None:
    def resolver() -> tuple[ModuleResolver, DependencyRecorder]:
        recorder = DependencyRecorder()
        index = ModuleIndex(dict(LAYOUT.table) | {"tool": SOURCE}, [*LAYOUT.roots, "tool"], recorder=recorder)
        facts = {name: [_facts(bound=("run",))] for name in index.table}
        spec = SearchPathSpec(pythonpath=(("vendor", "pyproject.toml"),), test_files=TEST_FILES)
        symbols = SymbolTables(index, facts, absolute_module, recorder)
        return ModuleResolver(index, symbols, recorder, SearchPath(index, spec, recorder)), recorder

    warm, warm_recorder = resolver()  # a resolver that already answered another file's imports
    warm_recorder.push()
    warm.resolve_imports("tests.unit.test_b", False, IMPORTS)
    warm_recorder.pop()
    for records in (IMPORTS, IMPORTS[5:9], ()):
        one, one_recorder = resolver()
        one_recorder.push()
        expected = [(record, one.resolve_import(importer, is_package, record)) for record in records]
        expected_keys = set(one_recorder.pop())
        for many, many_recorder in (resolver(), (warm, warm_recorder)):
            many_recorder.push()
            assert many.resolve_imports(importer, is_package, records) == expected
            assert set(many_recorder.pop()) == expected_keys


# ---------------------------------------------------------------------------- module_graph


def test_strongly_connected_components_of_two_or_more_modules() -> None:
    graph = {"a": ["b"], "b": ["c", "a"], "c": ["d"], "d": ["c"], "e": ["e", "a"]}
    assert sorted(map(sorted, strongly_connected(graph))) == [["a", "b"], ["c", "d"]]  # a self-import is no cycle
    assert strongly_connected({"a": ["b"], "b": []}) == []


def test_the_importers_map_follows_an_edit_of_some_modules_imports() -> None:
    graph = ModuleGraph({"a": ("b",), "b": ("c",)}, {"a": ("b",), "b": ("c",)})
    assert graph.breaking_importers("b") == ("a",) and graph.breaking_importers("a") == ()
    edited = graph.with_imports_of({"a": (("c",), ("c",)), "b": ((), ())})
    assert edited.edges == {"a": ("c",)} and edited.breaking_importers("c") == ("a",) and edited.breaking_importers("b") == ()
    assert graph.edges == {"a": ("b",), "b": ("c",)}  # the original is left alone
    assert edited.importers == ModuleGraph(edited.edges, edited.breaking).importers  # same as made from scratch


def test_components_after_change_are_kept_unless_an_edit_can_join_or_split_them() -> None:
    old = ModuleGraph({"a": ("b",), "b": ("a",), "c": ("d",)}, {})
    components = strongly_connected(old.edges)
    harmless = old.with_imports_of({"c": (("d", "a"), ())})
    assert components_after_change(components, old, harmless, ["c"]) == components
    closing = old.with_imports_of({"d": (("c",), ())})  # c -> d -> c
    assert components_after_change(components, old, closing, ["d"]) is None
    splitting = old.with_imports_of({"b": ((), ())})
    assert components_after_change(components, old, splitting, ["b"]) is None


def test_failing_modules_spread_through_unguarded_importers_and_down_packages() -> None:
    children = {"pkg": ["pkg.sub"], "pkg.sub": []}
    importers = {"pkg": ["app.main"], "app.main": ["app.cli"], "pkg.sub": ["tests.t"]}
    failing = failing_modules(["pkg"], lambda m: children.get(m, []), lambda m: importers.get(m, []))
    assert failing == {"pkg", "pkg.sub", "app.main", "app.cli", "tests.t"}


def test_cycle_kind_from_the_import_contexts() -> None:
    edges = {"a": ["b"], "b": ["a"]}
    for contexts, kind in (
        ({("a", "b"): [0], ("b", "a"): [0]}, IMPORT_TIME),
        ({("a", "b"): [0], ("b", "a"): [int(Context.TYPE_CHECKING)]}, TYPE_CHECKING_ONLY),
        ({("a", "b"): [0], ("b", "a"): [int(Context.FUNCTION)]}, FUNCTION_LEVEL),
        ({("a", "b"): [0], ("b", "a"): [int(Context.FUNCTION), 0]}, IMPORT_TIME),  # one of two imports runs at import time
    ):
        assert cycle_kind(["a", "b"], edges.__getitem__, lambda a, b, c=contexts: c[(a, b)]) == kind


def test_chain_through_is_the_shortest_cycle_through_the_first_module() -> None:
    edges = {"a": ["b", "c"], "b": ["c"], "c": ["a"]}
    chain = chain_through(["c", "b", "a"], edges.__getitem__, lambda x, y: Link(x, y, f"{x}.py", 1))
    assert [(link.importer, link.imported) for link in chain] == [("a", "c"), ("c", "a")]
    cycle = Cycle(("a", "c"), chain)
    assert cycle.text == "a -> c -> a"
    bigger = Cycle(("a", "b", "c"), chain)
    assert sorted([cycle, bigger], key=cycle_order) == [bigger, cycle]
