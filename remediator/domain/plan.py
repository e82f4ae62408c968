"""Where imports should point instead: the plan that fix hands to the codemods."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class ModuleRedirect:
    """Imports of `old` (and its submodules) go to `new`.

    A move keeps the structure (`old.sub` -> `new.sub`); an SSOT redirect
    flattens (everything under `old` -> `new`) and may rename names through
    `symbols` (old name -> attribute path inside `new`).
    """

    old: str
    new: str
    flatten: bool = False
    symbols: tuple[tuple[str, str], ...] = ()
    rule: str = ""

    def target_module(self, module: str) -> str | None:
        """The new module for `module`, or None when this redirect does not cover it."""
        if module == self.old:
            return self.new
        if module.startswith(self.old + "."):
            return self.new if self.flatten else self.new + module[len(self.old) :]
        return None

    def target_path(self, name: str) -> str:
        """Attribute path inside the new module for an old name."""
        return dict(self.symbols).get(name, name)


@dataclass(frozen=True, slots=True)
class NameRedirect:
    """`from module import name` should become `from new_module import <path>`."""

    module: str
    name: str
    new_module: str
    path: str
    rule: str = ""


@dataclass(frozen=True, slots=True)
class Redirects:
    """Every redirect that applies to one file (all rules together: one pass per file)."""

    modules: tuple[ModuleRedirect, ...] = ()
    names: tuple[NameRedirect, ...] = ()
    _by_name: dict[tuple[str, str], NameRedirect] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for redirect in self.names:
            self._by_name[(redirect.module, redirect.name)] = redirect

    def __bool__(self) -> bool:
        return bool(self.modules or self.names)

    def for_module(self, module: str) -> tuple[ModuleRedirect, str] | None:
        """The most specific module redirect covering `module`, with the new module name."""
        best: tuple[ModuleRedirect, str] | None = None
        for redirect in self.modules:
            new = redirect.target_module(module)
            if new is not None and (best is None or len(redirect.old) > len(best[0].old)):
                best = (redirect, new)
        return best

    def for_name(self, module: str, name: str) -> tuple[str, str, str] | None:
        """(new module, attribute path, rule) for `from module import name`, or None."""
        named = self._by_name.get((module, name))
        if named is not None:
            return named.new_module, named.path, named.rule
        found = self.for_module(module)
        if found is None:
            return None
        redirect, new = found
        return new, redirect.target_path(name), redirect.rule

    def old_modules(self) -> set[str]:
        return {r.old for r in self.modules} | {r.module for r in self.names}


@dataclass(frozen=True, slots=True)
class FixOptions:
    """What a fix run does: which rules, whether it writes, and how it lands the files."""

    rules: tuple[str, ...] = ()  # ssot rule names, `move`, `move:MODULE`, `suggested`; empty: every rule
    apply: bool = False  # write the files (else only plan, rewrite in memory and verify)
    suggested: bool = False  # also follow scan's unambiguous `move` suggestions
    rewrite_strings: bool = False  # also retarget patch()/import_module() strings
    batch_size: int = 50  # files per batch; the import graph is checked for new cycles after each
    fail_fast: bool = False  # stop at the first batch that fails to write
    allow_dirty: bool = False  # also rewrite files with uncommitted git changes
