#!/usr/bin/env python3
"""Benchmark ``remediator scan`` against grimp on the same trees, in one run.

For every tree (synthetic trees from ``bench/generate.py`` at the sizes given
by ``--sizes``, realistic ones sized in MB by ``--realistic-mb``, plus any
``--real`` wheel or directory) this runs, ``--repeat`` times each and
alternating which goes first:

* ``remediator scan TREE --format json`` in a subprocess, cold: a fresh
  ``XDG_CACHE_HOME`` per run, ``--no-cache`` when ``remediator scan --help``
  lists it, and anything the run leaves in the root of a tree this script owns
  is removed before the next run;
* ``grimp.build_graph(*top_level_packages, cache_dir=None)`` in a fresh
  ``python`` subprocess (so, cold too).

Per child it records wall time, CPU time (user + sys) and peak RSS from
``os.wait4``'s rusage (largest single process of the child's tree), plus a
sampled peak of the summed RSS of the child and its descendants, and of
their summed PSS (what a worker pool really costs: RSS counts the pages a
forked worker shares with its parent once per process, PSS once). Children are spawned and measured by the small
helper ``measure_child.py``, so this process's own memory never shows up in
a child's peak RSS. It prints medians with the throughput (MB of ``.py``
source and modules per second), the remediator/grimp ratios, how many of the
planted broken imports (``MANIFEST.json``) the scan reported, a linearity line
(time per 1k modules at the two largest synthetic sizes) and the time per MB
of every tree, with its growth across the realistic sizes.

Only the standard library and grimp are needed; ``bench/generate.py`` is
loaded from beside this file.

Examples::

    python bench/bench_scan.py --sizes 2000,10000 --repeat 3
    python bench/bench_scan.py --sizes 2000,10000,50000 --workdir /tmp/rb --json bench-results.json
    python bench/bench_scan.py --sizes '' --realistic-mb 10,50,150 --workdir /tmp/rb
    pip download --no-deps django==5.2 -d /tmp/wheels
    python bench/bench_scan.py --sizes '' --real /tmp/wheels/Django-5.2-py3-none-any.whl
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent

GRIMP_CHILD = r"""
import json, sys, time
root, packages = sys.argv[1], sys.argv[2:]
sys.path.insert(0, root)
t0 = time.perf_counter()
import grimp
t1 = time.perf_counter()
graph = grimp.build_graph(*packages, cache_dir=None)
t2 = time.perf_counter()
print(json.dumps({"import_seconds": t1 - t0, "build_seconds": t2 - t1,
                  "modules": len(graph.modules), "imports": graph.count_imports(),
                  "grimp_version": getattr(grimp, "__version__", None)}))
"""

# `--parse-floor`: read every .py file of the packages and parse it with tree-sitter, nothing else. A scan
# that parses every byte with tree-sitter (as remediator's must: a syntax error or newer syntax anywhere in a
# file is a fact of the file) costs at least this much; its ratio to grimp is the floor of remediator's.
PARSE_FLOOR = "parse floor"
PARSE_FLOOR_CHILD = r"""
import json, os, sys, time
root, packages = sys.argv[1], sys.argv[2:]
t0 = time.perf_counter()
import tree_sitter, tree_sitter_python
parser = tree_sitter.Parser(tree_sitter.Language(tree_sitter_python.language()))
t1 = time.perf_counter()
paths = []
for package in packages:
    if os.path.isfile(os.path.join(root, package + ".py")):
        paths.append(os.path.join(root, package + ".py"))
    for folder, _folders, names in os.walk(os.path.join(root, package)):
        paths.extend(os.path.join(folder, name) for name in names if name.endswith(".py"))
size = 0
for path in paths:
    with open(path, "rb") as handle:
        source = handle.read()
    size += len(source)
    parser.parse(source)
t2 = time.perf_counter()
print(json.dumps({"import_seconds": t1 - t0, "parse_seconds": t2 - t1, "files": len(paths), "bytes": size,
                  "tree_sitter_version": getattr(tree_sitter, "__version__", None)}))
