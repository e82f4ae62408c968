"""What the analysis of one file read about other modules, so that it can be redone only when that changed.

A file's findings are a function of its own facts and of answers the model
gives about other modules. Every such answer is read through a few primitive
lookups, and each primitive notes a *dependency key* while a file is analysed:

* `(module, None)`: the module's existence, package-ness and kind, and its
  *shape*: star imports, static `__all__`, whether its names are opaque
  (a module-level `__getattr__`, an unparsable file);
* `(module, name)`: what the module's own facts say about one name: bound
  here, defined here, and the import statements that bind it;
* `(module, ALL)`: everything about the module (a lookup that reads all of it).

Memoised answers (a resolution, a symbol lookup: `Memo`) keep the keys noted
while they were computed, and a later hit adds those keys again, so a file's
keys are complete whatever was computed first. `symbols.symbol_changes` says
which keys an edit of a module's facts invalidates. Whether a module is one of the project's
(its top-level package) is not a key: a change there re-analyses everything.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

ALL = "*"  # a name no Python identifier can be: "everything about the module"

Dependency = tuple[str, "str | None"]
Dependencies = tuple[Dependency, ...]  # distinct keys (a tuple: memoised answers keep many small ones)
EMPTY: Dependencies = ()


class DependencyRecorder:
    """A stack of key sets: the innermost open frame collects what the current computation reads.

    Closing a frame adds its keys to the enclosing one, so the frame of a file
    ends up with the keys of every memoised answer computed inside it.
    """

    __slots__ = ("frames",)

    def __init__(self) -> None:
        self.frames: list[set[Dependency]] = []  # shared with the model's lookups, which append to frames[-1]

    def push(self) -> None:
        self.frames.append(set())

    def pop(self) -> Dependencies:
        """Close the innermost frame; its keys are also added to the enclosing frame."""
        keys = self.frames.pop()
        if self.frames:
            self.frames[-1].update(keys)
        return tuple(keys)


_MISSING = object()


class Memo:
    """Answers memoised with the dependency keys noted while computing them; a hit notes them again.

    Without a recorder it is a plain memo of bare values. `get(key, compute, *args)`
    returns `compute(*args)`, computed once per key.
    """

    __slots__ = ("_recorder", "_frames", "_values")

    def __init__(self, recorder: DependencyRecorder | None) -> None:
        self._recorder = recorder
        self._frames = recorder.frames if recorder is not None else []
        self._values: dict[Hashable, Any] = {}

    def get(self, key: Hashable, compute: Callable[..., Any], *args: Any) -> Any:
        if self._recorder is None:
            value = self._values.get(key, _MISSING)
            if value is _MISSING:
                value = self._values[key] = compute(*args)
            return value
        cached = self._values.get(key)
        if cached is not None:
            if self._frames:
                self._frames[-1].update(cached[1])
            return cached[0]
        self._recorder.push()
        try:
            value = compute(*args)
        finally:
            keys = self._recorder.pop()
        self._values[key] = (value, keys)
        return value
