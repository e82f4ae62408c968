"""Command-line interface. Thin: parse options, call the API, render, exit.

Exit status: 0 no error finding, 1 error findings, 2 usage or configuration error.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any, Callable

import click

FORMATS = ("text", "json")


def _common(function: Callable[..., Any]) -> Callable[..., Any]:
    function = click.option("--jobs", "-j", type=click.IntRange(min=1), default=None, help="Worker processes for parsing (default: all cores).")(function)
    function = click.option("--config", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Settings file (default: ROOT/pyproject.toml).")(function)
    function = click.option("--format", "output_format", type=click.Choice(FORMATS), default="text", show_default=True, help="Output format.")(function)
    function = click.argument("root", type=click.Path(exists=True, file_okay=False, path_type=Path), default=".")(function)
    return function


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="remediator")
def main() -> None:
    """Find and repair broken, cyclic and SSOT-violating imports in Python monorepos."""


@main.command()
@_common
@click.option("--no-git", is_flag=True, help="Do not look in git history for deleted modules.")
def scan(root: Path, output_format: str, config: Path | None, jobs: int | None, no_git: bool) -> None:
    """Report broken imports, dangling patch targets, unparsable files and import cycles under ROOT."""
    result = _run_scan(root, config, jobs, use_git=not no_git)
    if output_format == "json":
        from remediator.reports.json_report import render_json

        click.echo(render_json(result))
    else:
        from remediator.reports.text_report import render_text

        render_text(result, _console())
    sys.exit(result.exit_code)


@main.command()
@_common
def cycles(root: Path, output_format: str, config: Path | None, jobs: int | None) -> None:
    """List import cycles under ROOT, each with a concrete chain and its lines. Exit 1 if any."""
    from remediator.rules.import_cycles import find_import_cycles

    result = _run_scan(root, config, jobs, use_git=False)
    found = [f for f in find_import_cycles(result.model)]
    if output_format == "json":
        click.echo(json.dumps({"cycles": [f.to_dict() for f in found]}, indent=2))
    else:
        console = _console()
        if not found:
            console.print("no import cycles")
        for finding in found:
            console.print(finding.message)
            for link in finding.chain:
                console.print(f"  {link['path']}:{link['line']}: {link['importer']} imports {link['imported']}")
    sys.exit(1 if found else 0)


@main.command()
@_common
@click.option("--rule", "rules", multiple=True, metavar="NAME", help="Apply only this rule (an ssot rule name, move, move:MODULE or suggested); repeatable.")
@click.option("--apply", is_flag=True, help="Write the changes (default: print a diff and change nothing).")
@click.option("--suggested", is_flag=True, help="Also apply scan's unambiguous `move` suggestions for missing modules and names.")
@click.option("--rewrite-strings", is_flag=True, help="Also rewrite patch()/import_module() string targets.")
@click.option("--no-git", is_flag=True, help="Do not look in git history for deleted modules.")
@click.option("--batch-size", type=click.IntRange(min=1), default=50, show_default=True, help="Files per batch; the import graph is checked for new cycles after each.")
@click.option("--keep-going/--fail-fast", default=True, show_default=True, help="After a failed write, go on with the other files, or stop.")
@click.option("--allow-dirty", is_flag=True, help="Also rewrite files with uncommitted git changes.")
def fix(
    root: Path, output_format: str, config: Path | None, jobs: int | None, rules: tuple[str, ...],
    apply: bool, suggested: bool, rewrite_strings: bool, no_git: bool, batch_size: int, keep_going: bool,
    allow_dirty: bool,
) -> None:
    """Rewrite imports that violate ssot rules, imports of moved modules and (with --suggested) broken ones.

    With --apply, files are written in batches: originals first saved in .remediator/runs/ (see
    `remediator undo`), a batch that would create an import cycle is rolled back and bisected.
    """
    from remediator.api import fix as run_fix
    from remediator.domain.config import ConfigError
    from remediator.reports.progress import progress_reporter

    try:
        with progress_reporter(output_format) as progress:
            result = run_fix(
                root, config=config, jobs=jobs, rules=rules, apply=apply, suggested=suggested or "suggested" in rules,
                rewrite_strings=rewrite_strings, use_git=not no_git, batch_size=batch_size, fail_fast=not keep_going,
                allow_dirty=allow_dirty, progress=progress,
            )
    except ConfigError as error:
        _fail(f"configuration error: {error}")
    except OSError as error:
        _fail(f"{error.filename or root}: {error.strerror or error}")
    except Exception as error:  # never a traceback for users; REMEDIATOR_DEBUG=1 shows it
        if os.environ.get("REMEDIATOR_DEBUG"):
            raise
        _fail(f"internal error: {type(error).__name__}: {error} (set REMEDIATOR_DEBUG=1 for a traceback)")
    if output_format == "json":
        click.echo(json.dumps(result.to_dict(), indent=2))
    else:
        from remediator.reports.fix_report import render_fix

        render_fix(result, _console())
    sys.exit(result.exit_code)


@main.command()
@click.argument("run", required=False)
@click.option("--root", type=click.Path(exists=True, file_okay=False, path_type=Path), default=".", help="Project root (default: the current directory).")
@click.option("--force", is_flag=True, help="Restore even files changed by someone after the run.")
@click.option("--format", "output_format", type=click.Choice(FORMATS), default="text", show_default=True)
def undo(run: str | None, root: Path, force: bool, output_format: str) -> None:
    """Restore the files of a fix run (default: the latest) byte for byte, from its journal."""
    from remediator.api import undo as run_undo
    from remediator.application.undo import UndoError

    try:
        result = run_undo(root, run, force=force)
    except UndoError as error:
        _fail(str(error))
    if output_format == "json":
        click.echo(json.dumps(result.to_dict(), indent=2))
    elif result.refused:
        click.echo(f"run {result.run_id}: refusing to undo: these files changed after the run (use --force to overwrite them):", err=True)
        for path in result.refused:
            click.echo(f"  {path}", err=True)
    else:
        click.echo(f"run {result.run_id}: restored {len(result.restored)} files ({len(result.unchanged)} already original)")
    sys.exit(result.exit_code)


def _run_scan(root: Path, config: Path | None, jobs: int | None, *, use_git: bool) -> Any:
    from remediator.api import scan as run
    from remediator.domain.config import ConfigError

    try:
        return run(root, config=config, jobs=jobs, use_git=use_git)
    except ConfigError as error:
        _fail(f"configuration error: {error}")
    except OSError as error:
        _fail(f"{error.filename or root}: {error.strerror or error}")
    except Exception as error:  # never a traceback for users; REMEDIATOR_DEBUG=1 shows it
        if os.environ.get("REMEDIATOR_DEBUG"):
            raise
        _fail(f"internal error: {type(error).__name__}: {error} (set REMEDIATOR_DEBUG=1 for a traceback)")


def _fail(message: str) -> None:
    click.echo(f"remediator: error: {message}", err=True)
    sys.exit(2)


def _console() -> Any:
    from rich.console import Console

    return Console(highlight=False, soft_wrap=True)
