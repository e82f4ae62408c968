"""Read import-linter's `forbidden` contracts, to check them as detection-only SSOT rules.

import-linter keeps its settings in `setup.cfg` or `.importlinter` (INI: an `[importlinter]`
section and `[importlinter:contract:ID]` sections, lists one item a line) or in
`pyproject.toml` (`[tool.importlinter]` with `[[tool.importlinter.contracts]]`). Like
import-linter, the first of setup.cfg, .importlinter, pyproject.toml that has such a
section is read. Only contracts of type `forbidden` are returned; other types are ignored.

`ForbiddenContract.ssot_rule()` maps a contract to a detection-only SSOT rule, which
`config_file.load_settings` adds to the settings unless `importlinter = false`, so
`scan`, `check` and `watch` report its violations and `fix` never rewrites for it:

- name = the contract's name; scope = `source_modules`; forbid = `forbidden_modules`
  (import-linter's `**`, one or more segments, becomes the pattern `*.**`); no `use`;
- `ignore_imports` ("importer -> imported" expressions: exact names, `*` one segment,
  `**` one or more) let those direct imports through;
- the modules are read pairwise, as import-linter does: a source and a forbidden module
  that overlap (one is, or contains, the other) are not checked against each other;
  `as_packages = false` binds the modules named, not their submodules;
- `allow_indirect_imports` is kept as read, but remediator checks direct imports (and
  re-exports and `patch()` strings) only: an indirect chain is never reported.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import configparser

from remediator.adapters.toml_file import load_toml
from remediator.domain.config import IMPORTLINTER_ORIGIN, ConfigError, SsotRule, check_module_pattern

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

CANDIDATES = ("setup.cfg", ".importlinter", "pyproject.toml")
SECTION = "importlinter"


@dataclass(frozen=True, slots=True)
class ForbiddenContract:
    """An import-linter `forbidden` contract: modules in `scope` must not import `forbid`.

    `ignore_imports` ("importer -> imported" pairs) and `as_packages` are honoured by the
    rule `ssot_rule()` makes; `allow_indirect_imports` is kept as read, since remediator
    checks direct imports (and re-exports and strings) only.
    """

    name: str
    forbid: tuple[str, ...]
    scope: tuple[str, ...]
    contract_id: str | None = None
    ignore_imports: tuple[tuple[str, str], ...] = ()
    allow_indirect_imports: bool = False
    source: Path | None = None
    as_packages: bool = True

    def ssot_rule(self) -> SsotRule:
        """The detection-only SSOT rule that checks this contract's direct imports.

        import-linter's `**` stands for one or more segments, a module pattern's for
        any number: `shop.**` becomes `shop.*.**` (the submodules of shop, not shop).
        """
        return SsotRule(
            name=self.name,
            forbid=tuple(_as_pattern(module) for module in self.forbid),
            use=None,
            scope=tuple(_as_pattern(module) for module in self.scope),
            ignore=self.ignore_imports,
            origin=IMPORTLINTER_ORIGIN,
            as_packages=self.as_packages,
        )


def _as_pattern(expression: str) -> str:
    return ".".join("*.**" if segment == "**" else segment for segment in expression.split("."))


def find_importlinter_config(root: Path) -> Path | None:
    """The file import-linter would read under `root`: the first candidate with an importlinter section."""
    for name in CANDIDATES:
        path = root / name
        if path.is_file() and _has_section(path):
            return path
    return None


def load_forbidden_contracts(root: Path, config: Path | None = None) -> tuple[ForbiddenContract, ...]:
    """The forbidden contracts of `config`, else of the file import-linter would read under `root`."""
    path = config if config is not None else find_importlinter_config(root)
    if path is None:
        return ()
    if path.suffix == ".toml":
        return _from_toml(path)
    return _from_ini(path)


def _has_section(path: Path) -> bool:
    try:
        if path.suffix == ".toml":
            return bool(_read_toml(path).get("tool", {}).get(SECTION))
        return SECTION in _read_ini(path).sections()
    except ConfigError:
        return path.name == ".importlinter"  # a broken file of import-linter's own is reported, not skipped


def _from_toml(path: Path) -> tuple[ForbiddenContract, ...]:
    table = _read_toml(path).get("tool", {}).get(SECTION, {})
    contracts = table.get("contracts", []) if isinstance(table, dict) else None
    if not isinstance(contracts, list) or not all(isinstance(c, dict) for c in contracts):
        raise ConfigError(path, f"tool.{SECTION}.contracts", "must be an array of tables ([[...]])")
    found = []
    for i, options in enumerate(contracts):
        contract = _contract(options, options.get("id"), f"tool.{SECTION}.contracts[{i}]", path)
        if contract is not None:
            found.append(contract)
    return tuple(found)


def _from_ini(path: Path) -> tuple[ForbiddenContract, ...]:
    parser = _read_ini(path)
    found = []
    for section in parser.sections():
        if not section.startswith(f"{SECTION}:"):
            continue
        options: dict[str, Any] = {}
        for key, value in parser[section].items():
            items = [line.strip() for line in value.strip().splitlines() if line.strip()]
            options[key] = items if "\n" in value.strip() else value.strip()
        contract = _contract(options, section.split(":")[-1], section, path)
        if contract is not None:
            found.append(contract)
    return tuple(found)


def _contract(options: dict[str, Any], contract_id: Any, key: str, path: Path) -> ForbiddenContract | None:
    if options.get("type") != "forbidden":
        return None
    name = options.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(path, f"{key}.name", "missing contract name")
    ignore = tuple(
        _ignored(item, f"{key}.ignore_imports", path) for item in _list(options.get("ignore_imports", []), f"{key}.ignore_imports", path)
    )
    allow_indirect = _flag(options.get("allow_indirect_imports", False), f"{key}.allow_indirect_imports", path)
    return ForbiddenContract(
        name=name.strip(),
        forbid=_modules(options, "forbidden_modules", key, path),
        scope=_modules(options, "source_modules", key, path),
        contract_id=str(contract_id) if contract_id is not None else None,
        ignore_imports=ignore,
        allow_indirect_imports=allow_indirect,
        source=path,
        as_packages=_flag(options.get("as_packages", True), f"{key}.as_packages", path),
    )


def _flag(value: Any, key: str, path: Path) -> bool:
    """An import-linter boolean: TOML's true/false, or INI text ("True", "false"), as import-linter reads them."""
    text = str(value).strip().lower()
    if text not in ("true", "false"):
        raise ConfigError(path, key, f"must be true or false, got {value!r}")
    return text == "true"


