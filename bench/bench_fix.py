"""Time `remediator fix --apply` against LibCST's RenameCommand on a real package move.

The django 5.2 wheel is unpacked twice, each copy made a git repository, and
`django.utils.translation` is moved to `django.utils.i18n` with `git mv`, as a
user would. Then, in one run and with the same number of jobs:

- remediator: `remediator fix --apply` with a `[[tool.remediator.move]]` rule;
- LibCST:     `python -m libcst.tool codemod rename.RenameCommand --no-format
               --old_name=django.utils.translation --new_name=django.utils.i18n`.

Both results are compared file by file, and each tree is scanned afterwards:
how many imports of the old package are left broken, and how many files no
longer compile. Run:

    pip download --no-deps django==5.2 -d /tmp/wheels
    python bench/bench_fix.py /tmp/wheels/Django-5.2-py3-none-any.whl [--jobs 2]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

OLD = "django.utils.translation"
NEW = "django.utils.i18n"
GIT = ["git", "-c", "user.email=bench@example.invalid", "-c", "user.name=bench"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("wheel", type=Path, help="the django 5.2 wheel")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--json", type=Path, default=None, help="write the figures here")
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="bench-fix-"))
    trees = {name: _prepare(args.wheel, workdir / name) for name in ("remediator", "libcst", "original")}
    config = workdir / "remediator.toml"
    config.write_text(f'packages = ["django"]\n[[move]]\nfrom = "{OLD}"\nto = "{NEW}"\n')

    timings = {}
    started = time.perf_counter()
    fix = _run(
        [
            sys.executable,
            "-m",
            "remediator",
            "fix",
            ".",
            "--apply",
            "--config",
            str(config),
            "--jobs",
            str(args.jobs),
            "--format",
            "json",
            "--no-git",
        ],
        trees["remediator"],
    )
    timings["remediator"] = time.perf_counter() - started
    report = json.loads(fix.stdout)

    _run([sys.executable, "-m", "libcst.tool", "initialize", "."], trees["libcst"])
    started = time.perf_counter()
    _run(
        [
            sys.executable,
            "-m",
            "libcst.tool",
            "codemod",
            "rename.RenameCommand",
            "--no-format",
            "-j",
            str(args.jobs),
            f"--old_name={OLD}",
            f"--new_name={NEW}",
            "django",
        ],
        trees["libcst"],
    )
    timings["libcst"] = time.perf_counter() - started
    (trees["libcst"] / ".libcst.codemod.yaml").unlink()

    comparison = _compare(trees)
    quality = {name: _quality(trees[name], config) for name in ("remediator", "libcst")}
    figures = {
        "jobs": args.jobs,
        "seconds": {k: round(v, 2) for k, v in timings.items()},
        "speedup": round(timings["libcst"] / timings["remediator"], 1),
        "remediator_report": {k: report[k] for k in ("changed_files", "skipped", "remaining")},
        "comparison": comparison,
        "quality": quality,
    }
    _print(figures)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    if args.workdir is None:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


def _prepare(wheel: Path, root: Path) -> Path:
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(root)
    _run(["git", "init", "-q"], root)
    _run(["git", "add", "-A"], root)
    _run([*GIT, "commit", "-qm", "django 5.2"], root)
    _run(["git", "mv", "django/utils/translation", "django/utils/i18n"], root)
    _run([*GIT, "commit", "-qm", "move translation to i18n"], root)
    return root


def _compare(trees: dict[str, Path]) -> dict[str, object]:
    """Which files each tool changed, and where the two results differ."""
    original = _files(trees["original"])
    ours, theirs = _files(trees["remediator"]), _files(trees["libcst"])
    changed_ours = {p for p in original if ours.get(p) != original[p]}
    changed_theirs = {p for p in original if theirs.get(p) != original[p]}
    both = changed_ours & changed_theirs
    return {
        "changed_by_remediator": len(changed_ours),
        "changed_by_libcst": len(changed_theirs),
        "changed_by_both": len(both),
        "identical_results": sum(1 for p in both if ours[p] == theirs[p]),
        "different_results": sorted(p for p in both if ours[p] != theirs[p]),
        "only_remediator": sorted(changed_ours - changed_theirs),
        "only_libcst": sorted(changed_theirs - changed_ours),
    }


def _quality(root: Path, config: Path) -> dict[str, int]:
    """After the rewrite: broken imports of the old package left, files that do not compile."""
    scan = _run([sys.executable, "-m", "remediator", "scan", ".", "--config", str(config), "--format", "json", "--no-git"], root)
    findings = json.loads(scan.stdout)["findings"]
    left = sum(1 for f in findings if f["rule"].startswith("missing") and (f["target"] or "").startswith(OLD))
    not_compiling = 0
    for path in root.rglob("*.py"):
        try:
            compile(path.read_bytes(), str(path), "exec", dont_inherit=True)
        except SyntaxError:
            not_compiling += 1
    return {"broken_imports_of_old_package": left, "files_not_compiling": not_compiling}


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*.py") if ".git" not in p.parts}


def _run(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False, env=env)


def _print(figures: dict[str, object]) -> None:
    seconds = figures["seconds"]
    assert isinstance(seconds, dict)
    print(
        f"remediator fix --apply: {seconds['remediator']:.1f} s   RenameCommand: {seconds['libcst']:.1f} s   "
        f"(-j {figures['jobs']}; remediator is {figures['speedup']}x faster)"
    )
    print(json.dumps({k: figures[k] for k in ("comparison", "quality", "remediator_report")}, indent=2))


if __name__ == "__main__":
    raise SystemExit(main())
