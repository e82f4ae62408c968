"""The one base of every error remediator's public functions raise on purpose.

`except remediator.RemediatorError` catches a wrong setting (`ConfigError`, and
`BaselineError` for a baseline file), a check that cannot run as asked
(`CheckError`), an undo with nothing to undo (`UndoError`) and an unknown module
name (`UnknownModule`); each names the file, key, ref or module at fault.
`NotADirectoryError` (the root is no directory) and `OSError`s stay what they are.
"""

from __future__ import annotations


class RemediatorError(Exception):
    """Base class of remediator's own errors."""
