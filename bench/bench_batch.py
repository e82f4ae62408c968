"""What the safety of a batch run costs: safe `fix --apply` against the same rewrite written plainly.

On a synthetic monorepo (default 10k modules) with a few hundred SSOT violations
planted by bench/generate.py, two runs on fresh copies of the same tree, each in
a fresh interpreter:

- plain: plan, rewrite and verify (fix without --apply), then write every file
  atomically: no journal, no batches, no cycle checks;
- safe:  `fix --apply --batch-size N`: journal with fsynced originals, batches,
  incremental graph update and cycle check after each batch, re-check at the end.

Prints both times (median of --repeat runs) and the overhead of safety. Run:

    python bench/bench_batch.py [--modules 10000] [--ssot 300] [--batch-size 50] [--workdir /tmp/rb]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

_PLAIN = """
import json, sys, time
from pathlib import Path
import remediator
from remediator.adapters.writer import write_atomically
from remediator.domain.config import Settings, SsotRule
root, rule = Path(sys.argv[1]), json.loads(sys.argv[2])
started = time.perf_counter()
settings = Settings(ssot=(SsotRule(**rule),))
result = remediator.fix(root, settings=settings, apply=False, use_git=False)
for change in result.changes:
    write_atomically(root / change.path, change.after)
print(json.dumps({"seconds": time.perf_counter() - started, "files": len(result.changes)}))
"""

_SAFE = """
import json, sys, time
from pathlib import Path
import remediator
from remediator.domain.config import Settings, SsotRule
root, rule, batch = Path(sys.argv[1]), json.loads(sys.argv[2]), int(sys.argv[3])
started = time.perf_counter()
settings = Settings(ssot=(SsotRule(**rule),))
result = remediator.fix(root, settings=settings, apply=True, batch_size=batch, use_git=False)
run = result.to_dict()["run"]
print(json.dumps({"seconds": time.perf_counter() - started, "files": len(result.changes), "batches": run["batches"],
                  "skipped": len(result.skipped)}))
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--modules", type=int, default=10000)
    parser.add_argument("--ssot", type=int, default=300)
    parser.add_argument("--batch-size", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="bench-batch-"))
    tree = workdir / f"batch-{args.modules}-ssot{args.ssot}"
    if not (tree / "MANIFEST.json").exists():
        subprocess.run(
            [
                sys.executable,
                str(HERE / "generate.py"),
                str(tree),
                "--modules",
                str(args.modules),
                "--ssot",
                str(args.ssot),
                "--broken",
                "0",
                "--force",
            ],
            check=True,
        )
    manifest = json.loads((tree / "MANIFEST.json").read_text())
    ssot = manifest["ssot"]
    rule = {"name": "config-ssot", "forbid": [ssot["forbidden_module"]], "use": ssot["canonical_module"]}
    plain, safe = [], []
    for _ in range(args.repeat):
        plain.append(_timed(tree, workdir, [sys.executable, "-c", _PLAIN], [json.dumps(rule)]))
        safe.append(_timed(tree, workdir, [sys.executable, "-c", _SAFE], [json.dumps(rule), str(args.batch_size)]))
    plain_s = statistics.median(r["seconds"] for r in plain)
    safe_s = statistics.median(r["seconds"] for r in safe)
    figures = {
        "modules": args.modules,
        "files_rewritten": safe[0]["files"],
        "batches": safe[0]["batches"],
        "skipped": safe[0]["skipped"],
        "plain_seconds": round(plain_s, 2),
        "safe_seconds": round(safe_s, 2),
        "overhead": round(safe_s / plain_s - 1, 3),
        "runs": {"plain": plain, "safe": safe},
    }
    print(f"{args.modules} modules, {figures['files_rewritten']} files rewritten in {figures['batches']} batches of {args.batch_size}")
    print(f"plain rewrite: {plain_s:.2f} s   safe batch run: {safe_s:.2f} s   safety costs {figures['overhead']:+.1%}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    if args.workdir is None:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


def _timed(tree: Path, workdir: Path, command: list[str], extra: list[str]) -> dict[str, float]:
    copy = workdir / "run"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(tree, copy)
    started = time.perf_counter()
    completed = subprocess.run([*command, str(copy), *extra], capture_output=True, text=True, check=True)
    wall = time.perf_counter() - started
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    result["wall_seconds"] = wall
    return result


if __name__ == "__main__":
    raise SystemExit(main())
