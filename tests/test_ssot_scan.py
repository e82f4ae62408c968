"""ssot-violation: scope, allow, patterns, re-exports, strings, compliance and config errors."""

from __future__ import annotations

import json

import pytest

from remediator.domain.config import SsotRule, pattern_matches

RULE = SsotRule(
    name="jwt",
    forbid=("auth.core.jwt_handler",),
    scope=("backend",),
    allow=("backend.integration",),
    use="backend.integration.jwt_ssot",
    symbols=(("JWTHandler", "JwtSsot"),),
)
BASE = {
    "auth/__init__.py": "",
    "auth/core/__init__.py": "from .jwt_handler import JWTHandler\n__all__ = ['JWTHandler']\n",
    "auth/core/jwt_handler.py": "class JWTHandler: pass\ndef validate_token(t): return t\n",
    "auth/core/jwt_handler_ext/__init__.py": "",
    "auth/core/jwt_handler_ext/extra.py": "",
    "auth/other.py": "from auth.core.jwt_handler import JWTHandler\n",  # out of scope
    "backend/__init__.py": "",
    "backend/integration/__init__.py": "",
    "backend/integration/jwt_ssot.py": "from auth.core.jwt_handler import JWTHandler, validate_token\nclass JwtSsot(JWTHandler): pass\n",
}

CASES = [
    ("from-import", "from auth.core.jwt_handler import JWTHandler\n", [(1, "auth.core.jwt_handler", "JWTHandler", "import")]),
    ("import module", "import auth.core.jwt_handler\n", [(1, "auth.core.jwt_handler", None, "import")]),
    ("import as", "import auth.core.jwt_handler as jh\n", [(1, "auth.core.jwt_handler", None, "import")]),
    ("from package import module", "from auth.core import jwt_handler\n", [(1, "auth.core", "jwt_handler", "import")]),
    ("re-export through package", "from auth.core import JWTHandler\n", [(1, "auth.core", "JWTHandler", "import")]),
    (
        "inside function",
        "def f():\n    from auth.core.jwt_handler import validate_token\n",
        [(2, "auth.core.jwt_handler", "validate_token", "import")],
    ),
    (
        "string patch target",
        "from unittest import mock\nmock.patch('auth.core.jwt_handler.JWTHandler')\n",
        [(2, "auth.core.jwt_handler", "JWTHandler", "string")],
    ),
    ("through use is compliant", "from backend.integration.jwt_ssot import JwtSsot\n", []),
    ("prefix is not a submodule", "import auth.core.jwt_handler_ext.extra\n", []),
    ("other auth modules are fine", "from auth import other\n", []),
]


@pytest.mark.parametrize("source, expected", [pytest.param(s, e, id=i) for i, s, e in CASES])
def test_violation(project, source: str, expected: list[tuple]) -> None:
    result = project({**BASE, "backend/app.py": source}, ssot=(RULE,))
    found = [(f.line, f.target, f.name, f.reference) for f in result.findings if f.rule == "ssot-violation"]
    assert found == expected
    for finding in result.findings:
        if finding.rule == "ssot-violation":
            assert finding.ssot_rule == "jwt" and finding.path == "backend/app.py"
            assert finding.suggestion is not None and finding.suggestion.target == "backend.integration.jwt_ssot"


def test_allow_scope_and_forbidden_modules_themselves_are_exempt(project) -> None:
    result = project(BASE, ssot=(RULE,))
    assert [f for f in result.findings if f.rule == "ssot-violation"] == []


def test_wildcard_patterns() -> None:
    assert pattern_matches("a.*.c", "a.b.c") and pattern_matches("a.*.c", "a.b.c.d")
    assert not pattern_matches("a.*.c", "a.c")
    assert pattern_matches("a.**.c", "a.c") and pattern_matches("a.**.c", "a.x.y.c")
    assert pattern_matches("a", "a.b") and not pattern_matches("a", "ab")


def test_scope_pattern_with_wildcard(project) -> None:
    rule = SsotRule(name="r", forbid=("auth.core.jwt_handler",), scope=("**.views",), use="backend.integration.jwt_ssot")
    files = {**BASE, "backend/views.py": "import auth.core.jwt_handler\n", "backend/models.py": "import auth.core.jwt_handler\n"}
    result = project(files, ssot=(rule,))
    assert [f.path for f in result.findings if f.rule == "ssot-violation"] == ["backend/views.py"]


def test_compliance_figures(project) -> None:
    files = {
        **BASE,
        "backend/a.py": "from backend.integration.jwt_ssot import JwtSsot\n",
        "backend/b.py": "from backend.integration import jwt_ssot\n",
        "backend/c.py": "from auth.core.jwt_handler import JWTHandler, validate_token\n",
    }
    result = project(files, ssot=(RULE,))
    (figure,) = result.to_dict()["summary"]["ssot"]["rules"]
    assert figure == {
        "rule": "jwt",
        "use": "backend.integration.jwt_ssot",
        "compliant_imports": 2,
        "violating_imports": 1,
        "violating_files": 1,
        "compliance": round(2 / 3, 4),
        "violating_strings": 0,
    }


