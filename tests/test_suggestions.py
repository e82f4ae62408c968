"""Suggestions: move (names defined elsewhere), restore (git history), backup (a copy in the tree)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

import remediator
from remediator.domain.config import Settings
from tests.conftest import git as _git, write_tree


def test_move_suggestion_when_names_live_in_exactly_one_module(project) -> None:
    files = {
        "test_framework/__init__.py": "",
        "test_framework/fixtures/__init__.py": "",
        "test_framework/ssot/__init__.py": "",
        "test_framework/ssot/websocket_mocks.py": "class MockWebSocketManager:\n    sockets = ()\nclass MockWebSocket:\n    open = True\n",
        "tests/__init__.py": "",
        "tests/test_a.py": "from test_framework.fixtures.websocket_manager_mock import MockWebSocketManager\n",
        "tests/test_b.py": "from test_framework.fixtures.websocket_manager_mock import MockWebSocket, MockWebSocketManager\n",
    }
    result = project(files)
    assert len(result.findings) == 3
    for finding in result.findings:
        assert finding.suggestion is not None
        assert (finding.suggestion.kind, finding.suggestion.target) == ("move", "test_framework.ssot.websocket_mocks")
    (target,) = result.missing_targets
    assert len(target.importers) == 2 and target.failing_test_files == ["tests/test_a.py", "tests/test_b.py"]


def test_two_definers_are_ranked_candidates_never_a_move(project) -> None:
    files = {
        "p/__init__.py": "",
        "p/one.py": "def helper(x):\n    return x\n",
        "p/two.py": "async def helper():\n    return 2\n",
        "p/user.py": "from p.gone import helper\n\nasync def main():\n    return await helper()\n",
    }
    (finding,) = project(files).findings
    options = (finding.suggestion, *finding.alternatives)
    assert [(s.kind, s.target) for s in options if s] == [("candidate", "p.two"), ("candidate", "p.one")]  # the one that fits first
    assert options[0].evidence == "one of 2 possible new homes; async def helper(); fits the 1 use seen; no git history to check"
    assert (
        options[1].evidence is not None
        and "does not fit: awaited at p/user.py:4, but helper is a plain (not async) function" in options[1].evidence
    )


def test_missing_name_moved_to_another_module(project) -> None:
    files = {
        "auth/__init__.py": "",
        "auth/jwt_handler.py": "def decode_token(t): return t\n",
        "auth/cross.py": "def validate_jwt_cross_service(t): return t\n",
        "app/__init__.py": "",
        "app/user.py": "from auth.jwt_handler import validate_jwt_cross_service\n",
    }
    (finding,) = project(files).findings
    assert finding.rule == "missing-name"
    assert finding.suggestion is not None and finding.suggestion.target == "auth.cross"


def test_restore_suggestion_names_the_deleting_commit(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    write_tree(root, {"pkg/__init__.py": "", "pkg/old.py": "def legacy(): pass\n", "pkg/user.py": "import pkg.old\n"})
    _git(root, "init", "-q")
    _git(root, "add", ".")
    _git(root, "commit", "-qm", "add")
    _git(root, "rm", "-q", "pkg/old.py")
    _git(root, "commit", "-qm", "delete old")
    deleting = _git(root, "rev-parse", "HEAD").strip()
    result = remediator.scan(root, settings=Settings())
    (finding,) = result.findings
    assert finding.suggestion is not None
    assert finding.suggestion.kind == "restore"
    assert finding.suggestion.commit == deleting
    assert finding.suggestion.command == f"git checkout {deleting}^ -- pkg/old.py"
    # the command really brings the module back
    subprocess.run(finding.suggestion.command.split(), cwd=root, check=True, capture_output=True)
    assert remediator.scan(root, settings=Settings()).findings == []


def test_restore_in_a_subdirectory_of_the_repository(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    root = repo / "services" / "api"
    write_tree(root, {"svc/__init__.py": "", "svc/gone.py": "", "svc/user.py": "from svc import gone\n"})
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "add")
    _git(repo, "rm", "-q", "services/api/svc/gone.py")
    _git(repo, "commit", "-qm", "delete")
    (finding,) = remediator.scan(root, settings=Settings()).findings
    # `from svc import gone`: gone is neither a submodule nor a name any more
    assert (finding.rule, finding.target, finding.name) == ("missing-name", "svc", "gone")
    assert finding.suggestion is not None and finding.suggestion.kind == "restore"
    assert finding.suggestion.path == "svc/gone.py"  # relative to the scanned root
    write_tree(root, {"svc/user.py": "import svc.gone\n"})
    (finding,) = remediator.scan(root, settings=Settings()).findings
    assert finding.suggestion is not None and finding.suggestion.kind == "restore"
    assert finding.suggestion.command is not None and finding.suggestion.command.endswith("-- svc/gone.py")


def test_no_restore_outside_git(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "plain", {"pkg/__init__.py": "", "pkg/user.py": "import pkg.old\n"})
    (finding,) = remediator.scan(root, settings=Settings()).findings
    assert finding.suggestion is None


def test_backup_suggestion(project) -> None:
    files = {
        "shared/__init__.py": "",
        "shared/legacy_settings.py.backup": "class LegacySettings: pass\n",
        "shared/backups/old_helpers.py": "def helper(): pass\n",
        "app/__init__.py": "",
        "app/a.py": "from shared.legacy_settings import LegacySettings\n",
        "app/b.py": "import shared.old_helpers\n",
    }
    result = project(files)
    suggestions = {f.target: f.suggestion for f in result.findings}
    assert suggestions["shared.legacy_settings"] is not None
    assert suggestions["shared.legacy_settings"].kind == "backup"
    assert suggestions["shared.legacy_settings"].path == "shared/legacy_settings.py.backup"
    assert suggestions["shared.old_helpers"] is not None
    assert suggestions["shared.old_helpers"].path == "shared/backups/old_helpers.py"
    # backups are not modules
    assert "shared.backups.old_helpers" not in result.model.index.modules


PLACEHOLDERS = {
    "class docstring only": 'class Client:\n    """Placeholder for the client."""\n',
    "class pass": "class Client:\n    pass\n",
    "def ellipsis": "def Client():\n    ...\n",
    "def raising NotImplementedError": "def Client():\n    raise NotImplementedError\n",
    "None": "Client = None\n",
    "bare Mock": "from unittest.mock import MagicMock\nClient = MagicMock()\n",
}


@pytest.mark.parametrize("stub", PLACEHOLDERS.values(), ids=PLACEHOLDERS.keys())
def test_a_placeholder_is_never_a_new_home(project, stub: str) -> None:
    files = {
        "app/__init__.py": "",
        "app/api.py": "from app.gone import Client\n",
        "scripts_dev/__init__.py": "",
        "scripts_dev/stubs.py": stub,  # the only other definition: a stub
    }
    (finding,) = [f for f in project(files).findings if f.path == "app/api.py"]
    assert finding.suggestion is None or finding.suggestion.kind != "move"


def test_a_real_definition_beside_stubs_is_the_new_home(project) -> None:
    files = {
        "app/__init__.py": "",
        "app/api.py": "from app.gone import Client\n",
        "app/client.py": "class Client:\n    def send(self):\n        return 1\n",
        "scripts_dev/__init__.py": "",
        "scripts_dev/stubs.py": "class Client:\n    pass\n",
    }
    (finding,) = [f for f in project(files).findings if f.path == "app/api.py"]
    assert (finding.suggestion.kind, finding.suggestion.target) == ("move", "app.client")


@pytest.mark.parametrize("importer, suggested", [("app/api.py", False), ("tests/test_api.py", True)])
def test_test_code_is_a_new_home_only_for_tests(project, importer: str, suggested: bool) -> None:
    files = {
        "app/__init__.py": "",
        "tests/__init__.py": "",
        importer: "from app.gone import make_client\n",
        "tests/factories.py": "def make_client():\n    return object()\n",  # defined only in test code
    }
    (finding,) = [f for f in project(files).findings if f.path == importer]
    is_move = finding.suggestion is not None and finding.suggestion.kind == "move"
    assert is_move == suggested


# ---------------------------------------------------------------------------- moves are followed, not undone


def _commit(root: Path, message: str, date: str = "2024-06-01T12:00:00") -> str:
    """Commit everything staged at `date` (author and committer); the new commit's hash."""
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@t",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@t",
        "GIT_AUTHOR_DATE": date,
        "GIT_COMMITTER_DATE": date,
    }
    subprocess.run(["git", "add", "-A"], cwd=root, check=True, env=env)
    subprocess.run(["git", "commit", "-qm", message], cwd=root, check=True, env=env)
    return _git(root, "rev-parse", "HEAD").strip()


