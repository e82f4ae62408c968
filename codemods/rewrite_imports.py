"""Rewrite imports of moved modules and names to their new home, keeping local names.

The command rewrites every import form in place (module level, functions,
classes, `try:` and `if TYPE_CHECKING:` blocks), keeps aliases and the file's
local names, merges into an existing import of the target module in the same
block instead of adding a duplicate, rewrites the uses that scope analysis
finds when a name's new home is an attribute (`validate_token` ->
`jwt_ssot.validate_token`), imports a module moved to the top level with
`import mod4`, follows `import a` to uses of a moved `a.b.c` (`a.b.c.f()` ->
`z.c.f()`, adding `import z.c`), and leaves every other byte alone.

It refuses rather than guess, one import statement at a time: a new local name
that would clash, a name the new module does not define, an attribute used
through a moved module that its new home lacks, a use it cannot map.
A refused statement (and every use edit it planned) is left as it was and listed
in `skipped_statements` with its line and reason (and as a warning in the codemod
context, which LibCST's runner prints); the file's other statements are still
rewritten. When every statement the redirects touch is refused, the command
raises `SkipFile` for the whole file, as LibCST expects.

From the command line, with LibCST's own runner::

    python -m libcst.tool codemod rewrite_imports.RewriteImportsCommand --no-format \\
        --move test_framework.fixtures.websocket_manager_mock:test_framework.ssot.websocket_mocks \\
        tests/

(with `codemods` listed under `modules` in `.libcst.codemod.yaml`).
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import libcst as cst
from libcst.codemod import CodemodContext, SkipFile, VisitorBasedCodemodCommand
from libcst.helpers import get_full_name_for_node
from libcst.metadata import MetadataWrapper, ParentNodeProvider, PositionProvider, ScopeProvider

from remediator.domain.modules import absolute_module
from remediator.domain.plan import ModuleRedirect, NameRedirect, Redirects

NameExists = Callable[[str, str], bool | None]
StringPolicy = Callable[[str, str], str | None]  # (old, new) -> None to rewrite, else why the string stays
Shadowed = Callable[[str, str], bool]
_STRING_CALLS = frozenset({"patch", "dict", "multiple", "import_module", "__import__", "setattr", "delattr"})


@dataclass(frozen=True, slots=True)
class SkippedStatement:
    """An import statement the command left as it was: its 1-based line, and why."""

    line: int
    reason: str
    detail: str


class RewriteImportsCommand(VisitorBasedCodemodCommand):
    """Point imports at their new home; one pass per file for every redirect."""

    DESCRIPTION = "Rewrite imports of moved modules and names to their new home, keeping local names."
    # Scope analysis is costly and most files only need their import statements edited:
    # transform_module_impl resolves ScopeProvider and ParentNodeProvider only when uses must change.
    METADATA_DEPENDENCIES = ()
    SCOPE_DEPENDENCIES = (ScopeProvider, ParentNodeProvider)

    def __init__(
        self,
        context: CodemodContext,
        redirects: Redirects | None = None,
        *,
        move: Sequence[str] = (),
        rename: Sequence[str] = (),
        module_name: str | None = None,
        is_package: bool | None = None,
        name_exists: NameExists | None = None,
        shadowed: Shadowed | None = None,
        rewrite_strings: bool = False,
        protected_names: frozenset[str] = frozenset(),
        string_policy: StringPolicy | None = None,
    ) -> None:
        super().__init__(context)
        self.redirects = redirects if redirects is not None else redirects_from_arguments(move, rename)
        self.name_exists: NameExists = name_exists or (lambda module, name: None)
        self._checks_names = name_exists is not None  # without it, every name is unknown: no use needs checking
        self.shadowed: Shadowed = shadowed or (lambda package, name: False)
        self.rewrite_strings = rewrite_strings
        self.string_policy: StringPolicy = string_policy or (lambda old, new: None)
        self.for_file(module_name=module_name, is_package=is_package, protected_names=protected_names)

    def for_file(
        self,
        *,
        redirects: Redirects | None = None,
        module_name: str | None = None,
        is_package: bool | None = None,
        protected_names: frozenset[str] = frozenset(),
    ) -> RewriteImportsCommand:
        """Point this command at the next file (one instance serves many files: building one is costly).

        Unset values come from the codemod context at transform time, as LibCST's runner sets it per file.
        """
        if redirects is not None:
            self.redirects = redirects
        self._module_name = module_name
        self._is_package = is_package
        self._protected = set(protected_names)
        return self

    def _start_file(self) -> None:
        """Per-file state, fresh for every module (LibCST's runner reuses one instance for all files)."""
        context = self.context
        self.module_name = self._module_name if self._module_name is not None else (context.full_module_name or "")
        is_package = self._is_package
        if is_package is None:
            is_package = bool(context.filename and context.filename.endswith(("__init__.py", "__init__.pyi")))
        self.is_package = is_package
        self.protected_names = set(self._protected)
        self.applied_rules: set[str] = set()
        self.skipped_statements: list[SkippedStatement] = []
        self.string_edits: list[tuple[str, str]] = []  # (old, new) of every string rewritten
        self.skipped_strings: list[tuple[str, str, str]] = []  # (old, new, why it stays) of every string left
        self._pending = _Edits()
        self._positions: Any = None
        self._text: str | None = None
        self._tree: cst.Module | None = None
        self._statement_edits: dict[cst.CSTNode, list[cst.BaseSmallStatement]] = {}
        self._additions: dict[cst.CSTNode, list[cst.ImportAlias]] = {}
        self._use_edits: dict[cst.CSTNode, cst.BaseExpression] = {}
        self._imported: set[tuple[int, str]] = set()
        self._imports: list[cst.Import] = []
        self._string_edits: dict[cst.CSTNode, cst.SimpleString] = {}
        self._on_path: set[int] | None = None
        self._order: dict[cst.CSTNode, int] = {}
        self._stars: list[int] = []  # the `_order` of each `from m import *`: it may bind any name
        self._bindings: Counter[str] = Counter()
        self._lines: dict[cst.CSTNode, cst.CSTNode] = {}
        self._suites: dict[cst.CSTNode, cst.CSTNode] = {}
        self.metadata = {}

    @staticmethod
    def add_args(arg_parser: argparse.ArgumentParser) -> None:
        arg_parser.add_argument(
            "--move",
            dest="move",
            action="append",
            default=[],
            metavar="OLD:NEW",
            help="Module OLD (and its submodules) now lives at NEW.",
        )
        arg_parser.add_argument(
            "--rename",
            dest="rename",
            action="append",
            default=[],
            metavar="MODULE.NAME=NEW_MODULE:PATH",
            help="`from MODULE import NAME` becomes `from NEW_MODULE import PATH` (PATH may be dotted).",
        )
        arg_parser.add_argument(
            "--rewrite-strings", dest="rewrite_strings", action="store_true", help="Rewrite patch()/import_module() targets too."
        )

    # -- planning: a pre-pass over every import of the module ------------------

    def transform_module_impl(self, tree: cst.Module) -> cst.Module:
        self._start_file()
        self._tree = tree
        collector = _ImportCollector()
        tree.visit(collector)
        self._lines = collector.lines
        self._suites = collector.suites
        self._bindings = collector.bindings
        self._imports = collector.imports
        if self._needs_scope(collector):
            wrapper = MetadataWrapper(tree, unsafe_skip_copy=True)
            self.metadata = wrapper.resolve_many(self.SCOPE_DEPENDENCIES)
        self.protected_names |= collector.dunder_all
        existing = self._existing_imports(collector.from_imports)
        for from_import in collector.from_imports:
            self._plan_statement(from_import, partial(self._plan_from_import, from_import, existing))
        for plain_import in collector.imports:
            self._plan_statement(plain_import, partial(self._plan_import, plain_import))
        edited = bool(self._statement_edits or self._additions or self._use_edits)
        if self.skipped_statements and not edited:
            first = self.skipped_statements[0]
            raise SkipFile(f"{first.reason}: {first.detail}")
        if not (edited or self.rewrite_strings):
            return tree
        self._on_path = None if self.rewrite_strings else self._paths_to_edits(collector)
        return tree.visit(self)

    def _plan_statement(self, node: cst.Import | cst.ImportFrom, plan: Callable[[], None]) -> None:
        """Plan one statement's edits; keep them all, or none and record why the statement is skipped."""
        self._pending = _Edits()
        try:
            plan()
        except _Refusal as refusal:
            skipped = SkippedStatement(self._line(node), refusal.reason, refusal.detail)
            self.skipped_statements.append(skipped)
            self.warn(f"line {skipped.line}: {skipped.reason}: {skipped.detail}")
            return
        pending = self._pending
        self._statement_edits.update(pending.statements)
        for target, aliases in pending.additions.items():
            self._additions.setdefault(target, []).extend(aliases)
        self._use_edits.update(pending.uses)
        self._imported |= pending.imported
        self.applied_rules |= pending.rules

    def _line(self, node: cst.CSTNode) -> int:
        """1-based line where `node` starts; positions are computed once per file, and only when asked for."""
        if self._positions is None:
            assert self._tree is not None
            self._positions = MetadataWrapper(self._tree, unsafe_skip_copy=True).resolve(PositionProvider)
        return int(self._positions[node].start.line)

    def _paths_to_edits(self, collector: _ImportCollector) -> set[int]:
        """ids of the nodes on the way down to every node an edit touches."""
        on_path: set[int] = set()
        for node in [*self._statement_edits, *self._additions]:
            on_path.update(id(n) for n in collector.ancestry.get(node, ()))
            on_path.add(id(node))
        for node in self._use_edits:
            current: cst.CSTNode | None = node
            while current is not None and id(current) not in on_path:
                on_path.add(id(current))
                current = self._meta(ParentNodeProvider, current)
        return on_path

    def on_visit(self, node: cst.CSTNode) -> bool:
        if self._on_path is not None and id(node) not in self._on_path:
            return False  # no edit below: skip the subtree (leave_* still sees the node itself)
        return super().on_visit(node)

    def _needs_scope(self, collector: _ImportCollector) -> bool:
        """True when some use of an imported name must change or be checked, or a new name checked for clashes.

        Attribute uses are first looked for in the text (a superset of the real uses): scope analysis
        costs far more, and most module bindings have no use that a redirect could break.
        """
        for plain_import in collector.imports:
            for alias in plain_import.names:
                dotted = get_full_name_for_node(alias.name) or ""
                local = _local_name(alias)
                found = self.redirects.for_module(dotted)
                if found is None:
                    stands_for = dotted if local is not None else dotted.split(".")[0]
                    if self._reaches_redirected(stands_for) and self._written_chain_reaches(local or stands_for, stands_for):
                        return True  # `import a` used as `a.b.c.f()` where `a.b.c` moved
                elif local is None or self._maps_uses(*found) or self._may_miss_attribute(local, found[1]):
                    return True
        for node in collector.from_imports:
            module = self._absolute(node)
            if module is None or isinstance(node.names, cst.ImportStar):
                continue
            for alias in node.names:
                name = get_full_name_for_node(alias.name) or ""
                target = self.redirects.for_name(module, name)
                if target is not None and "." in target[1]:
                    return True
                submodule = self.redirects.for_module(f"{module}.{name}")
                if (
                    target is None
                    and submodule is not None
                    and (self._maps_uses(*submodule) or self._may_miss_attribute(_local_name(alias) or name, submodule[1]))
                ):
                    return True
        return False

    def _may_miss_attribute(self, local: str, new_module: str) -> bool:
        """True when the text has some `local.X` with an X that `new_module` does not define."""
        if not self._checks_names:
            return False
        pattern = re.compile(rf"(?<![\w.]){re.escape(local)}\s*\.\s*(\w+)")
        return any(self.name_exists(new_module, attribute) is False for attribute in set(pattern.findall(self._code())))

    def _written_chain_reaches(self, bound: str, stands_for: str) -> bool:
        """True when the text has some `bound.x.y` naming a redirected module (`bound` standing for `stands_for`)."""
        pattern = re.compile(rf"(?<![\w.]){re.escape(bound)}((?:\s*\.\s*\w+)+)")
        for chain in set(pattern.findall(self._code())):
            module = stands_for
            for part in re.findall(r"\w+", chain):
                module = f"{module}.{part}"
                if self.redirects.for_module(module) is not None:
                    return True
        return False

    def _code(self) -> str:
        """The module's text, generated once per file and only when asked for."""
        if self._text is None:
            assert self._tree is not None
            self._text = self._tree.code
        return self._text

    def _maps_uses(self, redirect: ModuleRedirect, new_module: str) -> bool:
        """True when uses of a module binding must be rewritten (mapped names, or a shadowed module)."""
        package, _, leaf = new_module.rpartition(".")
        return bool(redirect.flatten and redirect.symbols) or bool(package and self.shadowed(package, leaf))

    def _existing_imports(self, statements: list[cst.ImportFrom]) -> dict[tuple[int, str], cst.ImportFrom]:
        """Absolute from-imports per (suite, module), for merging."""
        found: dict[tuple[int, str], cst.ImportFrom] = {}
        self._stars = [position for position, statement in enumerate(statements) if isinstance(statement.names, cst.ImportStar)]
        for position, statement in enumerate(statements):
            self._order[statement] = position
            module = self._absolute(statement)
            if module and not isinstance(statement.names, cst.ImportStar) and not self._redirected(statement, module):
                found.setdefault((id(self._suites.get(statement)), module), statement)
        return found

    def _redirected(self, node: cst.ImportFrom, module: str) -> bool:
        """True when some name of this statement will be redirected (so it is not a merge target)."""
        if isinstance(node.names, cst.ImportStar):
            return self.redirects.for_module(module) is not None
        for alias in node.names:
            name = get_full_name_for_node(alias.name) or ""
            if self.redirects.for_name(module, name) or self.redirects.for_module(f"{module}.{name}"):
                return True
        return False

    def _plan_from_import(self, node: cst.ImportFrom, existing: dict[tuple[int, str], cst.ImportFrom]) -> None:
        module = self._absolute(node)
        if module is None:
            return
        if isinstance(node.names, cst.ImportStar):
            found = self.redirects.for_module(module)
            if found is None:
                return
            redirect, new = found
            if redirect.symbols:
                raise _Refusal("star-import", f"`from {module} import *` cannot be mapped symbol by symbol")
            self._record(redirect.rule)
            self._pending.statements[node] = [node.with_changes(module=_dotted(new), relative=[])]
            return
        kept: list[cst.ImportAlias] = []
        moved: dict[str, list[cst.ImportAlias]] = {}
        for alias in node.names:
            name = get_full_name_for_node(alias.name) or ""
            local = _local_name(alias) or name
            destination = self._redirect_name(node, module, name, local, alias)
            if destination is None:
                kept.append(alias)
            else:
                new_module, new_alias = destination
                moved.setdefault(new_module, []).append(new_alias)
        if not moved:
            return
        statements: list[cst.BaseSmallStatement] = []
        if kept:
            statements.append(node.with_changes(names=_fix_commas(kept, node)))
        suite = id(self._suites.get(node))
        for new_module, aliases in moved.items():
            aliases = _unique(aliases)
            if not new_module:  # top-level modules have no `from ... import` form: `import mod4 [as local]`
                statements.append(cst.Import(names=_fix_import_commas([_plain(a) for a in aliases])))
                continue
            target = existing.get((suite, new_module))
            if target is not None and self._may_merge_into(target, node, aliases):
                emptied = not kept and len(moved) == 1
                if not emptied or self._removable(node):
                    self._pending.additions.setdefault(target, []).extend(_plain(a) for a in aliases)
                    continue
            if not kept and not statements:
                statements.append(node.with_changes(module=_dotted(new_module), relative=[], names=_fix_commas(aliases, node)))
            else:
                statements.append(cst.ImportFrom(module=_dotted(new_module), names=_fix_commas([_plain(a) for a in aliases], None)))
        self._pending.statements[node] = statements

    def _may_merge_into(self, target: cst.ImportFrom, node: cst.ImportFrom, aliases: list[cst.ImportAlias]) -> bool:
        """True when `aliases` of `node` may join the earlier `target`.

        Merge only upwards (a name must not be bound later than the line that bound it before), never
        above a star import (it may bind the same names again), and only names nothing else binds.
        """
        above, here = self._order.get(target, 0), self._order.get(node, 0)
        return above < here and not any(above < star < here for star in self._stars) and self._only_bindings(aliases, target)

    def _only_bindings(self, aliases: list[cst.ImportAlias], target: cst.ImportFrom) -> bool:
        """True when moving these bindings up into `target` changes nothing: no other statement binds them."""
        present = set()
        if not isinstance(target.names, cst.ImportStar):
            present = {(get_full_name_for_node(a.name), _local_name(a) or get_full_name_for_node(a.name)) for a in target.names}
        for alias in aliases:
            name = get_full_name_for_node(alias.name)
            local = _local_name(alias) or name or ""
            if self._bindings[local] != 1 + ((name, local) in present):
                return False
        return True

    def _redirect_name(
        self, node: cst.ImportFrom, module: str, name: str, local: str, alias: cst.ImportAlias
    ) -> tuple[str, cst.ImportAlias] | None:
        """Where one imported name goes: (new module, new alias), registering use rewrites.

        The new module is "" for a module that moved to the top level (it must be imported with `import`).
        """
        target = self.redirects.for_name(module, name)
        if target is None:
            submodule = self.redirects.for_module(f"{module}.{name}")
            if submodule is None:
                return None
            redirect, new_module = submodule
            self._record(redirect.rule)
            self._map_module_uses(node, local, redirect, new_module, dotted_chain=None)
            parent, _, leaf = new_module.rpartition(".")
            return parent, _alias(alias, leaf, local)
        new_module, path, rule = target
        head, _, rest = path.partition(".")
        if self.name_exists(new_module, head) is False:
            raise _Refusal("unmapped-symbol", f"{new_module} does not define {head!r} (for {module}.{name})")
        self._record(rule)
        if not rest:
            return new_module, _alias(alias, head, local)
        if local in self.protected_names or self.is_package:
            raise _Refusal("re-export", f"{local!r} is re-exported here; mapping it to {head}.{rest} would remove it")
        if self._bindings[local] > 1:
            raise _Refusal("rebound-name", f"{local!r} is also bound elsewhere (a fallback?); its uses cannot all become {head}.{rest}")
        references = self._references(node, local)
        self._check_free(node, head, new_module, references)
        for reference in references:
            self._pending.uses[reference] = _dotted(f"{head}.{rest}")
        return new_module, _alias(alias, head, head)

    def _plan_import(self, node: cst.Import) -> None:
        aliases: list[cst.ImportAlias] = []
        imported_names: dict[str, list[cst.ImportAlias]] = {}
        added: list[cst.ImportAlias] = []  # modules the uses now reach directly, imported after the statement
        changed = False
        for alias in node.names:
            dotted = get_full_name_for_node(alias.name) or ""
            found = self.redirects.for_module(dotted)
            if found is None:
                reached = self._map_submodule_uses(node, alias, dotted)
                if reached is None:
                    aliases.append(alias)
                    continue
                changed = True
                new_modules, still_used = reached
                new_aliases = [cst.ImportAlias(name=_dotted(module)) for module in new_modules]
                if still_used or not new_aliases:
                    aliases.append(alias)
                    added += new_aliases
                else:
                    aliases += new_aliases  # in place of the binding nothing else uses
                continue
            redirect, new_module = found
            self._record(redirect.rule)
            changed = True
            local = _local_name(alias)
            bound = local if local is not None else dotted
            package, _, leaf = new_module.rpartition(".")
            if redirect.flatten and package and self.shadowed(package, leaf):
                # `import new.module` would bind the object the package shadows it with:
                # import the names the file uses instead (`from new.module import a, b`).
                heads = self._map_uses_to_names(node, bound, redirect, new_module)
                imported_names.setdefault(new_module, []).extend(cst.ImportAlias(name=cst.Name(h)) for h in heads)
                continue
            if local is not None:
                self._map_module_uses(node, local, redirect, new_module, dotted_chain=None)
            else:
                self._check_top_level_uses(node, dotted, new_module)
                self._check_package_name_free(node, new_module.split(".")[0], self._references(node, dotted))
                self._map_module_uses(node, dotted, redirect, new_module, dotted_chain=new_module)
            aliases.append(alias.with_changes(name=_dotted(new_module)))
        if not changed:
            return
        statements: list[cst.BaseSmallStatement] = []
        if aliases:
            statements.append(node.with_changes(names=_fix_import_commas(aliases)))
        if added:
            statements.append(cst.Import(names=_fix_import_commas(added)))
        for new_module, names in imported_names.items():
            statements.append(cst.ImportFrom(module=_dotted(new_module), names=_fix_commas(_unique(names), None)))
        self._pending.statements[node] = statements

    def _map_submodule_uses(self, node: cst.Import, alias: cst.ImportAlias, dotted: str) -> tuple[list[str], bool] | None:
        """`import a` used as `a.b.c.f()` where `a.b.c` moved to `z.c`: rewrite such uses to `z.c.f()`.

        Returns the modules to import for them (less those this block imports already) and whether the
        binding is still needed for other uses; None when no use reaches a moved module.
        """
        local = _local_name(alias)
        bound = local if local is not None else dotted.split(".")[0]
        if not self._reaches_redirected(dotted if local is not None else bound):
            return None
        if local is not None:
            bindings = [(local, dotted)]  # (name bound, module it stands for)
        else:
            parts = dotted.split(".")  # `import a.b` binds `a`; LibCST gives `a.b.X` uses to its `a.b` binding
            bindings = [(".".join(parts[:i]), ".".join(parts[:i])) for i in range(1, len(parts) + 1)]
        still_used = bound in self.protected_names or self.is_package  # a re-exported binding stays
        modules: list[str] = []
        rewritten: list[cst.CSTNode] = []
        for name, stands_for in bindings:
            for reference in dict.fromkeys(self._references(node, name)):
                reached = self._moved_submodule(reference, stands_for)
                if reached is None:
                    still_used = True
                elif not self._edited(reached[0]):  # another `import a` of this scope may have done it
                    new_module = self._map_reached_use(*reached)
                    rewritten.append(reference)
                    if new_module not in modules:
                        modules.append(new_module)
        if not modules:
            return None
        for new_module in modules:
            self._check_package_name_free(node, new_module.split(".")[0], rewritten)
        suite = id(self._suites.get(node))
        missing = [module for module in modules if not self._imported_in_block(node, module)]
        self._pending.imported.update((suite, module) for module in missing)
        return missing, still_used

    def _reaches_redirected(self, prefix: str) -> bool:
        """True when some redirected module lies below `prefix` (so `prefix.x.y` uses may reach it)."""
        return any(redirect.old.startswith(prefix + ".") for redirect in self.redirects.modules)

    def _moved_submodule(self, reference: cst.CSTNode, stands_for: str) -> tuple[cst.Attribute, str] | None:
        """The shortest chain `reference.b.c` naming a redirected module, with that module's old name; or None."""
        current, module = reference, stands_for
        while True:
            parent = self._meta(ParentNodeProvider, current, None)
            if not (isinstance(parent, cst.Attribute) and parent.value is current):
                return None
            module = f"{module}.{parent.attr.value}"
            if self.redirects.for_module(module) is not None:
                return parent, module
            current = parent

    def _map_reached_use(self, reached: cst.Attribute, module: str) -> str:
        """Rewrite `a.b.c[.X]` to `z.c[.X]` (X mapped through symbols, and checked in `z.c`); return `z.c`."""
        found = self.redirects.for_module(module)
        assert found is not None
        redirect, new_module = found
        self._record(redirect.rule)
        self._refuse_shadowed(new_module)
        written = get_full_name_for_node(reached) or module
        use = self._meta(ParentNodeProvider, reached, None)
        if isinstance(use, cst.Attribute) and use.value is reached:
            attribute = use.attr.value
            mapped = self._mapped_attribute(redirect, new_module, written, use)
            if mapped != attribute:
                self._pending.uses[use] = _dotted(f"{new_module}.{mapped}")
                return new_module
        elif redirect.flatten and redirect.symbols:
            raise _Refusal("unmapped-use", f"{written} is used as a module object; its names cannot be mapped one by one")
        self._pending.uses[reached] = _dotted(new_module)
        return new_module

    def _edited(self, node: cst.CSTNode) -> bool:
        """True when a kept plan already rewrites `node` or the attribute read from it."""
        return node in self._use_edits or self._meta(ParentNodeProvider, node, None) in self._use_edits

    def _imported_in_block(self, node: cst.CSTNode, module: str) -> bool:
        """True when the block holding `node` has (or will have) its own plain `import module`."""
        suite = self._suites.get(node)
        if (id(suite), module) in self._imported or (id(suite), module) in self._pending.imported:
            return True
        return any(
            self._suites.get(other) is suite and any(a.asname is None and get_full_name_for_node(a.name) == module for a in other.names)
            for other in self._imports
        )

    def _map_uses_to_names(self, node: cst.Import, bound: str, redirect: ModuleRedirect, new_module: str) -> list[str]:
        """Rewrite each `bound.X` to the mapped name's head; return the heads to import."""
        if bound in self.protected_names or self.is_package:
            raise _Refusal("re-export", f"{bound!r} is re-exported here; it cannot become separate names")
        heads: list[str] = []
        references = self._references(node, bound)
        edits: dict[cst.CSTNode, cst.BaseExpression] = {}
        for reference in references:
            parent = self._meta(ParentNodeProvider, reference, None)
            if not (isinstance(parent, cst.Attribute) and parent.value is reference):
                raise _Refusal("unmapped-use", f"{bound} is used as a module object; its names cannot be mapped one by one")
            mapped = redirect.target_path(parent.attr.value)
            head = mapped.split(".")[0]
            if self.name_exists(new_module, head) is False:
                self._refuse_missing(new_module, head, bound, parent, mapped != parent.attr.value)
            if head not in heads:
                heads.append(head)
            edits[parent] = _dotted(mapped)
        for head in heads:
            self._check_free(node, head, new_module, references)
        self._pending.uses.update(edits)
        return heads

    def _map_module_uses(self, node: cst.CSTNode, local: str, redirect: ModuleRedirect, new_module: str, dotted_chain: str | None) -> None:
        """Rewrite `local.X` uses of a redirected module binding; check every X exists there.

        `dotted_chain` is set for `import a.b.c` (uses are `a.b.c.X`, written anew as `new.X`).
        A moved module keeps its names, so `m.X` stays as written; X must still exist in the new module.
        """
        self._refuse_shadowed(new_module)
        if dotted_chain is None and not (redirect.flatten and redirect.symbols) and not self._checks_names:
            return  # nothing to rewrite, nothing to check
        for reference in self._references(node, local):
            parent = self._meta(ParentNodeProvider, reference, None)
            if isinstance(parent, cst.Attribute) and parent.value is reference:
                attribute = parent.attr.value
                mapped = self._mapped_attribute(redirect, new_module, local, parent)
                base = dotted_chain or local
                if dotted_chain is not None or mapped != attribute:
                    self._pending.uses[parent] = _dotted(f"{base}.{mapped}")
            elif redirect.flatten and redirect.symbols:
                raise _Refusal("unmapped-use", f"{local} is used as a module object; its names cannot be mapped one by one")
            elif dotted_chain is not None:
                self._pending.uses[reference] = _dotted(dotted_chain)

    def _refuse_missing(self, new_module: str, head: str, local: str, use: cst.Attribute, mapped: bool) -> None:
        """Refuse a use `local.X` the new module cannot serve: `unmapped-symbol` when X was mapped through symbols."""
        written = f"{local}.{use.attr.value}"
        if mapped:
            raise _Refusal("unmapped-symbol", f"{new_module} does not define {head!r} (used as {written} on line {self._line(use)})")
        raise _Refusal("attribute-missing", f"{new_module} has no attribute {head!r} (used as {written} on line {self._line(use)})")

    # -- applying -------------------------------------------------------------

    def leave_ImportFrom(self, original_node: cst.ImportFrom, updated_node: cst.ImportFrom) -> cst.ImportFrom:
        additions = self._additions.get(original_node)
        if not additions or isinstance(updated_node.names, cst.ImportStar):
            return updated_node
        present = {(get_full_name_for_node(a.name), _local_name(a)) for a in updated_node.names}
        extra = [a for a in additions if (get_full_name_for_node(a.name), _local_name(a)) not in present]
        if not extra:
            return updated_node
        return updated_node.with_changes(names=_fix_commas([*updated_node.names, *extra], updated_node))

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.SimpleStatementLine | cst.FlattenSentinel[cst.SimpleStatementLine] | cst.RemovalSentinel:
        if not any(statement in self._statement_edits for statement in original_node.body):
            return updated_node
        body = self._edited_body(original_node, updated_node)
        if not body:
            return cst.RemoveFromParent()
        if len(original_node.body) == 1 and len(body) > 1:
            first = updated_node.with_changes(body=[body[0]])
            rest = [cst.SimpleStatementLine(body=[statement]) for statement in body[1:]]
            return cst.FlattenSentinel([first, *rest])
        return updated_node.with_changes(body=_fix_semicolons(body))

    def leave_SimpleStatementSuite(
        self, original_node: cst.SimpleStatementSuite, updated_node: cst.SimpleStatementSuite
    ) -> cst.SimpleStatementSuite:
        if not any(statement in self._statement_edits for statement in original_node.body):
            return updated_node
        body = self._edited_body(original_node, updated_node) or [cst.Pass()]
        return updated_node.with_changes(body=_fix_semicolons(body))

    def _edited_body(
        self,
        original: cst.SimpleStatementLine | cst.SimpleStatementSuite,
        updated: cst.SimpleStatementLine | cst.SimpleStatementSuite,
    ) -> list[cst.BaseSmallStatement]:
        body: list[cst.BaseSmallStatement] = []
        for before, after in zip(original.body, updated.body):
            replacement = self._statement_edits.get(before)
            if replacement is None:
                body.append(after)
                continue
            body.extend(replacement)
        return body

    def leave_Attribute(self, original_node: cst.Attribute, updated_node: cst.Attribute) -> cst.BaseExpression:
        return self._use_edits.get(original_node, updated_node)

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.BaseExpression:
        return self._use_edits.get(original_node, updated_node)

    def visit_Call(self, node: cst.Call) -> bool:
        if not self.rewrite_strings or not node.args:
            return True
        callee = (get_full_name_for_node(node.func) or "").rsplit(".", 1)[-1]
        first = node.args[0].value
        if callee in _STRING_CALLS and isinstance(first, cst.SimpleString) and not node.args[0].keyword:
            value = first.evaluated_value
            if isinstance(value, str):
                redirected = self._redirect_dotted(value)
                if redirected is not None and redirected[0] != value:
                    new, rule = redirected
                    reason = self.string_policy(value, new)
                    if reason is not None:
                        self.skipped_strings.append((value, new, reason))
                        self.warn(f"string {value!r} left: {reason}")
                        return True
                    if rule:
                        self.applied_rules.add(rule)
                    self.string_edits.append((value, new))
                    quote = first.quote
                    self._string_edits[first] = first.with_changes(value=f"{first.prefix}{quote}{new}{quote}")
        return True

    def leave_SimpleString(self, original_node: cst.SimpleString, updated_node: cst.SimpleString) -> cst.SimpleString:
        return self._string_edits.get(original_node, updated_node)

    # -- helpers --------------------------------------------------------------

    def _redirect_dotted(self, text: str) -> tuple[str, str] | None:
        """The new dotted path for a patch()/import_module() string and its rule, or None."""
        parts = text.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            named = self.redirects.for_name(".".join(parts[:cut]), parts[cut])
            if named is not None and not self.redirects.for_module(".".join(parts[:cut])):
                new_module, path, rule = named
                return ".".join([new_module, path, *parts[cut + 1 :]]), rule
        best: ModuleRedirect | None = None
        for redirect in self.redirects.modules:
            if (text == redirect.old or text.startswith(redirect.old + ".")) and (best is None or len(redirect.old) > len(best.old)):
                best = redirect
        if best is None:
            return None
        rest = text[len(best.old) + 1 :].split(".") if text != best.old else []
        if best.flatten and rest:
            return ".".join([best.new, best.target_path(rest[0]), *rest[1:]]), best.rule
        return ".".join([best.new, *rest]), best.rule

    def _absolute(self, node: cst.ImportFrom) -> str | None:
        written = get_full_name_for_node(node.module) if node.module is not None else ""
        level = len(node.relative)
        if level and not self.module_name:
            return None
        return absolute_module(self.module_name, self.is_package, written or "", level)

    def _references(self, node: cst.CSTNode, local: str) -> list[cst.CSTNode]:
        scope = self._meta(ScopeProvider, node, None)
        if scope is None:
            return []
        found: list[cst.CSTNode] = []
        for assignment in scope.assignments[local]:
            if getattr(assignment, "node", None) is node:
                found.extend(access.node for access in assignment.references)
        return found

    def _check_top_level_uses(self, node: cst.Import, dotted: str, new_module: str) -> None:
        """`import a.b` also binds `a`: other `a.*` uses must stay bound after it becomes `import x.y`."""
        top = dotted.split(".")[0]
        if new_module.split(".")[0] == top:
            return
        scope = self._meta(ScopeProvider, node, None)
        if scope is None:
            return
        others = [a for a in scope.assignments[top] if getattr(a, "node", None) is not node]
        if any(isinstance(getattr(a, "node", None), cst.Import) for a in others):
            return  # another `import a.x` keeps `a` bound
        for access in scope.accesses:
            name = get_full_name_for_node(access.node) or ""
            if (name == top or name.startswith(top + ".")) and not (name == dotted or name.startswith(dotted + ".")):
                raise _Refusal("unsafe-attribute-use", f"{name} relies on `import {dotted}` binding {top!r}")

    def _check_package_name_free(self, node: cst.CSTNode, top: str, references: list[cst.CSTNode]) -> None:
        """`import new.place` binds `new`: refuse when `new` names something else (not the package) here or where it is used."""
        scopes = [self._meta(ScopeProvider, node)] + [self._meta(ScopeProvider, r) for r in references]
        for scope in scopes:
            if scope is None:
                continue
            for assignment in scope[top]:
                bound_by = getattr(assignment, "node", None)
                if not (isinstance(bound_by, cst.Import) and _binds_package(bound_by, top)):
                    raise _Refusal("name-clash", f"{top!r} is already bound here; `import` of its package would rebind it")

    def _check_free(self, node: cst.CSTNode, name: str, new_module: str, references: list[cst.CSTNode]) -> None:
        """Refuse to bind `name` where something else already binds it, here or where it is used."""
        scopes = [self._meta(ScopeProvider, node, None)]
        scopes += [self._meta(ScopeProvider, reference, None) for reference in references]
        for scope in scopes:
            if scope is None:
                continue
            for assignment in scope[name]:
                bound_by = getattr(assignment, "node", None)
                if not isinstance(bound_by, cst.ImportFrom) or self._module_binding(bound_by, name) != new_module:
                    raise _Refusal(
                        "name-clash", f"{name!r} is already bound here; importing it from {new_module} would shadow that binding"
                    )

    def _module_binding(self, node: cst.ImportFrom, name: str) -> str | None:
        """The module from which `node` imports the object bound to `name` (after redirects)."""
        if isinstance(node.names, cst.ImportStar):
            return None
        module = self._absolute(node)
        if module is None:
            return None
        for alias in node.names:
            imported = get_full_name_for_node(alias.name) or ""
            if (_local_name(alias) or imported) == name and imported == name:
                target = self.redirects.for_name(module, imported)
                return module if target is None else target[0]
        return None

    def _refuse_shadowed(self, new_module: str) -> None:
        """Refuse when the package binds the module's name to an object: `new.module` cannot be imported as a module."""
        package, _, leaf = new_module.rpartition(".")
        if package and self.shadowed(package, leaf):
            raise _Refusal(
                "shadowed-module", f"{package} binds {leaf!r} to an object, so `{new_module}` cannot be imported as a module name"
            )

    def _mapped_attribute(self, redirect: ModuleRedirect, new_module: str, written: str, use: cst.Attribute) -> str:
        """The attribute path `written.X` becomes inside `new_module` (through `symbols`); refuse when it is missing there."""
        attribute = use.attr.value
        mapped = redirect.target_path(attribute)
        head = mapped.split(".")[0]
        if self.name_exists(new_module, head) is False and self.name_exists(new_module, attribute) is not True:
            self._refuse_missing(new_module, head, written, use, mapped != attribute)
        return mapped

    def _meta(self, provider: type, node: cst.CSTNode, default: object = None) -> Any:
        """Metadata resolved on demand in transform_module_impl (not declared up front: see SCOPE_DEPENDENCIES)."""
        return self.metadata.get(provider, {}).get(node, default)

    def _removable(self, node: cst.ImportFrom) -> bool:
        """True when the statement can disappear whole: alone on its line, no comment in or above it."""
        line = self._lines.get(node)
        if not isinstance(line, cst.SimpleStatementLine) or len(line.body) != 1:
            return False
        if any(empty.comment is not None for empty in line.leading_lines):
            return False
        return "#" not in cst.Module([]).code_for_node(line)

    def _record(self, rule: str) -> None:
        if rule:
            self._pending.rules.add(rule)


class _Refusal(Exception):
    """One statement cannot be rewritten safely: a reason (`name-clash`, ...) and a detail."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass
class _Edits:
    """The edits planned for one statement: kept only when the whole statement can be rewritten."""

    statements: dict[cst.CSTNode, list[cst.BaseSmallStatement]] = field(default_factory=dict)
    additions: dict[cst.CSTNode, list[cst.ImportAlias]] = field(default_factory=dict)
    uses: dict[cst.CSTNode, cst.BaseExpression] = field(default_factory=dict)
    imported: set[tuple[int, str]] = field(default_factory=set)  # (block, module) of each `import` added
    rules: set[str] = field(default_factory=set)


def redirects_from_arguments(move: Sequence[str], rename: Sequence[str]) -> Redirects:
    """Build redirects from `--move OLD:NEW` and `--rename MODULE.NAME=NEW_MODULE:PATH`."""
    modules = []
    for item in move:
        old, sep, new = item.partition(":")
        if not sep or not old or not new:
            raise ValueError(f"--move expects OLD:NEW, got {item!r}")
        modules.append(ModuleRedirect(old, new, rule="move"))
    names = []
    for item in rename:
        source, sep, destination = item.partition("=")
        module, _, name = source.rpartition(".")
        new_module, sep2, path = destination.partition(":")
        if not sep or not sep2 or not module or not name or not new_module or not path:
            raise ValueError(f"--rename expects MODULE.NAME=NEW_MODULE:PATH, got {item!r}")
        names.append(NameRedirect(module, name, new_module, path, rule="rename"))
    return Redirects(tuple(modules), tuple(names))


class _ImportCollector(cst.CSTVisitor):
    """Every import statement of a module, and a literal `__all__`."""

    def __init__(self) -> None:
        self.imports: list[cst.Import] = []
        self.from_imports: list[cst.ImportFrom] = []
        self.dunder_all: set[str] = set()
        self.lines: dict[cst.CSTNode, cst.CSTNode] = {}  # import statement -> its line
        self.suites: dict[cst.CSTNode, cst.CSTNode] = {}  # import statement -> the block holding its line
        self.ancestry: dict[cst.CSTNode, tuple[cst.CSTNode, ...]] = {}  # import statement -> nodes above it
        self.bindings: Counter[str] = Counter()  # how often each name is bound by a statement, anywhere
        self.path: list[cst.CSTNode] = []
        self._suites: list[cst.CSTNode] = []
        self._line: cst.CSTNode | None = None

    def visit_Module(self, node: cst.Module) -> None:
        self._suites.append(node)

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        self._suites.append(node)

    def leave_IndentedBlock(self, original_node: cst.IndentedBlock) -> None:
        self._suites.pop()

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> bool:
        self._line = node
        self._small_statements(node.body)
        return False  # nothing below a simple statement but expressions

    def _small_statements(self, body: Sequence[cst.BaseSmallStatement]) -> None:
        for statement in body:
            if isinstance(statement, cst.Import):
                self.visit_Import(statement)
            elif isinstance(statement, cst.ImportFrom):
                self.visit_ImportFrom(statement)
            elif isinstance(statement, cst.Assign):
                self.visit_Assign(statement)
                for target in statement.targets:
                    self._bind_target(target.target)
            elif isinstance(statement, (cst.AnnAssign, cst.AugAssign)):
                self._bind_target(statement.target)

    def _bind_target(self, target: cst.BaseExpression) -> None:
        if isinstance(target, cst.Name):
            self.bindings[target.value] += 1
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._bind_target(element.value)
        elif isinstance(target, cst.StarredElement):
            self._bind_target(target.value)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.bindings[node.name.value] += 1

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.bindings[node.name.value] += 1

    def visit_For(self, node: cst.For) -> None:
        self._bind_target(node.target)

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, cst.BaseExpression):
            return False  # imports live in statements; expressions are most of a tree
        self.path.append(node)
        return super().on_visit(node)

    def on_leave(self, original_node: cst.CSTNode) -> None:
        if not isinstance(original_node, cst.BaseExpression):
            self.path.pop()
        super().on_leave(original_node)

    def visit_SimpleStatementSuite(self, node: cst.SimpleStatementSuite) -> bool:
        self._line = node
        self._suites.append(node)
        self._small_statements(node.body)
        return False

    def leave_SimpleStatementSuite(self, original_node: cst.SimpleStatementSuite) -> None:
        self._suites.pop()

    def visit_Import(self, node: cst.Import) -> None:
        self.imports.append(node)
        self._place(node)
        for alias in node.names:
            self.bindings[_local_name(alias) or (get_full_name_for_node(alias.name) or "").split(".")[0]] += 1

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        self.from_imports.append(node)
        self._place(node)
        if not isinstance(node.names, cst.ImportStar):
            for alias in node.names:
                self.bindings[_local_name(alias) or get_full_name_for_node(alias.name) or ""] += 1

    def _place(self, node: cst.CSTNode) -> None:
        if self._line is not None:
            self.lines[node] = self._line
        self.suites[node] = self._suites[-1]
        self.ancestry[node] = (*self.path, *((self._line,) if self._line is not None else ()))

    def visit_Assign(self, node: cst.Assign) -> None:
        if any(isinstance(t.target, cst.Name) and t.target.value == "__all__" for t in node.targets):
            if isinstance(node.value, (cst.List, cst.Tuple)):
                for element in node.value.elements:
                    if isinstance(element.value, cst.SimpleString) and isinstance(element.value.evaluated_value, str):
                        self.dunder_all.add(element.value.evaluated_value)


def _dotted(name: str) -> cst.Attribute | cst.Name:
    """`a.b.c` as a CST expression, built directly (the parser is far slower for this)."""
    parts = name.split(".")
    expression: cst.Attribute | cst.Name = cst.Name(parts[0])
    for part in parts[1:]:
        expression = cst.Attribute(value=expression, attr=cst.Name(part))
    return expression


def _binds_package(node: cst.Import, top: str) -> bool:
    """True when `node` binds `top` to the package itself (`import top` or `import top.x`, not `import y as top`)."""
    return any(a.asname is None and (get_full_name_for_node(a.name) or "").split(".")[0] == top for a in node.names)


def _local_name(alias: cst.ImportAlias) -> str | None:
    if alias.asname is None:
        return None
    return get_full_name_for_node(alias.asname.name)


def _alias(original: cst.ImportAlias, name: str, local: str) -> cst.ImportAlias:
    """`original` pointed at `name`, still binding `local` (aliased when they differ, or as written: `X as X`)."""
    if name == local and original.asname is None:
        return original.with_changes(name=cst.Name(name))
    asname = original.asname or cst.AsName(name=cst.Name(local))
    return original.with_changes(name=cst.Name(name), asname=asname.with_changes(name=cst.Name(local)))


def _plain(alias: cst.ImportAlias) -> cst.ImportAlias:
    """The alias without the original's whitespace and comments, for a statement of its own."""
    asname = None
    if alias.asname is not None:
        asname = cst.AsName(name=alias.asname.name)
    return cst.ImportAlias(name=alias.name, asname=asname)


def _unique(aliases: list[cst.ImportAlias]) -> list[cst.ImportAlias]:
    seen: set[tuple[str | None, str | None]] = set()
    unique = []
    for alias in aliases:
        key = (get_full_name_for_node(alias.name), _local_name(alias))
        if key not in seen:
            seen.add(key)
            unique.append(alias)
    return unique


def _fix_commas(aliases: Sequence[cst.ImportAlias], statement: cst.ImportFrom | None) -> list[cst.ImportAlias]:
    """Valid commas: between every pair; a trailing one only inside parentheses."""
    parenthesized = statement is not None and statement.lpar is not None
    fixed = []
    for index, alias in enumerate(aliases):
        last = index == len(aliases) - 1
        if not last and alias.comma is cst.MaybeSentinel.DEFAULT:
            alias = alias.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        elif last and not parenthesized:
            alias = alias.with_changes(comma=cst.MaybeSentinel.DEFAULT)
        fixed.append(alias)
    return fixed


def _fix_import_commas(aliases: Sequence[cst.ImportAlias]) -> list[cst.ImportAlias]:
    """`import a, b`: a comma after every alias but the last."""
    fixed = []
    for index, alias in enumerate(aliases):
        if index == len(aliases) - 1:
            fixed.append(alias.with_changes(comma=cst.MaybeSentinel.DEFAULT))
        elif alias.comma is cst.MaybeSentinel.DEFAULT:
            fixed.append(alias.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))))
        else:
            fixed.append(alias)
    return fixed


def _fix_semicolons(body: list[cst.BaseSmallStatement]) -> list[cst.BaseSmallStatement]:
    fixed = []
    for index, statement in enumerate(body):
        last = index == len(body) - 1
        semicolon = getattr(statement, "semicolon", cst.MaybeSentinel.DEFAULT)
        if last:
            statement = statement.with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
        elif semicolon is cst.MaybeSentinel.DEFAULT:
            statement = statement.with_changes(
                semicolon=cst.Semicolon(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace(" "))
            )
        fixed.append(statement)
    return fixed
