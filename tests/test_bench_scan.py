"""bench/bench_scan.py's parse floor: the child reads and parses the same files the scan and grimp do."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.e2e
def test_the_parse_floor_parses_every_file_of_the_tree_and_is_compared_with_grimp(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    run = subprocess.run(
        [
            sys.executable,
            str(REPO / "bench" / "bench_scan.py"),
            "--sizes",
            "150",
            "--repeat",
            "1",
            "--skip-remediator",
            "--parse-floor",
            "--sample-interval",
            "0",
            "--workdir",
            str(tmp_path / "trees"),
            "--json",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    (record,) = json.loads(out.read_text(encoding="utf-8"))["results"]
    tree = Path(record["root"])
    sources = [path for package in record["packages"] for path in (tree / package).rglob("*.py")]
    floor = record["tools"]["parse floor"]
    assert floor["child"]["files"] == len(sources) == record["files"] == 150
    assert floor["child"]["bytes"] == sum(path.stat().st_size for path in sources) == record["bytes"]
    assert floor["cpu_s"] > 0 and record["ratios"]["parse floor"]["cpu"] == pytest.approx(
        floor["cpu_s"] / record["tools"]["grimp"]["cpu_s"]
    )
    assert f"{record['tree']} floor: tree-sitter's parse alone" in run.stdout
