"""Reading import-linter's forbidden contracts from real setup.cfg, .importlinter and pyproject.toml files."""

from __future__ import annotations

from pathlib import Path

import pytest

from remediator.adapters.importlinter_config import ForbiddenContract, find_importlinter_config, load_forbidden_contracts
from remediator.domain.config import ConfigError
from tests.conftest import write_tree

INI = """
[importlinter]
root_packages =
    shop
    payments

[importlinter:contract:no-stripe]
name = Shop goes through the gateway
type = forbidden
source_modules =
    shop
    shop.*.views
forbidden_modules =
    payments.stripe_client
ignore_imports =
    shop.legacy -> payments.stripe_client
allow_indirect_imports = True

[importlinter:contract:layers]
name = Layers
type = layers
layers =
    shop
    payments

[importlinter:contract:single]
name = Single line values
type = forbidden
source_modules = shop.api
forbidden_modules = shop.db
"""

TOML = """
[project]
name = "shop"

[tool.importlinter]
root_package = "shop"

[[tool.importlinter.contracts]]
id = "no-db"
name = "API never touches the database"
type = "forbidden"
source_modules = ["shop.api", "shop.**.handlers"]
forbidden_modules = ["shop.db"]
allow_indirect_imports = true

[[tool.importlinter.contracts]]
name = "Independent"
type = "independence"
modules = ["shop.a", "shop.b"]
"""


def test_ini_contracts_from_dot_importlinter(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {".importlinter": INI})
    assert find_importlinter_config(root) == root / ".importlinter"
    contracts = load_forbidden_contracts(root)
    assert contracts == (
        ForbiddenContract(
            name="Shop goes through the gateway",
            forbid=("payments.stripe_client",),
            scope=("shop", "shop.*.views"),
            contract_id="no-stripe",
            ignore_imports=(("shop.legacy", "payments.stripe_client"),),
            allow_indirect_imports=True,
            source=root / ".importlinter",
        ),
        ForbiddenContract(
            name="Single line values",
            forbid=("shop.db",),
            scope=("shop.api",),
            contract_id="single",
            source=root / ".importlinter",
        ),
    )


def test_toml_contracts_from_pyproject(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {"pyproject.toml": TOML})
    (contract,) = load_forbidden_contracts(root)
    assert contract == ForbiddenContract(
        name="API never touches the database",
        forbid=("shop.db",),
        scope=("shop.api", "shop.**.handlers"),
        contract_id="no-db",
        allow_indirect_imports=True,
        source=root / "pyproject.toml",
    )


def test_setup_cfg_comes_first_like_import_linter(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {"setup.cfg": "[metadata]\nname = shop\n" + INI, "pyproject.toml": TOML})
    assert find_importlinter_config(root) == root / "setup.cfg"
    assert [c.contract_id for c in load_forbidden_contracts(root)] == ["no-stripe", "single"]


def test_files_without_an_importlinter_section_are_passed_over(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {"setup.cfg": "[metadata]\nname = shop\n[flake8]\nmax-line-length = 100\n", "pyproject.toml": TOML})
    assert find_importlinter_config(root) == root / "pyproject.toml"
    assert [c.contract_id for c in load_forbidden_contracts(root)] == ["no-db"]
    empty = write_tree(tmp_path / "empty", {"pyproject.toml": '[tool.remediator]\npackages = ["shop"]\n'})
    assert find_importlinter_config(empty) is None
    assert load_forbidden_contracts(empty) == ()


def test_an_explicit_file_is_read(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {"config/lint.ini": INI, "pyproject.toml": TOML})
    assert [c.contract_id for c in load_forbidden_contracts(root, root / "config/lint.ini")] == ["no-stripe", "single"]


@pytest.mark.parametrize(
    "contract, key, message",
    [
        (
            "name = X\ntype = forbidden\nforbidden_modules = shop.db\n",
            "importlinter:contract:bad.source_modules",
            "missing required setting",
        ),
        (
            "name = X\ntype = forbidden\nsource_modules = shop.api\nforbidden_modules = shop..db\n",
            "importlinter:contract:bad.forbidden_modules",
            "bad module pattern",
        ),
        (
            "type = forbidden\nsource_modules = shop.api\nforbidden_modules = shop.db\n",
            "importlinter:contract:bad.name",
            "missing contract name",
        ),
        (
            "name = X\ntype = forbidden\nsource_modules = shop.api\nforbidden_modules = shop.db\nignore_imports = shop.api shop.db\n",
            "importlinter:contract:bad.ignore_imports",
            "expected 'importer -> imported'",
        ),
    ],
)
def test_mistakes_name_file_and_key(tmp_path: Path, contract: str, key: str, message: str) -> None:
    root = write_tree(tmp_path, {".importlinter": f"[importlinter]\nroot_package = shop\n[importlinter:contract:bad]\n{contract}"})
    with pytest.raises(ConfigError) as raised:
        load_forbidden_contracts(root)
    assert raised.value.path == str(root / ".importlinter")
    assert raised.value.key == key
    assert message in raised.value.message


def test_broken_toml_is_a_config_error(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path, {"pyproject.toml": '[tool.importlinter]\nroot_package = "shop"\n[[tool.importlinter.contracts]]\nname = \n'}
    )
    with pytest.raises(ConfigError) as raised:
        load_forbidden_contracts(root, root / "pyproject.toml")
    assert raised.value.key == "toml"


def test_contracts_become_detection_only_rules_in_scan(tmp_path: Path) -> None:
    import remediator

    root = write_tree(
        tmp_path / "repo",
        {
            "setup.cfg": INI,
            "shop/__init__.py": "",
            "shop/cart.py": "from payments.stripe_client import charge\n",
            "shop/legacy.py": "",
            "payments/__init__.py": "",
            "payments/stripe_client.py": "def charge(): pass\n",
            "payments/gateway.py": "from payments.stripe_client import charge\n",
        },
    )
    result = remediator.scan(root, use_git=False)
    (finding,) = [f for f in result.findings if f.rule == "ssot-violation"]
    assert (finding.path, finding.ssot_rule, finding.suggestion) == ("shop/cart.py", "Shop goes through the gateway", None)
    assert finding.message.endswith("forbidden by import-linter contract 'Shop goes through the gateway'")
    fixed = remediator.fix(root, use_git=False)
    assert fixed.changes == [] and fixed.skipped == []  # nothing to rewrite to
    write_tree(root, {"pyproject.toml": "[tool.remediator]\nimportlinter = false\n"})
    assert [f for f in remediator.scan(root, use_git=False).findings if f.rule == "ssot-violation"] == []
