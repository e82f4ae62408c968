"""Code newer than the running interpreter is still valid code, never a syntax-error finding."""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import remediator
from remediator.domain.config import Settings
from tests.conftest import write_tree

REPO = Path(__file__).resolve().parents[1]

# PEP 695 (3.12), PEP 696 defaults (3.13), PEP 701 nested f-string quotes (3.12), PEP 758 (3.14).
NEW_SYNTAX = {
    "modern/__init__.py": "",
    "modern/types.py": (
        "from modern.gone import Thing\n"
        "type Point[T] = tuple[T, T]\n"
        "def first[T: (int, str), *Ts, **P](items: list[T]) -> T:\n"
        "    return items[0]\n"
        "class Box[T = int]:\n"
        "    def get(self) -> T: ...\n"
        'label = f"{\'-\'.join(f"{x}" for x in [1, 2])}"\n'
        "try:\n"
        "    pass\n"
        "except ValueError, TypeError:\n"
        "    pass\n"
    ),
    "modern/user.py": "from modern.types import Point, first, Box, Missing\n",
}
EXPECTED = [
    ("missing-module", "modern/types.py", 1, "modern.gone"),
    ("missing-name", "modern/user.py", 1, "modern.types"),
]


def test_running_interpreter_rejects_it_but_the_scan_does_not(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", NEW_SYNTAX)
    if sys.version_info < (3, 14):
        with pytest.raises(SyntaxError):
            ast.parse((root / "modern/types.py").read_text())
    result = remediator.scan(root, settings=Settings(), use_git=False)
    assert [(f.rule, f.path, f.line, f.target) for f in result.findings] == EXPECTED
    assert {"Point", "first", "Box"} <= (result.model.symbols.names("modern.types") or set())


def test_real_syntax_errors_are_still_reported(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", {"p/__init__.py": "", "p/bad.py": "def f[T](x: T) -> T:\n    return (x\n"})
    (finding,) = remediator.scan(root, settings=Settings(), use_git=False).findings
    assert finding.rule == "syntax-error" and finding.path == "p/bad.py"


def _oldest_python() -> str | None:
    candidates: list[str | None] = []
    pyenv = Path(os.environ.get("PYENV_ROOT", "/root/.pyenv")) / "versions"
    if pyenv.is_dir():
        candidates += sorted(str(p / "bin" / "python3.10") for p in pyenv.glob("3.10.*"))
    candidates.append(shutil.which("python3.10"))
    for candidate in candidates:
        if candidate and subprocess.run([candidate, "--version"], capture_output=True).returncode == 0:
            return candidate
    return None


@pytest.fixture(scope="session")
def venv310(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Python 3.10 virtualenv with this checkout installed by pip, built once per session."""
    python = _oldest_python()
    if python is None:
        pytest.skip("no Python 3.10 interpreter on this machine")
    venv = tmp_path_factory.mktemp("venv310")
    subprocess.run([python, "-m", "venv", str(venv)], check=True)
    pip = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", str(REPO)],
        capture_output=True,
        text=True,
        check=False,
    )
    if pip.returncode != 0:
        pytest.fail(f"installing remediator under Python 3.10 failed:\n{pip.stderr[-2000:]}")
    return venv


@pytest.mark.e2e
def test_under_the_oldest_supported_python(venv310: Path, tmp_path: Path) -> None:
    """Python 3.10 (requires-python's floor) scans 3.12-3.14 syntax with the same results."""
    root = write_tree(tmp_path / "repo", NEW_SYNTAX)
    completed = subprocess.run(
        [str(venv310 / "bin" / "remediator"), "scan", str(root), "--format", "json", "--no-git"],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert completed.returncode == 1, completed.stderr
    findings = json.loads(completed.stdout)["findings"]
    assert [(f["rule"], f["path"], f["line"], f["target"]) for f in findings] == EXPECTED
    version = subprocess.run(
        [str(venv310 / "bin" / "python"), "-c", "import sys; print(sys.version_info[:2])"], capture_output=True, text=True
    )
    assert version.stdout.strip() == "(3, 10)"


def test_newer_syntax_in_a_file_that_gets_compiled_is_not_a_syntax_error(tmp_path: Path) -> None:
    """A file the cheap checks send to compile() (here: `<>` in a string) may hold syntax newer than the
    running Python; compile()'s parse-stage refusal then says nothing about the file (CPython 3.12's own
    typing.py was reported so under 3.11)."""
    source = "class SupportsAbs[T]:\n    pass\n\n\nNOT_EQUAL = '<>'\nlabel = f'{\", \".join([\"a\"])}'\n"
    root = write_tree(
        tmp_path / "repo", {"p/__init__.py": "", "p/typing_like.py": source, "p/user.py": "from p.typing_like import SupportsAbs\n"}
    )
    if sys.version_info < (3, 12):
        with pytest.raises(SyntaxError):
            compile(source, "typing_like.py", "exec")
    assert remediator.scan(root, settings=Settings(), use_git=False).findings == []
