"""Settings value objects and module patterns."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from remediator.domain.errors import RemediatorError

DEFAULT_TEST_FILES = ("test_*.py", "*_test.py")
DEFAULT_BASELINE = ".remediator-baseline.json"  # `remediator baseline` writes it; `check` reads it when present
_SEGMENT = re.compile(r"^(\*\*|\*|[A-Za-z_][A-Za-z0-9_]*)$")


class ConfigError(RemediatorError):
    """A wrong setting: names the file and the key, never a traceback."""

    def __init__(self, path: Path | str | None, key: str, message: str) -> None:
        self.path = str(path) if path is not None else None
        self.key = key
        self.message = message
        where = f"{self.path}: " if self.path else ""
        super().__init__(f"{where}{key}: {message}")


class PytestPaths(NamedTuple):
    """pytest's settings that shape sys.path: `pythonpath` (POSIX, relative to the root) and the import mode.

    Read from the project's pytest configuration by adapters/pytest_config.py.
    """

    pythonpath: tuple[str, ...] = ()
    import_mode: str = "prepend"
    source: str | None = None  # the file they come from, relative to the root


def check_module_pattern(pattern: str) -> str | None:
    """Return why `pattern` is not a valid module pattern, or None when it is."""
    if not isinstance(pattern, str) or not pattern:
        return "a module pattern must be a non-empty string"
    for segment in pattern.split("."):
        if not _SEGMENT.match(segment):
            return f"bad module pattern {pattern!r}: segment {segment!r} is not a name, '*' or '**'"
    return None


def posix_path(path: str) -> str:
    """A folder setting with `/` for every `\\` (no folder of a Python project has a backslash in its name)."""
    return path.replace("\\", "/")


def pattern_matches(pattern: str, module: str) -> bool:
    """True when `module` is matched by `pattern` (a name matches itself and its submodules).

    `*` matches exactly one segment, `**` any number of segments (including none).
    """
    return _match(pattern.split("."), module.split("."))


def expression_matches(expression: str, module: str) -> bool:
    """True when `module` is matched by an import-linter module expression (as in `ignore_imports`).

    Unlike a module pattern, an expression matches exactly, not the submodules: `*`
    stands for exactly one segment and `**` for one or more (grimp's rules).
    """
    return _match_exactly(expression.split("."), module.split("."), 1)


def pattern_names(pattern: str, module: str) -> bool:
    """True when `pattern` names `module` itself, not as a submodule of what it names (`**`: any number of segments).

    `a.b` names a.b only; `a.*.**` names every module below a (import-linter's `a.**`).
    """
    return _match_exactly(pattern.split("."), module.split("."), 0)


def _match_exactly(expression: list[str], parts: list[str], least: int) -> bool:
    """`least`: how many segments `**` stands for at least (1 in an import-linter expression, 0 in a pattern)."""
    if not expression:
        return not parts
    head, rest = expression[0], expression[1:]
    if head == "**":
        return any(_match_exactly(rest, parts[i:], least) for i in range(least, len(parts) + 1))
    if not parts:
        return False
    if head == "*" or head == parts[0]:
        return _match_exactly(rest, parts[1:], least)
    return False


def _match(pattern: list[str], parts: list[str]) -> bool:
    if not pattern:
        return True  # the pattern is a prefix: submodules match too
    head, rest = pattern[0], pattern[1:]
    if head == "**":
        return any(_match(rest, parts[i:]) for i in range(len(parts) + 1))
    if not parts:
        return False
    if head == "*" or head == parts[0]:
        return _match(rest, parts[1:])
    return False


SSOT_ORIGIN = "ssot"  # a `[[tool.remediator.ssot]]` table
IMPORTLINTER_ORIGIN = "importlinter"  # an import-linter `forbidden` contract


@dataclass(frozen=True, slots=True)
class SsotRule:
    """Importers in `scope` (minus `allow`) must not import `forbid`; they should use `use`.

    Without `use` the rule only detects: `fix` has nowhere to rewrite to. `ignore`
    holds import-linter's `ignore_imports`: (importer, imported) expressions, matched
    with `expression_matches`, whose imports the rule lets through.
    """

    name: str
    forbid: tuple[str, ...]
    use: str | None  # None: detection only (an import-linter `forbidden` contract, or an ssot table without `use`)
    scope: tuple[str, ...] = ()
    allow: tuple[str, ...] = ()
    symbols: tuple[tuple[str, str], ...] = ()
    ignore: tuple[tuple[str, str], ...] = ()
    origin: str = SSOT_ORIGIN  # SSOT_ORIGIN or IMPORTLINTER_ORIGIN: what the messages call the rule
    as_packages: bool = True  # a contract's `as_packages`: False binds the modules named, not their submodules

    @property
    def detection_only(self) -> bool:
        """True when the rule names no `use` module: it reports, `fix` never rewrites for it."""
        return self.use is None

    def label(self) -> str:
        """How messages name the rule: `ssot rule 'NAME'` or `import-linter contract 'NAME'`."""
        kind = "import-linter contract" if self.origin == IMPORTLINTER_ORIGIN else "ssot rule"
        return f"{kind} {self.name!r}"

    def contract_forbids(self, importer: str, forbidden: str) -> bool:
        """An import-linter contract's verdict on `importer` importing `forbidden` (both matched by the patterns).

        Like import-linter, the rule is read pairwise: each module a `scope` pattern names,
        with its submodules, must not import each module a `forbid` pattern names, with its
        submodules, unless the two overlap (one is, or contains, the other). With
        `as_packages = false`, the submodules are not bound, and only a module overlaps itself.
        """
        if not self.as_packages:  # only the modules named, and only the same module overlaps
            named = any(pattern_names(p, importer) for p in self.scope) and any(pattern_names(p, forbidden) for p in self.forbid)
            return named and importer != forbidden
        sources = [name for name in _self_and_ancestors(importer) if any(pattern_names(p, name) for p in self.scope)]
        targets = [name for name in _self_and_ancestors(forbidden) if any(pattern_names(p, name) for p in self.forbid)]
        return any(not _overlap(source, target) for source in sources for target in targets)

    def ignores(self, importer: str, imported: str) -> bool:
        """True when an `ignore_imports` pair lets `importer` import `imported` (one direct import)."""
        return any(expression_matches(source, importer) and expression_matches(target, imported) for source, target in self.ignore)


def _self_and_ancestors(module: str) -> list[str]:
    parts = module.split(".")
    return [".".join(parts[:i]) for i in range(len(parts), 0, -1)]


def _overlap(one: str, other: str) -> bool:
    return one == other or one.startswith(other + ".") or other.startswith(one + ".")


@dataclass(frozen=True, slots=True)
class MoveRule:
    """Module `source` now lives at `destination`."""

    source: str
    destination: str


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything `[tool.remediator]` can say. `packages=None` means discover them."""

    packages: tuple[str, ...] | None = None
    exclude: tuple[str, ...] = ()
    include: tuple[str, ...] = ()  # folders (paths or globs) to scan although they look like copies of the project
    environment: str | None = None  # the target virtualenv (or an interpreter in it), relative to the root
    test_files: tuple[str, ...] = DEFAULT_TEST_FILES
    pythonpath: tuple[str, ...] = ()  # extra sys.path folders, relative to the root, searched before it
    import_mode: str | None = None  # pytest's --import-mode; None: what pytest's configuration says
    python_version: str | None = None  # the oldest Python the project supports ("3.10"); None: from requires_python
    requires_python: str | None = None  # `[project] requires-python` of pyproject.toml, as written
    cycle_check: str = "all"  # "all" imports count (as grimp), or "import-time" only
    importlinter: bool = True  # also read import-linter's `forbidden` contracts, as detection-only rules
    ssot: tuple[SsotRule, ...] = ()
    move: tuple[MoveRule, ...] = ()
    source: Path | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        """Folders written the Windows way (`tests\\unit`) mean what `tests/unit` does: remediator's paths are POSIX."""
        for name in ("exclude", "include", "pythonpath"):
            object.__setattr__(self, name, tuple(posix_path(path) for path in getattr(self, name)))
        if self.environment is not None:
            object.__setattr__(self, "environment", posix_path(self.environment))

    def target_python(self) -> tuple[tuple[int, int], str] | None:
        """The oldest Python 3 the project supports, and where that is said; None when nothing says."""
        if self.python_version is not None:
            parsed = parse_python_version(self.python_version)
            if parsed is not None:
                return parsed, f"python_version = {self.python_version!r}"
        if self.requires_python is not None:
            lowest = lowest_python(self.requires_python)
            if lowest is not None:
                return lowest, f"requires-python {self.requires_python!r}"
        return None


_VERSION = re.compile(r"^\s*3\.(\d+)")
_CLAUSE = re.compile(r"^\s*(~=|===|==|>=|>)\s*3(?:\.(\d+|\*))?")


def parse_python_version(text: str) -> tuple[int, int] | None:
    """`"3.10"` -> (3, 10); None for anything else."""
    found = _VERSION.match(text)
    return (3, int(found.group(1))) if found else None


def lowest_python(specifier: str) -> tuple[int, int] | None:
    """The oldest Python 3 minor version a `requires-python` specifier admits (its highest lower bound); None without one."""
    lowest: tuple[int, int] | None = None
    for clause in specifier.split(","):
        found = _CLAUSE.match(clause)
        if found is None:
            continue
        minor = found.group(2)
        bound = (3, 0 if minor in (None, "*") else int(minor))
        lowest = bound if lowest is None else max(lowest, bound)
    return lowest