"""

PATH_KEYS = ("file", "path", "filename", "file_path", "filepath", "relpath", "uri")
LINE_KEYS = ("line", "lineno", "line_number", "start_line", "startline", "row")


def load_generator() -> ModuleType:
    """Import ``bench/generate.py`` by path (``bench`` is not a package)."""
    spec = importlib.util.spec_from_file_location("remediator_bench_generate", HERE / "generate.py")
    if spec is None or spec.loader is None:
        raise ImportError("cannot load bench/generate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    previous, sys.dont_write_bytecode = sys.dont_write_bytecode, True  # keep bench/ free of __pycache__
    try:
        spec.loader.exec_module(module)
    finally:
        sys.dont_write_bytecode = previous
    return module


# --------------------------------------------------------------------------- measuring


@dataclass
class RunResult:
    """One measured child process."""

    wall_s: float
    cpu_s: float
    peak_rss_mib: float
    tree_rss_mib: float | None
    returncode: int
    timed_out: bool
    stdout: str = field(repr=False, default="")
    stderr_tail: str = ""
    tree_pss_mib: float | None = None  # summed PSS: pages a worker shares with its parent count once


class Spawner:
    """Client of ``measure_child.py --serve``, which forks and measures every child.

    The helper is exec'd once, while this process is still small, and stays
    small; children forked from it therefore do not inherit this process's
    RSS high-water mark into their ``ru_maxrss`` (Linux keeps it across exec).
    """

    def __init__(self, scratch: Path) -> None:
        self.scratch = scratch
        self.proc = subprocess.Popen(
            [sys.executable, str(HERE / "measure_child.py"), "--serve"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )

    def run(self, cmd: list[str], *, cwd: Path, env: dict[str, str], timeout: float, sample_interval: float) -> RunResult:
        """Run ``cmd`` through the helper; return measurements plus its output."""
        out_path, err_path = self.scratch / "child.stdout", self.scratch / "child.stderr"
        request = {
            "cmd": cmd,
            "cwd": str(cwd),
            "env": env,
            "timeout": timeout,
            "sample_interval": sample_interval,
            "stdout": str(out_path),
            "stderr": str(err_path),
        }
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        reply = self.proc.stdout.readline()
        if not reply:
            raise RuntimeError("measure_child.py helper died")
        data = json.loads(reply)
        stdout = out_path.read_text(encoding="utf-8", errors="replace")
        stderr = err_path.read_text(encoding="utf-8", errors="replace")
        if data.get("spawn_error"):
            stderr += data["spawn_error"]
        out_path.unlink(missing_ok=True)
        err_path.unlink(missing_ok=True)
        return RunResult(
            wall_s=data["wall_s"],
            cpu_s=data["cpu_s"],
            peak_rss_mib=data["peak_rss_mib"],
            tree_rss_mib=data["tree_rss_mib"],
            tree_pss_mib=data.get("tree_pss_mib"),
            returncode=data["returncode"],
            timed_out=data["timed_out"],
            stdout=stdout,
            stderr_tail=stderr[-2000:],
        )

    def close(self) -> None:
        """Stop the helper."""
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        self.proc.wait(timeout=30)


# --------------------------------------------------------------------------- tools


@dataclass
class RemediatorTool:
    """How to call remediator here, and what its ``scan --help`` offers."""

    base_cmd: list[str]
    env_extra: dict[str, str]
    help_text: str
    version: str | None

    @property
    def has_no_cache(self) -> bool:
        return "--no-cache" in self.help_text

    @property
    def has_jobs(self) -> bool:
        return "--jobs" in self.help_text

    def scan_cmd(self, tree: Path, jobs: int | None) -> list[str]:
        cmd = [*self.base_cmd, "scan", str(tree), "--format", "json"]
        if self.has_no_cache:
            cmd.append("--no-cache")
        if jobs is not None:
            cmd += ["--jobs", str(jobs)]
        return cmd


def probe_remediator(explicit: str | None) -> tuple[RemediatorTool | None, str]:
    """Find a working ``remediator`` command; return it or (None, reason)."""
    candidates: list[tuple[list[str], dict[str, str]]] = []
    if explicit:
        candidates.append((shlex.split(explicit), {}))
    else:
        # The console script beside this interpreter first (a pyenv/asdf shim on PATH
        # would add a shell start-up to every measurement), then whatever PATH has.
        beside = Path(sys.executable).parent / "remediator"
        exe = str(beside) if beside.is_file() and os.access(beside, os.X_OK) else shutil.which("remediator")
        if exe:
            candidates.append(([exe], {}))
        candidates.append(([sys.executable, "-m", "remediator"], {}))
        pythonpath = os.pathsep.join(p for p in (str(REPO_ROOT), os.environ.get("PYTHONPATH", "")) if p)
        candidates.append(([sys.executable, "-m", "remediator"], {"PYTHONPATH": pythonpath}))
    reasons: list[str] = []
    for cmd, extra in candidates:
        env = {**os.environ, **extra}
        try:
            proc = subprocess.run(
                [*cmd, "scan", "--help"],
                capture_output=True,
                text=True,
                timeout=120,
                env=env,
                stdin=subprocess.DEVNULL,
                cwd=tempfile.gettempdir(),
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            reasons.append(f"{shlex.join(cmd)}: {exc}")
            continue
        if proc.returncode != 0:
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or [""]
            where = " (PYTHONPATH=repo)" if extra else ""
            reasons.append(f"{shlex.join(cmd)}{where}: exit {proc.returncode}: {tail[0]}")
            continue
        version = None
        try:
            v = subprocess.run(
                [*cmd, "--version"],
                capture_output=True,
                text=True,
                timeout=60,
                env=env,
                stdin=subprocess.DEVNULL,
                cwd=tempfile.gettempdir(),
            )
            if v.returncode == 0:
                version = v.stdout.strip() or None
        except (OSError, subprocess.TimeoutExpired):
            pass
        return RemediatorTool(cmd, extra, proc.stdout + proc.stderr, version), ""
    return None, "; ".join(reasons)


# --------------------------------------------------------------------------- trees


@dataclass
class Tree:
    """A tree to benchmark."""

    label: str
    root: Path
    packages: list[str]
    owned: bool  # created by this script: safe to clean remediator leftovers from
    manifest: dict[str, Any] | None
    modules: int  # .py files
    bytes: int  # bytes of .py files


def count_py(root: Path) -> tuple[int, int]:
    """Number and total size of ``.py`` files under ``root``."""
    n = size = 0
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            if name.endswith(".py"):
                n += 1
                size += os.path.getsize(os.path.join(dirpath, name))
    return n, size


def synthetic_tree(gen: ModuleType, workdir: Path, size: int, seed: int, broken: int, ssot: int) -> Tree:
    """Generate (or reuse) the synthetic tree for ``size`` modules."""
    root = workdir / f"synth-{size}-seed{seed}-broken{broken}-ssot{ssot}"
    manifest = gen.ensure(root, size, seed, broken, ssot)
    counts = manifest["counts"]
    py_bytes = counts.get("py_bytes") or count_py(root)[1]  # manifests before py_bytes counted README.md too
    return Tree(
        label=f"synth-{size // 1000}k" if size % 1000 == 0 else f"synth-{size}",
        root=root,
        packages=list(manifest["top_level_packages"]),
        owned=True,
        manifest=manifest,
        modules=counts["modules"],
        bytes=py_bytes,
    )


def realistic_tree(gen: ModuleType, workdir: Path, megabytes: float, seed: int, broken: int, ssot: int) -> Tree:
    """Generate (or reuse) the realistic-profile tree of about ``megabytes`` MB of source."""
    root = workdir / f"realistic-{megabytes:g}mb-seed{seed}-broken{broken}-ssot{ssot}"
    manifest = gen.ensure(root, None, seed, broken, ssot, profile="realistic", megabytes=megabytes)
    counts = manifest["counts"]
    return Tree(
        label=f"realistic-{megabytes:g}MB",
        root=root,
        packages=list(manifest["top_level_packages"]),
        owned=True,
        manifest=manifest,
        modules=counts["modules"],
        bytes=counts["py_bytes"],
    )


def _top_level_packages(root: Path) -> list[str]:
    names: list[str] = []
    for info in sorted(root.glob("*.dist-info/top_level.txt")):
        names += [n.strip() for n in info.read_text(encoding="utf-8").splitlines() if n.strip()]
    if not names:
        names = [p.name for p in sorted(root.iterdir()) if p.is_dir()]
    pkgs = [n for n in dict.fromkeys(names) if n.isidentifier() and (root / n / "__init__.py").is_file()]
    return pkgs


def real_tree(source: Path, workdir: Path) -> Tree:
    """Unpack a wheel (or take a directory) and find its top-level packages."""
    source = source.resolve()
    owned = False
    if source.is_file() and source.suffix == ".whl":
        root = workdir / f"real-{source.stem}"
        stamp = workdir / f"real-{source.stem}.source.json"
        want = {"wheel": str(source), "size": source.stat().st_size, "mtime": source.stat().st_mtime}
        if not (root.is_dir() and stamp.is_file() and json.loads(stamp.read_text(encoding="utf-8")) == want):
            if root.exists():
                shutil.rmtree(root)
            print(f"[tree] unpacking {source.name} into {root}", file=sys.stderr)
            with zipfile.ZipFile(source) as zf:
                zf.extractall(root)
            stamp.write_text(json.dumps(want), encoding="utf-8")
        owned = True
        label = "-".join(source.name.split("-")[:2])  # distribution-version
    elif source.is_dir():
        root = source
        label = source.name
    else:
        raise SystemExit(f"--real: {source} is neither a .whl file nor a directory")
    packages = _top_level_packages(root)
    if not packages:
        raise SystemExit(f"--real: no top-level packages (dirs with __init__.py) in {root}")
    n, size = count_py(root)
    return Tree(label=f"real:{label}", root=root, packages=packages, owned=owned, manifest=None, modules=n, bytes=size)


def warm_page_cache(root: Path) -> None:
    """Read every file once so neither tool pays for the first disk read."""
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            try:
                with open(os.path.join(dirpath, name), "rb") as fh:
                    while fh.read(1 << 20):
                        pass
            except OSError:
                pass


# --------------------------------------------------------------------------- findings


def _flatten(obj: Any, prefix: str = "", depth: int = 0) -> Iterator[tuple[str, Any]]:
    if isinstance(obj, dict) and depth < 4:
        for key, value in obj.items():
            yield from _flatten(value, f"{prefix}{key}.".lower(), depth + 1)
    elif isinstance(obj, list) and depth < 4 and obj and isinstance(obj[0], dict):
        yield from _flatten(obj[0], prefix, depth + 1)
    else:
        yield prefix.rstrip("."), obj


def finding_location(finding: Any, root: Path) -> tuple[str | None, int | None]:
    """Best-effort (relative posix path, 1-based line) of a finding of unknown schema."""
    path: str | None = None
    line: int | None = None
    for key, value in _flatten(finding):
        leaf = key.rsplit(".", 1)[-1]
        if path is None and leaf in PATH_KEYS and isinstance(value, str) and value.endswith(".py"):
            path = value
        elif line is None and leaf in LINE_KEYS and isinstance(value, int) and not isinstance(value, bool):
            line = value
    if path is not None:
        if path.startswith("file://"):
            path = path[len("file://") :]
        p = Path(path)
        if p.is_absolute():
            try:
                path = p.resolve().relative_to(root.resolve()).as_posix()
            except ValueError:
                path = p.as_posix()
        else:
            path = p.as_posix().removeprefix("./")
    return path, line


def analyse_findings(stdout: str, tree: Tree) -> dict[str, Any]:
    """Parse scan JSON and match findings to the manifest's planted broken imports."""
    try:
        doc = json.loads(stdout)
    except ValueError as exc:
        return {"parsed": False, "error": f"stdout is not JSON: {exc}", "stdout_head": stdout[:300]}
    findings = doc.get("findings") if isinstance(doc, dict) else None
    if not isinstance(findings, list):
        return {"parsed": False, "error": "no 'findings' list in the JSON"}
    result: dict[str, Any] = {"parsed": True, "findings": len(findings), "summary": doc.get("summary") if isinstance(doc, dict) else None}
    by_severity: dict[str, int] = {}
    by_rule: dict[str, int] = {}
    locations: set[tuple[str | None, int | None]] = set()
    files: set[str | None] = set()
    for f in findings:
        if isinstance(f, dict):
            sev = f.get("severity", f.get("level"))
            if isinstance(sev, str):
                by_severity[sev] = by_severity.get(sev, 0) + 1
            rule = f.get("rule", f.get("rule_id", f.get("code", f.get("kind"))))
            if isinstance(rule, str):
                by_rule[rule] = by_rule.get(rule, 0) + 1
        loc = finding_location(f, tree.root)
        locations.add(loc)
        files.add(loc[0])
    result["by_severity"] = by_severity
    result["by_rule"] = dict(sorted(by_rule.items(), key=lambda kv: -kv[1]))
    summary = result["summary"]
    errors = summary.get("errors") if isinstance(summary, dict) else None
    result["errors"] = errors if isinstance(errors, int) else by_severity.get("error")
    result["cycle_findings"] = sum(n for rule, n in by_rule.items() if "cycle" in rule.lower())
    if tree.manifest is not None:
        planted = tree.manifest.get("planted_broken", [])
        exact = [p for p in planted if (p["file"], p["line"]) in locations]
        same_file = [p for p in planted if p["file"] in files]
        missed = [f"{p['file']}:{p['line']}" for p in planted if (p["file"], p["line"]) not in locations]
        result.update(
            {"planted": len(planted), "planted_found": len(exact), "planted_found_by_file": len(same_file), "planted_missed": missed[:20]}
        )
        kinds: dict[str, list[int]] = {}
        for p in planted:
            hit = (p["file"], p["line"]) in locations
            k = kinds.setdefault(p["kind"], [0, 0])
            k[0] += int(hit)
            k[1] += 1
        result["planted_found_by_kind"] = {k: f"{v[0]}/{v[1]}" for k, v in sorted(kinds.items())}
        result["planted_cycles"] = len(tree.manifest.get("cycles", []))
    return result