def _repo(root: Path, files: dict[str, str], date: str = "2024-01-01T12:00:00") -> Path:
    write_tree(root, files)
    _git(root, "init", "-q")
    _commit(root, "start", date)
    return root


def _imports(root: Path, module: str) -> subprocess.CompletedProcess[str]:
    """Import `module` with a real interpreter in the tree (static analysis is checked against Python itself)."""
    return subprocess.run(
        [sys.executable, "-c", f"import {module}"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": os.environ.get("PATH", ""), "PYTHONDONTWRITEBYTECODE": "1"},
    )


def test_a_module_moved_with_git_mv_is_followed_and_fix_applies_the_move(tmp_path: Path) -> None:
    root = _repo(
        tmp_path / "repo",
        {
            "pkg/__init__.py": "",
            "pkg/mod4.py": "def f(x):\n    return x + 1\n",
            "pkg/user.py": "from pkg.mod4 import f\n\nprint(f(1))\n",
            "pkg/other.py": "import pkg.mod4\n\nVALUE = pkg.mod4.f(2)\n",
        },
    )
    _git(root, "mv", "pkg/mod4.py", "mod4.py")
    moving = _commit(root, "move mod4 to the top")
    findings = remediator.scan(root, settings=Settings()).findings
    assert {f.path for f in findings} == {"pkg/user.py", "pkg/other.py"}
    for finding in findings:
        assert finding.suggestion is not None
        assert (finding.suggestion.kind, finding.suggestion.target) == ("move", "mod4")
        assert f"renamed to mod4.py in commit {moving[:12]}" in finding.suggestion.detail
        assert finding.suggestion.commit == moving
        assert not any(a.kind == "restore" for a in finding.alternatives)  # no second copy beside the moved one
    assert "ModuleNotFoundError" in _imports(root, "pkg.user").stderr
    result = remediator.fix(root, settings=Settings(), apply=True, suggested=True)
    assert sorted(c.path for c in result.changes) == ["pkg/other.py", "pkg/user.py"]
    assert (root / "pkg/user.py").read_text() == "from mod4 import f\n\nprint(f(1))\n"
    assert _imports(root, "pkg.user").stdout == "2\n"
    assert _imports(root, "pkg.other").returncode == 0
    assert result.after is not None and result.after.errors == []


def test_a_rename_in_a_subdirectory_of_the_repository(tmp_path: Path) -> None:
    repo = _repo(
        tmp_path / "repo",
        {"services/api/svc/__init__.py": "", "services/api/svc/gone.py": "X = 1\n", "services/api/svc/user.py": "from svc.gone import X\n"},
    )
    _git(repo, "mv", "services/api/svc/gone.py", "services/api/svc/kept.py")
    _commit(repo, "rename")
    (finding,) = remediator.scan(repo / "services/api", settings=Settings()).findings
    assert finding.suggestion is not None and (finding.suggestion.kind, finding.suggestion.target) == ("move", "svc.kept")
    assert "svc/gone.py was renamed to svc/kept.py" in finding.suggestion.detail  # paths relative to the scanned root


def test_a_module_deleted_while_another_gained_its_names_in_the_same_commit(tmp_path: Path) -> None:
    root = _repo(
        tmp_path / "repo",
        {
            "app/__init__.py": "",
            "app/gone.py": "async def get_bridge():\n    return 1\n\nclass Bridge:\n    size = 1\n",
            "app/other.py": "def unrelated():\n    return 0\n",
            "app/user.py": "from app.gone import get_bridge, Bridge\n\nasync def main():\n    return await get_bridge(), Bridge\n",
        },
    )
    (root / "app/gone.py").unlink()
    write_tree(
        root, {"app/other.py": "def unrelated():\n    return 0\n\nasync def get_bridge():\n    return 2\n\nclass Bridge:\n    size = 2\n"}
    )
    merging = _commit(root, "merge gone into other")
    findings = remediator.scan(root, settings=Settings()).findings
    assert len(findings) == 2
    for finding in findings:
        assert finding.suggestion is not None and (finding.suggestion.kind, finding.suggestion.target) == ("move", "app.other")
        assert finding.suggestion.evidence is not None
        assert f"app/other.py was added or changed in commit {merging[:12]}, which deleted app/gone.py" in finding.suggestion.evidence
        assert not any(a.kind == "restore" for a in finding.alternatives)


def test_a_module_really_deleted_gets_restore_and_an_untouched_definer_is_only_a_candidate(tmp_path: Path) -> None:
    root = _repo(
        tmp_path / "repo",
        {
            "app/__init__.py": "",
            "app/gone.py": "def thing():\n    return 3\n",
            "app/things.py": "def thing():\n    return 4\n",  # has had its own `thing` all along
            "app/user.py": "from app.gone import thing\n\nprint(thing())\n",
        },
    )
    (root / "app/gone.py").unlink()
    deleting = _commit(root, "drop gone")
    (finding,) = remediator.scan(root, settings=Settings()).findings
    assert finding.suggestion is not None and finding.suggestion.kind == "restore"
    assert finding.suggestion.command == f"git checkout {deleting}^ -- app/gone.py"
    (candidate,) = finding.alternatives
    assert (candidate.kind, candidate.target) == ("candidate", "app.things")
    assert candidate.evidence == (
        f"def thing(); fits the 1 use seen; app/things.py did not gain it within 14 days of commit {deleting[:12]}, which deleted app/gone.py"
    )
    assert remediator.fix(root, settings=Settings(), suggested=True).changes == []


@pytest.mark.parametrize("days_before, kind", [(3, "move"), (40, "candidate")])
def test_a_new_home_gained_in_the_same_series_of_commits(tmp_path: Path, days_before: int, kind: str) -> None:
    """The name was copied to its new home first and the old module deleted later: a series within 14 days."""
    root = _repo(
        tmp_path / "repo",
        {
            "app/__init__.py": "",
            "app/gone.py": "def thing():\n    return 3\n",
            "app/things.py": "def other():\n    return 0\n",
            "app/user.py": "from app.gone import thing\n\nprint(thing())\n",
        },
    )
    write_tree(root, {"app/things.py": "def other():\n    return 0\n\ndef thing():\n    return 4\n"})
    deleted = datetime(2024, 6, 1, 12)
    copying = _commit(root, "copy thing", (deleted - timedelta(days=days_before)).isoformat())
    write_tree(root, {"app/unrelated.py": "X = 1\n"})
    _commit(root, "something else", (deleted - timedelta(days=1)).isoformat())
    (root / "app/gone.py").unlink()
    _commit(root, "drop gone", deleted.isoformat())
    (finding,) = remediator.scan(root, settings=Settings()).findings
    options = [finding.suggestion, *finding.alternatives]
    (home,) = [o for o in options if o is not None and o.target == "app.things"]
    assert home.kind == kind
    assert home.evidence is not None
    if kind == "move":
        assert f"app.things gained it in commit {copying[:12]}, {days_before} days from commit" in home.evidence
        assert finding.suggestion == home
    else:
        assert "did not gain it within 14 days" in home.evidence
        assert finding.suggestion is not None and finding.suggestion.kind == "restore"


def test_a_missing_name_corroborated_by_the_commit_that_moved_it(tmp_path: Path) -> None:
    root = _repo(
        tmp_path / "repo",
        {
            "auth/__init__.py": "",
            "auth/jwt_handler.py": "def decode(t):\n    return t\n\ndef validate_cross(t):\n    return t\n",
            "auth/cross.py": "X = 1\n",
            "auth/legacy.py": "def validate_old(t):\n    return t\n",
            "app/__init__.py": "",
            "app/user.py": "from auth.jwt_handler import validate_cross, validate_old\n\nprint(validate_cross(1), validate_old(2))\n",
        },
    )
    write_tree(
        root, {"auth/jwt_handler.py": "def decode(t):\n    return t\n", "auth/cross.py": "X = 1\n\ndef validate_cross(t):\n    return t\n"}
    )
    moving = _commit(root, "move validate_cross")
    result = remediator.scan(root, settings=Settings())
    by_name = {f.name: f for f in result.findings}
    moved = by_name["validate_cross"].suggestion
    assert moved is not None and (moved.kind, moved.target) == ("move", "auth.cross")
    assert (
        moved.evidence is not None
        and f"auth/cross.py was added or changed in commit {moving[:12]}, which removed validate_cross from auth/jwt_handler.py"
        in moved.evidence
    )
    # validate_old never was in jwt_handler: history is silent, the kind check alone decides
    silent = by_name["validate_old"].suggestion
    assert silent is not None and (silent.kind, silent.target) == ("move", "auth.legacy")
    assert silent.evidence is not None and silent.evidence.endswith("git history does not show it leaving")


# ---------------------------------------------------------------------------- suggestions safe to apply blindly


BRIDGE_IMPORTER = """\
from app.websocket_bridge import get_agent_websocket_bridge


async def notify(message):
    bridge = await get_agent_websocket_bridge()
    return await bridge.send(message)
"""

FASTAPI_DEPENDENCY = """\
from fastapi import Request


def get_agent_websocket_bridge(request: Request):
    return request.app.state.bridge
"""


def test_an_awaited_call_is_never_redirected_to_a_sync_function_with_required_parameters(tmp_path: Path) -> None:
    """The real failure: `await get_agent_websocket_bridge()` sent to a FastAPI dependency that takes `request`."""
    files = {
        "app/__init__.py": "",
        "app/dependencies.py": FASTAPI_DEPENDENCY,
        "app/notify.py": BRIDGE_IMPORTER,
        "app/retry.py": "def retry(times):\n    return times\n",
        "app/client.py": "from app.old_retry import retry\n\nretry(3)\n",
    }
    root = write_tree(tmp_path / "repo", files)
    result = remediator.scan(root, settings=Settings(), use_git=False)
    by_target = {f.target: f for f in result.findings}
    candidate = by_target["app.websocket_bridge"].suggestion
    assert candidate is not None and (candidate.kind, candidate.target) == ("candidate", "app.dependencies")
    assert candidate.evidence == (
        "def get_agent_websocket_bridge(request); does not fit: awaited at app/notify.py:5, but get_agent_websocket_bridge "
        "is a plain (not async) function; no git history to check"
    )
    assert candidate.to_dict()["evidence"] == candidate.evidence
    good = by_target["app.old_retry"].suggestion
    assert good is not None and (good.kind, good.target) == ("move", "app.retry")
    fixed = remediator.fix(root, settings=Settings(), apply=True, suggested=True, use_git=False)
    assert [c.path for c in fixed.changes] == ["app/client.py"]  # the unambiguous move only
    assert (root / "app/notify.py").read_text() == BRIDGE_IMPORTER
    assert (root / "app/client.py").read_text() == "from app.retry import retry\n\nretry(3)\n"


KINDS = {
    # name: (definition in the new home, how the importer uses it, the suggestion kind)
    "async def, awaited": ("async def run():\n    return 1\n", "async def main():\n    await run()\n", "move"),
    "def, awaited": ("def run():\n    return 1\n", "async def main():\n    await run()\n", "candidate"),
    "async generator, awaited": ("async def run():\n    yield 1\n", "async def main():\n    await run()\n", "candidate"),
    "class, awaited": ("class run:\n    size = 1\n", "async def main():\n    await run()\n", "move"),
    "unknown (assigned), awaited": (
        "import functools\nrun = functools.partial(print, 1)\n",
        "async def main():\n    await run()\n",
        "move",
    ),
    "unknown decorator, awaited": (
        "import app\n@app.route('/')\ndef run(request):\n    return 1\n",
        "async def main():\n    await run()\n",
        "move",
    ),
    "class, subclassed": ("class run:\n    size = 1\n", "class Mine(run):\n    pass\n", "move"),
    "def, subclassed": ("def run():\n    return 1\n", "class Mine(run):\n    pass\n", "candidate"),
    "missing positional": ("def run(a, b=2):\n    return a\n", "run()\n", "candidate"),
    "positional given": ("def run(a, b=2):\n    return a\n", "run(1)\n", "move"),
    "given by keyword": ("def run(a, b=2):\n    return a\n", "run(a=1)\n", "move"),
    "too many positional": ("def run(a):\n    return a\n", "run(1, 2)\n", "candidate"),
    "varargs": ("def run(*args):\n    return args\n", "run(1, 2, 3)\n", "move"),
    "unknown keyword": ("def run(a):\n    return a\n", "run(1, z=2)\n", "candidate"),
    "keyword to **kwargs": ("def run(a, **kw):\n    return a\n", "run(1, z=2)\n", "move"),
    "required keyword-only": ("def run(a, *, key):\n    return a\n", "run(1)\n", "candidate"),
    "keyword-only given": ("def run(a, *, key):\n    return a\n", "run(1, key=2)\n", "move"),
    "unpacked call": ("def run(a, b):\n    return a\n", "args = (1, 2)\nrun(*args)\n", "move"),
    "contextmanager in with": (
        "from contextlib import contextmanager\n@contextmanager\ndef run():\n    yield 1\n",
        "with run():\n    pass\n",
        "move",
    ),
    "async def in with": ("async def run():\n    return 1\n", "with run():\n    pass\n", "candidate"),
    "asynccontextmanager in async with": (
        "from contextlib import asynccontextmanager\n@asynccontextmanager\nasync def run():\n    yield 1\n",
        "async def main():\n    async with run():\n        pass\n",
        "move",
    ),
    "contextmanager in async with": (
        "from contextlib import contextmanager\n@contextmanager\ndef run():\n    yield 1\n",
        "async def main():\n    async with run():\n        pass\n",
        "candidate",
    ),
    "decorator taking the function": ("def run(fn):\n    return fn\n", "@run\ndef f():\n    pass\n", "move"),
    "decorator taking nothing": ("def run():\n    return 1\n", "@run\ndef f():\n    pass\n", "candidate"),
    "not used at all": ("def run(a, b):\n    return a\n", "x = run\n", "move"),
}


@pytest.mark.parametrize("definition, use, kind", KINDS.values(), ids=KINDS.keys())
def test_a_move_needs_a_definition_that_fits_every_use(project, definition: str, use: str, kind: str) -> None:
    files = {"app/__init__.py": "", "app/home.py": definition, "app/user.py": "from app.gone import run\n" + use}
    (finding,) = project(files).findings
    assert finding.suggestion is not None
    assert (finding.suggestion.kind, finding.suggestion.target) == (kind, "app.home")
    assert finding.suggestion.evidence is not None
    assert ("does not fit" in finding.suggestion.evidence) == (kind == "candidate")


def test_definitions_are_facts_of_the_file() -> None:
    from remediator.adapters.parser import parse_source
    from remediator.domain.facts import Definition

    source = b"""\
import functools
from contextlib import contextmanager

async def fetch(url, /, retries=3, *args, timeout, verbose=False, **options):
    return url

@functools.lru_cache(maxsize=1)
def cached(a: int, b: int = 2):
    return a

@contextmanager
def opened(path):
    yield path

@router.get("/")
def endpoint(request):
    return request

twice = 1
def twice():
    return 2

class Widget:
    pass
"""
    definitions = {d.name: d for d in parse_source(source).definitions}
    assert definitions == {
        "fetch": Definition("fetch", "async", ("url", "retries"), 1, True, ("timeout", "verbose"), ("timeout",), True),
        "cached": Definition("cached", "function", ("a", "b"), 1),
        "opened": Definition("opened", "contextmanager", ("path",), 1),
        "Widget": Definition("Widget", "class"),
    }  # an unknown decorator, and a name bound twice: not certain, left out


def test_check_gives_the_suggestions_scan_gives(tmp_path: Path) -> None:
    """check reads definitions through the facts cache and the analysis store: the same evidence."""
    files = {"app/__init__.py": "", "app/dependencies.py": FASTAPI_DEPENDENCY, "app/notify.py": BRIDGE_IMPORTER}
    root = write_tree(tmp_path / "repo", files)
    scanned = remediator.scan(root, settings=Settings(), use_git=False).findings
    for _ in range(2):  # cold, then warm from the store
        checked = remediator.check(root, settings=Settings(), use_git=False).findings
        assert [(f.suggestion, f.alternatives) for f in checked] == [(f.suggestion, f.alternatives) for f in scanned]
    assert scanned[0].suggestion is not None and scanned[0].suggestion.kind == "candidate"


def test_a_move_found_for_a_test_importer_is_not_applied_to_production_code(tmp_path: Path) -> None:
    files = {
        "app/__init__.py": "",
        "tests/__init__.py": "",
        "tests/factories.py": "def make_client():\n    return object()\n",  # defined only in test code
        "tests/test_api.py": "from app.gone import make_client\n\nmake_client()\n",
        "app/api.py": "from app.gone import make_client\n\nmake_client()\n",
    }
    root = write_tree(tmp_path / "repo", files)
    result = remediator.fix(root, settings=Settings(), apply=True, suggested=True, use_git=False)
    assert [c.path for c in result.changes] == ["tests/test_api.py"]
    assert (root / "app/api.py").read_text() == files["app/api.py"]


def test_the_text_report_lists_candidates_with_their_evidence(tmp_path: Path) -> None:
    from tests.conftest import invoke_cli

    files = {
        "app/__init__.py": "",
        "app/dependencies.py": FASTAPI_DEPENDENCY,
        "app/notify.py": BRIDGE_IMPORTER,
        "app/websocket_bridge.py.bak": "async def get_agent_websocket_bridge():\n    return None\n",
    }
    root = write_tree(tmp_path / "repo", files)
    output = invoke_cli(root, "scan", "--no-git").output
    assert "suggestion (backup): a backup copy lies at app/websocket_bridge.py.bak" in output  # a backup beats a candidate
    assert "    candidate (not applied): get_agent_websocket_bridge is defined in app.dependencies\n" in output
    assert "      evidence: def get_agent_websocket_bridge(request); does not fit: awaited at app/notify.py:5" in output
