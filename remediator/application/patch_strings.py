"""When fix may retarget a `patch("...")` / `import_module("...")` string.

`patch("a.b.Name")` replaces the attribute `Name` of module `a.b` while a test
runs; it takes effect only where code looks `Name` up in `a.b`. Retargeting the
string to a new home is right when the old target is gone (its module or name
no longer exists), or when every module that reads the name from the old place
is rewritten in the same run to read it from the new one. Otherwise the code
under test still looks the name up in the old place and the mock would stop
taking effect: the string is left, and fix says why. A retargeted string must
resolve.

Modules that read `a.b.Name` from the old place: those that import `Name` from
`a.b`, those that import `a.b` itself (they read `a.b.Name` when they run), and
`a.b` when it defines `Name` (its own code reads its globals; it is the old
place, so it is never rewritten). A module that only re-exports `Name` is not
counted as a reader of it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from remediator.analysis.project import ProjectModel
from remediator.analysis.resolver import MISSING_MODULE, MISSING_NAME, OK
from remediator.application.fix_plan import FilePlan
from remediator.domain.plan import Redirects

GONE = "gone"  # the old target no longer exists
READERS = "readers"  # it exists, and every module reading it there is rewritten in the run


class StringPolicy:
    """Decides, for fix's codemod, whether an old dotted string may become a new one."""

    def __init__(self, model: ProjectModel, plans: Iterable[FilePlan]) -> None:
        self._model = model
        self._redirects: dict[str, Redirects] = {plan.parsed.module: plan.redirects for plan in plans}
        self._readers: dict[tuple[str, str | None], set[str]] | None = None

    def __call__(self, old: str, new: str) -> str | None:
        """None when `old` may become `new`; else why the string is left as it is."""
        resolve = self._model.resolver.resolve_dotted
        if resolve(new, module_only=False).status != OK:
            return f"the new target {new} would not resolve"
        if self.basis(old) == GONE:
            return None
        module, name = self._old_place(old)
        unplanned = sorted(reader for reader in self.readers(old) if not self._rewrites(reader, module, name))
        if not unplanned:
            return None
        place = module if name is None else f"{module}.{name}"
        if module in unplanned:
            return f"{place} is still defined there, and {module}'s own code looks it up there: the patch would stop taking effect"
        others = f" and {len(unplanned) - 1} more" if len(unplanned) > 1 else ""
        return (
            f"{place} still exists and {unplanned[0]}{others} still read{'s' if len(unplanned) == 1 else ''} it there: "
            "the patch would stop taking effect"
        )

    def basis(self, old: str) -> str:
        """GONE when the old target no longer exists, else READERS."""
        status = self._model.resolver.resolve_dotted(old, module_only=False).status
        return GONE if status in (MISSING_MODULE, MISSING_NAME) else READERS

    def readers(self, old: str) -> set[str]:
        """The modules that read the old target from its old place."""
        module, name = self._old_place(old)
        readers = self._reader_index()
        found = set(readers.get((module, None), ()))
        if name is not None:
            found |= readers.get((module, name), set())
            if self._model.symbols.defines(module, name):
                found.add(module)
        return found

    def _old_place(self, old: str) -> tuple[str, str | None]:
        resolution = self._model.resolver.resolve_dotted(old, module_only=False)
        return resolution.target, resolution.name

    def _rewrites(self, reader: str, module: str, name: str | None) -> bool:
        """True when the run's plan for `reader` redirects what it reads of `module`."""
        redirects = self._redirects.get(reader)
        if redirects is None:
            return False
        if name is not None and redirects.for_name(module, name) is not None:
            return True
        return redirects.for_module(module) is not None

    def _reader_index(self) -> dict[tuple[str, str | None], set[str]]:
        """(module, name) -> importers of that name from it; (module, None) -> importers of the module itself."""
        if self._readers is None:
            index = self._model.index
            readers: dict[tuple[str, str | None], set[str]] = defaultdict(set)
            for parsed in self._model.files:
                for _record, resolution in parsed.resolutions:
                    if resolution.status != OK or not resolution.target:
                        continue
                    name = resolution.name
                    if name is not None and name != "*" and index.exists(f"{resolution.target}.{name}"):
                        readers[(f"{resolution.target}.{name}", None)].add(parsed.module)  # `from pkg import mod`
                    else:
                        readers[(resolution.target, None if name == "*" else name)].add(parsed.module)
            self._readers = readers
        return self._readers
