"""Read `[tool.remediator]` from pyproject.toml (or a file given with --config)."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path
from typing import Any

from remediator.adapters.importlinter_config import load_forbidden_contracts
from remediator.adapters.pytest_config import IMPORT_MODES
from remediator.adapters.toml_file import load_toml
from remediator.domain.config import (
    DEFAULT_TEST_FILES,
    ConfigError,
    MoveRule,
    Settings,
    SsotRule,
    check_module_pattern,
    parse_python_version,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

_TOP_KEYS = {
    "packages",
    "exclude",
    "include",
    "environment",
    "test_files",
    "pythonpath",
    "import_mode",
    "python_version",
    "ssot",
    "move",
    "cycle_check",
    "importlinter",
}
_CYCLE_CHECKS = ("all", "import-time")
_SSOT_KEYS = {"name", "forbid", "scope", "allow", "use", "symbols"}
_MOVE_KEYS = {"from", "to"}


def load_settings(root: Path, config: Path | None = None) -> Settings:
    """Settings for the project at `root`: from `config` if given, else root/pyproject.toml.

    import-linter's `forbidden` contracts found under `root` are added as detection-only
    SSOT rules, unless `importlinter = false`.
    """
    settings = _load_own_settings(root, config)
    if not settings.importlinter:
        return settings
    contracts = load_forbidden_contracts(root)
    if not contracts:
        return settings
    taken = {rule.name for rule in settings.ssot}
    extra = tuple(contract.ssot_rule() for contract in contracts if contract.name not in taken)
    return dataclasses.replace(settings, ssot=settings.ssot + extra)


def _load_own_settings(root: Path, config: Path | None) -> Settings:
    path = config if config is not None else root / "pyproject.toml"
    if not path.exists():
        if config is not None:
            raise ConfigError(path, "--config", "file not found")
        return Settings()
    if not path.is_file():
        raise ConfigError(path, "file", "not a regular file")
    try:
        document = load_toml(path)
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(path, "file", f"cannot read: {error}") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(path, "toml", f"invalid TOML: {error}") from None
    table = document.get("tool", {}).get("remediator")
    requires = _requires_python(root / "pyproject.toml", document if path.name == "pyproject.toml" else None)
    if table is None:
        if config is not None and path.name != "pyproject.toml" and "tool" not in document:
            table = document  # a dedicated remediator.toml holds the settings at top level
        else:
            return Settings(source=path, requires_python=requires)
    return dataclasses.replace(parse_settings(table, path), requires_python=requires)


def _requires_python(pyproject: Path, document: dict[str, Any] | None) -> str | None:
    """`[project] requires-python` of the root's pyproject.toml (already read when it is the settings file)."""
    if document is None:
        try:
            document = load_toml(pyproject)
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            return None
    value = document.get("project", {}).get("requires-python")
    return value if isinstance(value, str) else None


def parse_settings(table: Any, path: Path | None = None) -> Settings:
    """Validate a `[tool.remediator]` table; every mistake names its key."""
    prefix = "tool.remediator"
    if not isinstance(table, dict):
        raise ConfigError(path, prefix, "must be a table")
    _reject_unknown(table, _TOP_KEYS, prefix, path)
    packages = table.get("packages")
    return Settings(
        packages=None if packages is None else _names(packages, f"{prefix}.packages", path),
        exclude=_strings(table.get("exclude", []), f"{prefix}.exclude", path),
        include=_strings(table.get("include", []), f"{prefix}.include", path),
        environment=_optional_string(table.get("environment"), f"{prefix}.environment", path),
        test_files=_strings(table.get("test_files", list(DEFAULT_TEST_FILES)), f"{prefix}.test_files", path),
        pythonpath=_strings(table.get("pythonpath", []), f"{prefix}.pythonpath", path),
        import_mode=None
        if table.get("import_mode") is None
        else _choice(table["import_mode"], IMPORT_MODES, f"{prefix}.import_mode", path),
        python_version=_python_version(table.get("python_version"), f"{prefix}.python_version", path),
        cycle_check=_choice(table.get("cycle_check", "all"), _CYCLE_CHECKS, f"{prefix}.cycle_check", path),
        importlinter=_boolean(table.get("importlinter", True), f"{prefix}.importlinter", path),
        ssot=tuple(
            _ssot(item, f"{prefix}.ssot[{i}]", path) for i, item in enumerate(_tables(table.get("ssot", []), f"{prefix}.ssot", path))
        ),
        move=tuple(
            _move(item, f"{prefix}.move[{i}]", path) for i, item in enumerate(_tables(table.get("move", []), f"{prefix}.move", path))
        ),
        source=path,
    )


