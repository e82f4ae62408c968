"""Ctrl-C that waits for a critical section: what watch mode prints and the status it keeps change together.

A SIGINT that arrives while a section is held is remembered and raised as
KeyboardInterrupt when the section ends; outside a section it is raised at
once, as Python's default handler does. SIGINT is installed through
`adapters.platform`: every platform has it, Windows included.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from remediator.adapters.platform import handle_interrupts


class InterruptGate:
    """A SIGINT handler whose `held()` sections finish before KeyboardInterrupt is raised."""

    def __init__(self) -> None:
        self._depth = 0
        self._pending = False

    def install(self) -> None:
        """Handle SIGINT here (also when the process was started with SIGINT ignored, as background jobs are)."""
        handle_interrupts(self._handle)

    @contextmanager
    def held(self) -> Iterator[None]:
        """Defer Ctrl-C until the block ends; then raise it, once."""
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1
            if not self._depth and self._pending:
                self._pending = False
                raise KeyboardInterrupt

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self._depth:
            self._pending = True
            return
        raise KeyboardInterrupt
