"""fix --rewrite-strings follows where the code under test looks a name up; fix's exit status means its own rules.

A `patch("a.b.Name")` string is retargeted only when its old target is gone, or when every module
reading `Name` from `a.b` is rewritten in the same run; otherwise it stays, listed with the reason.
A retargeted string always resolves. `fix` exits 1 only for what its rules cover.
"""

from __future__ import annotations

import json
from pathlib import Path

from conftest import invoke_cli, write_tree

import remediator
from remediator.domain.config import Settings, SsotRule

RULE = SsotRule(
    name="jwt",
    forbid=("auth.jwt_handler", "auth.compat"),
    scope=("backend",),
    use="backend.integration",
    symbols=(("JWTHandler", "JwtSsot"),),
)
BASE = {
    "auth/__init__.py": "",
    "auth/jwt_handler.py": "class JWTHandler:\n    def check(self):\n        return True\n",
    "auth/compat.py": "from auth.jwt_handler import JWTHandler\n\n\ndef helper():\n    return 1\n",
    "backend/__init__.py": "",
    "backend/integration.py": "from auth.jwt_handler import JWTHandler as JwtSsot\n",
}
PYPROJECT = (
    '[[tool.remediator.ssot]]\nname = "jwt"\nforbid = ["auth.jwt_handler", "auth.compat"]\nscope = ["backend"]\n'
    'use = "backend.integration"\nsymbols = { JWTHandler = "JwtSsot" }\n'
)


def _patching_test(target: str) -> str:
    return f'from unittest import mock\n\n\n@mock.patch("{target}")\ndef test_it(handler):\n    assert handler\n'


def _fix(root: Path, *args: str) -> remediator.FixResult:
    return remediator.fix(root, settings=Settings(ssot=(RULE,)), apply=True, rewrite_strings=True, use_git=False, **_flags(args))


def _flags(args: tuple[str, ...]) -> dict[str, bool]:
    return {name: True for name in args}


def test_a_string_whose_old_place_still_defines_the_name_is_left_with_the_reason(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path / "repo",
        {
            **BASE,
            "backend/service.py": "from auth.jwt_handler import JWTHandler\n\n\ndef make():\n    return JWTHandler()\n",
            "backend/test_service.py": _patching_test("auth.jwt_handler.JWTHandler"),
        },
    )
    result = _fix(root)
    assert "backend.integration import JwtSsot as JWTHandler" in (root / "backend/service.py").read_text()
    assert (root / "backend/test_service.py").read_text() == _patching_test("auth.jwt_handler.JWTHandler")
    (left,) = result.strings_left
    assert (left.path, left.line, left.text) == ("backend/test_service.py", 4, "auth.jwt_handler.JWTHandler")
    assert left.reason.startswith("auth.jwt_handler.JWTHandler is still defined there, and auth.jwt_handler's own code")
    # the string still names the forbidden module: fix's own rule is not done, and says so
    assert [f.reference for f in result.unfixed] == ["string"] and result.exit_code == 1


def test_a_string_is_retargeted_when_every_reader_of_the_old_place_is_rewritten(tmp_path: Path) -> None:
    """auth.compat only re-exports JWTHandler; its one reader is rewritten in the run: the patch follows it."""
    root = write_tree(
        tmp_path / "repo",
        {
            **BASE,
            "backend/service.py": "from auth.compat import JWTHandler\n\n\ndef make():\n    return JWTHandler()\n",
            "backend/test_service.py": _patching_test("auth.compat.JWTHandler"),
        },
    )
    result = _fix(root)
    assert (root / "backend/test_service.py").read_text() == _patching_test("backend.integration.JwtSsot")
    assert result.strings_left == [] and result.unfixed == [] and result.exit_code == 0
    assert ("auth.compat.JWTHandler", "backend.integration.JwtSsot") in next(
        c.strings for c in result.changes if c.path == "backend/test_service.py"
    )


def test_a_reader_whose_rewrite_is_refused_keeps_the_string_where_it_was(tmp_path: Path) -> None:
    """The plan would rewrite backend.service, but its statement is refused (the new module lacks `helper`):
    it still reads auth.compat.JWTHandler, so the patch string must stay."""
    root = write_tree(
        tmp_path / "repo",
        {
            **BASE,
            "backend/service.py": "from auth.compat import JWTHandler, helper\n\n\ndef make():\n    return JWTHandler(), helper()\n",
            "backend/test_service.py": _patching_test("auth.compat.JWTHandler"),
        },
    )
    result = _fix(root)
    assert (root / "backend/test_service.py").read_text() == _patching_test("auth.compat.JWTHandler")
    (left,) = result.strings_left
    assert left.path == "backend/test_service.py" and "could not be rewritten in this run" in left.reason
    assert [s.path for s in result.skipped] == ["backend/service.py"] and result.exit_code == 1


def test_a_string_whose_new_target_would_not_resolve_is_left(tmp_path: Path) -> None:
    """helper has no home in backend.integration: never write a patch target that does not resolve."""
    root = write_tree(tmp_path / "repo", {**BASE, "backend/test_helper.py": _patching_test("auth.compat.helper")})
    result = _fix(root)
    assert (root / "backend/test_helper.py").read_text() == _patching_test("auth.compat.helper")
    (left,) = result.strings_left
    assert left.reason == "the new target backend.integration.helper would not resolve"


