"""Read what pytest's configuration in the project root says about `sys.path`, without running pytest.

pytest takes the first of these files in the root that holds its settings:
`pytest.toml`/`.pytest.toml` (`[pytest]`), `pytest.ini`/`.pytest.ini`
(`[pytest]`, used even when empty), `pyproject.toml` (`[tool.pytest]` or
`[tool.pytest.ini_options]`), `tox.ini` (`[pytest]`), `setup.cfg`
(`[tool:pytest]`). From it: `pythonpath` (folders put first on `sys.path`,
relative to that file's folder) and `--import-mode` in `addopts`. A file that
cannot be read or parsed counts as absent (pytest would refuse to start; that
is pytest's error to report, not ours).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from remediator.adapters.toml_file import load_toml
from remediator.domain.config import PytestPaths

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

IMPORT_MODES = ("prepend", "append", "importlib")
_CONFIG_NAMES = ("pytest.toml", ".pytest.toml", "pytest.ini", ".pytest.ini", "pyproject.toml", "tox.ini", "setup.cfg")


def read_pytest_paths(root: Path) -> PytestPaths:
    """pytest's `pythonpath` and import mode for the project at `root` (pytest's defaults without a config file)."""
    for name in _CONFIG_NAMES:
        path = root / name
        if not path.is_file():
            continue
        values = _pytest_values(path)
        if values is None:
            continue
        pythonpath = _split(values.get("pythonpath", []))
        return PytestPaths(tuple(_relative(entry) for entry in pythonpath), _import_mode(_split(values.get("addopts", []))), name)
    return PytestPaths()


def _pytest_values(path: Path) -> dict[str, Any] | None:
    """The pytest settings a config file holds, or None when it holds none (or cannot be read)."""
    if path.suffix == ".toml":
        try:
            document = load_toml(path)
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            return None
        if path.name in ("pytest.toml", ".pytest.toml"):
            table = document.get("pytest", {})
            return table if isinstance(table, dict) else {}
        tool = document.get("tool", {}).get("pytest")
        if not isinstance(tool, dict):
            return None
        native = {key: value for key, value in tool.items() if key != "ini_options"}
        ini = tool.get("ini_options")
        return native or (ini if isinstance(ini, dict) else None)
    import configparser  # here, not on top: most projects keep pytest's settings in pyproject.toml

    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(path.read_text(encoding="utf-8"), str(path))
    except (OSError, UnicodeDecodeError, configparser.Error):
        return None
    section = "tool:pytest" if path.suffix == ".cfg" else "pytest"
    if parser.has_section(section):
        return dict(parser.items(section))
    return {} if path.name in ("pytest.ini", ".pytest.ini") else None


def _split(value: Any) -> list[str]:
    if isinstance(value, str):
        import shlex  # (only for a setting written as one string)

        try:
            return shlex.split(value)
        except ValueError:
            return value.split()
    if isinstance(value, list):
        return [str(item) for item in value]
    return []


def _import_mode(addopts: list[str]) -> str:
    mode = "prepend"
    for position, option in enumerate(addopts):
        if option.startswith("--import-mode="):
            mode = option.partition("=")[2]
        elif option == "--import-mode" and position + 1 < len(addopts):
            mode = addopts[position + 1]
    return mode if mode in IMPORT_MODES else "prepend"


def _relative(entry: str) -> str:
    return Path(entry).as_posix()
