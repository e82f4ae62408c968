#!/usr/bin/env python3
"""Benchmark a warm ``remediator check`` of one changed file against a cold scan, lint-imports and ruff.

On one synthetic tree (``bench/generate.py --ssot K``: K backend modules import
the forbidden ``netra_backend.app.core.legacy_config``), with one equivalent
rule for every tool, written into the tree's ``pyproject.toml``:

* ``[tool.importlinter]``: a ``forbidden`` contract, direct imports only
  (``allow_indirect_imports = true``), whose source modules are every module
  that does not contain the forbidden one; remediator reads the same contract
  as a detection-only SSOT rule, so both check the same importers;
* ``[tool.ruff.lint.flake8-tidy-imports.banned-api]`` for the forbidden module,
  run as ``ruff check --select TID251``.

It measures, in one run, ``--repeat`` times each, every child started fresh
(wall, CPU, peak RSS through ``measure_child.py``):

(a) ``remediator scan TREE --no-cache`` (cold: no cache read or written);
(b) ``remediator check FILE --root TREE`` with the cache warm and FILE (the
    first planted violation) edited just before: each repeat appends a new line,
    so FILE is new to every tool in every repeat;
(c) ``lint-imports``, its cache warm (a first run is not measured);
(d) ``ruff check --select TID251``, cache warm, and with ``--no-cache``.

Also, once: a scan that writes an empty cache (what the first run costs) and a
warm check with nothing changed.

The pre-commit hook (``check --staged``, what is staged against HEAD): the tree
is committed to a git repository and cloned; in the fresh clone (no
``.remediator/``) three files are edited and staged and the hook's first run is
measured (target: under 2x the cold scan: it analyses the work tree and HEAD's
tree); then, ``--repeat`` times, the staged state is committed (``--no-verify``)
and three files are edited and staged again, and the warm hook run is measured
(target: under 0.5 s at 10,000 modules). ``--hook-only`` measures just the cold
scan and these. It prints medians, the ratios against the
targets (warm check under 10% of the cold scan, faster than lint-imports, within
3x of ruff) and checks that every tool reported the K planted violations.

lint-imports and ruff are benchmark tools, not dependencies of remediator:
``pip install import-linter ruff``. A tool that cannot be found is skipped.

Examples::

    python bench/bench_check.py
    python bench/bench_check.py --modules 10000 --repeat 5 --workdir /tmp/rb --json check-results.json
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

HERE = Path(__file__).resolve().parent
CACHES = (".remediator", ".import_linter_cache", ".ruff_cache")
TARGETS = {  # label: (numerator, denominator, limit, what)
    "check/scan": ("warm check", "cold scan", 0.10, "warm one-file check under 10% of the cold scan"),
    "check/lint-imports": ("warm check", "lint-imports", 1.0, "warm check faster than lint-imports (cache warm)"),
    "check/ruff": ("warm check", "ruff", 3.0, "warm check within 3x of ruff (cache warm)"),
    "check/ruff --no-cache": ("warm check", "ruff --no-cache", 3.0, "warm check within 3x of ruff --no-cache"),
    "hook first run/scan": (
        "hook, first run of a fresh clone",
        "cold scan",
        2.0,
        "the hook's first run in a fresh clone under 2x a cold scan",
    ),
}
HOOK_LIMIT_S = 0.5  # a warm hook run (check --staged, a few files staged) stays under this
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@example.invalid",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@example.invalid",
}


def _load(name: str) -> ModuleType:
    """Import a sibling script by path (``bench`` is not a package)."""
    spec = importlib.util.spec_from_file_location(f"remediator_bench_{name}", HERE / f"{name}.py")
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load bench/{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    previous, sys.dont_write_bytecode = sys.dont_write_bytecode, True
    try:
        spec.loader.exec_module(module)
    finally:
        sys.dont_write_bytecode = previous
    return module


bench_scan = _load("bench_scan")


def find_tool(name: str, explicit: str | None) -> list[str] | None:
    """The command for ``name``: ``explicit``, else the script beside this interpreter (no shim), else PATH."""
    if explicit:
        return explicit.split()
    beside = Path(sys.executable).parent / name
    if beside.is_file() and os.access(beside, os.X_OK):
        return [str(beside)]
    found = shutil.which(name)
    return [found] if found else None


def tool_version(cmd: list[str], *args: str) -> str | None:
    try:
        done = subprocess.run([*cmd, *args], capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    text = (done.stdout or done.stderr).strip().splitlines()
    return text[0] if done.returncode == 0 and text else None


def distribution_version(name: str) -> str | None:
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


# --------------------------------------------------------------------------- the tree


def make_tree(workdir: Path, modules: int, seed: int, broken: int, ssot: int) -> tuple[Path, dict[str, Any]]:
    """Generate (or reuse) the tree; write the tools' settings into its pyproject.toml."""
    gen = bench_scan.load_generator()
    root = workdir / f"check-synth-{modules}-seed{seed}-broken{broken}-ssot{ssot}"
    manifest = gen.ensure(root, modules, seed, broken, ssot)
    forbidden = manifest["ssot"]["forbidden_module"]
    canonical = manifest["ssot"]["canonical_module"]
    packages = list(manifest["top_level_packages"])
    sources = _sources_around(root, packages, forbidden)
    (root / "pyproject.toml").write_text(
        "[tool.importlinter]\n"
        f"root_packages = {json.dumps(packages)}\n\n"
        "[[tool.importlinter.contracts]]\n"
        f'name = "configuration only through {canonical}"\n'
        'type = "forbidden"\n'
        f"source_modules = {json.dumps(sources)}\n"
        f"forbidden_modules = {json.dumps([forbidden])}\n"
        "allow_indirect_imports = true\n\n"
        "[tool.ruff.lint.flake8-tidy-imports.banned-api]\n"
        f'"{forbidden}".msg = "use {canonical}"\n',
        encoding="utf-8",
    )
    return root, manifest


