"""Suggestions: move (names defined elsewhere), restore (git history), backup (a copy in the tree)."""

from __future__ import annotations

import subprocess
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


def test_no_move_suggestion_when_ambiguous(project) -> None:
    files = {
        "p/__init__.py": "",
        "p/one.py": "def helper(): pass\n",
        "p/two.py": "def helper(): pass\n",
        "p/user.py": "from p.gone import helper\n",
    }
    (finding,) = project(files).findings
    assert finding.suggestion is None


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
        "app/__init__.py": "", "app/api.py": "from app.gone import Client\n",
        "scripts_dev/__init__.py": "", "scripts_dev/stubs.py": stub,  # the only other definition: a stub
    }
    (finding,) = [f for f in project(files).findings if f.path == "app/api.py"]
    assert finding.suggestion is None or finding.suggestion.kind != "move"


def test_a_real_definition_beside_stubs_is_the_new_home(project) -> None:
    files = {
        "app/__init__.py": "", "app/api.py": "from app.gone import Client\n",
        "app/client.py": "class Client:\n    def send(self):\n        return 1\n",
        "scripts_dev/__init__.py": "", "scripts_dev/stubs.py": "class Client:\n    pass\n",
    }
    (finding,) = [f for f in project(files).findings if f.path == "app/api.py"]
    assert (finding.suggestion.kind, finding.suggestion.target) == ("move", "app.client")


@pytest.mark.parametrize("importer, suggested", [("app/api.py", False), ("tests/test_api.py", True)])
def test_test_code_is_a_new_home_only_for_tests(project, importer: str, suggested: bool) -> None:
    files = {
        "app/__init__.py": "", "tests/__init__.py": "",
        importer: "from app.gone import make_client\n",
        "tests/factories.py": "def make_client():\n    return object()\n",  # defined only in test code
    }
    (finding,) = [f for f in project(files).findings if f.path == importer]
    is_move = finding.suggestion is not None and finding.suggestion.kind == "move"
    assert is_move == suggested


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