def _modules(options: dict[str, Any], name: str, key: str, path: Path) -> tuple[str, ...]:
    if name not in options:
        raise ConfigError(path, f"{key}.{name}", "missing required setting")
    modules = _list(options[name], f"{key}.{name}", path)
    if not modules:
        raise ConfigError(path, f"{key}.{name}", "must name at least one module")
    for module in modules:
        problem = check_module_pattern(module)
        if problem:
            raise ConfigError(path, f"{key}.{name}", problem)
    return tuple(modules)


def _list(value: Any, key: str, path: Path) -> list[str]:
    if isinstance(value, str):
        return [value.strip()] if value.strip() else []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(path, key, "must be a list of module names")
    return [v.strip() for v in value if v.strip()]


def _ignored(item: str, key: str, path: Path) -> tuple[str, str]:
    importer, arrow, imported = item.partition("->")
    if not arrow or not importer.strip() or not imported.strip():
        raise ConfigError(path, key, f"{item!r}: expected 'importer -> imported'")
    for side in (importer.strip(), imported.strip()):
        problem = check_module_pattern(side)
        if problem:
            raise ConfigError(path, key, f"{item!r}: {problem}")
    return importer.strip(), imported.strip()


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return load_toml(path)
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(path, "file", f"cannot read: {error}") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(path, "toml", f"invalid TOML: {error}") from None


def _read_ini(path: Path) -> configparser.ConfigParser:
    import configparser  # only for a setup.cfg or .importlinter

    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(path.read_text(encoding="utf-8"), source=str(path))
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(path, "file", f"cannot read: {error}") from None
    except configparser.Error as error:
        raise ConfigError(path, "ini", f"invalid INI: {error}") from None
    return parser
