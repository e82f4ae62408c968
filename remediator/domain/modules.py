"""Pure helpers on dotted module names."""

from __future__ import annotations


def absolute_module(importer: str, is_package: bool, module: str, level: int) -> str | None:
    """Absolute name of `module` as written in `importer` with `level` leading dots.

    None when the relative import goes beyond the top-level package.
    """
    if level == 0:
        return module
    package = importer.split(".") if is_package else importer.split(".")[:-1]
    if level - 1 >= len(package):
        return None
    base = package[: len(package) - (level - 1)]
    return ".".join(base + ([module] if module else []))
