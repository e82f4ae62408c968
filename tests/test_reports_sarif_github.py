"""SARIF 2.1.0 (validated against the official schema) and GitHub workflow-command output of scan and check."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import jsonschema
import pytest

import remediator
from remediator.application.baseline import fingerprint
from remediator.domain.findings import RULES
from remediator.reports.github_report import escape_data, escape_property
from tests.conftest import invoke_cli as cli, write_tree

SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
RULE_NAME = "50% rule, a:b"
TREE: dict[str, str | bytes] = {
    "pyproject.toml": f"""
        [project]
        requires-python = ">=3.10"
        [tool.remediator]
        [[tool.remediator.ssot]]
        name = "{RULE_NAME}"
        forbid = ["app.raw"]
        use = "app.config"
        [[tool.remediator.move]]
        from = "app.old_helpers"
        to = "app.helpers_gone"
    """,
    "app/__init__.py": "",
    "app/raw.py": "TIMEOUT = 5\n",
    "app/config.py": "from app.raw import TIMEOUT\n",
    "app/new_home.py": "class Mock:\n    calls = 0\n",
    "app/a.py": "from app.raw import TIMEOUT\nfrom app.old_home import Mock\n",
    "app/guarded.py": "try:\n    from app.config import gone\nexcept ImportError:\n    gone = None\n",
    "app/twice.py": "def f():\n    import app.missing\n\n\ndef g():\n        import app.missing\n",
    "app/strings.py": 'from unittest import mock\n\nwith mock.patch("app.nowhere.thing"):\n    pass\n',
    "app/cyc1.py": "import app.cyc2\n",
    "app/cyc2.py": "import app.cyc1\n",
    "app/syn.py": "def broken(:\n",
    "app/bin.py": b"x = '\xff'\n",
    "app/twin.py": "X = 1\n",
    "app/twin/__init__.py": "Y = 2\n",
    "app/aliases.py": "type Pair = tuple[int, int]\n",
    "tests/conftest.py": "import os\nimport sys\n\nsys.path.insert(0, os.environ['EXTRA'])\n",
}


def validate(log: dict[str, Any]) -> None:
    validator = jsonschema.Draft7Validator(SCHEMA, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return write_tree(tmp_path / "repo", TREE)


def test_the_bundled_schema_is_the_official_one() -> None:
    assert SCHEMA["$id"].endswith("sarif-schema-2.1.0.json")
    assert SCHEMA["properties"]["version"]["enum"] == ["2.1.0"]
    with pytest.raises(jsonschema.ValidationError):  # the schema does reject a wrong log
        jsonschema.validate({"version": "2.1.0", "runs": [{"results": []}]}, SCHEMA)


@pytest.mark.parametrize("command", [["scan", "."], ["check"]])
def test_sarif_validates_against_the_official_schema(root: Path, command: list[str]) -> None:
    result = cli(root, *command, "--format", "sarif", "--no-git")
    assert result.exit_code == 1, result.output
    log = json.loads(result.stdout)
    validate(log)
    (run,) = log["runs"]
    rules = {f.rule for f in remediator.scan(root, use_git=False).findings}
    assert rules == set(RULES)  # the tree exercises every rule
    assert len(run["results"]) == len(remediator.scan(root, use_git=False).findings)


def test_sarif_driver_and_rules(root: Path) -> None:
    log = json.loads(cli(root, "scan", ".", "--format", "sarif").stdout)
    assert log["version"] == "2.1.0"
    driver = log["runs"][0]["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("remediator", remediator.__version__)
    assert urlparse(driver["informationUri"]).scheme in ("http", "https")
    assert [rule["id"] for rule in driver["rules"]] == list(RULES)
    levels = {rule["id"]: rule["defaultConfiguration"]["level"] for rule in driver["rules"]}
    assert levels == {r: "error" for r in RULES} | {"import-cycle": "note", "shadowed-module": "warning", "unmodelled-sys-path": "note"}
    docs_at_hand = (Path(remediator.__file__).resolve().parents[1] / "docs" / "rules").is_dir()
    for rule in driver["rules"]:
        assert rule["shortDescription"]["text"]
        if "helpUri" not in rule:  # only when neither a repository URL nor the docs are known
            assert not docs_at_hand
            continue
        uri = rule["helpUri"]
        assert uri.endswith(f"docs/rules/{rule['id']}.md")
        if uri.startswith("file:"):  # no repository URL declared: the page of this checkout
            assert Path(unquote(urlparse(uri).path)).is_file()


def test_sarif_results_carry_location_level_fingerprint_and_properties(root: Path) -> None:
    scan = remediator.scan(root, use_git=False)
    log = json.loads(cli(root, "scan", ".", "--format", "sarif", "--no-git").stdout)
    run = log["runs"][0]
    assert run["originalUriBaseIds"]["SRCROOT"]["uri"] == root.resolve().as_uri() + "/"
    seen: dict[str, int] = {}
    for finding, result in zip(scan.findings, run["results"], strict=True):
        assert result["ruleId"] == finding.rule
        assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == finding.rule
        assert result["level"] == {"error": "error", "warning": "warning", "info": "note"}[finding.severity]
        assert result["message"]["text"].startswith(finding.message)
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"] == {"uri": finding.path, "uriBaseId": "SRCROOT"}
        assert location["region"] == {"startLine": finding.line, "startColumn": finding.column}
        key = fingerprint(finding)
        seen[key] = seen.get(key, 0) + 1
        assert result["partialFingerprints"] == {"remediator/v1": f"{key}:{seen[key]}"}
        properties = result["properties"]
        assert (properties["target"], properties["name"], properties["guarded"]) == (finding.target, finding.name, finding.guarded)
        assert properties["suggestion"] == (finding.suggestion.to_dict() if finding.suggestion else None)
    by_rule = {r["ruleId"]: r for r in run["results"]}
    assert by_rule["missing-name"]["level"] == "warning" and by_rule["missing-name"]["properties"]["guarded"] is True
    moved = next(r for r in run["results"] if r["properties"]["target"] == "app.old_home")
    assert moved["message"]["text"].endswith("; suggestion (move): Mock is now defined in app.new_home")
    assert by_rule["ssot-violation"]["properties"]["ssot_rule"] == RULE_NAME
    assert [link["physicalLocation"]["artifactLocation"]["uri"] for link in by_rule["import-cycle"]["relatedLocations"]] == [
        "app/cyc1.py",
        "app/cyc2.py",
    ]
    twice = [
        r["partialFingerprints"]["remediator/v1"]
        for r in run["results"]
        if r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "app/twice.py"
    ]
    assert [p.split(":")[1] for p in twice] == ["1", "2"] and len({p.split(":")[0] for p in twice}) == 1


def test_sarif_of_a_check_holds_only_the_reported_findings(root: Path) -> None:
    log = json.loads(cli(root, "check", "app/a.py", "--format", "sarif").stdout)
    validate(log)
    assert [(r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"]) for r in log["runs"][0]["results"]] == [
        ("ssot-violation", 1),
        ("missing-module", 2),
    ]
    clean = cli(root, "check", "app/config.py", "--format", "sarif")
    assert clean.exit_code == 0
    validate(json.loads(clean.stdout))
    assert json.loads(clean.stdout)["runs"][0]["results"] == []


COMMAND = re.compile(r"^::(error|warning|notice) (.*?)::(.*)$")


def parse_command(line: str) -> tuple[str, dict[str, str], str]:
    """Read a workflow command back the way the runner does: split first, then unescape."""
    match = COMMAND.match(line)
    assert match, line
    properties = {}
    for item in match.group(2).split(","):
        key, _, value = item.partition("=")
        properties[key] = _unescape(value)
    return match.group(1), properties, _unescape(match.group(3))


def _unescape(text: str) -> str:
    return text.replace("%3A", ":").replace("%2C", ",").replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def test_github_annotations_one_per_finding(root: Path) -> None:
    scan = remediator.scan(root, use_git=False)
    result = cli(root, "scan", ".", "--format", "github", "--no-git")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert len(lines) == len(scan.findings)
    for finding, line in zip(scan.findings, lines, strict=True):
        command, properties, message = parse_command(line)
        assert command == {"error": "error", "warning": "warning", "info": "notice"}[finding.severity]
        assert properties == {"file": finding.path, "line": str(finding.line), "col": str(finding.column), "title": finding.rule}
        assert message.startswith(finding.message)
    ssot = next(line for line in lines if "title=ssot-violation" in line)
    assert ssot.startswith("::error file=app/a.py,line=1,col=1,title=ssot-violation::imports 'TIMEOUT' from app.raw")
    assert "(rule 50%25 rule, a:b)" in ssot  # % escaped in the message; `,` and `:` need no escape there
    assert any(line.startswith("::warning file=app/guarded.py,line=2,col=5,title=missing-name::") for line in lines)
    assert any(line.startswith("::notice file=app/cyc1.py,line=1,col=1,title=import-cycle::") for line in lines)


def test_github_paths_are_relative_to_the_working_directory_and_escaped(tmp_path: Path) -> None:
    write_tree(tmp_path / "we%ird,dir:1", TREE)
    result = cli(tmp_path, "check", "--root", "we%ird,dir:1", "--format", "github", "we%ird,dir:1/app/a.py")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith("::error file=we%25ird%2Cdir%3A1/app/a.py,line=1,col=1,title=ssot-violation::")
    assert parse_command(lines[0])[1]["file"] == "we%ird,dir:1/app/a.py"
    assert len(lines) == 2
    assert "finding" in result.stderr  # notes go to stderr, annotations alone to stdout


def test_github_escaping_rules() -> None:
    assert escape_data("100% done\r\nnext: a, b") == "100%25 done%0D%0Anext: a, b"
    assert escape_property("a%b\r\nc:d,e") == "a%25b%0D%0Ac%3Ad%2Ce"
    message = "50% of 2,3: ok\nsecond line"
    assert _unescape(escape_data(message)) == message


def test_github_output_is_empty_without_findings(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", {"app/__init__.py": "", "app/x.py": "import app\n"})
    result = cli(root, "scan", ".", "--format", "github")
    assert result.exit_code == 0 and result.stdout == ""
