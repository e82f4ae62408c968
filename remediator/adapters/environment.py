"""Which top-level names the target environment provides, read statically: the standard library and site-packages.

Python resolves `import alembic` by walking `sys.path`: the project's root comes
first, then the environment's site-packages. A regular package or module wins
over a namespace portion (a folder without `__init__.py`) wherever it is, so a
first-party `alembic/` migrations folder loses to the installed alembic. To
model that, remediator needs the names the environment provides, without
running it: the standard library's names (`sys.stdlib_module_names` of this
interpreter, Python 3.10 or newer) and the entries of the target environment's
site-packages folders (one directory listing each; nothing is imported).

The target environment is, in order: the `environment` setting (a virtualenv
folder, or an interpreter inside one), `$VIRTUAL_ENV`, a `.venv` or `venv`
folder in the project root, else the interpreter running remediator.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from remediator.adapters.hashing import blake2b

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

STDLIB = "the standard library"
_EXTENSION_SUFFIXES = (".so", ".pyd")


@dataclass(frozen=True, slots=True)
class Environment:
    """The top-level names an environment provides as regular packages or modules (namespace ones left out)."""

    description: str
    site_packages: tuple[str, ...]
    installed: frozenset[str]
    stdlib: frozenset[str] = field(default_factory=lambda: frozenset(getattr(sys, "stdlib_module_names", ())))
    namespaces: frozenset[str] = frozenset()  # installed namespace portions (folders without __init__.py): they merge

    def provider(self, name: str) -> str | None:
        """Who provides top-level `name` besides the project: the standard library, an installed package, or None."""
        if name in self.stdlib:
            return STDLIB
        if name in self.installed:
            return "an installed package"
        return None

    def distribution_of(self, name: str) -> str | None:
        """The installed distribution whose files include top-level `name` (its RECORD says so), or None.

        Read only when asked (a first-party name collides with an installed one): one RECORD per distribution.
        """
        prefixes = (f"{name}/", f"{name}.py,", f"{name}.")
        for folder in self.site_packages:
            try:
                entries = sorted(e.name for e in os.scandir(folder) if e.name.endswith(".dist-info"))
            except OSError:
                continue
            for entry in entries:
                try:
                    with open(os.path.join(folder, entry, "RECORD"), encoding="utf-8", errors="replace") as record:
                        if any(line.startswith(prefixes) for line in record):
                            return entry[: -len(".dist-info")].split("-")[0]
                except OSError:
                    continue
        return None

    def fingerprint(self) -> str:
        """Changes when the names change (a package installed or removed, another interpreter)."""
        digest = blake2b(digest_size=12)
        digest.update(repr((sys.version_info[:2], self.site_packages, sorted(self.installed), sorted(self.namespaces))).encode())
        return digest.hexdigest()


def find_environment(root: Path, setting: str | None = None) -> Environment:
    """The target environment of the project at `root` (see the module's docstring)."""
    candidates: list[tuple[str, Path]] = []
    if setting:
        candidates.append((f"the environment setting {setting}", Path(root) / setting))
    virtual = os.environ.get("VIRTUAL_ENV")
    if virtual:
        candidates.append((f"$VIRTUAL_ENV {virtual}", Path(virtual)))
    candidates += [(f"{name}/ in the project", Path(root) / name) for name in (".venv", "venv")]
    for description, place in candidates:
        folders = _site_packages_of(place)
        if folders:
            return Environment(description, tuple(folders), *_names_in(folders))
    folders = _running_site_packages()
    return Environment("the interpreter running remediator", tuple(folders), *_names_in(folders))


def _site_packages_of(place: Path) -> list[str]:
    """site-packages folders of a virtualenv, given its folder or an interpreter inside it; [] when it is none."""
    if place.is_file():  # an interpreter: <venv>/bin/python or <venv>\Scripts\python.exe
        place = place.parent.parent
    if not (place / "pyvenv.cfg").is_file():
        return []
    found = sorted({os.path.realpath(p) for p in place.glob("lib*/python3*/site-packages") if p.is_dir()})  # lib64 -> lib
    windows = place / "Lib" / "site-packages"
    if windows.is_dir():
        found.append(str(windows))
    return found


def _running_site_packages() -> list[str]:
    """The running interpreter's site-packages folders: its sys.path entries named so (no import needed)."""
    folders = {entry for entry in sys.path if entry.rstrip("/\\").endswith(("site-packages", "dist-packages"))}
    return sorted(folder for folder in folders if os.path.isdir(folder))


def _names_in(folders: list[str]) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """Top-level regular packages and modules, the standard library's names, and namespace portions (folders
    without `__init__.py`), in site-packages folders (one listing each)."""
    names: set[str] = set()
    namespaces: set[str] = set()
    for folder in folders:
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            name = entry.name
            try:
                if entry.is_dir():
                    if name.isidentifier() and os.path.isfile(os.path.join(entry.path, "__init__.py")):
                        names.add(name)
                    elif name.isidentifier() and name != "__pycache__" and _holds_modules(entry.path):
                        namespaces.add(name)
                elif name.endswith(".py") and name[:-3].isidentifier():
                    names.add(name[:-3])
                elif name.endswith(_EXTENSION_SUFFIXES) and name.split(".")[0].isidentifier():
                    names.add(name.split(".")[0])
            except OSError:
                continue
    stdlib = frozenset(getattr(sys, "stdlib_module_names", ()))
    return frozenset(names), stdlib, frozenset(namespaces - names)


def project_distribution(root: Path) -> str | None:
    """The project's own distribution name (`[project] name` of its pyproject.toml), normalised; None without one.

    An installed copy of the project itself (`pip install .`) is not a package the project's code hides.
    """
    try:
        document = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    name = document.get("project", {}).get("name")
    return normalise_distribution(name) if isinstance(name, str) else None


def normalise_distribution(name: str) -> str:
    """A distribution name as PEP 503 compares them."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _holds_modules(folder: str) -> bool:
    """Whether a folder without `__init__.py` holds something importable (a namespace portion, not a data folder)."""
    try:
        return any(
            name.endswith((".py", *_EXTENSION_SUFFIXES)) or os.path.isfile(os.path.join(folder, name, "__init__.py"))
            for name in os.listdir(folder)
        )
    except OSError:
        return False


@lru_cache(maxsize=8)
def environment_for(root: str, setting: str | None) -> Environment:
    """`find_environment`, once per process for a root and setting (watch mode and the tests ask again and again)."""
    return find_environment(Path(root), setting)
