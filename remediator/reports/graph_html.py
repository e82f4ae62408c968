"""One self-contained HTML page that draws an exported import graph interactively.

The page needs no network: its CSS and JavaScript (assets/graph.css, assets/graph.js,
a layered layout in plain JS and SVG) are inlined with the graph data, and its
Content-Security-Policy forbids every load. It stays usable up to a few thousand
modules; beyond that, export a neighbourhood with `--focus`.
"""

from __future__ import annotations

import html
import json
import re
from importlib import resources
from typing import Any

import networkx as nx

_MARKERS = re.compile(r"__TITLE__|/\*__CSS__\*/|/\*__JS__\*/|__GRAPH_DATA__")
LARGE_GRAPH = 3000  # modules; above this the page suggests --focus

# Edge flags, as graph.js reads them.
TYPE_CHECKING_FLAG = 1
FUNCTION_FLAG = 2
GUARDED_FLAG = 4
CYCLE_FLAG = 8


def render_html(graph: nx.DiGraph, title: str | None = None) -> str:
    """The page for `graph` (as `application.graph_export.export_graph` builds it)."""
    assets = resources.files("remediator.reports").joinpath("assets")
    template = assets.joinpath("graph.template.html").read_text(encoding="utf-8")
    css = assets.joinpath("graph.css").read_text(encoding="utf-8")
    script = assets.joinpath("graph.js").read_text(encoding="utf-8")
    if title is None:
        focus = graph.graph.get("focus")
        title = f"import graph of {graph.graph.get('root', 'the project')}" + (f", focus {focus}" if focus else "")
    values = {"__TITLE__": html.escape(title), "/*__CSS__*/": css, "/*__JS__*/": script, "__GRAPH_DATA__": _embedded(page_data(graph))}
    return _MARKERS.sub(lambda match: values[match.group(0)], template)  # one pass: no value is searched again


def page_data(graph: nx.DiGraph) -> dict[str, Any]:
    """The compact data the page reads: nodes, and edges as [importer, imported, lines, flags(, path)]."""
    order = {module: i for i, module in enumerate(graph.nodes)}
    nodes = []
    for module, data in graph.nodes(data=True):
        nodes.append(
            {
                "id": module,
                "path": data.get("path", ""),
                "kind": data.get("kind", "source"),
                "package": bool(data.get("package")),
                "test": bool(data.get("is_test")),
                "cycle": int(data.get("cycle", 0)),
                "broken": bool(data.get("broken")),
                "violation": bool(data.get("has_violation")),
                "failing": bool(data.get("failing")),
                "errors": int(data.get("errors", 0)),
                "focus": bool(data.get("focus")),
            }
        )
    edges: list[list[Any]] = []
    for importer, imported, data in graph.edges(data=True):
        flags = (
            TYPE_CHECKING_FLAG * bool(data.get("type_checking"))
            | FUNCTION_FLAG * bool(data.get("function_level"))
            | GUARDED_FLAG * bool(data.get("guarded"))
            | CYCLE_FLAG * bool(data.get("in_cycle"))
        )
        edge: list[Any] = [order[importer], order[imported], ",".join(str(line) for line in data.get("lines", ())), flags]
        path = data.get("path", "")
        if path and path != graph.nodes[importer].get("path"):
            edge.append(path)
        edges.append(edge)
    meta = {key: graph.graph.get(key) for key in ("root", "focus", "depth", "modules", "imports")}
    return {"meta": meta, "nodes": nodes, "edges": edges}


def _embedded(data: dict[str, Any]) -> str:
    """JSON safe inside a <script> element: no `<`, so no `</script>`."""
    return json.dumps(data, separators=(",", ":")).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
