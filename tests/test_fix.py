"""remediator fix end to end: real files, real LibCST, real subprocesses."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import remediator
from remediator.domain.config import MoveRule, Settings, SsotRule
from tests.conftest import WorkerWatch, write_tree

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "netra_monorepo"
MOVE = Settings(move=(MoveRule("lib.old", "lib.new"),))
LIB = {"lib/__init__.py": "", "lib/new.py": "class Thing:\n    size = 1\ndef helper():\n    return 1\n"}


def _cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "remediator", *args], capture_output=True, text=True, check=False, cwd=cwd)


def _snapshot(root: Path) -> dict[str, bytes]:
    """Every file's bytes, but the run journal's."""
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".remediator" not in p.relative_to(root).parts
    }


@pytest.fixture
def example(tmp_path: Path) -> Path:
    root = tmp_path / "netra"
    # not a store a run in the checkout left there: the fix starts from nothing, whatever ran before
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns(".remediator", "__pycache__"))
    return root


@pytest.mark.e2e
def test_example_end_to_end(example: Path) -> None:
    before = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:benchmark"],
        cwd=example,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert before.returncode != 0 and "ImportError while loading conftest" in before.stdout + before.stderr

    completed = _cli("fix", str(example), "--apply", "--rewrite-strings", "--format", "json", "--no-git")
    report = json.loads(completed.stdout)
    assert report["applied"] is True
    assert len(report["changed_files"]) == 12
    assert report["skipped"] == []
    assert report["rules"] == {
        "jwt-via-integration-layer": {"files": 5},
        "move:test_framework.fixtures.websocket_manager_mock": {"files": 7},
    }
    # what cannot be fixed by rewriting stays, and is explained: two modules to restore from their backups;
    # no rule of fix covers them, so they do not make fix fail (exit 1 means fix's own rules left something)
    assert report["remaining"] == {"missing-module": 2} and report["unfixed"] == {}
    assert completed.returncode == 0

    scan = json.loads(_cli("scan", str(example), "--format", "json", "--no-git").stdout)
    rules = scan["summary"]["by_rule"]
    assert "ssot-violation" not in rules
    missing = {f["target"]: f for f in scan["findings"] if f["rule"] == "missing-module"}
    assert sorted(missing) == ["shared.legacy_settings", "test_framework.fixtures.auth_headers"]
    assert all(f["suggestion"]["kind"] == "backup" for f in missing.values())
    assert scan["summary"]["ssot"]["compliance"] == 1.0
    # fix set 1 is half done: the package still star-imports the deleted auth_headers; its snapshot copy completes it
    subprocess.run(missing["test_framework.fixtures.auth_headers"]["suggestion"]["command"], shell=True, cwd=example, check=True)

    after = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:benchmark"],
        cwd=example,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert after.returncode == 0, after.stdout[-3000:]
    assert "108 passed" in after.stdout and "error" not in after.stdout.lower()

    second = json.loads(_cli("fix", str(example), "--apply", "--rewrite-strings", "--format", "json", "--no-git").stdout)
    assert second["changed_files"] == []


@pytest.mark.e2e
def test_dry_run_prints_a_diff_and_writes_nothing(example: Path) -> None:
    snapshot = _snapshot(example)
    completed = _cli("fix", str(example), "--no-git")
    assert completed.returncode == 1
    assert "-from auth_service.auth_core.core.jwt_handler import JWTHandler" in completed.stdout
    assert "+from netra_backend.app.auth_integration.jwt_ssot import JwtSsotIntegration as JWTHandler" in completed.stdout
    assert "run again with --apply" in completed.stdout
    assert _snapshot(example) == snapshot


@pytest.mark.e2e
def test_rule_selection(example: Path) -> None:
    report = json.loads(_cli("fix", str(example), "--rule", "jwt-via-integration-layer", "--format", "json", "--no-git").stdout)
    assert set(report["rules"]) == {"jwt-via-integration-layer"}
    assert all(path.startswith("netra_backend/") for path in report["changed_files"])
    completed = _cli("fix", str(example), "--rule", "nope")
    assert completed.returncode == 2 and "--rule" in completed.stderr and "Traceback" not in completed.stderr


def test_bytes_are_preserved(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", LIB)
    files = {
        "app/__init__.py": b"",
        "app/crlf.py": b"import os\r\nfrom lib.old import Thing\r\n\r\nx = Thing()\r\n",
        "app/bom.py": b"\xef\xbb\xbffrom lib.old import helper\nhelper()\n",
        "app/tabs.py": b"def f():\n\tfrom lib.old import helper\n\treturn helper()\n",
        "app/latin.py": "# -*- coding: latin-1 -*-\nname = 'café'\nfrom lib.old import Thing\n".encode("latin-1"),
        "app/stub.pyi": b"from lib.old import Thing\nx: Thing\n",
    }
    write_tree(root, files)
    result = remediator.fix(root, settings=MOVE, apply=True, use_git=False)
    assert sorted(result.to_dict()["changed_files"]) == sorted(p for p in files if p != "app/__init__.py")
    for relpath, original in files.items():
        now = (root / relpath).read_bytes()
        assert now == original.replace(b"lib.old", b"lib.new"), relpath


def test_mode_bits_are_kept(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", {**LIB, "app/__init__.py": "", "app/run.py": "from lib.old import helper\n"})
    (root / "app/run.py").chmod(0o751)
    remediator.fix(root, settings=MOVE, apply=True, use_git=False)
    assert (root / "app/run.py").stat().st_mode & 0o777 == 0o751
    assert (root / "app/run.py").read_text() == "from lib.new import helper\n"
    assert not list(root.rglob("*.remediator-tmp"))


def test_unmapped_symbol_is_skipped_not_written(tmp_path: Path) -> None:
    files = {**LIB, "app/__init__.py": "", "app/user.py": "from lib.old import Thing, Gone\n"}
    root = write_tree(tmp_path / "repo", files)
    result = remediator.fix(root, settings=MOVE, apply=True, use_git=False)
    assert [(s.path, s.reason) for s in result.skipped] == [("app/user.py", "unmapped-symbol")]
    assert (root / "app/user.py").read_text() == "from lib.old import Thing, Gone\n"
    assert result.exit_code == 1


def test_attribute_missing_from_the_new_module_is_skipped_not_written(tmp_path: Path) -> None:
    source = "import lib.old as m\nimport lib.old\n\nm.helper()\nm.main()\nlib.old.Thing.size\n"
    root = write_tree(tmp_path / "repo", {**LIB, "app/__init__.py": "", "app/run.py": source})
    result = remediator.fix(root, settings=MOVE, apply=True, use_git=False)
    assert [c.path for c in result.changes] == ["app/run.py"]
    assert (root / "app/run.py").read_text() == source.replace("import lib.old\n", "import lib.new\n").replace(
        "lib.old.Thing", "lib.new.Thing"
    )
    assert [s.to_dict() for s in result.skipped] == [
        {
            "path": "app/run.py",
            "line": 1,
            "reason": "attribute-missing",
            "detail": "lib.new has no attribute 'main' (used as m.main on line 5)",
        }
    ]


def test_module_moved_to_the_top_level_is_imported_with_import(tmp_path: Path) -> None:
    files = {
        "pkg/__init__.py": "other = 1\n",
        "mod4.py": "def run():\n    return 4\n",
        "app/__init__.py": "",
        "app/user.py": "from pkg import other, mod4 as m\n\nm.run(other)\n",
    }
    root = write_tree(tmp_path / "repo", files)
    result = remediator.fix(root, settings=Settings(move=(MoveRule("pkg.mod4", "mod4"),)), apply=True, use_git=False)
    assert result.skipped == [] and result.exit_code == 0
    assert (root / "app/user.py").read_text() == "from pkg import other\nimport mod4 as m\n\nm.run(other)\n"


def test_a_moved_submodule_reached_through_its_package_is_imported(tmp_path: Path) -> None:
    files = {
        "a/__init__.py": "",
        "a/b/__init__.py": "",
        "z/__init__.py": "",
        "z/c.py": "def f():\n    return 'z.c'\n",
        "app/__init__.py": "",
        "app/user.py": "import a.b\n\ndef run():\n    return a.b.c.f(), a.b.__name__\n",
    }
    root = write_tree(tmp_path / "repo", files)
    result = remediator.fix(root, settings=Settings(move=(MoveRule("a.b.c", "z.c"),)), apply=True, use_git=False)
    assert result.skipped == []
    after = "import a.b\nimport z.c\n\ndef run():\n    return z.c.f(), a.b.__name__\n"
    assert (root / "app/user.py").read_text() == after
    ran = subprocess.run(
        [sys.executable, "-c", "import app.user; print(app.user.run())"], cwd=root, capture_output=True, text=True, check=False
    )
    assert ran.stdout.strip() == "('z.c', 'a.b')", ran.stderr


def test_syntax_error_file_is_reported_as_skipped(tmp_path: Path) -> None:
    files = {**LIB, "app/__init__.py": "", "app/bad.py": "from lib.old import Thing\ndef (:\n"}
    root = write_tree(tmp_path / "repo", files)
    result = remediator.fix(root, settings=MOVE, apply=True, use_git=False)
    assert [(s.path, s.reason) for s in result.skipped] == [("app/bad.py", "syntax-error")]


def test_suggested_moves(tmp_path: Path) -> None:
    files = {
        **LIB,
        "tests/__init__.py": "",
        "tests/test_a.py": "from lib.deleted_mock import Thing\nfrom lib.new import Thing as T2\n",
        "tests/test_b.py": "from lib.new import helper, Thing\nfrom lib import gone_helper\n",
        "lib/extra.py": "def gone_helper():\n    return 1\n",
    }
    root = write_tree(tmp_path / "repo", files)
    assert remediator.fix(root, settings=Settings(), apply=True, use_git=False).changes == []  # not without --suggested
    result = remediator.fix(root, settings=Settings(), apply=True, suggested=True, use_git=False)
    assert sorted(c.path for c in result.changes) == ["tests/test_a.py", "tests/test_b.py"]
    # the existing import of the new home comes later: merging there would bind Thing too late
    assert (root / "tests/test_a.py").read_text() == "from lib.new import Thing\nfrom lib.new import Thing as T2\n"
    assert (root / "tests/test_b.py").read_text() == "from lib.new import helper, Thing\nfrom lib.extra import gone_helper\n"
    assert result.after is not None and result.after.errors == []
    assert result.exit_code == 0


def test_ssot_fix_from_python(tmp_path: Path) -> None:
    rule = SsotRule(name="r", forbid=("auth.jwt",), scope=("app",), use="app.ssot", symbols=(("check", "facade.check"),))
    files = {
        "auth/__init__.py": "",
        "auth/jwt.py": "def check(t): return t\n",
        "app/__init__.py": "",
        "app/ssot.py": "from auth.jwt import check as _check\nclass _Facade:\n    check = staticmethod(_check)\nfacade = _Facade()\n",
        "app/view.py": "from auth.jwt import check\n\ndef handle(t):\n    return check(t)\n",
    }
    root = write_tree(tmp_path / "repo", files)
    result = remediator.fix(root, settings=Settings(ssot=(rule,)), apply=True, use_git=False)
    assert [c.path for c in result.changes] == ["app/view.py"]
    assert (root / "app/view.py").read_text() == "from app.ssot import facade\n\ndef handle(t):\n    return facade.check(t)\n"
    assert result.after is not None and [f.rule for f in result.after.findings] == []


SHARED = {
    "auth/__init__.py": "",
    "auth/jwt.py": "def check(t): return t\n",
    "app/__init__.py": "",
    "app/ssot.py": "from auth.jwt import check as check\n",
    "oldpkg/__init__.py": "",
    "newpkg/__init__.py": "",
    "newpkg/widgets.py": "def make():\n    return 1\n",
    # the SSOT fix (line 1) and a suggested move that cannot be applied (line 2: `newpkg` is taken) share a file
    "app/view.py": "from auth.jwt import check\nimport oldpkg.widgets\n\nnewpkg = 'mine'\n\ndef handle():\n    return check(oldpkg.widgets.make())\n",
}
SHARED_RULE = SsotRule(name="r", forbid=("auth.jwt",), scope=("app",), use="app.ssot")


def test_a_refused_suggestion_does_not_drop_the_ssot_fix_of_its_file(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", SHARED)
    result = remediator.fix(root, settings=Settings(ssot=(SHARED_RULE,)), apply=True, suggested=True, use_git=False)
    assert [c.path for c in result.changes] == ["app/view.py"]
    assert (root / "app/view.py").read_text() == SHARED["app/view.py"].replace("from auth.jwt import", "from app.ssot import")
    assert [s.to_dict() for s in result.skipped] == [
        {
            "path": "app/view.py",
            "line": 2,
            "reason": "name-clash",
            "detail": "'newpkg' is already bound here; `import` of its package would rebind it",
        }
    ]
    assert result.rule_counts == {"r": 1}
    assert result.exit_code == 1  # the skipped statement is still unfixed


@pytest.mark.e2e
def test_skipped_statements_in_the_text_and_json_reports(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", SHARED)
    (root / "pyproject.toml").write_text('[[tool.remediator.ssot]]\nname = "r"\nforbid = ["auth.jwt"]\nscope = ["app"]\nuse = "app.ssot"\n')
    text = _cli("fix", str(root), "--suggested", "--no-git")
    assert text.returncode == 1
    assert "+from app.ssot import check" in text.stdout
    assert "skipped app/view.py:2: name-clash: 'newpkg' is already bound here" in text.stdout
    assert "1 file would change, 1 skipped (1 name-clash)" in text.stdout
    report = json.loads(_cli("fix", str(root), "--suggested", "--no-git", "--format", "json").stdout)
    assert report["changed_files"] == ["app/view.py"]
    assert [(s["path"], s["line"], s["reason"]) for s in report["skipped"]] == [("app/view.py", 2, "name-clash")]


@pytest.mark.e2e
def test_libcst_tool_runs_the_codemod(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", {"app/user.py": "from lib.old import Thing\nimport lib.old as m\n"})
    (root / ".libcst.codemod.yaml").write_text(
        "generated_code_marker: '@generated'\nformatter: []\nblacklist_patterns: []\nmodules:\n- 'codemods'\nrepo_root: '.'\n"
    )
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "libcst.tool",
            "codemod",
            "rewrite_imports.RewriteImportsCommand",
            "--no-format",
            "--move",
            "lib.old:lib.new",
            "app",
        ],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert (root / "app/user.py").read_text() == "from lib.new import Thing\nimport lib.new as m\n"


def test_jobs_do_not_change_the_result(tmp_path: Path, start_method: str) -> None:
    files = {**LIB, "app/__init__.py": ""}
    for i in range(40):  # above the size where worker processes are used
        files[f"app/m{i}.py"] = (
            f"from lib.old import Thing\nimport lib.old as o{i}\n\ndef f{i}():\n    from lib.old import helper\n    return helper(), o{i}.Thing\n"
        )
    one = write_tree(tmp_path / "one", files)
    two = write_tree(tmp_path / "two", files)
    first = remediator.fix(one, settings=MOVE, apply=True, jobs=1, use_git=False)
    watch = WorkerWatch()
    second = remediator.fix(two, settings=MOVE, apply=True, jobs=2, use_git=False, progress=watch)
    assert watch.methods == {start_method}  # the rewrite ran in workers started that way
    assert len(first.changes) == 40
    assert _snapshot(one) == _snapshot(two)
    assert [c.path for c in first.changes] == [c.path for c in second.changes]


@pytest.mark.e2e
def test_the_codemod_instance_carries_nothing_from_one_file_to_the_next(tmp_path: Path) -> None:
    """LibCST's runner reuses one instance for every file; a re-export in one must not protect the next."""
    root = write_tree(
        tmp_path / "repo",
        {
            "app/a.py": "from auth.jwt import check\n__all__ = ['check']\n",
            "app/b.py": "from auth.jwt import check\ncheck(1)\n",
        },
    )
    (root / ".libcst.codemod.yaml").write_text(
        "generated_code_marker: '@generated'\\nformatter: []\\nblacklist_patterns: []\\nmodules:\\n- 'codemods'\\nrepo_root: '.'\\n".replace(
            "\\n", "\n"
        )
    )
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "libcst.tool",
            "codemod",
            "rewrite_imports.RewriteImportsCommand",
            "--no-format",
            "-j",
            "1",
            "--rename",
            "auth.jwt.check=app.facade:impl.check",
            "app",
        ],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (root / "app/a.py").read_text() == "from auth.jwt import check\n__all__ = ['check']\n", completed.stderr  # re-export kept
    assert (root / "app/b.py").read_text() == "from app.facade import impl\nimpl.check(1)\n"
