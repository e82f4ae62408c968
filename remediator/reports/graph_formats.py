"""Writers for an exported import graph: Graphviz DOT, GraphML, node-link JSON (and HTML, see graph_html).

Every writer takes the DiGraph of `application.graph_export.export_graph` and returns text.
"""

from __future__ import annotations

import io
import json
from typing import Any

import networkx as nx

GRAPH_FORMATS = ("dot", "graphml", "json", "html")
SUFFIXES = {".dot": "dot", ".gv": "dot", ".graphml": "graphml", ".json": "json", ".html": "html", ".htm": "html"}

# Colours shared with the HTML page (see assets/graph.css).
BROKEN_FILL = "#f8c4c4"
VIOLATION_FILL = "#fde3b5"
FAILING_FILL = "#fbe0e0"
TEST_FILL = "#dde9f8"
PLAIN_FILL = "#f2f2f2"
CYCLE_COLOUR = "#c62828"


def render_graph(graph: nx.DiGraph, output_format: str) -> str:
    """The graph in `output_format`, one of GRAPH_FORMATS."""
    if output_format == "dot":
        return render_dot(graph)
    if output_format == "graphml":
        return render_graphml(graph)
    if output_format == "json":
        return render_json_graph(graph)
    if output_format == "html":
        from remediator.reports.graph_html import render_html

        return render_html(graph)
    raise ValueError(f"unknown graph format {output_format!r} (known: {', '.join(GRAPH_FORMATS)})")


def format_for(path: str | None) -> str:
    """The format implied by an output file's suffix; dot when there is none or it is unknown."""
    if path:
        for suffix, name in SUFFIXES.items():
            if path.lower().endswith(suffix):
                return name
    return "dot"


def render_dot(graph: nx.DiGraph) -> str:
    """Graphviz DOT, every ID and value a quoted string; styling shows problems and cycles."""
    out = ["digraph imports {"]
    for key, value in sorted(graph.graph.items()):
        out.append(f"  {dot_id(key)}={dot_id(_scalar(value))};")
    out.append('  graph [rankdir="LR", fontname="Helvetica"];')
    out.append('  node [shape="box", style="rounded,filled", fontname="Helvetica", fontsize="10"];')
    out.append('  edge [arrowsize="0.6"];')
    for module, data in graph.nodes(data=True):
        attributes = {key: _scalar(value) for key, value in data.items()}
        attributes["fillcolor"] = _fill(data)
        if data.get("in_cycle"):
            attributes["color"] = CYCLE_COLOUR
            attributes["penwidth"] = "2"
        if data.get("focus"):
            attributes["penwidth"] = "3"
        out.append(f"  {dot_id(module)} [{_dot_attributes(attributes)}];")
    for importer, imported, data in graph.edges(data=True):
        attributes = {key: _scalar(value) for key, value in data.items()}
        styles = ["dashed"] if data.get("type_checking") else ["dotted"] if data.get("function_level") else []
        if styles:
            attributes["style"] = styles[0]
        if data.get("in_cycle"):
            attributes["color"] = CYCLE_COLOUR
        out.append(f"  {dot_id(importer)} -> {dot_id(imported)} [{_dot_attributes(attributes)}];")
    out.append("}")
    return "\n".join(out) + "\n"


def dot_id(value: Any) -> str:
    """A DOT double-quoted string: backslashes and quotes escaped, newlines as \\n; booleans lower case."""
    text = str(value).lower() if isinstance(value, bool) else str(value)
    text = text.replace("\\", "\\\\").replace('"', '\\"').replace("\r", "").replace("\n", "\\n")
    return f'"{text}"'


def render_graphml(graph: nx.DiGraph) -> str:
    """GraphML (networkx.write_graphml); tuples such as `lines` become comma-separated strings."""
    plain = nx.DiGraph(**{key: _scalar(value) for key, value in graph.graph.items()})
    plain.add_nodes_from((node, {k: _scalar(v) for k, v in data.items()}) for node, data in graph.nodes(data=True))
    plain.add_edges_from((a, b, {k: _scalar(v) for k, v in data.items()}) for a, b, data in graph.edges(data=True))
    buffer = io.BytesIO()
    nx.write_graphml(plain, buffer, encoding="utf-8", prettyprint=True)
    return buffer.getvalue().decode("utf-8")


def node_link(graph: nx.DiGraph) -> dict[str, Any]:
    """Node-link data as `networkx.node_link_data(graph, edges="edges")` gives it; tuples become lists."""
    return {
        "directed": True,
        "multigraph": False,
        "graph": dict(graph.graph),
        "nodes": [{"id": node, **_plain(data)} for node, data in graph.nodes(data=True)],
        "edges": [{"source": a, "target": b, **_plain(data)} for a, b, data in graph.edges(data=True)],
    }


def render_json_graph(graph: nx.DiGraph) -> str:
    """Node-link JSON; read it back with `networkx.node_link_graph(data, edges="edges")`."""
    return json.dumps(node_link(graph), indent=2) + "\n"


def _fill(data: dict[str, Any]) -> str:
    if data.get("broken"):
        return BROKEN_FILL
    if data.get("has_violation"):
        return VIOLATION_FILL
    if data.get("failing"):
        return FAILING_FILL
    if data.get("is_test"):
        return TEST_FILL
    return PLAIN_FILL


def _dot_attributes(attributes: dict[str, Any]) -> str:
    return ", ".join(f"{key}={dot_id(value)}" for key, value in attributes.items())


def _scalar(value: Any) -> Any:
    if isinstance(value, (tuple, list)):
        return ",".join(str(v) for v in value)
    return value


def _plain(data: dict[str, Any]) -> dict[str, Any]:
    return {key: list(value) if isinstance(value, tuple) else value for key, value in data.items()}
