"""The shipped pre-commit hooks, run for real by pre-commit in a temporary git repository.

pre-commit installs remediator from a git repository into its own virtualenv
(dependencies from PyPI), which takes up to a minute: once per session, in one
PRE_COMMIT_HOME that every test shares.

The hooks come from this checkout's working tree. `pre-commit try-repo` on the
checkout itself would see uncommitted edits of tracked files but not new,
untracked ones (it stages with `git add -u`), and `repo: <path>` with a `rev`
sees only commits. So the session copies the checkout's files (tracked and
untracked, minus ignored ones) into a temporary repository with one commit and
points pre-commit at it: the hook definitions tested are exactly
`.pre-commit-hooks.yaml` as it stands, and the checkout's own git state is never
touched. A hook is tried before it is configured as `try-repo` does it (`pre-commit
run --config` of a configuration naming that repository and commit), but with the
shared home: `try-repo` itself installs into a throwaway home, an environment per call.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import write_tree

pytestmark = pytest.mark.e2e

CHECKOUT = Path(__file__).resolve().parents[1]
PROJECT = {
    "pyproject.toml": """
        [tool.remediator]
        [[tool.remediator.ssot]]
        name = "settings-via-config"
        forbid = ["app.raw_settings"]
        use = "app.config"
    """,
    "app/__init__.py": "",
    "app/raw_settings.py": "TIMEOUT = 5\n",
    "app/config.py": "from app.raw_settings import TIMEOUT\n",
    "app/clean.py": "from app.config import TIMEOUT\n",
    "app/websocket_mocks.py": "class MockWebSocket:\n    pass\n\n\ndef make_socket():\n    return MockWebSocket()\n",
    "app/unused.py": "UNUSED = 1\n",
    "tests/__init__.py": "",
    **{f"tests/test_ws_{n}.py": "from app.websocket_mocks import MockWebSocket, make_socket\n" for n in range(14)},
}
VIOLATION = "from app.raw_settings import TIMEOUT\n"
COMPLIANT = "from app.config import TIMEOUT\n"


class Sandbox:
    """A temporary git project, a snapshot repository of this checkout, and pre-commit's own home."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.hooks_repo = base / "remediator-snapshot"
        self.project = base / "project"
        self.hooks_config = base / "try-hooks.yaml"  # both hooks, for trying them before they are configured
        self.rev = ""  # the snapshot's commit
        self.initial = ""  # the project's first commit
        self.configured = ""  # the project's commit with the hook configured
        gitconfig = base / "gitconfig"
        gitconfig.write_text("[user]\n\tname = Test\n\temail = test@example.invalid\n[init]\n\tdefaultBranch = main\n")
        self.env = {
            **os.environ,
            "PRE_COMMIT_HOME": str(base / "pre-commit-home"),
            "GIT_CONFIG_GLOBAL": str(gitconfig),
            "GIT_CONFIG_NOSYSTEM": "1",
        }
        for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "REMEDIATOR_DEBUG"):
            self.env.pop(name, None)

    def git(self, cwd: Path, *args: str) -> str:
        return subprocess.run(["git", *args], cwd=cwd, env=self.env, capture_output=True, text=True, check=True).stdout

    def pre_commit(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "pre_commit", *args], cwd=self.project, env=self.env, capture_output=True, text=True, check=False
        )

    def commit(self, message: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["git", "commit", "-m", message], cwd=self.project, env=self.env, capture_output=True, text=True, check=False)

    def head(self) -> str:
        return self.git(self.project, "rev-parse", "HEAD").strip()

    def reset(self, commit: str) -> None:
        """The project back at `commit` with a clean tree; `-x`: a store a hook left in `.remediator/` goes too."""
        self.git(self.project, "reset", "-q", "--hard", commit)
        self.git(self.project, "clean", "-q", "-f", "-d", "-x")

    def try_hook(self, hook: str, *args: str) -> subprocess.CompletedProcess[str]:
        """Run one hook of the snapshot before it is configured (what `try-repo` does, in the shared home)."""
        return self.pre_commit("run", "--config", str(self.hooks_config), hook, *args)


