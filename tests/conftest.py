"""Shared helpers: build real project trees on disk and scan them."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, settings

import remediator
from remediator.cli import main
from remediator.domain.config import Settings
from remediator.domain.findings import Finding

# Hypothesis profiles, which govern every property test (none sets its own max_examples):
# "ci" by default, "thorough" for long runs (`pytest --hypothesis-profile=thorough`, or
# REMEDIATOR_HYPOTHESIS_PROFILE=thorough), "dev" for the quick local loop (docs/architecture.md,
# "Checks"). REMEDIATOR_HYPOTHESIS_EXAMPLES=N gives every profile N examples
# (REMEDIATOR_INCREMENTAL_EXAMPLES, its former name for one test, too).
_SLOW = [HealthCheck.too_slow, HealthCheck.data_too_large]
_EXAMPLES = os.environ.get("REMEDIATOR_HYPOTHESIS_EXAMPLES") or os.environ.get("REMEDIATOR_INCREMENTAL_EXAMPLES")
for _name, _count in (("dev", 10), ("ci", 120), ("thorough", 2000)):
    settings.register_profile(_name, max_examples=int(_EXAMPLES or _count), deadline=None, suppress_health_check=_SLOW)
# Hypothesis itself loads its "ci" profile when a CI variable is set (`is_in_ci()`); that is
# not a choice made on the command line, so the variable above still applies there.
try:
    from hypothesis._settings import is_in_ci
except ImportError:  # a Hypothesis that never loads a profile of its own

    def is_in_ci() -> bool:
        return False


_CHOSEN_BY_HYPOTHESIS = "ci" if is_in_ci() else "default"
if settings.get_current_profile_name() == _CHOSEN_BY_HYPOTHESIS:  # never override `--hypothesis-profile=...`
    settings.load_profile(os.environ.get("REMEDIATOR_HYPOTHESIS_PROFILE", "ci"))


def git(root: Path, *args: str) -> str:
    """Run git in `root` with a fixed identity; its standard output."""
    identity = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"}
    return subprocess.run(["git", *args], cwd=root, env={**os.environ, **identity}, capture_output=True, text=True, check=True).stdout


def invoke_cli(cwd: Path, *args: str) -> Result:
    """Run the click CLI in-process with `cwd` as the working directory."""
    previous = Path.cwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(main, list(args), catch_exceptions=False)
    finally:
        os.chdir(previous)


def uncollectable(root: Path, test_files: list[str]) -> list[str]:
    """Which of `test_files` (root-relative) pytest cannot collect, asked of real pytest in `root`.

    A `pytest --collect-only` session over the files; when pytest reports a conftest that
    fails to load (it then stops the session), every file below that conftest's folder is
    uncollectable and the session is run again over the others.
    """
    command = [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", "-p", "no:benchmark", "-p", "no:randomly"]
    # Only pytest's own plugins: what this machine has installed must not change the answer (nor slow it).
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONDONTWRITEBYTECODE": "1", "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    failing: set[str] = set()
    left = sorted(test_files)
    while left:
        session = subprocess.run([*command, "--continue-on-collection-errors", *left], cwd=root, capture_output=True, text=True, env=env)
        output = session.stdout + session.stderr
        conftest = re.search(r"ImportError while loading conftest '([^']+)'", output)
        if conftest is None:
            assert session.returncode in (0, 1, 2, 5), output[-3000:]
            failing |= {line.split()[1] for line in session.stdout.splitlines() if line.startswith("ERROR ")} & set(left)
            break
        folder = Path(conftest.group(1)).resolve().parent.relative_to(root.resolve()).as_posix()
        below = {path for path in left if folder == "." or path.startswith(folder + "/")}
        assert below, output[-3000:]
        failing |= below
        left = [path for path in left if path not in below]
    return sorted(failing)


def python_runs(root: Path, program: str) -> tuple[bool, str]:
    """Whether real Python runs `program` in `root` (the oracle of what an import does), and its standard error."""
    done = subprocess.run([sys.executable, "-c", program], cwd=root, capture_output=True, text=True, check=False)
    return done.returncode == 0, done.stderr


def scan_agrees_with_python(root: Path, module: str, path: str, runs: bool) -> list[Finding]:
    """Import `module` in real Python (the oracle: it must run exactly when `runs`), then scan: the scan must
    report something at `path` exactly when Python fails. The findings at `path`."""
    ran, error = python_runs(root, f"import {module}")
    assert ran is runs, error  # the oracle
    found = [f for f in remediator.scan(root, use_git=False).findings if f.path == path]
    assert (not found) is runs, [f.message for f in found]
    return found


def write_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    """Write `files` (relative path -> text or bytes) under `root`; text is dedented."""
    for relpath, content in files.items():
        path = root / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")
    return root


def scan_tree(root: Path, files: dict[str, str | bytes], **settings: Any) -> remediator.ScanResult:
    """Write the tree and scan it (no git lookups unless the test wants them)."""
    write_tree(root, files)
    return remediator.scan(root, settings=Settings(**settings), use_git=False)


def problems(result: remediator.ScanResult, *rules: str) -> list[tuple[Any, ...]]:
    """(rule, path, line, target, name, guarded) of each finding, optionally of some rules."""
    return [(f.rule, f.path, f.line, f.target, f.name, f.guarded) for f in result.findings if not rules or f.rule in rules]


@pytest.fixture
def project(tmp_path: Path):
    """Return a function that writes a tree under a fresh directory and scans it."""

    def make(files: dict[str, str | bytes], **settings: Any) -> remediator.ScanResult:
        return scan_tree(tmp_path / "repo", files, **settings)

    return make


@pytest.fixture(params=["fork", "spawn"])
def start_method(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run the test with worker pools started by fork, then by spawn (Windows' only way), through the platform module."""
    import multiprocessing

    from remediator.adapters.platform import START_METHOD_ENV

    if request.param not in multiprocessing.get_all_start_methods():
        pytest.skip(f"no {request.param} start method here")
    monkeypatch.setenv(START_METHOD_ENV, request.param)
    return request.param


class WorkerWatch:
    """A progress callback that notes how the live worker processes were started, each time it hears of progress."""

    def __init__(self) -> None:
        self.methods: set[str] = set()
        self.events: list[dict[str, Any]] = []

    def __call__(self, event: dict[str, Any]) -> None:
        import multiprocessing

        self.events.append(event)
        # a pool's processes are ForkProcess or SpawnProcess objects, alive while it hands back results
        self.methods |= {type(p).__name__.removesuffix("Process").lower() for p in multiprocessing.active_children()}
