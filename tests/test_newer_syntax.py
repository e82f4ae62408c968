"""newer-syntax: syntax newer than the oldest Python the project supports.

Every Python 3 interpreter found on this machine (on PATH as `python3.X`, or
under pyenv) is the oracle: it compiles each case, and must accept it exactly
when its version is at least the one remediator says the case needs. Where no
such interpreter is installed, the table's own figures are still checked.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

import remediator
from remediator.adapters.parser import parse_source
from remediator.domain.config import Settings, lowest_python
from bench.syntax_oracle import interpreters as interpreters_here
from tests.conftest import invoke_cli, write_tree

CASES = [  # (source, the Python 3 minor version that first accepts it)
    ("if (n := 3) > 2:\n    pass\n", 8),
    ("def f(a, /, b):\n    pass\n", 8),
    ("match command:\n    case [x, y]:\n        pass\n", 10),
    ("try:\n    pass\nexcept* ValueError:\n    pass\n", 11),
    ("a = {}\nb = (1, 2)\nc = a[*b] if False else 0\n", 11),
    ("type Pair = tuple[int, int]\n", 12),
    ("def first[T](items: list[T]) -> T:\n    return items[0]\n", 12),
    ("class Box[T]:\n    pass\n", 12),
    ('d = {"k": 1}\ns = f"{d["k"]}"\n', 12),
    ("items = ['a']\ns = f\"{'\\n'.join(items)}\"\n", 12),
    ('name = "x"\ns = t"hi {name}"\n', 14),
    ("try:\n    pass\nexcept ValueError, TypeError:\n    pass\n", 14),
]
OLD_ENOUGH = [  # valid in 3.7: never reported, whatever the target
    "match = 1\nmatch(2) if callable(match) else None\n",
    "type = 'x'\nprint(type)\n",
    "d = {'k': 1}\ns = f\"{d['k']}\"\n",
    's = f"""{dict(k=1)["k"]}"""\n',
    "s = f'{3.14159:>{10}.2f}'\n",
    "x = [1, 2]\ny = x[1:]\nz = [*x]\n",
    "try:\n    pass\nexcept (ValueError, TypeError):\n    pass\n",
    "print('a := b', 'don''t', \"it't\")\n",
]


@pytest.fixture(scope="session")
def interpreters() -> dict[int, str]:
    """The oracles, looked for once per session (only by the tests that ask them)."""
    return interpreters_here()


def _compiles(interpreter: str, source: str) -> bool:
    done = subprocess.run(
        [interpreter, "-c", "import sys; compile(sys.stdin.read(), 'case.py', 'exec')"],
        input=source,
        capture_output=True,
        text=True,
        check=False,
    )
    return done.returncode == 0


@pytest.mark.parametrize("source, needs", CASES)
def test_the_version_a_construct_needs(source: str, needs: int) -> None:
    need = parse_source(source.encode()).syntax_need
    assert need is not None and need.minor == needs, need


@pytest.mark.e2e
@pytest.mark.parametrize("source, needs", CASES)
def test_the_interpreters_here_accept_a_construct_from_the_version_it_needs(source: str, needs: int, interpreters: dict[int, str]) -> None:
    for minor, interpreter in interpreters.items():  # the oracle, where the interpreters are installed
        assert _compiles(interpreter, source) == (minor >= needs), (minor, source)


@pytest.mark.parametrize("source", OLD_ENOUGH)
def test_older_syntax_needs_nothing(source: str) -> None:
    assert parse_source(source.encode()).syntax_need is None


@pytest.mark.e2e
@pytest.mark.parametrize("source", OLD_ENOUGH)
def test_the_interpreters_here_accept_older_syntax(source: str, interpreters: dict[int, str]) -> None:
    for interpreter in interpreters.values():
        assert _compiles(interpreter, source)


@pytest.mark.parametrize("source, needs", CASES)
def test_reported_only_below_the_version_it_needs(tmp_path: Path, source: str, needs: int) -> None:
    for target, reported in ((needs - 1, True), (needs, False)):
        root = write_tree(
            tmp_path / f"repo{target}",
            {
                "pyproject.toml": f'[project]\nname = "p"\nrequires-python = ">=3.{target}"\n',
                "app/__init__.py": "",
                "app/new.py": source.encode(),
                "app/user.py": "import app.new\n",
            },
        )
        found = [(f.rule, f.path, f.severity) for f in remediator.scan(root, use_git=False).findings]
        assert found == ([("newer-syntax", "app/new.py", "error")] if reported else []), (target, found)


def test_without_a_target_nothing_is_reported_and_the_setting_wins(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", {"app/__init__.py": "", "app/new.py": "type Pair = tuple[int, int]\n"})
    assert remediator.scan(root, use_git=False).findings == []
    (finding,) = remediator.scan(root, settings=Settings(python_version="3.11"), use_git=False).findings
    assert finding.message == "needs Python 3.12 (a type statement); the project supports Python 3.11 (python_version = '3.11')"
    write_tree(root, {"pyproject.toml": '[project]\nrequires-python = ">=3.9"\n[tool.remediator]\npython_version = "3.12"\n'})
    result = invoke_cli(root, "scan", ".", "--no-git")
    assert result.exit_code == 0, result.stdout  # the setting says 3.12: valid
    write_tree(root, {"pyproject.toml": '[tool.remediator]\npython_version = "three"\n'})
    bad = invoke_cli(root, "scan", ".", "--no-git")
    assert bad.exit_code == 2 and "tool.remediator.python_version" in bad.output


@pytest.mark.parametrize(
    "specifier, lowest",
    [
        (">=3.10", (3, 10)),
        (">=3.8,<4", (3, 8)),
        ("~=3.9", (3, 9)),
        ("==3.11.*", (3, 11)),
        (">3.9", (3, 9)),
        (">=3.8, >=3.10", (3, 10)),
        ("<3.12", None),
        ("!=3.9.1", None),
        (" >= 3.12 ", (3, 12)),
    ],
)
def test_requires_python_lowest_version(specifier: str, lowest: tuple[int, int] | None) -> None:
    assert lowest_python(specifier) == lowest