# --------------------------------------------------------------------------- bench


def summarise(runs: list[RunResult]) -> dict[str, Any]:
    """Medians (and spread) of a tool's repeats."""
    ok = [r for r in runs if not r.timed_out]
    use = ok or runs
    tree = [r.tree_rss_mib for r in use if r.tree_rss_mib is not None]
    pss = [r.tree_pss_mib for r in use if r.tree_pss_mib is not None]
    return {
        "wall_s": statistics.median(r.wall_s for r in use),
        "wall_min_s": min(r.wall_s for r in use),
        "wall_max_s": max(r.wall_s for r in use),
        "cpu_s": statistics.median(r.cpu_s for r in use),
        "peak_rss_mib": statistics.median(r.peak_rss_mib for r in use),
        "tree_rss_mib": statistics.median(tree) if tree else None,
        "tree_pss_mib": statistics.median(pss) if pss else None,
        "returncodes": sorted({r.returncode for r in runs}),
        "timed_out": any(r.timed_out for r in runs),
        "runs": [{k: v for k, v in asdict(r).items() if k != "stdout"} for r in runs],
    }


def throughput(wall_s: float, cpu_s: float, tree: Tree) -> dict[str, float | None]:
    """MB of source and modules per second of wall time, and seconds per MB (wall and CPU)."""
    mb = tree.bytes / 1e6
    return {
        "mb_per_s": mb / wall_s if wall_s else None,
        "modules_per_s": tree.modules / wall_s if wall_s else None,
        "s_per_mb": wall_s / mb if mb else None,
        "cpu_s_per_mb": cpu_s / mb if mb else None,
    }


