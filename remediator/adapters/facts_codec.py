"""Facts as plain data (tuples, strings, ints: what `marshal` writes): the store's facts rows and the pool's messages.

A worker sends its chunk's facts as one marshal message instead of a pickle
of the named tuples: as cheap to write, cheaper to read (a message of this
code's own workers is not checked; what the store gives back is), and the names
arrive interned (one copy in this process whichever worker parsed them).
"""

from __future__ import annotations

import marshal
from collections.abc import Iterable
from itertools import repeat
from typing import Any

from remediator.domain.facts import Definition, ImportRecord, ModuleFacts, ParseProblem, StringReference, SyntaxNeed, SysPathEntry

MARSHAL_VERSION = 4
_new = tuple.__new__


def encode_facts(facts: Iterable[ModuleFacts]) -> bytes:
    """One message holding each of `facts` (`decode_facts` reads it back)."""
    return marshal.dumps(tuple(map(plain_facts, facts)), MARSHAL_VERSION)


def decode_facts(message: bytes) -> list[ModuleFacts]:
    """The facts of a message `encode_facts` made in a worker of this run (not checked)."""
    return [facts_from_plain(plain, checked=False) for plain in marshal.loads(message)]


def plain_facts(facts: ModuleFacts) -> tuple[Any, ...]:
    """Facts as plain tuples, strings and ints (what marshal writes).

    The name sets go as tuples: marshal writes a set by encoding each element
    apart and sorting the encodings (bpo-37596), several times the cost of
    the tuple; `facts_from_plain` makes them sets again.
    """
    return (
        tuple(map(tuple, facts.imports)),
        tuple(map(tuple, facts.strings)),
        tuple(facts.bound_names),
        tuple(facts.defined_names),
        facts.dunder_all,
        facts.dynamic_names,
        None if facts.problem is None else tuple(facts.problem),
        tuple(facts.type_checking_names),
        tuple(map(tuple, facts.sys_path)),
        None if facts.syntax_need is None else tuple(facts.syntax_need),
        tuple(facts.placeholder_names),
        tuple(map(tuple, facts.definitions)),
        tuple(facts.registered_modules),
        tuple(facts.annotated_names),
    )


def facts_from_plain(value: Any, *, checked: bool = True) -> ModuleFacts:
    """Rebuild facts from `plain_facts`'s shape; `checked`, raises on any other shape (checking costs as much as
    building: skipped for what this run's own code just wrote)."""
    (
        imports,
        strings,
        bound,
        defined,
        dunder_all,
        dynamic,
        problem,
        type_checking,
        sys_path,
        need,
        placeholders,
        definitions,
        registered,
        annotated,
    ) = value
    if checked and not (
        type(imports) is tuple
        and type(strings) is tuple
        and type(bound) is tuple
        and type(defined) is tuple
        and type(type_checking) is tuple
        and type(sys_path) is tuple
        and (dunder_all is None or type(dunder_all) is tuple)
        and type(dynamic) is bool
        and all(type(r) is tuple and len(r) == 7 for r in imports)
        and all(type(s) is tuple and len(s) == 7 for s in strings)
        and all(type(e) is tuple and len(e) == 5 for e in sys_path)
        and (need is None or (type(need) is tuple and len(need) == 4))
        and type(placeholders) is tuple
        and type(definitions) is tuple
        and all(type(d) is tuple and len(d) == 8 for d in definitions)
        and type(registered) is tuple
        and type(annotated) is tuple
    ):
        raise ValueError("not a facts entry")
    return _new(
        ModuleFacts,
        (
            tuple(map(_new, repeat(ImportRecord), imports)),
            tuple(map(_new, repeat(StringReference), strings)),
            frozenset(bound),
            frozenset(defined),
            dunder_all,
            dynamic,
            None if problem is None else ParseProblem(*problem),
            frozenset(type_checking),
            tuple(map(_new, repeat(SysPathEntry), sys_path)),
            None if need is None else SyntaxNeed(*need),
            frozenset(placeholders),
            tuple(map(_new, repeat(Definition), definitions)),
            frozenset(registered),
            frozenset(annotated),
        ),
    )
