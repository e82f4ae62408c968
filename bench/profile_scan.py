#!/usr/bin/env python3
"""Profile one cold ``remediator scan`` in-process and say where the time goes.

``python -m cProfile -m remediator scan ...`` writes nothing: the console
entry point ends the process with ``os._exit`` once its output is flushed
(see ``remediator.cli.run``). This script calls ``remediator.cli.main``
instead, under :mod:`cProfile`, with the JSON report sent to ``/dev/null``;
then it prints the top entries by cumulative time and a breakdown by stage
(file reading, tree-sitter parse, tree-sitter queries, the extractor's own
Python, ``compile()`` of suspicious files, model assembly, rules,
suggestions and blast radius, the report).

Example::

    python bench/profile_scan.py /tmp/rb/realistic-50mb-seed0-broken50-ssot0 --out scan.prof --top 15

``--jobs 1`` (the default) keeps every stage in this process, where the
profiler sees it. cProfile adds per-call overhead (about 10-20% here), so the
shares matter, not the seconds. Only the standard library is needed,
besides remediator itself.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from pathlib import Path

# (label, file suffix or "~" for builtins, function name): cumulative times read from the profile.
ENTRIES = {
    "scan": ("remediator/application/scan.py", "run_scan"),
    "discover": ("remediator/adapters/filesystem.py", "discover"),
    "parse_files": ("remediator/adapters/parallel.py", "parse_files"),
    "parse_file": ("remediator/adapters/parallel.py", "parse_file"),
    "parse_source": ("remediator/adapters/parser.py", "parse_source"),
    "ts_parse": ("~", "<method 'parse' of 'tree_sitter.Parser' objects>"),
    "ts_matches": ("~", "<method 'matches' of 'tree_sitter.QueryCursor' objects>"),
    "ts_captures": ("~", "<method 'captures' of 'tree_sitter.QueryCursor' objects>"),
    "fast_captures": ("remediator/adapters/fast_locate.py", "query_captures"),
    "fast_calls": ("remediator/adapters/fast_locate.py", "call_matches"),
    "compile": ("remediator/adapters/parser.py", "_python_refusal"),
    "may_be_rejected": ("remediator/adapters/parser.py", "_may_be_rejected"),
    "syntax_needs": ("remediator/adapters/syntax_version.py", "syntax_needs"),
    "build_project": ("remediator/application/project_model.py", "build_project"),
    "full_analysis": ("remediator/application/incremental.py", "full_analysis"),
    "analyse_model": ("remediator/application/project_analysis.py", "analyse_model"),
    "suggestions": ("remediator/application/suggestions.py", "add_suggestions"),
    "blast_radius": ("remediator/application/blast_radius.py", "blast_radius"),
    "render": ("remediator/cli.py", "_render"),
}


def cumulative(stats: pstats.Stats, where: str, name: str) -> float:
    """Cumulative seconds of the functions called ``name`` in files ending with ``where`` (``~``: builtins)."""
    total = 0.0
    for (filename, _line, function), (_cc, _nc, _tt, ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        if function == name and (filename == where if where == "~" else filename.replace(os.sep, "/").endswith(where)):
            total += ct
    return total


WRAPPERS = (
    "/click/",
    "remediator/cli.py",
    "remediator/api.py",
    "/contextlib.py",
    "remediator/application/scan.py",
    "remediator/application/incremental.py",
)


def top_entries(stats: pstats.Stats, count: int) -> list[tuple[int, float, float, str]]:
    """The ``count`` entries with the most cumulative time, leaving out the CLI and context-manager wrappers."""
    rows: list[tuple[int, float, float, str]] = []
    for (filename, line, function), (_cc, nc, tt, ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        path = filename.replace(os.sep, "/")
        if any(w in path for w in WRAPPERS) or function in ("<built-in method builtins.next>", "<built-in method builtins.exec>"):
            continue
        short = path.split("/remediator/", 1)[-1] if "/remediator/" in path else path.rsplit("/", 1)[-1]
        rows.append((nc, tt, ct, f"{short}:{line}({function})" if filename != "~" else function))
    rows.sort(key=lambda row: -row[2])
    return rows[:count]


def stages(stats: pstats.Stats) -> list[tuple[str, float]]:
    """Seconds per stage of a scan, the stages adding up to the scan's total."""
    t = {key: cumulative(stats, where, name) for key, (where, name) in ENTRIES.items()}
    queries = t["ts_matches"] + t["ts_captures"]
    checks = t["may_be_rejected"] + t["syntax_needs"]  # their few legacy-query captures are counted under queries too
    searches = t["fast_captures"] + t["fast_calls"]
    extractor = t["parse_source"] - t["ts_parse"] - queries - searches - t["compile"] - checks
    rows = [
        ("discovery (walk the tree)", t["discover"]),
        ("read and decode files (parse_file minus parse_source)", t["parse_file"] - t["parse_source"]),
        ("tree-sitter parse", t["ts_parse"]),
        ("tree-sitter queries (matches + captures; the full path)", queries),
        ("fast path: nodes found from the bytes (fast_locate)", searches),
        ("compile() of files a cheap check finds suspicious", t["compile"]),
        ("cheap syntax checks (_may_be_rejected, syntax_needs)", checks),
        ("extractor's own Python (walk of matches: imports, bindings, strings)", extractor),
        ("parse scheduling (parse_files minus parse_file)", t["parse_files"] - t["parse_file"]),
        ("model assembly (build_project minus parse_files minus discovery)", t["build_project"] - t["parse_files"] - t["discover"]),
        ("rules per file and graph (analyse_model)", t["analyse_model"]),
        ("rest of the analysis (full_analysis minus the above)", t["full_analysis"] - t["build_project"] - t["analyse_model"]),
        ("suggestions", t["suggestions"]),
        ("blast radius", t["blast_radius"]),
    ]
    rows.append(("rest of scan (findings, compliance, ...)", t["scan"] - t["full_analysis"] - t["suggestions"] - t["blast_radius"]))
    rows.append(("JSON report", t["render"]))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Profile one cold `remediator scan` (in-process, cProfile).")
    parser.add_argument("tree", type=Path, help="project root to scan")
    parser.add_argument("--jobs", type=int, default=1, help="remediator scan --jobs (default 1: all in this process)")
    parser.add_argument("--out", type=Path, help="also write the raw profile here (for pstats/snakeviz)")
    parser.add_argument("--top", type=int, default=15, help="entries to print by cumulative time (default 15)")
    args = parser.parse_args(argv)

    from remediator.cli import main as remediator_main

    sys.argv = ["remediator", "scan", str(args.tree), "--no-cache", "--exit-zero", "--format", "json", "--jobs", str(args.jobs)]
    profile = cProfile.Profile()
    real_stdout = sys.stdout
    started = time.perf_counter()
    with open(os.devnull, "w", encoding="utf-8") as devnull:
        sys.stdout = devnull
        profile.enable()
        try:
            remediator_main()
        except SystemExit:
            pass
        finally:
            profile.disable()
            sys.stdout = real_stdout
    wall = time.perf_counter() - started
    if args.out:
        profile.dump_stats(args.out)

    size = sum(os.path.getsize(os.path.join(d, f)) for d, _, files in os.walk(args.tree) for f in files if f.endswith(".py"))
    stats = pstats.Stats(profile, stream=io.StringIO())
    total = cumulative(stats, *ENTRIES["scan"])
    print(f"scan of {args.tree} ({size / 1e6:.1f} MB of .py) with --jobs {args.jobs}: {wall:.1f} s under cProfile")
    print(f"\ntop {args.top} by cumulative time (CLI and context-manager wrappers left out)")
    print(f"{'ncalls':>9}{'tottime':>9}{'cumtime':>9}  function")
    for ncalls, tottime, cumtime, name in top_entries(stats, args.top):
        print(f"{ncalls:>9}{tottime:>9.2f}{cumtime:>9.2f}  {name}")
    print("\nstage                                                                         s       %")
    for label, seconds in stages(stats):
        print(f"{label:<74}{seconds:>7.2f}{100 * seconds / total if total else 0:>8.1f}")
    print(f"{'scan total (run_scan)':<74}{total:>7.2f}{100.0:>8.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
