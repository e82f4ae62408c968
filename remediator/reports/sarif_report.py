"""SARIF 2.1.0 output, for code-scanning tools (GitHub code scanning and others); see docs/check-and-ci.md."""

from __future__ import annotations

import json
import os
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from remediator.domain.version import VERSION
from remediator.application.baseline import fingerprint
from remediator.application.scan import ScanResult
from remediator.domain.findings import (
    DANGLING_SETTING,
    IMPORT_CYCLE,
    MISSING_MODULE,
    MISSING_NAME,
    RULES,
    SHADOWED_MODULE,
    SSOT_VIOLATION,
    SYNTAX_ERROR,
    NEWER_SYNTAX,
    UNMODELLED_SYS_PATH,
    UNREADABLE_FILE,
    Finding,
)

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
FINGERPRINT_KEY = "remediator/v1"
SRCROOT = "SRCROOT"

LEVELS = {"error": "error", "warning": "warning", "info": "note"}
DESCRIPTIONS = {
    MISSING_MODULE: "An import, or a mock.patch()/import_module() string, names a project module that does not exist.",
    MISSING_NAME: "An import, or a mock.patch() string, names something an existing project module does not define.",
    SSOT_VIOLATION: "An import reaches a module an SSOT rule (or an import-linter forbidden contract) forbids, instead of going through the rule's `use` module when it names one.",
    IMPORT_CYCLE: "A group of modules that import each other.",
    SYNTAX_ERROR: "A file that is not valid Python.",
    UNREADABLE_FILE: "A file that cannot be read or decoded.",
    DANGLING_SETTING: "An ssot or move rule of the settings names a module (or name) that does not exist in the project.",
    SHADOWED_MODULE: "A file or namespace folder that another entry of the same name hides from every import.",
    NEWER_SYNTAX: "A file that uses syntax newer than the oldest Python the project supports.",
    UNMODELLED_SYS_PATH: "A conftest.py or a pythonpath setting changes sys.path in a way remediator does not follow.",
}
DEFAULT_LEVELS = {
    IMPORT_CYCLE: "note",
    SHADOWED_MODULE: "warning",
    UNMODELLED_SYS_PATH: "note",
}  # every other rule's findings are errors unless guarded


def render_sarif(result: ScanResult) -> str:
    """One SARIF log with one run: every rule, and one result per finding."""
    return json.dumps(sarif_log(result), indent=2, ensure_ascii=False)


def sarif_log(result: ScanResult) -> dict[str, Any]:
    """The SARIF log as a dict."""

    index = {rule: i for i, rule in enumerate(RULES)}
    ordinals: Counter[str] = Counter()
    results = []
    for finding in result.findings:
        key = fingerprint(finding)
        ordinals[key] += 1
        results.append(_result(finding, index, f"{key}:{ordinals[key]}"))
    driver: dict[str, Any] = {
        "name": "remediator",
        "version": VERSION,
        "semanticVersion": VERSION,
        "informationUri": _information_uri(),
        "rules": [_rule(rule) for rule in RULES],
    }
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {"driver": driver},
                "originalUriBaseIds": {SRCROOT: {"uri": Path(os.path.abspath(result.root)).as_uri().rstrip("/") + "/"}},
                "columnKind": "unicodeCodePoints",
                "invocations": [{"executionSuccessful": True}],
                "results": results,
            }
        ],
    }


def finding_text(finding: Finding) -> str:
    """The finding's message, with its cause (checks against a base) and its suggestion when the message does not
    already say it."""
    text = finding.message if finding.cause is None else f"{finding.message} ({finding.cause})"
    suggestion = finding.suggestion
    if suggestion is None or suggestion.kind == "use":
        return text
    text = f"{text}; suggestion ({suggestion.kind}): {suggestion.detail}"
    return f"{text}: {suggestion.command}" if suggestion.command else text


def _rule(rule: str) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": rule,
        "name": "".join(part.capitalize() for part in rule.split("-")),
        "shortDescription": {"text": DESCRIPTIONS.get(rule, rule)},
        "defaultConfiguration": {"level": DEFAULT_LEVELS.get(rule, "error")},
    }
    help_uri = _rule_help_uri(rule)
    if help_uri is not None:
        data["helpUri"] = help_uri
    return data


def _result(finding: Finding, index: dict[str, int], partial_fingerprint: str) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "target": finding.target,
        "name": finding.name,
        "guarded": finding.guarded,
        "suggestion": finding.suggestion.to_dict() if finding.suggestion else None,
        "reference": finding.reference,
        "type_checking": finding.type_checking,
        "importer": finding.importer,
    }
    if finding.ssot_rule is not None:
        properties["ssot_rule"] = finding.ssot_rule
    data: dict[str, Any] = {
        "ruleId": finding.rule,
        "level": LEVELS[finding.severity],
        "message": {"text": finding_text(finding)},
        "locations": [_location(finding.path, finding.line, finding.column)],
        "partialFingerprints": {FINGERPRINT_KEY: partial_fingerprint},
        "properties": properties,
    }
    if finding.rule in index:
        data["ruleIndex"] = index[finding.rule]
    if finding.chain:
        data["relatedLocations"] = [
            {**_location(link["path"], link["line"], 1), "id": i, "message": {"text": f"{link['importer']} imports {link['imported']}"}}
            for i, link in enumerate(finding.chain)
        ]
    return data


def _location(path: str, line: int, column: int) -> dict[str, Any]:
    return {
        "physicalLocation": {
            "artifactLocation": {"uri": quote(path), "uriBaseId": SRCROOT},
            "region": {"startLine": max(1, line), "startColumn": max(1, column)},
        }
    }


@lru_cache(maxsize=1)
def _project_urls() -> dict[str, str]:
    """`[project.urls]` of the installed distribution, by lower-case label."""
    from importlib.metadata import PackageNotFoundError, metadata

    try:
        entries = metadata("remediator").get_all("Project-URL") or []
    except PackageNotFoundError:
        return {}
    urls = {}
    for entry in entries:
        label, _, url = entry.partition(",")
        urls[label.strip().lower()] = url.strip()
    return urls


def _information_uri() -> str:
    urls = _project_urls()
    for label in ("homepage", "repository", "source", "documentation"):
        if label in urls:
            return urls[label]
    return "https://pypi.org/project/remediator/"


def _rule_help_uri(rule: str) -> str | None:
    """docs/rules/<rule>.md: in the project's repository when it declares one, else in this checkout, if present."""
    repository = _project_urls().get("repository") or _project_urls().get("source")
    if repository:
        return f"{repository.rstrip('/')}/blob/main/docs/rules/{rule}.md"
    page = Path(__file__).resolve().parents[2] / "docs" / "rules" / f"{rule}.md"
    return page.as_uri() if page.is_file() else None