def _ensure_pre_commit() -> None:
    """Install pre-commit as the test extras pin it when it is missing: never skip."""
    if importlib.util.find_spec("pre_commit") is not None:
        return
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    extras = tomllib.loads((CHECKOUT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["test"]
    (requirement,) = [r for r in extras if r.replace("_", "-").startswith("pre-commit")]
    subprocess.run([sys.executable, "-m", "pip", "install", requirement], check=True)


def _snapshot(sandbox: Sandbox) -> str:
    """Copy the checkout's files (tracked and untracked, not ignored) into a fresh repository; return its commit."""
    listed = (
        subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=CHECKOUT,
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .split("\0")
    )
    for relpath in filter(None, listed):
        source = CHECKOUT / relpath
        if source.is_file():
            destination = sandbox.hooks_repo / relpath
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination)
    sandbox.git(sandbox.hooks_repo, "init", "-q")
    sandbox.git(sandbox.hooks_repo, "add", "-A")
    sandbox.git(sandbox.hooks_repo, "commit", "-q", "-m", "snapshot of the working tree")
    return sandbox.git(sandbox.hooks_repo, "rev-parse", "HEAD").strip()


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Sandbox:
    """The sandbox, with the hooks' environment built once for the session."""
    _ensure_pre_commit()
    box = Sandbox(tmp_path_factory.mktemp("pre-commit"))
    box.rev = _snapshot(box)
    write_tree(box.project, PROJECT)
    box.git(box.project, "init", "-q")
    box.git(box.project, "add", "-A")
    box.git(box.project, "commit", "-q", "-m", "initial")
    box.initial = box.head()
    box.hooks_config.write_text(_config(box, "remediator", "remediator-fix"))
    built = box.pre_commit("install-hooks", "--config", str(box.hooks_config))
    assert built.returncode == 0, built.stdout + built.stderr
    return box


def _config(sandbox: Sandbox, *hooks: str) -> str:
    """A .pre-commit-config.yaml naming the snapshot repository at its commit, with `hooks`."""
    listed = "".join(f"          - id: {hook}\n" for hook in hooks)
    return f"repos:\n  - repo: {sandbox.hooks_repo.as_posix()}\n    rev: {sandbox.rev}\n    hooks:\n{listed}"


def test_manifest_is_valid_and_declares_both_hooks(sandbox: Sandbox) -> None:
    import yaml  # a dependency of pre-commit

    validated = sandbox.pre_commit("validate-manifest", str(CHECKOUT / ".pre-commit-hooks.yaml"))
    assert validated.returncode == 0, validated.stdout + validated.stderr
    hooks = {hook["id"]: hook for hook in yaml.safe_load((CHECKOUT / ".pre-commit-hooks.yaml").read_text())}
    assert hooks["remediator"]["entry"] == "remediator check --staged"
    assert hooks["remediator"]["language"] == "python"
    assert hooks["remediator"]["always_run"] is True  # a commit that only deletes files passes no file to a hook
    assert hooks["remediator"]["pass_filenames"] is False and hooks["remediator"]["require_serial"] is True
    assert hooks["remediator-fix"]["entry"].startswith("remediator fix --apply")
    assert hooks["remediator-fix"]["pass_filenames"] is False


@pytest.fixture
def unconfigured(sandbox: Sandbox) -> Sandbox:
    """The project at its first commit, without the hook configured, with a clean tree (each test starts from there)."""
    sandbox.reset(sandbox.initial)
    return sandbox


def _try_with_staged(sandbox: Sandbox, relpath: str, text: str) -> tuple[int, str]:
    """The `remediator` hook tried before it is configured, with one file staged."""
    write_tree(sandbox.project, {relpath: text})
    sandbox.git(sandbox.project, "add", relpath)
    completed = sandbox.try_hook("remediator")
    return completed.returncode, completed.stdout + completed.stderr


def test_tried_hook_reports_a_staged_violation(unconfigured: Sandbox) -> None:
    status, output = _try_with_staged(unconfigured, "app/try_bad.py", VIOLATION)
    assert status == 1, output
    assert "remediator check" in output and "Failed" in output
    assert "app/try_bad.py:1:1" in output
    assert "rule settings-via-config" in output


def test_tried_hook_passes_a_clean_staged_file_that_imports_the_rest_of_the_project(unconfigured: Sandbox) -> None:
    status, output = _try_with_staged(unconfigured, "app/also_clean.py", COMPLIANT)
    assert status == 0, output
    assert "Passed" in output


@pytest.fixture(scope="session")
def installed(sandbox: Sandbox) -> Sandbox:
    """The project with the `remediator` hook installed by pre-commit as a user would (.pre-commit-config.yaml)."""
    sandbox.reset(sandbox.initial)
    write_tree(sandbox.project, {".pre-commit-config.yaml": _config(sandbox, "remediator")})
    sandbox.git(sandbox.project, "add", ".pre-commit-config.yaml")
    done = sandbox.pre_commit("install")
    assert done.returncode == 0, done.stdout + done.stderr
    configured = sandbox.commit("pre-commit configuration")
    assert configured.returncode == 0, configured.stdout + configured.stderr
    sandbox.configured = sandbox.head()
    return sandbox


@pytest.fixture
def hooked(installed: Sandbox) -> Sandbox:
    """The installed project, back at its configured commit with a clean tree (each test starts from there)."""
    installed.reset(installed.configured)
    return installed


def _refused(box: Sandbox, message: str) -> str:
    before = box.head()
    done = box.commit(message)
    output = done.stdout + done.stderr
    assert done.returncode != 0, output
    assert box.head() == before
    return output


def _accepted(box: Sandbox, message: str) -> str:
    before = box.head()
    done = box.commit(message)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert box.head() != before
    return output


def test_installed_hook_refuses_a_commit_with_a_violation_and_accepts_a_clean_one(hooked: Sandbox) -> None:
    write_tree(hooked.project, {"app/bad.py": VIOLATION})
    hooked.git(hooked.project, "add", "app/bad.py")
    assert "app/bad.py:1:1" in _refused(hooked, "add a violation")

    write_tree(hooked.project, {"app/bad.py": COMPLIANT})
    hooked.git(hooked.project, "add", "app/bad.py")
    _accepted(hooked, "add a compliant module")
    assert hooked.git(hooked.project, "show", "HEAD:app/bad.py") == COMPLIANT


def test_installed_hook_refuses_the_clean_up_commit_that_deletes_an_imported_module(hooked: Sandbox) -> None:
    hooked.git(hooked.project, "rm", "-q", "app/websocket_mocks.py")
    output = _refused(hooked, "clean-up: delete websocket mocks")
    assert "Skipped" not in output  # the hook ran although the commit passes it no file
    cause = output.index("app/websocket_mocks.py deleted — 14 places broken:")
    first = output.index("tests/test_ws_0.py:1:1 from app.websocket_mocks import MockWebSocket")
    assert cause < first < output.index("… and 4 more")  # the cause, then the importers, capped with a count


def test_installed_hook_accepts_a_move_that_updates_every_importer(hooked: Sandbox) -> None:
    hooked.git(hooked.project, "mv", "app/websocket_mocks.py", "tests/websocket_mocks.py")
    for n in range(14):
        path = hooked.project / f"tests/test_ws_{n}.py"
        path.write_text(path.read_text().replace("app.websocket_mocks", "tests.websocket_mocks"))
    hooked.git(hooked.project, "add", "-A")
    _accepted(hooked, "move the websocket mocks next to the tests")
    hooked.git(hooked.project, "rm", "-q", "app/unused.py")
    _accepted(hooked, "delete a module nothing imports")


def test_installed_hook_refuses_a_removed_def_that_a_test_imports(hooked: Sandbox) -> None:
    path = hooked.project / "app/websocket_mocks.py"
    path.write_text("class MockWebSocket:\n    pass\n")
    hooked.git(hooked.project, "add", "-A")
    output = _refused(hooked, "drop make_socket")
    assert "make_socket no longer defined in app/websocket_mocks.py — 14 places broken:" in output


def test_installed_hook_accepts_a_renamed_package_with_a_compatibility_shim(hooked: Sandbox) -> None:
    hooked.git(hooked.project, "mv", "app/websocket_mocks.py", "app/socket_fakes.py")
    write_tree(
        hooked.project, {"app/websocket_mocks.py": "from app.socket_fakes import *  # moved\nfrom app.socket_fakes import make_socket\n"}
    )
    hooked.git(hooked.project, "add", "-A")
    _accepted(hooked, "rename with a shim")


def test_installed_hook_judges_what_is_staged_not_the_work_tree(hooked: Sandbox) -> None:
    path = hooked.project / "tests/test_ws_0.py"
    good = path.read_text()
    # staged: a broken import; the work tree mends it (unstaged): refused, for the commit would hold the broken one
    path.write_text(good.replace("make_socket", "make_sockets"))
    hooked.git(hooked.project, "add", "tests/test_ws_0.py")
    path.write_text(good + "# mended in the work tree only\n")
    assert "tests/test_ws_0.py:1:1" in _refused(hooked, "stage a broken import")
    assert path.read_text() == good + "# mended in the work tree only\n"  # pre-commit put the unstaged change back
    # staged: a good change; the work tree breaks it (unstaged): accepted
    path.write_text(good + "X = 1\n")
    hooked.git(hooked.project, "add", "tests/test_ws_0.py")
    path.write_text("from tests.nowhere import nothing\n")
    _accepted(hooked, "stage a good change")
    assert hooked.git(hooked.project, "show", "HEAD:tests/test_ws_0.py") == good + "X = 1\n"


def test_fix_hook_rewrites_the_staged_violation(unconfigured: Sandbox) -> None:
    write_tree(unconfigured.project, {"app/fixme.py": VIOLATION})
    unconfigured.git(unconfigured.project, "add", "app/fixme.py")
    completed = unconfigured.try_hook("remediator-fix", "--files", "app/fixme.py")
    output = completed.stdout + completed.stderr
    assert completed.returncode == 1, output  # pre-commit fails a hook that modified files
    assert "files were modified by this hook" in output
    assert (unconfigured.project / "app/fixme.py").read_text() == COMPLIANT
