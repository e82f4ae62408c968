"""remediator: find and repair broken, cyclic and SSOT-violating imports, statically.

    >>> import remediator
    >>> result = remediator.scan("examples/netra_monorepo")
    >>> [f.rule for f in result.errors]          # doctest: +SKIP
    >>> result.graph.nx                          # networkx.DiGraph  # doctest: +SKIP

Heavy modules are imported on first use, so `import remediator` stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from remediator.domain.version import VERSION as __version__

__all__ = [
    "BaselineError",
    "BaselineUpdate",
    "CheckError",
    "CheckResult",
    "ConfigError",
    "Explanation",
    "Finding",
    "FixResult",
    "ImportGraph",
    "RemediatorError",
    "ScanResult",
    "Settings",
    "Suggestion",
    "UndoError",
    "UndoResult",
    "UnknownModule",
    "baseline",
    "check",
    "explain",
    "export_graph",
    "fix",
    "scan",
    "undo",
    "__version__",
]

if TYPE_CHECKING:
    from remediator.analysis.graph import ImportGraph
    from remediator.api import baseline, check, explain, export_graph, fix, scan, undo
    from remediator.application.baseline import BaselineError, BaselineUpdate
    from remediator.application.check import CheckError, CheckResult
    from remediator.application.explain import Explanation, UnknownModule
    from remediator.application.fix import FixResult
    from remediator.application.scan import ScanResult
    from remediator.application.undo import UndoError, UndoResult
    from remediator.domain.config import ConfigError, Settings
    from remediator.domain.errors import RemediatorError
    from remediator.domain.findings import Finding, Suggestion

_LAZY = {
    "RemediatorError": "remediator.domain.errors",
    "CheckError": "remediator.application.check",
    "BaselineError": "remediator.application.baseline",
    "BaselineUpdate": "remediator.application.baseline",
    "UndoError": "remediator.application.undo",
    "UndoResult": "remediator.application.undo",
    "ImportGraph": "remediator.analysis.graph",
    "check": "remediator.api",
    "baseline": "remediator.api",
    "CheckResult": "remediator.application.check",
    "scan": "remediator.api",
    "fix": "remediator.api",
    "undo": "remediator.api",
    "FixResult": "remediator.application.fix",
    "ScanResult": "remediator.application.scan",
    "ConfigError": "remediator.domain.config",
    "Settings": "remediator.domain.config",
    "Finding": "remediator.domain.findings",
    "Suggestion": "remediator.domain.findings",
    "explain": "remediator.api",
    "export_graph": "remediator.api",
    "Explanation": "remediator.application.explain",
    "UnknownModule": "remediator.application.explain",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'remediator' has no attribute {name!r}")