def _sources_around(root: Path, packages: list[str], forbidden: str) -> list[str]:
    """Every module not containing `forbidden` nor inside it, as few names as possible.

    import-linter skips a source module that overlaps the forbidden one (a package
    containing it), so the packages on the way to it are replaced by their children.
    """
    names: list[str] = []
    for name in packages:
        if name == forbidden:
            continue
        if not forbidden.startswith(name + "."):
            names.append(name)
            continue
        folder = root.joinpath(*name.split("."))
        children = sorted(
            f"{name}.{p.name}" if p.is_dir() else f"{name}.{p.stem}"
            for p in folder.iterdir()
            if (p.is_dir() and (p / "__init__.py").is_file()) or (p.suffix == ".py" and p.name != "__init__.py")
        )
        names += _sources_around(root, children, forbidden)
    return names


def settle(root: Path, seconds: float = 2.1) -> None:
    """Wait until every file is older than remediator's settle time, so the stat index may record it."""
    newest = 0.0
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            stat = os.stat(os.path.join(dirpath, name))
            newest = max(newest, stat.st_mtime, stat.st_ctime)
    time.sleep(max(0.0, newest + seconds - time.time()))


# --------------------------------------------------------------------------- runs


@dataclass
class Case:
    """One measured command."""

    label: str
    cmd: list[str]
    cwd: Path


@dataclass
class Scenario:
    """A warm remediator run after one edit of its own (measured once per repeat, the edit undone after)."""

    case: Case
    path: Path
    change: Any  # (original bytes, repeat) -> new bytes
    original: bytes = b""

    def edit(self, rep: int) -> None:
        self.original = self.path.read_bytes()
        self.path.write_bytes(self.change(self.original, rep))

    def restore(self) -> None:
        self.path.write_bytes(self.original)


def warm_scenarios(root: Path, manifest: dict[str, Any], base: list[str]) -> list[Scenario]:
    """Other everyday warm runs: text output, a file with a broken import, an import added, lines moved,
    the whole-project report."""
    ssot_file = manifest["ssot"]["violations"][0]["file"]
    broken_file = manifest["planted_broken"][0]["file"]
    targets = sorted(manifest["top_level_packages"])
    check = [*base, "check", "--root", "."]

    def append(original: bytes, rep: int) -> bytes:
        return original + f"\n_BENCH_EDIT = {rep}\n".encode()

    def new_import(original: bytes, rep: int) -> bytes:  # a new import edge each time: graph and cycles updated
        return original + f"\nimport {targets[rep % len(targets)]} as _bench_{rep}\n".encode()

    def line_on_top(original: bytes, rep: int) -> bytes:  # every import line moves
        return f"# bench edit {rep}\n".encode() + original

    return [
        Scenario(Case("warm check, text output", [*check, ssot_file], root), root / ssot_file, append),
        Scenario(Case("warm check, broken import", [*check, broken_file, "--format", "json"], root), root / broken_file, append),
        Scenario(Case("warm check, import added", [*check, ssot_file, "--format", "json"], root), root / ssot_file, new_import),
        Scenario(Case("warm check, line on top", [*check, ssot_file, "--format", "json"], root), root / ssot_file, line_on_top),
        Scenario(Case("warm scan, whole report", [*base, "scan", ".", "--format", "json"], root), root / ssot_file, append),
    ]


