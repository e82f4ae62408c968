#!/usr/bin/env python3
"""Run the parser's fast path and its full path over every .py file of wheels or directories; count differences.

The fast path (``parse_source(source)``, the default) finds the nodes the
facts come from in the source bytes; the full path (``parse_source(source,
fast=False)``) finds them with tree-sitter queries over the whole tree. They
must give identical ``ModuleFacts`` for every file (issue 14). Each argument is
a wheel (or any zip) or a directory; files are decoded as a scan decodes them
(``adapters.source_reader``). Prints, per source and in total, the number of
files compared, how many differ (expected: 0) and the CPU seconds each path
took; the first few differences are shown field by field.

Example::

    python bench/compare_paths.py /opt/pypi/files/django-5.2.17-py3-none-any.whl /tmp/k1w/r50

Exit status 1 when any file differs.
"""

from __future__ import annotations

import argparse
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

from remediator.adapters.parser import parse_source
from remediator.adapters.source_reader import decode_source
from remediator.domain.facts import ParseProblem


def sources(location: Path) -> Iterator[tuple[str, bytes]]:
    """(name, raw bytes) of every .py file of a zip or a directory, in name order."""
    if location.is_dir():
        for path in sorted(location.rglob("*.py")):
            if path.is_file():
                yield str(path.relative_to(location)), path.read_bytes()
        return
    with zipfile.ZipFile(location) as archive:
        for name in sorted(archive.namelist()):
            if name.endswith(".py"):
                yield name, archive.read(name)


def compare(location: Path, show: int) -> tuple[int, int, float, float]:
    """Files compared, files that differ, CPU seconds of the fast and of the full path."""
    files = differ = 0
    fast_cpu = full_cpu = 0.0
    for name, data in sources(location):
        source = decode_source(data)
        if isinstance(source, ParseProblem):
            continue  # never parsed: both paths give the reader's problem
        files += 1
        started = time.process_time()
        fast = parse_source(source)
        middle = time.process_time()
        full = parse_source(source, fast=False)
        fast_cpu += middle - started
        full_cpu += time.process_time() - middle
        if fast != full:
            differ += 1
            if differ <= show:
                print(f"  DIFFERENT: {name}")
                for field, a, b in zip(full._fields, fast, full):
                    if a != b:
                        print(f"    {field}: fast {a!r}\n    {' ' * len(field)}  full {b!r}")
    return files, differ, fast_cpu, full_cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Compare the parser's fast and full paths file by file.")
    parser.add_argument("locations", nargs="+", type=Path, help="wheels (zips) or directories")
    parser.add_argument("--show", type=int, default=5, help="differences to print per source (default 5)")
    args = parser.parse_args(argv)
    total_files = total_differ = 0
    for location in args.locations:
        files, differ, fast_cpu, full_cpu = compare(location, args.show)
        total_files += files
        total_differ += differ
        print(f"{location}: {files} files compared, {differ} different; CPU fast {fast_cpu:.2f} s, full {full_cpu:.2f} s")
    print(f"total: {total_files} files compared, {total_differ} different")
    return 1 if total_differ else 0


if __name__ == "__main__":
    sys.exit(main())
