"""Detection-only SSOT rules: import-linter `forbidden` contracts and ssot tables without `use`.

Real trees on disk, the real CLI; real import-linter (`lint-imports`) is the oracle for
which direct imports a contract forbids.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import invoke_cli, write_tree

CONTRACT = "Views never touch the database"

# Every import form the contract must see: absolute, `from pkg import submodule`, several names on
# one line, relative, star, inside a function, under TYPE_CHECKING, inside try/except ImportError.
TREE = {
    "shop/__init__.py": "",
    "shop/api/__init__.py": "",
    "shop/api/views.py": """
        from shop.db import models, session
        import shop.db.session


        def order():
            from shop.db.models import Order
            return Order
        """,
    "shop/api/ok.py": "from shop.services import orders\n",
    "shop/api/star.py": "from ..db.session import *\n",
    "shop/services/__init__.py": "",
    "shop/services/orders.py": "from shop.db.models import Order\n",
    "shop/legacy.py": "from shop.db import session\nfrom shop.db import models\n",
    "shop/web/__init__.py": "from shop.db import models\n",
    "shop/web/handlers.py": """
        from typing import TYPE_CHECKING

        from shop.db import session

        if TYPE_CHECKING:
            from ..db.models import Order
        """,
    "shop/web/admin/__init__.py": "",
    "shop/web/admin/panel.py": """
        try:
            import shop.db.models as models
        except ImportError:
            models = None
        """,
    "shop/db/__init__.py": "",
    "shop/db/models.py": "class Order:\n    pass\n",
    "shop/db/session.py": "engine = None\n",
}
SOURCES = ("shop.api", "shop.web", "shop.legacy")
FORBIDDEN = ("shop.db",)
IGNORED = ("shop.legacy -> shop.db.session", "shop.web.** -> shop.db.models")  # `**`: one or more segments, so not shop.web itself


def _ini(*, header: str = "", indirect: bool = True, ignore: tuple[str, ...] = IGNORED) -> str:
    lines = [header, "[importlinter]", "root_package = shop", "", "[importlinter:contract:no-db]", f"name = {CONTRACT}", "type = forbidden"]
    lines += ["source_modules =", *(f"    {m}" for m in SOURCES), "forbidden_modules =", *(f"    {m}" for m in FORBIDDEN)]
    if ignore:
        lines += ["ignore_imports =", *(f"    {i}" for i in ignore)]
    if indirect:
        lines.append("allow_indirect_imports = True")
    return "\n".join(lines) + "\n"


def _toml(*, indirect: bool = True, ignore: tuple[str, ...] = IGNORED) -> str:
    text = (
        '[project]\nname = "shop"\n\n[tool.importlinter]\nroot_package = "shop"\n\n[[tool.importlinter.contracts]]\n'
        f'id = "no-db"\nname = "{CONTRACT}"\ntype = "forbidden"\n'
        f"source_modules = {json.dumps(list(SOURCES))}\nforbidden_modules = {json.dumps(list(FORBIDDEN))}\n"
        f"ignore_imports = {json.dumps(list(ignore))}\n"
    )
    return text + ("allow_indirect_imports = true\n" if indirect else "")


FORMS = {
    "pyproject.toml": lambda **kw: {"pyproject.toml": _toml(**kw)},
    "setup.cfg": lambda **kw: {"setup.cfg": _ini(header="[metadata]\nname = shop\n", **kw)},
    ".importlinter": lambda **kw: {".importlinter": _ini(**kw)},
}

# (importer, imported module, line) of each direct import the contract forbids, with the ignores applied.
EXPECTED = {
    ("shop.api.views", "shop.db.models", 1),
    ("shop.api.views", "shop.db.session", 1),
    ("shop.api.views", "shop.db.session", 2),
    ("shop.api.views", "shop.db.models", 6),
    ("shop.api.star", "shop.db.session", 1),
    ("shop.legacy", "shop.db.models", 2),  # shop.legacy -> shop.db.session (line 1) is ignored
    ("shop.web", "shop.db.models", 1),  # `shop.web.**` does not match shop.web itself
    ("shop.web.handlers", "shop.db.session", 3),  # shop.web.handlers -> shop.db.models (line 6) is ignored
}


def _json(root: Path, command: str = "scan", *args: str) -> dict:
    result = invoke_cli(root, command, "--format", "json", "--no-git", "--no-cache", *args)
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.output)


def _module_exists(root: Path, module: str) -> bool:
    path = root.joinpath(*module.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _violations(root: Path, document: dict, rule: str | None = None) -> set[tuple[str, str, int]]:
    """(importer, imported module, line) of the ssot-violation findings of imports (of one rule, or all), as grimp
    names the imported module."""
    found = set()
    for finding in document["findings"]:
        if finding["rule"] != "ssot-violation" or finding["reference"] != "import" or rule not in (None, finding["ssot_rule"]):
            continue
        submodule = f"{finding['target']}.{finding['name']}"
        imported = submodule if finding["name"] and _module_exists(root, submodule) else finding["target"]
        found.add((finding["importer"], imported, finding["line"]))
    return found


def _lint_imports(root: Path, *contracts: str) -> list[list[tuple[str, str, tuple[int, ...]]]]:
    """The chains real import-linter reports as broken (of the contracts with these ids, else all), each a list of
    (importer, imported, lines) links."""
    if shutil.which("lint-imports") is None:
        if os.environ.get("CI") == "true":  # the test extras install it: under CI a missing oracle is a failure
            pytest.fail("lint-imports (import-linter, in the test extras) is not on PATH")
        pytest.skip("lint-imports (import-linter) is not on PATH")
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    selected = [option for contract in contracts for option in ("--contract", contract)]
    completed = subprocess.run(["lint-imports", "--no-cache", *selected], cwd=root, capture_output=True, text=True, env=env, timeout=120)
    assert completed.returncode in (0, 1), completed.stdout + completed.stderr
    chains: list[list[tuple[str, str, tuple[int, ...]]]] = []
    for line in completed.stdout.splitlines():
        link = re.match(r"^(-)?\s+(\S+) -> (\S+) \(([^)]*)\)$", line)
        if link is None:
            continue
        numbers = tuple(int(n) for n in re.findall(r"l\.(\d+)", link.group(4)))
        if link.group(1):
            chains.append([])
        chains[-1].append((link.group(2), link.group(3), numbers))
    return chains


def _direct(chains: list[list[tuple[str, str, tuple[int, ...]]]]) -> set[tuple[str, str, int]]:
    return {(importer, imported, line) for chain in chains if len(chain) == 1 for importer, imported, lines in chain for line in lines}


@pytest.mark.parametrize("form", list(FORMS))
def test_a_forbidden_contract_is_checked_by_scan(tmp_path: Path, form: str) -> None:
    root = write_tree(tmp_path / "repo", {**TREE, **FORMS[form]()})
    document = _json(root)
    assert _violations(root, document) == EXPECTED
    findings = [f for f in document["findings"] if f["rule"] == "ssot-violation"]
    assert {f["ssot_rule"] for f in findings} == {CONTRACT}
    assert all(f["suggestion"] is None and f["severity"] == "error" for f in findings)
    assert all(f["message"].endswith(f"forbidden by import-linter contract '{CONTRACT}'") for f in findings)
    assert not any(" use " in f["message"] or "bypassing" in f["message"] for f in findings)
    (rule,) = document["summary"]["ssot"]["rules"]
    assert (rule["rule"], rule["use"], rule["compliant_imports"], rule["violating_imports"]) == (CONTRACT, None, 0, 7)
    assert document["summary"]["ssot"]["compliance"] == 0.0


@pytest.mark.parametrize("form", list(FORMS))
def test_direct_imports_agree_with_lint_imports(tmp_path: Path, form: str) -> None:
    root = write_tree(tmp_path / "repo", {**TREE, **FORMS[form]()})
    chains = _lint_imports(root)
    assert all(len(chain) == 1 for chain in chains)  # allow_indirect_imports = True: direct imports only
    assert _direct(chains) == EXPECTED
    assert _violations(root, _json(root)) == _direct(chains)


def test_without_allow_indirect_imports_remediator_reports_the_direct_imports_only(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", {**TREE, **FORMS[".importlinter"](indirect=False)})
    chains = _lint_imports(root)
    indirect = [chain for chain in chains if len(chain) > 1]
    assert [(c[0][0], c[-1][1]) for c in indirect] == [("shop.api.ok", "shop.db.models")]  # through shop.services.orders
    assert _violations(root, _json(root)) == _direct(chains) == EXPECTED


def test_ignore_imports_wildcards_follow_import_linter(tmp_path: Path) -> None:
    """`*` is one segment, `**` one or more, and an expression matches exactly (not submodules)."""
    ignore = ("shop.*.views -> shop.db.*", "shop.** -> shop.db.session", "shop.web -> shop.db")
    root = write_tree(tmp_path / "repo", {**TREE, **FORMS["pyproject.toml"](ignore=ignore[:2])})
    kept = {
        ("shop.legacy", "shop.db.models", 2),
        ("shop.web", "shop.db.models", 1),
        ("shop.web.handlers", "shop.db.models", 6),
        ("shop.web.admin.panel", "shop.db.models", 2),
    }
    assert _violations(root, _json(root)) == kept
    assert _direct(_lint_imports(root)) == kept
    # `shop.web -> shop.db` names the package shop.db only: shop.web's import of shop.db.models stays forbidden
    write_tree(root, FORMS["pyproject.toml"](ignore=ignore))
    assert ("shop.web", "shop.db.models", 1) in _violations(root, _json(root))


OVERLAP_TREE = {
    "shop/__init__.py": "",
    "shop/api/__init__.py": "",
    "shop/api/views.py": "from shop.db import models\nfrom shop import cache\n",
    "shop/db/__init__.py": "",
    "shop/db/models.py": "from shop.cache import get\n",
    "shop/db/session.py": "from . import models\n",
    "shop/cache.py": "import shop.db\n\n\ndef get():\n    pass\n",
    ".importlinter": """
        [importlinter]
        root_package = shop

        [importlinter:contract:siblings]
        name = Siblings keep apart
        type = forbidden
        source_modules = shop.*
        forbidden_modules =
            shop.db
            shop.cache
        allow_indirect_imports = true

        [importlinter:contract:whole]
        name = Whole package
        type = forbidden
        source_modules = shop
        forbidden_modules = shop.db
        allow_indirect_imports = true

        [importlinter:contract:views]
        name = Views and the cache
        type = forbidden
        source_modules = **.views
        forbidden_modules = shop.cache
        allow_indirect_imports = true
        """,
}


@pytest.mark.parametrize(
    "contract, name, expected",
    [
        (
            "siblings",
            "Siblings keep apart",
            # shop.db.session -> shop.db.models: the source shop.db overlaps the forbidden shop.db, so it is let through
            {
                ("shop.api.views", "shop.db.models", 1),
                ("shop.api.views", "shop.cache", 2),
                ("shop.db.models", "shop.cache", 1),
                ("shop.cache", "shop.db", 1),
            },
        ),
        ("whole", "Whole package", set()),  # shop contains shop.db: import-linter skips the pair, and so does remediator
        ("views", "Views and the cache", {("shop.api.views", "shop.cache", 2)}),  # `**`: one or more segments
    ],
)
def test_overlapping_sources_and_forbidden_modules_follow_import_linter(
    tmp_path: Path, contract: str, name: str, expected: set[tuple[str, str, int]]
) -> None:
    root = write_tree(tmp_path / "repo", OVERLAP_TREE)
    assert _direct(_lint_imports(root, contract)) == expected
    assert _violations(root, _json(root), name) == expected


def test_the_importlinter_setting_switches_contracts_off(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path / "repo", {**TREE, **FORMS[".importlinter"](), "pyproject.toml": "[tool.remediator]\nimportlinter = false\n"}
    )
    document = _json(root)
    assert document["summary"]["ssot"]["rules"] == []
    assert _violations(root, document) == set()


def test_fix_leaves_contract_violations_untouched(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", {**TREE, **FORMS["setup.cfg"]()})
    before = {path: (root / path).read_bytes() for path in TREE}
    for args in ((), ("--apply",)):
        result = invoke_cli(root, "fix", "--no-git", "--no-cache", *args)
        assert result.exit_code == 0, result.output  # nothing fix's rules cover is left
        assert "0 files" in result.output
        assert "detection-only rules, which fix never rewrites for (they name no `use` module)" in result.output
        assert f"8 ssot-violation: '{CONTRACT}' (8)" in result.output
    assert {path: (root / path).read_bytes() for path in TREE} == before
    chosen = invoke_cli(root, "fix", "--no-git", "--rule", CONTRACT)
    assert chosen.exit_code == 2
    assert f"--rule: import-linter contract '{CONTRACT}' is detection-only" in chosen.output
    assert "nothing to rewrite" in chosen.output
    assert {path: (root / path).read_bytes() for path in TREE} == before
    document = _json(root, "fix")
    assert document["changed_files"] == [] and document["unfixed"] == {} and document["remaining"]["ssot-violation"] == 8


SSOT_TREE = {
    **{path: text for path, text in TREE.items() if not path.startswith("shop/web")},
    "shop/repo.py": "from shop.db.models import Order\n",
    "shop/api/tests/test_views.py": "from unittest import mock\n\npatcher = mock.patch('shop.db.models.Order')\n",
    "pyproject.toml": """
        [[tool.remediator.ssot]]
        name = "no-db"
        forbid = "shop.db"
        scope = ["shop.api"]
        allow = ["shop.api.ok"]
        """,
}


def test_an_ssot_table_without_use_only_detects(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", SSOT_TREE)
    text = invoke_cli(root, "scan", "--no-git", "--no-cache")
    assert text.exit_code == 1
    assert "SSOT rule no-db — detection only — 0% compliant (0 of 4 import statements) — 4 violating statements in 2 files" in text.output
    assert "shop/api/views.py:2:1 imports shop.db.session, forbidden by ssot rule 'no-db'" in text.output
    assert "shop/api/tests/test_views.py:3:22 imports 'Order' from shop.db.models, forbidden by ssot rule 'no-db'" in text.output
    assert "instead" not in text.output and "bypassing" not in text.output and " use " not in text.output
    document = _json(root)
    assert {f["path"] for f in document["findings"] if f["rule"] == "ssot-violation"} == {
        "shop/api/views.py",
        "shop/api/star.py",
        "shop/api/tests/test_views.py",
    }
    sarif = json.loads(invoke_cli(root, "scan", "--format", "sarif", "--no-git", "--no-cache").output)
    results = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "ssot-violation"]
    assert len(results) == 6
    assert all(r["message"]["text"].endswith("forbidden by ssot rule 'no-db'") for r in results)
    assert all(r["properties"]["suggestion"] is None and r["properties"]["ssot_rule"] == "no-db" for r in results)
    checked = invoke_cli(root, "check", "--no-git", "--no-cache")
    assert checked.exit_code == 1 and "forbidden by ssot rule 'no-db'" in checked.output


def test_fix_skips_a_detection_only_rule_and_applies_the_others(tmp_path: Path) -> None:
    tree = {**SSOT_TREE}
    tree["pyproject.toml"] += (
        '\n[[tool.remediator.ssot]]\nname = "sessions"\nforbid = "shop.db.session"\nscope = ["shop.legacy"]\nuse = "shop.repo"\n'
    )
    root = write_tree(tmp_path / "repo", tree)
    views = (root / "shop/api/views.py").read_bytes()
    result = invoke_cli(root, "fix", "--no-git", "--no-cache", "--apply", "--rewrite-strings")
    assert result.exit_code == 0, result.output
    assert (
        root / "shop/legacy.py"
    ).read_text() == "from shop import repo as session\nfrom shop.db import models\n"  # the module goes to `use`
    assert (root / "shop/api/views.py").read_bytes() == views
    assert "mock.patch('shop.db.models.Order')" in (root / "shop/api/tests/test_views.py").read_text()
    assert "detection-only rules" in result.output and "'no-db' (6)" in result.output
    refused = invoke_cli(root, "fix", "--no-git", "--rule", "no-db", "--rule", "sessions")
    assert refused.exit_code == 2
    assert (
        "--rule: ssot rule 'no-db' is detection-only (it names no `use` module): fix has nothing to rewrite its imports to"
        in refused.output
    )


@pytest.mark.parametrize(
    "table, key, message",
    [
        ('name = "r"\nforbid = "a"\nsymbols = { x = "y" }\n', "tool.remediator.ssot[0].symbols", "needs `use`"),
        ('name = "r"\nuse = "a"\n', "tool.remediator.ssot[0].forbid", "missing required setting"),
    ],
)
def test_settings_a_detection_only_rule_cannot_have(tmp_path: Path, table: str, key: str, message: str) -> None:
    root = write_tree(tmp_path / "repo", {"a.py": "", "pyproject.toml": f"[[tool.remediator.ssot]]\n{table}"})
    result = invoke_cli(root, "scan", "--no-git")
    assert result.exit_code == 2
    assert key in result.output and message in result.output


def test_as_packages_false_binds_only_the_modules_named(tmp_path: Path) -> None:
    tree = {
        **OVERLAP_TREE,
        ".importlinter": """
        [importlinter]
        root_package = shop

        [importlinter:contract:flat]
        name = Flat
        type = forbidden
        source_modules =
            shop.api.views
            shop.db
        forbidden_modules =
            shop.db
            shop.cache
        as_packages = False
        allow_indirect_imports = True
        """,
    }
    root = write_tree(tmp_path / "repo", tree)
    # shop.api.views -> shop.db.models is no import of shop.db itself; shop.db.models is not shop.db
    expected = {("shop.api.views", "shop.cache", 2)}
    assert _direct(_lint_imports(root)) == expected
    assert _violations(root, _json(root)) == expected
    write_tree(root, {".importlinter": tree[".importlinter"].replace("as_packages = False", "as_packages = maybe")})
    result = invoke_cli(root, "scan", "--no-git")
    assert result.exit_code == 2 and "importlinter:contract:flat.as_packages: must be true or false" in result.output


def test_warm_runs_follow_edits_to_the_contract(tmp_path: Path) -> None:
    """The stored analysis is keyed by the settings, contracts included: editing a contract is seen on the next warm run."""
    root = write_tree(tmp_path / "repo", {**TREE, **FORMS[".importlinter"]()})

    def warm() -> set[tuple[str, str, int]]:
        result = invoke_cli(root, "check", "--format", "json", "--no-git")
        assert result.exit_code in (0, 1), result.output
        return _violations(root, json.loads(result.output))

    assert warm() == warm() == EXPECTED
    write_tree(root, FORMS[".importlinter"](ignore=()))
    assert warm() == EXPECTED | {
        ("shop.legacy", "shop.db.session", 1),
        ("shop.web.handlers", "shop.db.models", 6),
        ("shop.web.admin.panel", "shop.db.models", 2),
    }
    annotations = invoke_cli(root, "check", "--format", "github", "--no-git").output.splitlines()
    ours = [line for line in annotations if "title=ssot-violation::" in line]
    assert len(ours) == 11
    assert all(line.endswith(f"forbidden by import-linter contract '{CONTRACT}'") for line in ours)