def hook_runs(
    root: Path,
    workdir: Path,
    base: list[str],
    measure: Any,
    repeat: int,
    runs: dict[str, list[Any]],
    once: dict[str, Any],
    manifest: dict[str, Any],
) -> None:
    """The pre-commit hook's runs in a fresh clone of the tree: the first one, then warm ones after each commit."""
    env = {**os.environ, **GIT_IDENTITY}

    def git(cwd: Path, *args: str) -> None:
        subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)

    if not (root / ".git").exists():
        git(root, "init", "-q")
        (root / ".gitignore").write_text(".remediator/\n.import_linter_cache/\n.ruff_cache/\n")
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", "benchmark tree")
    clone = workdir / f"clone-{time.time_ns()}"
    git(workdir, "clone", "-q", str(root), str(clone))
    settle(clone)  # a clone's files are as new as the clone; a user commits later than 2 s after cloning
    staged = [violation["file"] for violation in manifest["ssot"]["violations"][:3]]
    hook = [*base, "check", "--staged", "--root", ".", "--format", "json"]

    def stage(rep: int) -> None:
        for relpath in staged:
            with open(clone / relpath, "a", encoding="utf-8") as handle:
                handle.write(f"\n_HOOK_EDIT_{rep} = {rep}\n")
        git(clone, "add", *staged)

    stage(0)
    once["hook, first run of a fresh clone"] = measure(Case("hook, first run of a fresh clone", hook, clone))
    for rep in range(1, repeat + 1):
        git(clone, "commit", "-q", "--no-verify", "-m", f"bench {rep}")  # what the last run saw staged is HEAD now
        stage(rep)
        runs.setdefault("hook, warm (3 files staged)", []).append(measure(Case("hook, warm (3 files staged)", hook, clone)))
        # the same tree, the same moment: a plain warm check of one edited file, for the hook's own cost; the edit
        # is not staged and is undone, so that what is committed next is what the hook saw (as under pre-commit)
        edited = clone / staged[0]
        original = edited.read_bytes()
        edited.write_bytes(original + f"\n_PLAIN_EDIT_{rep} = {rep}\n".encode())
        plain = [*base, "check", staged[0], "--root", ".", "--format", "json"]
        runs.setdefault("warm check in the clone", []).append(measure(Case("warm check in the clone", plain, clone)))
        edited.write_bytes(original)