def test_a_string_of_a_deleted_module_is_retargeted(tmp_path: Path) -> None:
    """The old target is gone: nothing can read it there, the patch can only work at the new home."""
    root = write_tree(
        tmp_path / "repo",
        {
            "pyproject.toml": '[[tool.remediator.move]]\nfrom = "lib.old"\nto = "lib.new"\n',
            "lib/__init__.py": "",
            "lib/new.py": "class Thing:\n    pass\n",
            "tests/test_thing.py": _patching_test("lib.old.Thing"),
        },
    )
    result = invoke_cli(root, "fix", ".", "--apply", "--rewrite-strings", "--no-git", "--format", "json")
    report = json.loads(result.stdout)
    assert report["strings_left"] == [] and result.exit_code == 0, result.stdout
    assert (root / "tests/test_thing.py").read_text() == _patching_test("lib.new.Thing")


def test_the_text_report_does_not_claim_full_compliance_while_a_string_remains(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path / "repo",
        {
            **BASE,
            "pyproject.toml": PYPROJECT,
            "backend/service.py": "from auth.jwt_handler import JWTHandler\n",
            "backend/test_service.py": _patching_test("auth.jwt_handler.JWTHandler"),
        },
    )
    result = invoke_cli(root, "fix", ".", "--apply", "--rewrite-strings", "--no-git")
    assert result.exit_code == 1
    out = result.stdout
    assert "SSOT compliance 0% -> 100% of import statements (1 string reference still names a forbidden module)" in out
    assert "string left backend/test_service.py:4: 'auth.jwt_handler.JWTHandler'" in out
    assert "left in the scope of the rules fix ran, after the rewrite: 1 ssot-violation" in out


def test_files_outside_every_rules_scope_do_not_make_fix_fail(tmp_path: Path) -> None:
    """An unparsable file that mentions the forbidden module but lies outside the rule's scope is not fix's;
    the same file inside the scope is reported as skipped, and fix exits 1."""
    files = {
        **BASE,
        "pyproject.toml": PYPROJECT,
        "backend/service.py": "from auth.jwt_handler import JWTHandler\n",
        "tools/broken.py": "from auth.jwt_handler import JWTHandler\ndef (:\n",
    }
    outside = write_tree(tmp_path / "outside", files)
    result = invoke_cli(outside, "fix", ".", "--apply", "--no-git", "--format", "json")
    report = json.loads(result.stdout)
    assert report["skipped"] == [] and report["unfixed"] == {} and report["remaining"] == {"syntax-error": 1}
    assert result.exit_code == 0

    inside = write_tree(tmp_path / "inside", {**files, "backend/broken.py": files["tools/broken.py"]})
    result = invoke_cli(inside, "fix", ".", "--apply", "--no-git", "--format", "json")
    report = json.loads(result.stdout)
    assert [s["path"] for s in report["skipped"]] == ["backend/broken.py"] and result.exit_code == 1


def test_a_missing_name_on_a_statement_an_ssot_rule_rewrites_is_fixs_to_repair(tmp_path: Path) -> None:
    """`from auth.jwt_handler import old_check` names what no longer exists, and the rule maps it: in scope."""
    rule = SsotRule(
        name="jwt", forbid=("auth.jwt_handler",), scope=("backend",), use="backend.integration", symbols=(("old_check", "JwtSsot"),)
    )
    root = write_tree(tmp_path / "repo", {**BASE, "backend/service.py": "from auth.jwt_handler import old_check\n"})
    preview = remediator.fix(root, settings=Settings(ssot=(rule,)), use_git=False)
    assert sorted(f.rule for f in preview.unfixed) == ["missing-name", "ssot-violation"]
    done = remediator.fix(root, settings=Settings(ssot=(rule,)), apply=True, use_git=False)
    assert done.unfixed == [] and done.exit_code == 0


def test_a_moved_module_imported_from_its_package_is_fixs_to_repair(tmp_path: Path) -> None:
    """`from legacy import impl`, with legacy.impl moved: covered by the move rule (a missing name of legacy)."""
    from remediator.domain.config import MoveRule

    root = write_tree(
        tmp_path / "repo",
        {
            "legacy/__init__.py": "",
            "modern/__init__.py": "",
            "modern/impl.py": "VALUE = 1\n",
            "app.py": "from legacy import impl\n\nprint(impl.VALUE)\n",
        },
    )
    settings = Settings(move=(MoveRule("legacy.impl", "modern.impl"),))
    preview = remediator.fix(root, settings=settings, use_git=False)
    assert [(f.rule, f.target, f.name) for f in preview.unfixed] == [("missing-name", "legacy", "impl")]
    done = remediator.fix(root, settings=settings, apply=True, use_git=False)
    assert (root / "app.py").read_text().startswith("from modern import impl") and done.exit_code == 0


def test_nothing_to_write_says_nothing_about_the_way_back(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", {**BASE, "pyproject.toml": PYPROJECT, "backend/ok.py": "import backend.integration\n"})
    result = invoke_cli(root, "fix", ".", "--apply", "--no-git")
    assert result.exit_code == 0 and "not a git repository" not in result.stdout