def _ssot(item: dict[str, Any], key: str, path: Path | None) -> SsotRule:
    _reject_unknown(item, _SSOT_KEYS, key, path)
    for required in ("name", "forbid"):
        if required not in item:
            raise ConfigError(path, f"{key}.{required}", "missing required setting")
    name = item["name"]
    if not isinstance(name, str) or not name:
        raise ConfigError(path, f"{key}.name", "must be a non-empty string")
    use = item.get("use")  # none: a detection-only rule
    if use is not None:
        _pattern(use, f"{key}.use", path, wildcards=False)
    symbols = item.get("symbols", {})
    if use is None and "symbols" in item:
        raise ConfigError(path, f"{key}.symbols", "needs `use`: a rule without `use` only detects, there is nothing to map names to")
    if not isinstance(symbols, dict):
        raise ConfigError(path, f"{key}.symbols", "must be a table of old name -> attribute path")
    for old, new in symbols.items():
        if not isinstance(new, str) or check_module_pattern(new) or "*" in new:
            raise ConfigError(path, f"{key}.symbols.{old}", f"must be a dotted attribute path, got {new!r}")
    return SsotRule(
        name=name,
        forbid=_patterns(item["forbid"], f"{key}.forbid", path),
        use=use,
        scope=_patterns(item.get("scope", []), f"{key}.scope", path),
        allow=_patterns(item.get("allow", []), f"{key}.allow", path),
        symbols=tuple(sorted(symbols.items())),
    )


def _move(item: dict[str, Any], key: str, path: Path | None) -> MoveRule:
    _reject_unknown(item, _MOVE_KEYS, key, path)
    for required in ("from", "to"):
        if required not in item:
            raise ConfigError(path, f"{key}.{required}", "missing required setting")
        _pattern(item[required], f"{key}.{required}", path, wildcards=False)
    return MoveRule(source=item["from"], destination=item["to"])


def _boolean(value: Any, key: str, path: Path | None) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(path, key, f"must be true or false, got {value!r}")
    return value


def _choice(value: Any, choices: tuple[str, ...], key: str, path: Path | None) -> str:
    if value not in choices:
        raise ConfigError(path, key, f"must be one of {', '.join(repr(c) for c in choices)}, got {value!r}")
    return str(value)


def _reject_unknown(table: dict[str, Any], known: set[str], key: str, path: Path | None) -> None:
    for name in table:
        if name not in known:
            raise ConfigError(path, f"{key}.{name}", f"unknown setting (known: {', '.join(sorted(known))})")


def _tables(value: Any, key: str, path: Path | None) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ConfigError(path, key, "must be an array of tables ([[...]])")
    return value


def _strings(value: Any, key: str, path: Path | None) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(path, key, "must be a list of strings")
    return tuple(value)


def _names(value: Any, key: str, path: Path | None) -> tuple[str, ...]:
    names = _strings(value, key, path)
    for name in names:
        _pattern(name, key, path, wildcards=False)
    return names


def _patterns(value: Any, key: str, path: Path | None) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    patterns = _strings(value, key, path)
    for pattern in patterns:
        _pattern(pattern, key, path, wildcards=True)
    return patterns


def _pattern(value: Any, key: str, path: Path | None, *, wildcards: bool) -> None:
    problem = check_module_pattern(value)
    if problem is None and not wildcards and "*" in value:
        problem = f"{value!r}: wildcards are not allowed here"
    if problem:
        raise ConfigError(path, key, problem)


def _python_version(value: Any, key: str, path: Path | None) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or parse_python_version(value) is None:
        raise ConfigError(path, key, f'must be a Python 3 version such as "3.10", got {value!r}')
    return value


def _optional_string(value: Any, key: str, path: Path | None) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise ConfigError(path, key, "must be a non-empty string (a path)")
    return value