def count_findings(label: str, run: Any, forbidden: str, changed: str) -> dict[str, Any]:
    """What the run reported about the forbidden module (the findings check)."""
    out = run.stdout
    if label.startswith(("warm check, text", "warm scan")):
        return {"violations": "-"}
    if label.startswith("lint-imports"):  # one "importer -> imported (l.N)" per violation, maybe wrapped
        return {"violations": len(re.findall(r"\(l\.\d+", out)), "broken_contract": "BROKEN" in out}
    if label.startswith("ruff"):
        return {"violations": sum(1 for line in out.splitlines() if "TID251" in line)}
    try:
        document = json.loads(out)
    except ValueError:
        return {"error": "no JSON on stdout"}
    findings = document["findings"]
    return {
        "violations": sum(1 for f in findings if f["rule"] == "ssot-violation"),
        "findings": len(findings),
        "errors": document["summary"]["errors"],
        "in_changed_file": sum(1 for f in findings if f["path"] == changed),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--modules", type=int, default=10000, help="synthetic tree size (default 10000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--broken", type=int, default=50)
    parser.add_argument("--ssot", type=int, default=20, help="planted imports of the forbidden module (default 20)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per case; the median is reported (default 3)")
    parser.add_argument("--workdir", type=Path, default=None, help="where the tree is kept (default: a temporary folder)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary workdir")
    parser.add_argument("--remediator", default=None, help="remediator command (default: the console script)")
    parser.add_argument("--lint-imports", dest="lint_imports", default=None, help="lint-imports command")
    parser.add_argument("--ruff", default=None, help="ruff command")
    parser.add_argument("--timeout", type=float, default=1800.0)
    parser.add_argument("--json", type=Path, default=None, help="write every run and the ratios here")
    parser.add_argument("--no-scenarios", action="store_true", help="skip the other warm runs (text output, broken import, ...)")
    parser.add_argument("--hook-only", action="store_true", help="measure only the cold scan and the pre-commit hook runs")
    args = parser.parse_args(argv)

    tool, reason = bench_scan.probe_remediator(args.remediator)
    if tool is None:
        print(f"remediator not found: {reason}", file=sys.stderr)
        return 2
    if "--no-cache" not in tool.help_text:
        print("this remediator has no --no-cache: nothing to compare", file=sys.stderr)
        return 2
    lint_imports = find_tool("lint-imports", args.lint_imports)
    ruff = find_tool("ruff", args.ruff)
    notes: list[str] = []
    if lint_imports is None:
        notes.append("lint-imports not found (pip install import-linter): skipped")
    if ruff is None:
        notes.append("ruff not found (pip install ruff): skipped")

    temporary = args.workdir is None
    workdir = Path(tempfile.mkdtemp(prefix="remediator-bench-check-")) if temporary else args.workdir
    workdir.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="remediator-bench-scratch-"))
    spawner = bench_scan.Spawner(scratch)
    root, manifest = make_tree(workdir, args.modules, args.seed, args.broken, args.ssot)
    forbidden = manifest["ssot"]["forbidden_module"]
    changed_rel = manifest["ssot"]["violations"][0]["file"]
    changed = root / changed_rel
    original = changed.read_bytes()
    trash = workdir / "trash"
    try:
        for name in CACHES:  # start from nothing; removed caches are deleted at the end (deleting is slow I/O)
            if (root / name).exists():
                os.renames(root / name, trash / f"{name}-{time.time_ns()}")
        bench_scan.warm_page_cache(root)
        base = tool.base_cmd
        # Every tool runs with Python's default bytecode caching: pip byte-compiles what it installs
        # (lint-imports), but an editable checkout of remediator would be compiled again on every run
        # where PYTHONDONTWRITEBYTECODE is set (as on the project machine). The warm-ups write the .pyc files.
        env = {key: value for key, value in {**os.environ, **tool.env_extra}.items() if key != "PYTHONDONTWRITEBYTECODE"}
        cases = [
            Case("cold scan", [*base, "scan", str(root), "--no-cache", "--format", "json"], root),
            Case("warm check", [*base, "check", changed_rel, "--root", ".", "--format", "json"], root),
        ]
        if args.hook_only:
            cases = cases[:1]
        if lint_imports and not args.hook_only:
            cases.append(Case("lint-imports", [*lint_imports], root))
        if ruff and not args.hook_only:
            ruff_cmd = [*ruff, "check", "--select", "TID251", "--output-format", "concise", "--no-fix", "."]
            cases += [Case("ruff", ruff_cmd, root), Case("ruff --no-cache", [*ruff_cmd, "--no-cache"], root)]
        runs: dict[str, list[Any]] = {case.label: [] for case in cases}
        once: dict[str, Any] = {}

        def measure(case: Case) -> Any:
            result = spawner.run(case.cmd, cwd=case.cwd, env=env, timeout=args.timeout, sample_interval=0.05)
            status = "TIMEOUT" if result.timed_out else f"exit {result.returncode}"
            print(
                f"[run] {case.label:<22} {result.wall_s:7.3f}s  cpu {result.cpu_s:6.2f}s  {result.peak_rss_mib:7.1f} MiB  {status}",
                file=sys.stderr,
                flush=True,
            )
            return result

        settle(root)
        if args.hook_only:
            for _ in range(args.repeat):
                runs["cold scan"].append(measure(cases[0]))
            hook_runs(root, workdir, base, measure, args.repeat, runs, once, manifest)
            args.no_scenarios = True
            cases = []
        else:
            # What a first run costs: a scan that writes the whole cache (not a target; the cache is then warm).
            once["scan, empty cache"] = measure(Case("scan, empty cache", [*base, "scan", str(root), "--format", "json"], root))
        for case in cases[1:]:  # warm every tool's cache (and .pyc files); not measured
            measure(Case(f"{case.label} (warm-up)", case.cmd, case.cwd))
        for rep in range(args.repeat if cases else 0):
            changed.write_bytes(original + f"\n_BENCH_EDIT = {rep}  # one changed file\n".encode())
            order = cases if rep % 2 == 0 else cases[::-1]
            for case in order:
                runs[case.label].append(measure(case))
        if cases:
            once["warm check, nothing changed"] = measure(Case("warm check, nothing changed", cases[1].cmd, root))
            hook_runs(root, workdir, base, measure, args.repeat, runs, once, manifest)
        if not args.no_scenarios:
            for scenario in warm_scenarios(root, manifest, base):
                for rep in range(args.repeat):
                    scenario.edit(rep)
                    runs.setdefault(scenario.case.label, []).append(measure(scenario.case))
                    scenario.restore()
                    spawner.run(cases[1].cmd, cwd=root, env=env, timeout=args.timeout, sample_interval=0)  # absorb the undo, unmeasured
        store_mib = sum(p.stat().st_size for p in (root / ".remediator").rglob("store.sqlite*")) / 2**20
        notes.append(f"on disk: the store (facts, stat index, analyses) {store_mib:.1f} MiB (file sizes)")
    finally:
        changed.write_bytes(original)
        spawner.close()
        shutil.rmtree(scratch, ignore_errors=True)
        shutil.rmtree(trash, ignore_errors=True)
        if temporary and not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)

    summary = {label: bench_scan.summarise(results) for label, results in runs.items()}
    for label, results in runs.items():
        summary[label]["reported"] = count_findings(label, results[-1], forbidden, changed_rel)
    for label, result in once.items():
        summary[label] = bench_scan.summarise([result])
        summary[label]["reported"] = count_findings(label, result, forbidden, changed_rel)
    ratios = {}
    for key, (top, bottom, limit, what) in TARGETS.items():
        if top in summary and bottom in summary and summary[bottom]["wall_s"]:
            value = summary[top]["wall_s"] / summary[bottom]["wall_s"]
            ratios[key] = {"value": value, "limit": limit, "met": value <= limit, "target": what}
    warm_hook = summary.get("hook, warm (3 files staged)")
    if warm_hook is not None:
        met = warm_hook["wall_s"] <= HOOK_LIMIT_S
        notes.append(f"warm hook run {warm_hook['wall_s']:.3f} s (target under {HOOK_LIMIT_S} s): {'met' if met else 'MISSED'}")
    print_report(summary, ratios, manifest, args, notes)
    if args.json:
        meta = {
            "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "python": sys.version.split()[0],
            "platform": platform.platform(),
            "cpu_count": os.cpu_count(),
            "remediator": tool.version,
            "lint-imports": distribution_version("import-linter"),
            "ruff": tool_version(ruff, "--version") if ruff else None,
            "args": {k: str(v) for k, v in vars(args).items()},
            "changed_file": changed_rel,
            "notes": notes,
        }
        args.json.write_text(json.dumps({"meta": meta, "results": summary, "ratios": ratios}, indent=1, default=str) + "\n")
        print(f"results written to {args.json}")
    return 0