def test_a_string_reference_is_counted_and_labelled_apart_from_import_statements(tmp_path) -> None:
    """The header's "1 violating statement" must not list two lines without saying the second is a string."""
    from conftest import invoke_cli, write_tree

    root = write_tree(
        tmp_path / "repo",
        {
            **BASE,
            "pyproject.toml": (
                '[[tool.remediator.ssot]]\nname = "jwt"\nforbid = ["auth.core.jwt_handler"]\nscope = ["backend"]\n'
                'use = "backend.integration.jwt_ssot"\n'
            ),
            "backend/c.py": "from auth.core.jwt_handler import validate_token\n",
            "backend/test_c.py": 'from unittest import mock\n\n\n@mock.patch("auth.core.jwt_handler.validate_token")\ndef test_x(m):\n    pass\n',
        },
    )
    result = invoke_cli(root, "scan", ".", "--format", "json", "--no-git")
    summary = json.loads(result.stdout)["summary"]["ssot"]
    assert (summary["violating_imports"], summary["violating_strings"]) == (1, 1)
    assert summary["rules"][0]["violating_strings"] == 1
    text = invoke_cli(root, "scan", ".", "--no-git").stdout
    assert "1 violating statement in 1 file, and 1 string reference (not counted in the compliance)" in text


@pytest.mark.parametrize(
    "rule, target, name, words",
    [
        (SsotRule(name="r", forbid=("auth",), use="backend.nowhere"), "backend.nowhere", None, "does not exist in the project"),
        (
            SsotRule(name="r", forbid=("auth",), use="backend.integration.jwt_ssot", symbols=(("X", "Nope"),)),
            "backend.integration.jwt_ssot",
            "Nope",
            "does not define 'Nope'",
        ),
    ],
)
def test_a_dangling_setting_is_a_finding_and_the_rest_runs(project, rule: SsotRule, target: str, name: str | None, words: str) -> None:
    files = {**BASE, "backend/broken.py": "import backend.gone\n"}
    result = project(files, ssot=(rule,))
    dangling = [f for f in result.findings if f.rule == "dangling-setting"]
    assert [(f.target, f.name, f.ssot_rule, f.severity) for f in dangling] == [(target, name, "r", "error")]
    assert words in dangling[0].message and "'r'" in dangling[0].message
    assert ("missing-module", "backend.gone") in {(f.rule, f.target) for f in result.findings}  # the rest still runs


def test_a_dangling_move_rule_names_its_line_in_pyproject(tmp_path) -> None:
    from conftest import invoke_cli, write_tree

    root = write_tree(
        tmp_path / "repo",
        {
            **BASE,
            "pyproject.toml": '[tool.remediator]\n\n[[tool.remediator.move]]\nfrom = "auth.old"\nto = "auth.newer"\n',
            "backend/user.py": "import auth.old\n",
        },
    )
    result = invoke_cli(root, "check", "--format", "json", "--no-git")
    assert result.exit_code == 1, result.output
    findings = json.loads(result.output)["findings"]
    dangling = [f for f in findings if f["rule"] == "dangling-setting"]
    assert [(f["path"], f["line"], f["target"], f["ssot_rule"]) for f in dangling] == [("pyproject.toml", 5, "auth.newer", "move:auth.old")]
    assert any(f["rule"] == "missing-module" and f["target"] == "auth.old" for f in findings)
    fixed = invoke_cli(root, "fix", ".", "--format", "json", "--no-git")
    assert fixed.exit_code != 2, fixed.output  # no configuration error: the dangling rule is left out of the plan
    assert (root / "backend/user.py").read_text() == "import auth.old\n"


def test_a_statement_mixing_use_and_forbidden_counts_as_violating_only(project) -> None:
    files = {**BASE, "backend/mixed.py": "import backend.integration.jwt_ssot, auth.core.jwt_handler\n"}
    (figure,) = project(files, ssot=(RULE,)).to_dict()["summary"]["ssot"]["rules"]
    assert (figure["compliant_imports"], figure["violating_imports"], figure["compliance"]) == (0, 1, 0.0)


def test_suggestion_says_what_to_write(project) -> None:
    files = {**BASE, "backend/app.py": "from auth.core.jwt_handler import JWTHandler\nfrom auth.core import jwt_handler\n"}
    details = [f.suggestion.detail for f in project(files, ssot=(RULE,)).findings if f.suggestion]
    assert details == ["from backend.integration.jwt_ssot import JwtSsot", "import from backend.integration.jwt_ssot"]


def test_a_name_arriving_through_use_is_compliant(project) -> None:
    files = {
        **BASE,
        "backend/integration/jwt_ssot.py": "from auth.core.jwt_handler import JWTHandler, validate_token\nclass JwtSsot(JWTHandler): pass\n",
        "backend/facade.py": "from backend.integration.jwt_ssot import JWTHandler\n",  # re-exports through `use`
        "backend/app.py": "from backend.facade import JWTHandler\n",
    }
    result = project(files, ssot=(RULE,))
    assert [f.path for f in result.findings if f.rule == "ssot-violation"] == []
