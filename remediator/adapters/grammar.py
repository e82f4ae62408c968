"""tree-sitter's Python grammar, loaded once per process and without the grammar package's import-time extras.

The grammar is the `_binding` extension of the `tree_sitter_python` package.
Importing the package runs its `__init__`, which imports `importlib.resources`
(for highlight queries remediator never reads), and with it `tempfile`,
`shutil`, `bz2`, `lzma` and `random`: about 6 ms of a warm check of one
edited file (0.2 s in all), and again in every worker of a cold scan. So the
extension is loaded from the package's folder directly; a package laid out
otherwise is imported as usual. Either way the same compiled grammar is used.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tree_sitter import Language


@lru_cache(maxsize=1)
def python_language() -> Language:
    """The Python grammar, as a tree-sitter `Language` for parsers and queries."""
    from tree_sitter import Language

    return Language(_grammar_module().language())


def _grammar_module() -> Any:
    """The module whose `language()` gives the grammar: the package's extension, else the package."""
    from importlib.machinery import PathFinder
    from importlib.util import find_spec, module_from_spec

    try:
        package = find_spec("tree_sitter_python")  # finds the package without running its __init__
    except ValueError:  # loaded already, without a spec (a module made by hand): import it as it is
        package = None
    folders = list(package.submodule_search_locations or ()) if package is not None else []
    spec = PathFinder.find_spec("tree_sitter_python._binding", folders) if folders else None
    if spec is None or spec.loader is None:
        import tree_sitter_python

        return tree_sitter_python
    binding = module_from_spec(spec)
    spec.loader.exec_module(binding)
    return binding
