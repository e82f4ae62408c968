#!/usr/bin/env python3
"""Check a scan's import-cycle findings, component by component, against grimp's graph of the same tree.

`bench_scan.py` counts cycle findings beside the planted cycles of a generated
tree; a scan reports one finding per strongly connected component, so on a
large tree the counts differ (several planted back edges fall into one large
component). This script checks membership instead:

- remediator's graph (`remediator graph --format json`) against grimp's
  (`grimp.build_graph`): the edges only one of them has. grimp also links an
  import of a missing submodule (`import pkg.gone`) to its nearest existing
  parent (`pkg`); remediator reports the import as broken and adds no edge.
  Such edges are named as such; any other difference fails the check;
- the components of two modules or more of grimp's graph less those edges,
  against the findings: one finding per component, of the size its message
  states, its chain inside it;
- each planted cycle of `MANIFEST.json`: both modules in one component, and
  that component reported.

Example::

    python bench/check_cycles.py /tmp/rb/realistic-500mb-seed0-broken50-ssot0

Exit status 0 when everything matches, 1 otherwise. Needs grimp and networkx
(both dependencies of remediator); the scan and the graph export run through
``python -m remediator`` unless ``--scan``/``--graph`` give their JSON.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

_SIZE = re.compile(r"cycle of (\d+) modules")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("tree", type=Path, help="a tree written by bench/generate.py (it has MANIFEST.json)")
    parser.add_argument("--scan", type=Path, help="`remediator scan --format json` output (default: run it)")
    parser.add_argument("--graph", type=Path, help="`remediator graph --format json` output (default: run it)")
    args = parser.parse_args(argv)
    manifest = json.loads((args.tree / "MANIFEST.json").read_text())
    scan = _json(args.scan) if args.scan else _remediator("scan", str(args.tree), "--no-cache", "--exit-zero", "--format", "json")
    export = _json(args.graph) if args.graph else _remediator("graph", str(args.tree), "--format", "json")
    problems = check(args.tree, manifest, scan, export)
    for problem in problems:
        print(f"MISMATCH: {problem}")
    print("cycles: all match" if not problems else f"cycles: {len(problems)} mismatches")
    return 1 if problems else 0


def check(tree: Path, manifest: dict[str, Any], scan: dict[str, Any], export: dict[str, Any]) -> list[str]:
    """What does not match, as sentences; also prints what was compared."""
    import grimp
    import networkx as nx

    sys.path.insert(0, str(tree))
    graph = grimp.build_graph(*manifest["top_level_packages"], cache_dir=None)
    grimp_edges = {(a, b) for a in graph.modules for b in graph.find_modules_directly_imported_by(a)}
    ours = {(edge["source"], edge["target"]) for edge in export["edges"]}
    parent_of_missing = {
        (planted["module"], planted["target_module"].rpartition(".")[0])
        for planted in manifest["planted_broken"]
        if planted["kind"] == "missing_submodule_import"
    }
    problems = [f"edge {a} -> {b} only in remediator's graph" for a, b in sorted(ours - grimp_edges)]
    extra = grimp_edges - ours
    problems += [f"edge {a} -> {b} only in grimp's graph" for a, b in sorted(extra - parent_of_missing)]
    print(
        f"edges: grimp {len(grimp_edges)}, remediator {len(ours)}; grimp's edges to the parent of a missing "
        f"submodule: {len(extra & parent_of_missing)}"
    )
    components = [c for c in nx.strongly_connected_components(nx.DiGraph(sorted(grimp_edges - extra))) if len(c) > 1]
    component_of = {module: number for number, members in enumerate(components) for module in members}
    findings = [f for f in scan["findings"] if f["rule"] == "import-cycle"]
    reported: set[int] = set()
    for finding in findings:
        chain = {link["importer"] for link in finding["chain"]} | {link["imported"] for link in finding["chain"]}
        numbers = {component_of.get(module) for module in chain}
        size = int(_SIZE.search(finding["message"]).group(1))  # type: ignore[union-attr]
        if len(numbers) != 1 or None in numbers:
            problems.append(f"{finding['path']}:{finding['line']}: the chain is not inside one component")
            continue
        number = numbers.pop()
        if len(components[number]) != size:
            problems.append(f"{finding['path']}:{finding['line']}: says {size} modules, the component has {len(components[number])}")
        if number in reported:
            problems.append(f"{finding['path']}:{finding['line']}: a second finding for one component")
        reported.add(number)
    problems += [f"a component of {len(c)} modules has no finding" for n, c in enumerate(components) if n not in reported]
    sizes = sorted((len(c) for c in components), reverse=True)
    print(f"components of two modules or more: {len(components)} (largest {sizes[:5]}); cycle findings: {len(findings)}")
    for planted in manifest["cycles"]:
        a, b = planted["module"], planted["target_module"]
        number = component_of.get(a)
        found = number is not None and component_of.get(b) == number and number in reported
        size = len(components[number]) if number is not None else 0
        print(f"  planted {planted['kind']}: {a} -> {b}: component of {size}, reported: {'yes' if found else 'NO'}")
        if not found:
            problems.append(f"planted cycle {a} -> {b} is not reported")
    return problems


def _json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())


def _remediator(*args: str) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-m", "remediator", *args], capture_output=True, text=True, check=False)
    if done.returncode != 0 and not done.stdout.lstrip().startswith("{"):
        sys.exit(f"remediator {args[0]} failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    return json.loads(done.stdout)


if __name__ == "__main__":
    sys.exit(main())