def child_env(extra: dict[str, str], cache: Path) -> dict[str, str]:
    """Environment of a measured child: a fresh cache home, and Python's default bytecode caching.

    pip byte-compiles what it installs (grimp), while an editable or PYTHONPATH
    checkout of remediator would be compiled again on every run where
    ``PYTHONDONTWRITEBYTECODE`` is set; so the variable is dropped (as in
    ``bench_check.py``) and :func:`warm_up` writes the ``.pyc`` files first.
    """
    env = {**os.environ, **extra, "XDG_CACHE_HOME": str(cache)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def warm_up(tool: RemediatorTool | None, scratch: Path) -> None:
    """One unmeasured scan of a three-file tree, so that every module a scan imports has its ``.pyc``."""
    if tool is None:
        return
    tiny = scratch / "warm-up-tree"
    (tiny / "pkg").mkdir(parents=True, exist_ok=True)
    (tiny / "pkg" / "__init__.py").write_text("from .a import A\n", encoding="utf-8")
    (tiny / "pkg" / "a.py").write_text("import os\nfrom pkg.b import B\nA = B\n", encoding="utf-8")
    (tiny / "pkg" / "b.py").write_text("from pkg.ghost import G\nB = 1\n", encoding="utf-8")
    cache = scratch / "warm-up-cache"
    try:
        subprocess.run(
            tool.scan_cmd(tiny, None),
            check=False,
            cwd=tiny,
            env=child_env(tool.env_extra, cache),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=300,
        )
    except (OSError, subprocess.TimeoutExpired):
        pass
    shutil.rmtree(tiny, ignore_errors=True)
    shutil.rmtree(cache, ignore_errors=True)


def clean_leftovers(tree: Tree, before: set[str]) -> list[str]:
    """Remove entries a run added to the root of an owned tree; return their names."""
    added = sorted(set(os.listdir(tree.root)) - before)
    if tree.owned:
        for name in added:
            path = tree.root / name
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
    return added


def bench_tree(
    tree: Tree, tool: RemediatorTool | None, jobs_list: list[int | None], args: argparse.Namespace, cache_root: Path, spawner: Spawner
) -> dict[str, Any]:
    """Measure every tool on ``tree``; return the record for the results JSON."""
    if not args.no_warm:
        warm_page_cache(tree.root)
    load_before = os.getloadavg()
    labels: list[str] = []
    cmds: dict[str, tuple[list[str], dict[str, str]]] = {}
    if tool is not None and not args.skip_remediator:
        for jobs in jobs_list:
            label = "remediator" if jobs is None else f"remediator -j{jobs}"
            cmds[label] = (tool.scan_cmd(tree.root, jobs), tool.env_extra)
            labels.append(label)
    if not args.skip_grimp:
        cmds["grimp"] = ([sys.executable, "-c", GRIMP_CHILD, str(tree.root), *tree.packages], {})
        labels.append("grimp")
    if args.parse_floor:
        cmds[PARSE_FLOOR] = ([sys.executable, "-c", PARSE_FLOOR_CHILD, str(tree.root), *tree.packages], {})
        labels.append(PARSE_FLOOR)
    runs: dict[str, list[RunResult]] = {label: [] for label in labels}
    leftovers: set[str] = set()
    before = set(os.listdir(tree.root))
    for rep in range(args.repeat):
        order = labels if rep % 2 == 0 else labels[::-1]
        for label in order:
            cmd, extra = cmds[label]
            run_cache = Path(tempfile.mkdtemp(prefix="cache-", dir=cache_root))
            env = child_env(extra, run_cache)
            result = spawner.run(cmd, cwd=tree.root, env=env, timeout=args.timeout, sample_interval=args.sample_interval)
            shutil.rmtree(run_cache, ignore_errors=True)
            leftovers.update(clean_leftovers(tree, before))
            runs[label].append(result)
            status = "TIMEOUT" if result.timed_out else f"exit {result.returncode}"
            print(
                f"[run] {tree.label:<14} {label:<16} #{rep + 1}: {result.wall_s:8.2f}s  {result.peak_rss_mib:8.1f} MiB  {status}",
                file=sys.stderr,
                flush=True,
            )
    record: dict[str, Any] = {
        "tree": tree.label,
        "root": str(tree.root),
        "owned": tree.owned,
        "packages": tree.packages,
        "files": tree.modules,
        "modules": tree.modules,
        "bytes": tree.bytes,
        "tools": {},
        "loadavg_before": load_before,
        "loadavg_after": os.getloadavg(),
    }
    if leftovers:
        record["remediator_left_in_tree_root"] = sorted(leftovers)
    for label, results in runs.items():
        entry = summarise(results)
        entry.update(throughput(entry["wall_s"], entry["cpu_s"], tree))
        if label == "grimp":
            children: list[dict[str, Any]] = []
            for r in results:
                try:
                    children.append(json.loads(r.stdout.strip().splitlines()[-1]))
                except (ValueError, IndexError):
                    entry["error"] = r.stderr_tail[-500:]
            entry["child"] = children[-1] if children else None
            if children:
                entry["build_graph_s"] = statistics.median(c["build_seconds"] for c in children)
        elif label == PARSE_FLOOR:
            if any(r.returncode != 0 for r in results):
                entry["error"] = results[-1].stderr_tail[-500:]
            else:
                entry["child"] = json.loads(results[-1].stdout.strip().splitlines()[-1])
        else:
            entry["findings"] = analyse_findings(results[-1].stdout, tree)
            expected = {0, 1}
            if any(r.returncode not in expected for r in results):
                entry["error"] = results[-1].stderr_tail[-500:]
        record["tools"][label] = entry
    if "grimp" in record["tools"]:
        g = record["tools"]["grimp"]
        record["ratios"] = {}
        for label, entry in record["tools"].items():
            if label == "grimp":
                continue
            record["ratios"][label] = {
                "wall": entry["wall_s"] / g["wall_s"] if g["wall_s"] else None,
                "cpu": entry["cpu_s"] / g["cpu_s"] if g["cpu_s"] else None,
                "peak_rss": entry["peak_rss_mib"] / g["peak_rss_mib"] if g["peak_rss_mib"] else None,
                "tree_rss": (entry["tree_rss_mib"] / g["tree_rss_mib"] if entry["tree_rss_mib"] and g["tree_rss_mib"] else None),
                "tree_pss": (
                    entry.get("tree_pss_mib") / g["tree_pss_mib"] if entry.get("tree_pss_mib") and g.get("tree_pss_mib") else None
                ),
            }
    return record


# --------------------------------------------------------------------------- report


def _fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def print_report(records: list[dict[str, Any]], linearity: dict[str, Any], notes: list[str]) -> None:
    """Print the results table, ratios, findings check and linearity lines."""
    width = max([18, *(len(rec["tree"]) + 2 for rec in records)])
    header = (
        f"{'tree':<{width}}{'files':>7}{'MB':>7}  {'tool':<15}{'wall s':>8}{'(min-max)':>16}"
        f"{'cpu s':>8}{'MB/s':>7}{'mod/s':>8}{'RSS MiB':>9}{'treeRSS':>9}{'treePSS':>9}  {'exit':<6}{'err/all':>10}"
        f"  {'planted found':<14}"
    )
    print()
    print(header)
    print("-" * len(header))
    for rec in records:
        for label, t in rec["tools"].items():
            f = t.get("findings") or {}
            exit_s = "TIME" if t["timed_out"] else ",".join(str(c) for c in t["returncodes"])
            if "error" in t:
                exit_s += "!"
            found = "-"
            if f.get("planted") is not None:
                found = f"{f['planted_found']}/{f['planted']} (file {f['planted_found_by_file']})"
            elif f and not f.get("parsed", True):
                found = "no JSON"
            counts = f"{_fmt(f.get('errors'), 'd')}/{f['findings']}" if f.get("parsed") else "-"
            spread = f"({t['wall_min_s']:.2f}-{t['wall_max_s']:.2f})"
            print(
                f"{rec['tree']:<{width}}{rec['modules']:>7}{rec['bytes'] / 1e6:>7.1f}  {label:<15}"
                f"{t['wall_s']:>8.2f}{spread:>16}"
                f"{t['cpu_s']:>8.2f}{_fmt(t.get('mb_per_s'), '7.2f')}{_fmt(t.get('modules_per_s'), '8.0f')}"
                f"{t['peak_rss_mib']:>9.1f}{_fmt(t['tree_rss_mib'], '9.1f'):>9}{_fmt(t.get('tree_pss_mib'), '9.1f'):>9}  "
                f"{exit_s:<6}{counts:>10}  {found:<14}"
            )
    ratio_rows = [(rec["tree"], label, r) for rec in records for label, r in rec.get("ratios", {}).items()]
    if ratio_rows:
        print()
        print("ratios remediator / grimp (lower is better for remediator; 1.00 = same)")
        for tree, label, r in ratio_rows:
            print(
                f"  {tree:<{width}}{label:<16} time x{_fmt(r['wall'], '.2f')}   cpu x{_fmt(r['cpu'], '.2f')}   "
                f"peak RSS x{_fmt(r['peak_rss'], '.2f')}   treeRSS x{_fmt(r.get('tree_rss'), '.2f')}   "
                f"treePSS x{_fmt(r.get('tree_pss'), '.2f')}"
            )
    for tool, lin in linearity.items():
        if tool == "per_mb":
            continue
        print(
            f"linearity {tool}: {lin['small_label']} {lin['small_ms_per_1k']:.1f} ms/1k modules, "
            f"{lin['large_label']} {lin['large_ms_per_1k']:.1f} ms/1k modules -> x{lin['growth']:.2f} "
            f"(1.00 = linear)"
        )
    print()
    print("time per MB of .py source; growth = s/MB over the smallest realistic tree's (1.00 = flat)")
    per_mb = linearity.get("per_mb", {})
    for rec in records:
        for label, t in rec["tools"].items():
            growth = per_mb.get(label, {}).get(rec["tree"])
            extra = f"   growth wall x{growth['wall']:.2f} cpu x{growth['cpu']:.2f}" if growth is not None else ""
            print(
                f"  {rec['tree']:<{width}}{label:<16} {_fmt(t.get('s_per_mb'), '.3f')} s/MB wall   "
                f"{_fmt(t.get('cpu_s_per_mb'), '.3f')} s/MB cpu{extra}"
            )
    loads = [f"{rec['tree']} {rec['loadavg_before'][0]:.2f}->{rec['loadavg_after'][0]:.2f}" for rec in records if rec.get("loadavg_before")]
    if loads:
        print("load average (1 min) before -> after each tree: " + ", ".join(loads))
    for rec in records:
        for label, t in rec["tools"].items():
            f = t.get("findings") or {}
            if f.get("planted_found_by_kind"):
                print(
                    f"{rec['tree']} {label}: planted found by kind {f['planted_found_by_kind']}; "
                    f"cycle findings {f['cycle_findings']} (planted cycles {f['planted_cycles']})"
                )
            if f.get("planted_missed") and f.get("planted_found", 0) < f.get("planted", 0):
                print(f"{rec['tree']} {label} first missed: {', '.join(f['planted_missed'][:5])}")
            if "error" in t and t["error"]:
                print(f"{rec['tree']} {label} error output: {t['error'].strip().splitlines()[-1:]}")
        if rec.get("remediator_left_in_tree_root"):
            what = "removed after each run" if rec["owned"] else "NOT removed: later runs may be warm"
            print(f"{rec['tree']}: remediator left {rec['remediator_left_in_tree_root']} in the tree root ({what})")
    for rec in records:
        g = rec["tools"].get("grimp")
        if g and g.get("child"):
            print(
                f"{rec['tree']} grimp: build_graph alone {g['build_graph_s']:.2f}s (median), "
                f"{g['child']['modules']} modules, {g['child']['imports']} imports in the graph"
            )
    for rec in records:
        floor, g = rec["ratios"].get(PARSE_FLOOR) if rec.get("ratios") else None, rec["tools"].get("grimp")
        if floor and floor["cpu"] is not None and g:
            verdict = "below" if floor["cpu"] < 3 else "at or above"
            print(
                f"{rec['tree']} floor: tree-sitter's parse alone (reading included) is x{floor['cpu']:.2f} grimp's CPU, "
                f"{verdict} the x3 target, leaving x{max(0.0, 3 - floor['cpu']):.2f} grimp's CPU for everything else"
            )
    for note in notes:
        print(f"note: {note}")


def compute_linearity(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Time per 1k modules at the two largest synthetic sizes, per tool; and, under ``per_mb``,
    each realistic tree's wall time per MB over the smallest realistic tree's (1.00 = flat)."""
    out: dict[str, Any] = {}
    realistic = sorted((r for r in records if r["tree"].startswith("realistic-")), key=lambda r: r["bytes"])
    if len(realistic) >= 2:
        base = realistic[0]
        per_mb: dict[str, dict[str, dict[str, float]]] = {}
        for tool, t0 in base["tools"].items():
            if not t0.get("s_per_mb") or not t0.get("cpu_s_per_mb"):
                continue
            per_mb[tool] = {
                r["tree"]: {
                    "wall": r["tools"][tool]["s_per_mb"] / t0["s_per_mb"],
                    "cpu": r["tools"][tool]["cpu_s_per_mb"] / t0["cpu_s_per_mb"],
                }
                for r in realistic
                if tool in r["tools"] and r["tools"][tool].get("s_per_mb")
            }
        out["per_mb"] = per_mb
    synth = sorted((r for r in records if r["tree"].startswith("synth-")), key=lambda r: r["modules"])
    if len(synth) < 2:
        return out
    small, large = synth[-2], synth[-1]
    for tool in large["tools"]:
        if tool not in small["tools"]:
            continue
        a = small["tools"][tool]["wall_s"] / small["modules"] * 1e6
        b = large["tools"][tool]["wall_s"] / large["modules"] * 1e6
        out[tool] = {
            "small_label": small["tree"],
            "large_label": large["tree"],
            "small_ms_per_1k": a,
            "large_ms_per_1k": b,
            "growth": b / a if a else float("nan"),
        }
    return out


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Benchmark remediator scan against grimp.build_graph.")
    parser.add_argument("--sizes", default="2000,10000,50000", help="comma-separated synthetic tree sizes in modules ('' for none)")
    parser.add_argument(
        "--realistic-mb", default="", help="comma-separated sizes in MB of realistic-profile trees (e.g. 10,50,150; default none)"
    )
    parser.add_argument("--seed", type=int, default=0, help="generator seed (default 0)")
    parser.add_argument("--broken", type=int, default=50, help="planted broken imports per tree (default 50)")
    parser.add_argument("--ssot", type=int, default=0, help="planted SSOT violations per tree (default 0)")
    parser.add_argument(
        "--workdir", type=Path, help="where trees live (reused when MANIFEST matches); default: a temp dir, removed at the end"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary workdir")
    parser.add_argument("--repeat", type=int, default=3, help="runs per tool and tree; the median is reported")
    parser.add_argument(
        "--jobs", default=None, help="value(s) for remediator --jobs, comma-separated (e.g. 1,2); default: the tool's default"
    )
    parser.add_argument(
        "--real",
        action="append",
        default=[],
        type=Path,
        metavar="PATH_OR_WHEEL",
        help="also bench a real project: a .whl to unpack, or a directory (repeatable)",
    )
    parser.add_argument("--remediator", help="command to run remediator (default: `remediator`, else `python -m remediator`)")
    parser.add_argument("--skip-remediator", action="store_true", help="only measure grimp")
    parser.add_argument("--skip-grimp", action="store_true", help="only measure remediator")
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds before a child is killed")
    parser.add_argument("--sample-interval", type=float, default=0.05, help="seconds between tree-RSS samples; 0 disables sampling")
    parser.add_argument("--no-warm", action="store_true", help="do not pre-read the tree into the page cache")
    parser.add_argument(
        "--parse-floor",
        action="store_true",
        help="also time a child that only reads and parses every .py file with tree-sitter: the floor of a scan that parses every byte",
    )
    parser.add_argument("--json", type=Path, metavar="OUT", help="write all results to this JSON file")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be >= 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    scratch = Path(tempfile.mkdtemp(prefix="remediator-bench-scratch-"))
    spawner = Spawner(scratch)  # first, while this process is small
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    realistic_mb = [float(s) for s in args.realistic_mb.split(",") if s.strip()]
    jobs_list: list[int | None] = [int(j) for j in args.jobs.split(",")] if args.jobs else [None]
    notes: list[str] = []

    tool: RemediatorTool | None = None
    if not args.skip_remediator:
        tool, reason = probe_remediator(args.remediator)
        if tool is None:
            notes.append(f"remediator is not runnable, only grimp was measured ({reason})")
        else:
            if not tool.has_no_cache:
                notes.append("`remediator scan --help` lists no --no-cache: cold = fresh XDG_CACHE_HOME per run")
            if args.jobs and not tool.has_jobs:
                notes.append("`remediator scan --help` lists no --jobs; passing it anyway as asked")
    if args.skip_grimp and tool is None:
        spawner.close()
        shutil.rmtree(scratch, ignore_errors=True)
        print("nothing to measure", file=sys.stderr)
        return 2

    warm_up(tool, scratch)
    temp_workdir = args.workdir is None
    workdir = Path(tempfile.mkdtemp(prefix="remediator-bench-")) if temp_workdir else args.workdir
    workdir.mkdir(parents=True, exist_ok=True)
    records: list[dict[str, Any]] = []
    try:
        gen = load_generator() if sizes or realistic_mb else None
        trees: list[Tree] = []
        for size in sizes:
            assert gen is not None
            trees.append(synthetic_tree(gen, workdir, size, args.seed, args.broken, args.ssot))
        for mb in realistic_mb:
            assert gen is not None
            trees.append(realistic_tree(gen, workdir, mb, args.seed, args.broken, args.ssot))
        for source in args.real:
            trees.append(real_tree(source, workdir))
        for tree in trees:
            records.append(bench_tree(tree, tool, jobs_list, args, scratch, spawner))
    finally:
        spawner.close()
        shutil.rmtree(scratch, ignore_errors=True)
        if temp_workdir and not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        elif temp_workdir:
            notes.append(f"trees kept in {workdir}")

    linearity = compute_linearity(records)
    print_report(records, linearity, notes)
    if args.json:
        meta = {
            "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "python": sys.version.split()[0],
            "platform": platform.platform(),
            "cpu_count": os.cpu_count(),
            "remediator_cmd": tool.base_cmd if tool else None,
            "remediator_version": tool.version if tool else None,
            "remediator_no_cache": tool.has_no_cache if tool else None,
            "args": {k: (str(v) if isinstance(v, Path) else [str(x) for x in v] if k == "real" else v) for k, v in vars(args).items()},
            "notes": notes,
        }
        args.json.write_text(
            json.dumps({"meta": meta, "results": records, "linearity": linearity}, indent=1, default=str) + "\n", encoding="utf-8"
        )
        print(f"results written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
