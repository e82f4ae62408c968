"""How an importer uses an imported name, and whether a definition fits those uses (for move suggestions)."""

from __future__ import annotations

from typing import NamedTuple

from remediator.domain.facts import Definition

FUNCTION_KINDS = frozenset({"function", "async", "async-generator", "contextmanager", "asynccontextmanager"})


class NameUse(NamedTuple):
    """One use of an imported name, as the importer's source shows it.

    `how`: "call" (`name(...)`), "await" (`await name(...)`), "with" / "async-with"
    (`with name(...)`), "decorator" (`@name`, which calls it with the function),
    "base" (`class C(name)`), "await-value" (`await name`), "with-value" (`with name:`).
    For the calls: `positional` arguments, the `keywords` given, and `unpacked` when
    the call has `*args` or `**kwargs` (then the counts prove nothing).
    """

    how: str
    path: str
    line: int
    positional: int = 0
    keywords: tuple[str, ...] = ()
    unpacked: bool = False

    @property
    def place(self) -> str:
        return f"{self.path}:{self.line}"


def misfit(definition: Definition | None, use: NameUse) -> str | None:
    """Why `use` cannot work with `definition`, or None when it may (an unknown definition fits every use)."""
    if definition is None:
        return None
    kind, name = definition.kind, definition.name
    what = _describe_kind(kind)
    if use.how == "await" and kind not in ("async", "class"):
        return f"awaited at {use.place}, but {name} is {what}"
    if use.how == "with" and kind in ("async", "async-generator", "asynccontextmanager"):
        return f"used in `with` at {use.place}, but {name} is {what}"
    if use.how == "async-with" and kind in ("async", "async-generator", "contextmanager"):
        return f"used in `async with` at {use.place}, but {name} is {what}"
    if use.how == "decorator" and kind in ("async", "async-generator"):
        return f"used as a decorator at {use.place}, but {name} is {what}"
    if use.how == "base" and kind != "class":
        return f"subclassed at {use.place}, but {name} is {what}"
    if use.how in ("await-value", "with-value"):
        return f"{'awaited' if use.how == 'await-value' else 'used in `with`'} without a call at {use.place}, but {name} is {what}"
    if kind in FUNCTION_KINDS and use.how in ("call", "await", "with", "async-with", "decorator"):
        return _signature_misfit(definition, use)
    return None


def describe(definition: Definition | None) -> str:
    """`async def get(request)`, `class Client`; "not a def or class" for an unknown definition."""
    if definition is None:
        return "not a plain def or class"
    if definition.kind == "class":
        return f"class {definition.name}"
    params = [
        *(name if position < definition.required else f"{name}=..." for position, name in enumerate(definition.params)),
        *(["*args"] if definition.varargs else (["*"] if definition.keywords else [])),
        *(name if name in definition.required_keywords else f"{name}=..." for name in definition.keywords),
        *(["**kwargs"] if definition.varkw else []),
    ]
    prefix = {
        "async": "async def",
        "async-generator": "async def",
        "contextmanager": "@contextmanager def",
        "asynccontextmanager": "@asynccontextmanager async def",
    }.get(definition.kind, "def")
    return f"{prefix} {definition.name}({', '.join(params)})"


def _describe_kind(kind: str) -> str:
    return {
        "class": "a class",
        "function": "a plain (not async) function",
        "async": "an async function",
        "async-generator": "an async generator",
        "contextmanager": "a @contextmanager function",
        "asynccontextmanager": "an @asynccontextmanager function",
    }.get(kind, kind)


def _signature_misfit(definition: Definition, use: NameUse) -> str | None:
    if use.unpacked:
        return None
    name = definition.name
    positional = 1 if use.how == "decorator" else use.positional
    keywords = () if use.how == "decorator" else use.keywords
    if positional > len(definition.params) and not definition.varargs:
        return f"called with {positional} positional argument{'s' * (positional != 1)} at {use.place}, but {name} takes at most {len(definition.params)}"
    accepted = set(definition.params[positional:]) | set(definition.keywords)
    unknown = [keyword for keyword in keywords if keyword not in accepted]
    if unknown and not definition.varkw:
        return f"called with `{unknown[0]}=` at {use.place}, which {name} does not take"
    given = set(keywords)
    missing = [p for p in definition.params[positional : definition.required] if p not in given]
    missing += [k for k in definition.required_keywords if k not in given]
    if missing:
        return f"{name} requires `{missing[0]}`, which the call at {use.place} does not give"
    return None
