"""missing-module and missing-name: imports and string references that point nowhere."""

from __future__ import annotations

from collections.abc import Iterator

from remediator.analysis.module_index import ModuleIndex
from remediator.analysis.project import ModelQueries, ParsedFile
from remediator.analysis.resolver import MISSING_MODULE, MISSING_NAME, OK, Resolution, failure_context
from remediator.domain.facts import Context, breaks_importer
from remediator.domain.findings import Finding, plain_message


_PYTHON2 = int(Context.PYTHON2)  # a branch only Python 2 enters: what is in it never runs
_CASE_SENSITIVE = "and Python's import is case-sensitive even where the file system is not"
_STUBS_IGNORED = "and Python does not read .pyi files"


def broken_imports_in(model: ModelQueries, parsed: ParsedFile) -> Iterator[Finding]:
    """The broken imports (then string references) of one resolved file, in source order."""
    for record, resolution in parsed.resolutions:
        if resolution.status in (MISSING_MODULE, MISSING_NAME) and not record.context & _PYTHON2:
            why, note = None, ""
            if resolution.name == "*" and resolution.status == MISSING_NAME:  # the module's `__all__` lists what it lacks
                why = _unbound_exports(resolution.target, model.resolver.unbound_exports(resolution.target))
            elif resolution.target.startswith(".") and model.resolver.search_path is not None:
                note = _under_pytest(model.resolver.search_path.pytest_name(parsed.module, parsed.source.is_package))
            elif resolution.status == MISSING_NAME:
                why = _declared_only(model, resolution.target, resolution.name)
            context = failure_context(record, resolution)
            yield _finding(parsed, resolution, record.line, record.column, context, "import", index=model.index, why=why, note=note)
    for reference in parsed.facts.strings:
        if reference.context & _PYTHON2:
            continue  # only Python 2 would run it
        source = parsed.source
        resolution = model.resolver.resolve_string(source.module, source.is_package, reference, parsed.facts.imports)
        if resolution.status in (MISSING_MODULE, MISSING_NAME):
            plugin = reference.kind == "plugin"  # pytest imports it when it loads this file: the file cannot be collected
            yield _finding(
                parsed,
                resolution,
                reference.line,
                reference.column,
                reference.context,
                "string",
                reference.text,
                model.index,
                label="pytest_plugins entry" if plugin else "string reference",
                note=": pytest cannot load this file, nor collect what it covers" if plugin else "",
            )
        elif (
            reference.kind not in ("module", "plugin")
            and not reference.creates  # `create=True` makes the attribute the TYPE_CHECKING branch did not
            and resolution.status == OK
            and resolution.name
            and model.symbols.only_for_type_checking(resolution.target, resolution.name)
        ):  # patch() looks the attribute up at run time, where the TYPE_CHECKING branch never ran
            missing = Resolution(MISSING_NAME, resolution.target, resolution.name, resolution.depends_on)
            why = f"{resolution.target} binds {resolution.name!r} only under `if TYPE_CHECKING:`, so it does not exist at run time"
            yield _finding(parsed, missing, reference.line, reference.column, reference.context, "string", reference.text, why=why)


def _declared_only(model: ModelQueries, module: str, name: str | None) -> str | None:
    """Why a name a type checker finds is missing at run time: the module only annotates it (`x: int` binds
    nothing), or only its stub declares it. None when a type checker misses it too."""
    if name is None:
        return None
    missing = plain_message(MISSING_NAME, module, name)
    if any(name in facts.annotated_names for facts in model.symbols.facts_of(module)):
        return f"{missing}: it is only annotated (`{name}: ...` binds nothing)"
    typing = model.resolver.typing
    if typing is not None and typing.symbols.has_name(module, name) is True:
        return f"{missing}: only its stub declares it, {_STUBS_IGNORED}"
    return None


def _unbound_exports(module: str, names: tuple[str, ...]) -> str:
    """Why a star import fails: the module's `__all__` lists names it does not have."""
    listed = ", ".join(repr(name) for name in names)
    return (
        f"{module} lists {listed} in __all__ but has no such name{'s' * (len(names) > 1)}: `from {module} import *` raises AttributeError"
    )


def _under_pytest(name: str | None) -> str:
    """What to add to a relative import beyond the top when that is so only as pytest names the file."""
    if name is None:
        return ""
    where = "as a top-level module" if "." not in name else f"in the package {name.rpartition('.')[0]}"
    return f": pytest imports this file as {name!r} ({where}), from the first folder upwards without an __init__.py"


def missing_plugins(model: ModelQueries, parsed: ParsedFile) -> list[str]:
    """The missing modules a file's `pytest_plugins` names where it runs on import: pytest fails to load the file."""
    source = parsed.source
    missing: list[str] = []
    for reference in parsed.facts.strings:
        if reference.kind == "plugin" and breaks_importer(reference.context):
            resolution = model.resolver.resolve_string(source.module, source.is_package, reference, parsed.facts.imports)
            if resolution.status == MISSING_MODULE and resolution.target not in missing:
                missing.append(resolution.target)
    return missing


def string_or_import_finding(
    parsed: ParsedFile,
    resolution: Resolution,
    line: int,
    column: int,
    context: int,
    text: str | None,
) -> Finding:
    """The finding of one broken import (`text` None) or string reference (`text` its literal)."""
    return _finding(parsed, resolution, line, column, context, "import" if text is None else "string", text)


def _finding(
    parsed: ParsedFile,
    resolution: Resolution,
    line: int,
    column: int,
    context: int,
    reference: str,
    text: str | None = None,
    index: ModuleIndex | None = None,
    *,
    label: str = "string reference",
    why: str | None = None,
    note: str = "",
) -> Finding:
    """The finding of one broken import or string reference; with the `index`, a module that differs only in case is named.

    A string reference's message starts with `label` and the literal; `why` replaces the usual account of what is
    missing, and `note` is added to it (before the guard's remark).
    """
    guarded = bool(context & Context.GUARDED)
    where = f"{label} {text!r}: " if text is not None else ""
    if why is not None:
        message = where + why
    elif resolution.status == MISSING_MODULE:
        if resolution.target.startswith("."):
            message = f"{where}relative import {resolution.target!r} goes beyond the top-level package"
        else:
            message = where + plain_message(MISSING_MODULE, resolution.target, None)
            variant = index.case_variant(resolution.target) if index is not None else None
            if index is not None and index.only_a_stub(resolution.target):
                message += f": it is only a stub (.pyi), {_STUBS_IGNORED}"
            elif variant is not None:
                message += f": only {variant} does, {_CASE_SENSITIVE}"
    else:
        message = where + plain_message(MISSING_NAME, resolution.target, resolution.name)
        variant = index.case_variant(f"{resolution.target}.{resolution.name}") if index is not None else None
        if variant is not None:
            message += f": only the module {variant} exists, {_CASE_SENSITIVE}"
    message += note
    if guarded:
        message += " (guarded: the failure is expected and handled)"
    return Finding(
        rule=resolution.status,
        path=parsed.source.relpath,
        line=line,
        column=column,
        importer=parsed.module,
        target=resolution.target,
        name=resolution.name,
        severity="warning" if guarded else "error",
        message=message,
        guarded=guarded,
        reference="string" if reference == "string" else "import",
        type_checking=bool(context & Context.TYPE_CHECKING),
    )