def print_report(
    summary: dict[str, Any], ratios: dict[str, Any], manifest: dict[str, Any], args: argparse.Namespace, notes: list[str]
) -> None:
    counts = manifest["counts"]
    print()
    print(
        f"tree: {counts['modules']} modules, {counts['bytes'] / 1e6:.1f} MB, {args.ssot} planted imports of "
        f"{manifest['ssot']['forbidden_module']}; medians of {args.repeat} runs (single runs marked *)"
    )
    header = f"{'case':<32}{'wall s':>8}{'(min-max)':>16}{'cpu s':>8}{'RSS MiB':>9}  {'exit':<6}{'violations':>11}"
    print(header)
    print("-" * len(header))
    for label, entry in summary.items():
        reported = entry["reported"].get("violations", "-")
        single = "*" if len(entry["runs"]) == 1 else ""
        spread = f"({entry['wall_min_s']:.3f}-{entry['wall_max_s']:.3f})"
        codes = ",".join(str(c) for c in entry["returncodes"]) + ("!" if entry["timed_out"] else "")
        print(
            f"{label + single:<32}{entry['wall_s']:>8.3f}{spread:>16}{entry['cpu_s']:>8.2f}"
            f"{entry['peak_rss_mib']:>9.1f}  {codes:<6}{reported!s:>11}"
        )
    print()
    for key, ratio in ratios.items():
        verdict = "met" if ratio["met"] else "MISSED"
        print(f"{key:<24} x{ratio['value']:.3f}  (target <= x{ratio['limit']:g}: {verdict}) - {ratio['target']}")
    for note in notes:
        print(f"note: {note}")


if __name__ == "__main__":
    sys.exit(main())
