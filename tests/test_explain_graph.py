"""`remediator explain` (shortest import chains) and `remediator graph` (DOT, GraphML, JSON exports)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import grimp
import networkx as nx
import pytest
from click.testing import CliRunner

import remediator
from remediator.application.explain import UnknownModule, close_modules
from remediator.cli import main
from remediator.domain.config import Settings, SsotRule
from remediator.reports.graph_formats import dot_id, render_dot, render_graphml, render_json_graph
from tests.conftest import write_tree

TREE = {
    "app/__init__.py": "",
    "app/web.py": "from app import service\nimport app.util\n",
    "app/service.py": "import os\n\n\ndef run():\n    from app.repo import Repo\n",
    "app/repo.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from app import models\nfrom app.db import connect\nclass Repo: pass\n",
    "app/db.py": "try:\n    import app.models\nexcept ImportError:\n    pass\nimport app.util\ndef connect(): pass\n",
    "app/models.py": "from app.util import helper\nfrom app.gone import nothing\n",
    "app/util.py": "def helper(): pass\n",
    "app/events.py": "import app.hooks\n",
    "app/hooks.py": "x = 1\nfrom app import events\n",  # cycle: events -> hooks -> events
    "app/legacy.py": "import vendor.raw\n",
    "app/island.py": "",
    "vendor/__init__.py": "",
    "vendor/raw.py": "",
    "vendor/facade.py": "from vendor import raw\n",
    "suite/__init__.py": "",
    "suite/test_web.py": "import app.web\n",
}
SETTINGS = Settings(ssot=(SsotRule(name="facade", forbid=("vendor.raw",), use="vendor.facade", scope=("app",)),))


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return write_tree(tmp_path / "repo", TREE)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "remediator", *args], capture_output=True, text=True, check=False)


# ---- explain


def test_chain_with_files_lines_and_contexts(root: Path) -> None:
    explanation = remediator.explain("app.web", "app.models", root, settings=Settings())
    assert explanation.found and explanation.exit_code == 0
    assert [(link.importer, link.imported, link.path, link.line, link.context) for link in explanation.chain] == [
        ("app.web", "app.service", "app/web.py", 1, ()),
        ("app.service", "app.repo", "app/service.py", 5, ("function",)),
        ("app.repo", "app.models", "app/repo.py", 3, ("type_checking",)),
    ]
    assert explanation.lines() == [
        "app.web imports app.models through 3 links:",
        "  app/web.py:1      app.web -> app.service",
        "  app/service.py:5  app.service -> app.repo  (inside a function)",
        "  app/repo.py:3     app.repo -> app.models  (under TYPE_CHECKING)",
    ]


def test_chain_is_as_short_as_grimps(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(root))
    graph = grimp.build_graph("app", "vendor", "suite", cache_dir=None)
    try:
        for importer, imported in [
            ("suite.test_web", "app.models"),
            ("app.web", "app.db"),
            ("app.service", "app.util"),
            ("app.events", "app.hooks"),
        ]:
            ours = remediator.explain(importer, imported, root, settings=Settings())
            theirs = graph.find_shortest_chain(importer=importer, imported=imported)
            assert theirs is not None and ours.chain is not None
            assert len(ours.chain) == len(theirs) - 1, (importer, imported, ours.chain, theirs)
            assert [ours.chain[0].importer, *(link.imported for link in ours.chain)][0] == theirs[0]
            assert ours.chain[-1].imported == theirs[-1]
    finally:
        for name in [m for m in sys.modules if m.split(".")[0] in ("app", "vendor", "suite")]:
            del sys.modules[name]


@pytest.mark.e2e
def test_no_chain_exits_1(root: Path) -> None:
    explanation = remediator.explain("app.util", "vendor.raw", root, settings=Settings())
    assert explanation.chain is None and explanation.exit_code == 1
    completed = _cli("explain", "app.util", "vendor.raw", "--root", str(root))
    assert completed.returncode == 1, completed.stderr
    assert completed.stdout.strip() == "app.util does not import vendor.raw, directly or indirectly"


def test_the_same_module_twice_shows_its_shortest_cycle(root: Path) -> None:
    explanation = remediator.explain("app.hooks", "app.hooks", root, settings=Settings())
    assert [(link.importer, link.imported, link.line) for link in explanation.chain] == [
        ("app.hooks", "app.events", 2),
        ("app.events", "app.hooks", 1),
    ]
    assert explanation.lines()[0] == "app.hooks is in an import cycle of 2 links:"
    assert remediator.explain("app.island", "app.island", root, settings=Settings()).exit_code == 1


@pytest.mark.e2e
def test_unknown_module_exits_2_and_suggests_close_names(root: Path) -> None:
    with pytest.raises(UnknownModule) as raised:
        remediator.explain("app.servce", "app.db", root, settings=Settings())
    assert raised.value.module == "app.servce"
    assert raised.value.suggestions[0] == "app.service"
    completed = _cli("explain", "models", "app.db", "--root", str(root))
    assert completed.returncode == 2
    assert completed.stdout == ""
    assert completed.stderr.strip() == (
        "remediator: error: unknown module 'models': not a module of the scanned project; did you mean app.models?"
    )
    completed = _cli("explain", "app.web", "app.gone", "--root", str(root))  # imported, but missing: not a module
    assert completed.returncode == 2 and "unknown module 'app.gone'" in completed.stderr


def test_close_modules() -> None:
    modules = ["pkg.core.handlers", "pkg.core.handler_utils", "pkg.api", "other.handlers"]
    assert close_modules("handlers", modules)[:2] == ["other.handlers", "pkg.core.handlers"]
    assert close_modules("pkg.core.handler", modules)[0] == "pkg.core.handlers"
    assert close_modules("zzz", modules) == []


@pytest.mark.e2e
def test_explain_json(root: Path) -> None:
    completed = _cli("explain", "suite.test_web", "app.util", "--root", str(root), "--format", "json")
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout) == {
        "importer": "suite.test_web",
        "imported": "app.util",
        "found": True,
        "length": 2,
        "chain": [
            {"importer": "suite.test_web", "imported": "app.web", "path": "suite/test_web.py", "line": 1, "context": []},
            {"importer": "app.web", "imported": "app.util", "path": "app/web.py", "line": 2, "context": []},
        ],
    }


# ---- graph export


def test_node_and_edge_attributes(root: Path) -> None:
    graph = remediator.export_graph(root, settings=SETTINGS)
    assert set(graph.nodes) == {
        "app",
        "app.web",
        "app.service",
        "app.repo",
        "app.db",
        "app.models",
        "app.util",
        "app.legacy",
        "app.island",
        "app.events",
        "app.hooks",
        "vendor",
        "vendor.raw",
        "vendor.facade",
        "suite",
        "suite.test_web",
    }
    nodes = graph.nodes
    assert nodes["app"]["package"] and not nodes["app.web"]["package"]
    assert nodes["suite.test_web"]["is_test"] and not nodes["app.web"]["is_test"]
    assert {m for m in graph if nodes[m]["in_cycle"]} == {"app.events", "app.hooks"}
    assert nodes["app.events"]["cycle"] == nodes["app.hooks"]["cycle"] == 1 and nodes["app.db"]["cycle"] == 0
    assert {m for m in graph if nodes[m]["broken"]} == {"app.models"}
    assert {m for m in graph if nodes[m]["has_violation"]} == {"app.legacy"}
    assert {m for m in graph if nodes[m]["failing"]} == {"app.models"}  # its importers import it lazily or guarded
    assert nodes["app.models"]["errors"] == 1 and nodes["app.legacy"]["errors"] == 1
    assert nodes["app.web"]["path"] == "app/web.py" and nodes["app"]["path"] == "app/__init__.py"
    assert graph.edges["app.repo", "app.models"] == {
        "path": "app/repo.py",
        "lines": (3,),
        "imports": 1,
        "type_checking": True,
        "function_level": False,
        "guarded": False,
        "runtime": False,
        "in_cycle": False,
    }
    assert graph.edges["app.service", "app.repo"]["function_level"] and not graph.edges["app.service", "app.repo"]["runtime"]
    assert graph.edges["app.db", "app.models"]["guarded"]
    assert graph.edges["app.events", "app.hooks"]["in_cycle"] and graph.edges["app.hooks", "app.events"]["runtime"]
    assert not graph.edges["app.web", "app.util"]["in_cycle"] and graph.edges["app.web", "app.util"]["runtime"]
    assert ("app.models", "app") not in graph.edges  # an import of a missing module makes no edge (grimp's would go to `app`)
    assert graph.graph["modules"] == 16 and graph.graph["focus"] == ""


def test_edge_lines_collect_every_statement(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path / "r",
        {"p/__init__.py": "", "p/a.py": "import p.b\nx = 1\nfrom p.b import y, z\ndef f():\n    import p.b\n", "p/b.py": "y = z = 1\n"},
    )
    edge = remediator.export_graph(root, settings=Settings()).edges["p.a", "p.b"]
    assert edge["lines"] == (1, 3, 5) and edge["imports"] == 3
    assert edge["runtime"] and not edge["function_level"]


@pytest.mark.parametrize(
    "focus, depth, expected",
    [
        (("app.repo",), 0, {"app.repo"}),
        (("app.repo",), 1, {"app.repo", "app.service", "app.models", "app.db"}),
        (("app.repo",), 2, {"app.repo", "app.service", "app.web", "app.models", "app.db", "app.util"}),  # (app.models's
        # import of a missing module makes no edge to `app`)
        # app.web imports app.util as app.db does, but is neither imported by nor imports app.db: not kept
        (("app.db",), 2, {"app.db", "app.models", "app.util", "app.repo", "app.service"}),
        (("vendor",), 0, {"vendor", "vendor.raw", "vendor.facade"}),  # a package brings its submodules
        (("vendor.raw", "app.island"), 1, {"vendor.raw", "vendor.facade", "app.legacy", "app.island"}),
    ],
)
def test_focus_and_depth(root: Path, focus: tuple[str, ...], depth: int, expected: set[str]) -> None:
    graph = remediator.export_graph(root, settings=SETTINGS, focus=focus, depth=depth)
    assert set(graph.nodes) == expected
    full = remediator.export_graph(root, settings=SETTINGS)
    assert set(graph.edges) == set(full.subgraph(expected).edges)
    assert {m for m in graph if graph.nodes[m]["focus"]} == {m for m in expected if any(m == f or m.startswith(f + ".") for f in focus)}


@pytest.mark.e2e
def test_unknown_focus_exits_2(root: Path) -> None:
    completed = _cli("graph", str(root), "--focus", "app.servic")
    assert completed.returncode == 2
    assert "unknown module 'app.servic'" in completed.stderr and "did you mean app.service" in completed.stderr


# ---- formats

_TOKEN = re.compile(r'\s*(?:"((?:[^"\\]|\\.)*)"|(->|[{}\[\];,=])|([A-Za-z_][A-Za-z0-9_]*))', re.DOTALL)


def parse_dot(text: str) -> tuple[dict[str, dict[str, str]], dict[tuple[str, str], dict[str, str]], dict[str, str]]:
    """A strict reader for the DOT subset we write: graph attributes, node and edge statements."""
    tokens: list[tuple[str, str]] = []
    position, text = 0, text.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        assert match is not None and match.end() > position, f"not DOT at {text[position : position + 60]!r}"
        quoted, punctuation, word = match.groups()
        if quoted is not None:
            tokens.append(("id", re.sub(r"\\(.)", lambda m: {"n": "\n"}.get(m.group(1), m.group(1)), quoted)))
        else:
            tokens.append(("p", punctuation) if punctuation else ("id", word))
        position = match.end()
    assert tokens[:2] == [("id", "digraph"), ("id", "imports")] and tokens[2] == ("p", "{") and tokens[-1] == ("p", "}")
    nodes: dict[str, dict[str, str]] = {}
    edges: dict[tuple[str, str], dict[str, str]] = {}
    graph: dict[str, str] = {}
    body, i = tokens[3:-1], 0

    def attributes(j: int) -> tuple[dict[str, str], int]:
        found: dict[str, str] = {}
        assert body[j] == ("p", "[")
        j += 1
        while body[j] != ("p", "]"):
            assert body[j][0] == "id" and body[j + 1] == ("p", "=") and body[j + 2][0] == "id", body[j : j + 3]
            found[body[j][1]] = body[j + 2][1]
            j += 3
            if body[j] == ("p", ","):
                j += 1
        return found, j + 1

    while i < len(body):
        kind, value = body[i]
        assert kind == "id", body[i : i + 3]
        if body[i + 1] == ("p", "="):
            graph[value] = body[i + 2][1]
            i += 3
        elif value in ("graph", "node", "edge") and body[i + 1] == ("p", "["):
            _ignored, i = attributes(i + 1)
        elif body[i + 1] == ("p", "->"):
            assert body[i + 2][0] == "id"
            edges[(value, body[i + 2][1])], i = attributes(i + 3)
        else:
            nodes[value], i = attributes(i + 1)
        assert body[i] == ("p", ";"), body[i : i + 3]
        i += 1
    return nodes, edges, graph


def test_dot_has_every_node_edge_and_attribute(root: Path) -> None:
    graph = remediator.export_graph(root, settings=SETTINGS)
    nodes, edges, meta = parse_dot(render_dot(graph))
    assert set(nodes) == set(graph.nodes) and set(edges) == set(graph.edges)
    assert nodes["app.models"]["broken"] == "true" and nodes["app.models"]["fillcolor"] == "#f8c4c4"
    assert nodes["app.hooks"]["in_cycle"] == "true" and nodes["app.hooks"]["color"] == "#c62828"
    assert nodes["app.web"]["in_cycle"] == "false" and "color" not in nodes["app.web"]
    assert edges[("app.repo", "app.models")]["style"] == "dashed" and edges[("app.service", "app.repo")]["style"] == "dotted"
    assert edges[("app.web", "app.util")]["lines"] == "2" and "color" not in edges[("app.web", "app.util")]
    assert edges[("app.hooks", "app.events")]["color"] == "#c62828"
    assert meta["root"] == str(root.resolve())


def test_dot_quoting_survives_odd_text() -> None:
    odd = 'say "hi"\\ \nnext'
    graph = nx.DiGraph(root="C:\\work\\repo")
    graph.add_node(odd, path="x.py")
    graph.add_node("b", path='a "quoted" path')
    graph.add_edge(odd, "b", lines=(1, 2))
    nodes, edges, meta = parse_dot(render_dot(graph))
    assert set(nodes) == {odd, "b"} and nodes["b"]["path"] == 'a "quoted" path'
    assert edges[(odd, "b")]["lines"] == "1,2"
    assert meta["root"] == "C:\\work\\repo"
    assert dot_id("ends with \\") == '"ends with \\\\"'


def _graphviz() -> str:
    path = shutil.which("dot")
    if path is None:
        reason = "graphviz is not installed (apt-get install -y graphviz; .ci/run does it)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return path


def test_graphviz_renders_the_dot(root: Path, tmp_path: Path) -> None:
    dot = _graphviz()
    graph = remediator.export_graph(root, settings=SETTINGS)
    completed = subprocess.run([dot, "-Tsvg"], input=render_dot(graph), capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stderr
    assert "Warning" not in completed.stderr and "Error" not in completed.stderr, completed.stderr
    titles = re.findall(r"<title>(.*?)</title>", completed.stdout)
    assert set(graph.nodes) <= set(titles)
    assert {f"{a}&#45;&gt;{b}" for a, b in graph.edges} <= set(titles)
    odd = nx.DiGraph()
    odd.add_edge('a "b"', "c\\d")
    completed = subprocess.run([dot, "-Tsvg"], input=render_dot(odd), capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stderr
    assert ">a &quot;b&quot;</text>" in completed.stdout and ">c\\d</text>" in completed.stdout


def test_graphml_round_trip(root: Path) -> None:
    graph = remediator.export_graph(root, settings=SETTINGS)
    back = nx.read_graphml(_write(root.parent / "g.graphml", render_graphml(graph)))
    assert set(back.nodes) == set(graph.nodes) and set(back.edges) == set(graph.edges) and back.is_directed()
    for module, data in graph.nodes(data=True):
        assert back.nodes[module] == data, module
    for a, b, data in graph.edges(data=True):
        assert back.edges[a, b] == {**data, "lines": ",".join(map(str, data["lines"]))}
    assert back.graph["modules"] == 16


def test_json_round_trip(root: Path) -> None:
    graph = remediator.export_graph(root, settings=SETTINGS, focus=("app.repo",))
    document = json.loads(render_json_graph(graph))
    back = nx.node_link_graph(document, edges="edges")
    assert set(back.nodes) == set(graph.nodes) and set(back.edges) == set(graph.edges)
    assert back.edges["app.repo", "app.models"]["lines"] == [3]
    assert dict(back.nodes["app.repo"]) == dict(graph.nodes["app.repo"])
    assert document["graph"] == {
        "root": str(root.resolve()),
        "focus": "app.repo",
        "depth": 1,
        "modules": 16,
        "imports": graph.graph["imports"],
    }


def test_cli_format_from_output_suffix_and_stdout(root: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    for name, check in [
        ("g.graphml", lambda p: nx.read_graphml(p)),
        ("g.json", lambda p: json.loads(p.read_text())),
        ("g.gv", lambda p: parse_dot(p.read_text())),
    ]:
        result = runner.invoke(main, ["graph", str(root), "--output", str(tmp_path / name)])
        assert result.exit_code == 0, result.output
        check(tmp_path / name)
    result = runner.invoke(main, ["graph", str(root), "--format", "json", "--focus", "app.island", "--depth", "3"])
    assert result.exit_code == 0
    assert [n["id"] for n in json.loads(result.output)["nodes"]] == ["app.island"]
    result = runner.invoke(main, ["graph", str(root)])
    assert result.exit_code == 0 and result.output.startswith("digraph imports {")


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path
