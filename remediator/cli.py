"""Command-line interface. Thin: parse options, call the API, render, exit.

Exit status: 0 no error finding, 1 error findings, 2 usage or configuration error.
"""

from __future__ import annotations

import gc
import itertools
import json
import os
import sys
from pathlib import Path
from typing import Any
from collections.abc import Callable

import click

FORMATS = ("text", "json")
REPORT_FORMATS = (*FORMATS, "sarif", "github")


_NO_CACHE_HELP = "Do not read or write the parse cache in ROOT/.remediator/cache/."
_PROGRESS_HELP = (
    "Show the progress of each step on stderr: bars on a terminal (the default there, with text output), "
    "else plain lines, or JSON lines with --format json. --no-progress: none, even on a terminal."
)


def _common(function: Callable[..., Any], formats: tuple[str, ...] = FORMATS) -> Callable[..., Any]:
    function = _progress_option(function)
    function = click.option("--no-cache", is_flag=True, help=_NO_CACHE_HELP)(function)
    function = click.option(
        "--jobs", "-j", type=click.IntRange(min=1), default=None, help="Worker processes for parsing (default: all cores)."
    )(function)
    function = click.option(
        "--config", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Settings file (default: ROOT/pyproject.toml)."
    )(function)
    function = click.option(
        "--format", "output_format", type=click.Choice(formats), default="text", show_default=True, help="Output format."
    )(function)
    function = click.argument("root", type=click.Path(exists=True, file_okay=False, path_type=Path), default=".")(function)
    return function


def _reporting(function: Callable[..., Any]) -> Callable[..., Any]:
    return _common(function, REPORT_FORMATS)


def _progress_option(function: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--progress/--no-progress", "progress", default=None, help=_PROGRESS_HELP)(function)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="remediator")
def main() -> None:
    """Find and repair broken, cyclic and SSOT-violating imports in Python monorepos."""


_INCLUDE_HELP = "Scan this top-level folder although it looks like a copy of the project's packages (repeatable; a path or glob)."
_WATCH_HELP = "Run again on every change to a Python file or a settings file, printing only new and fixed findings, until Ctrl-C."
_COLLECTOR = {"switched off": False}  # by `run`, the console script; `main` called in-process leaves it alone


@main.command()
@_reporting
@click.option("--no-git", is_flag=True, help="Do not look in git history for deleted modules.")
@click.option("--watch", is_flag=True, help=_WATCH_HELP)
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when findings are errors (usage and configuration errors still exit 2).")
@click.option("--include", "include", multiple=True, metavar="FOLDER", help=_INCLUDE_HELP)
def scan(
    root: Path,
    output_format: str,
    config: Path | None,
    jobs: int | None,
    no_cache: bool,
    progress: bool | None,
    no_git: bool,
    watch: bool,
    exit_zero: bool,
    include: tuple[str, ...],
) -> None:
    """Report broken imports, dangling patch targets, unparsable files and import cycles under ROOT."""
    if watch:
        from remediator.api import scan as run

        _watch(
            root,
            output_format,
            lambda: run(root, config=config, jobs=jobs, use_git=not no_git, use_cache=not no_cache, include=include),
            config,
        )
    result = _run_scan(
        root,
        config,
        jobs,
        use_git=not no_git,
        use_cache=not no_cache,
        include=include,
        output_format=output_format,
        progress=progress,
    )
    _render(result, output_format)
    sys.exit(0 if exit_zero else result.exit_code)


@main.command()
@_common
def cycles(root: Path, output_format: str, config: Path | None, jobs: int | None, no_cache: bool, progress: bool | None) -> None:
    """List import cycles under ROOT, each with a concrete chain and its lines. Exit 1 if any."""
    from remediator.rules.import_cycles import cycle_finding

    result = _run_scan(root, config, jobs, use_git=False, use_cache=not no_cache, output_format=output_format, progress=progress)
    found = [cycle_finding(cycle) for cycle in result.analysis.cycles]
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
@click.option(
    "--rule",
    "rules",
    multiple=True,
    metavar="NAME",
    help="Apply only this rule (an ssot rule name, move, move:MODULE or suggested); repeatable.",
)
@click.option("--apply", is_flag=True, help="Write the changes (default: print a diff and change nothing).")
@click.option("--suggested", is_flag=True, help="Also apply scan's unambiguous `move` suggestions for missing modules and names.")
@click.option("--rewrite-strings", is_flag=True, help="Also rewrite patch()/import_module() string targets.")
@click.option("--no-git", is_flag=True, help="Do not look in git history for deleted modules.")
@click.option(
    "--batch-size",
    type=click.IntRange(min=1),
    default=50,
    show_default=True,
    help="Files per batch; the import graph is checked for new cycles after each.",
)
@click.option(
    "--keep-going/--fail-fast", default=True, show_default=True, help="After a failed write, go on with the other files, or stop."
)
@click.option("--allow-dirty", is_flag=True, help="Also rewrite files with uncommitted git changes.")
def fix(
    root: Path,
    output_format: str,
    config: Path | None,
    jobs: int | None,
    no_cache: bool,
    progress: bool | None,
    rules: tuple[str, ...],
    apply: bool,
    suggested: bool,
    rewrite_strings: bool,
    no_git: bool,
    batch_size: int,
    keep_going: bool,
    allow_dirty: bool,
) -> None:
    """Rewrite imports that violate ssot rules, imports of moved modules and (with --suggested) broken ones.

    With --apply, files are written in batches: originals first saved in .remediator/runs/ (see
    `remediator undo`), a batch that would create an import cycle is rolled back and bisected.
    """
    from remediator.api import fix as run_fix

    _collect_cycles()  # LibCST's trees leave garbage in cycles: a fix over hundreds of files needs the collector

    def run(report: Any) -> Any:
        return run_fix(
            root,
            config=config,
            jobs=jobs,
            rules=rules,
            apply=apply,
            suggested=suggested or "suggested" in rules,
            rewrite_strings=rewrite_strings,
            use_git=not no_git,
            batch_size=batch_size,
            fail_fast=not keep_going,
            allow_dirty=allow_dirty,
            progress=report,
            use_cache=not no_cache,
        )

    result = _guarded(root, _progressing(output_format, progress, run))
    if output_format == "json":
        click.echo(json.dumps(result.to_dict(), indent=2))
    else:
        from remediator.reports.fix_report import render_fix

        render_fix(result, _console())
    sys.exit(result.exit_code)


@main.command()
@click.argument("run", required=False)
@click.option(
    "--root",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=".",
    help="Project root (default: the current directory).",
)
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


@main.command("check")
@click.argument("files", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--root",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=".",
    help="The project to analyse (default: the working directory).",
)
@click.option("--format", "output_format", type=click.Choice(REPORT_FORMATS), default="text", show_default=True, help="Output format.")
@click.option(
    "--config", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Settings file (default: ROOT/pyproject.toml)."
)
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None, help="Worker processes for parsing (default: all cores).")
@click.option(
    "--baseline",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Fail only on findings not in this baseline (default: ROOT/.remediator-baseline.json if it exists).",
)
@click.option("--no-baseline", is_flag=True, help="Ignore ROOT/.remediator-baseline.json.")
@click.option(
    "--since",
    metavar="REF",
    default=None,
    help="Report what a change since the git ref REF adds: findings on changed lines, and findings new against REF wherever they are.",
)
@click.option(
    "--staged", is_flag=True, help="Check what is staged (the next commit) against HEAD (or --since REF): the pre-commit hook's mode."
)
@click.option(
    "--changed-lines-only",
    is_flag=True,
    help="With --since or --staged: only findings on changed lines, not those the change causes elsewhere.",
)
@click.option("--include", "include", multiple=True, metavar="FOLDER", help=_INCLUDE_HELP)
@click.option("--no-git", is_flag=True, help="Do not look in git history for deleted modules.")
@click.option("--no-cache", is_flag=True, help=_NO_CACHE_HELP)
@click.option("--watch", is_flag=True, help=_WATCH_HELP)
@_progress_option
def check_command(
    files: tuple[Path, ...],
    root: Path,
    output_format: str,
    config: Path | None,
    jobs: int | None,
    baseline: Path | None,
    no_baseline: bool,
    since: str | None,
    staged: bool,
    changed_lines_only: bool,
    include: tuple[str, ...],
    no_git: bool,
    no_cache: bool,
    watch: bool,
    progress: bool | None,
) -> None:
    """Analyse the project at --root, report findings in FILES (default: all) that are new; for CI and pre-commit."""
    from remediator.api import check

    def run(report: Any = None) -> Any:
        return check(
            root,
            files=files,
            since=since,
            staged=staged,
            changed_lines_only=changed_lines_only,
            baseline=baseline,
            use_baseline=not no_baseline,
            config=config,
            jobs=jobs,
            include=include,
            use_git=not no_git,
            use_cache=not no_cache,
            progress=report,
        )

    if changed_lines_only and since is None and not staged:
        _fail("--changed-lines-only goes with --since REF or --staged")
    if watch:
        _watch(root, output_format, run, config, baseline, *files)
    result = _guarded(root, _progressing(output_format, progress, run))
    _render(result, output_format)
    for note in result.notes():
        click.echo(note, err=output_format != "text")
    sys.exit(result.exit_code)


@main.command("baseline")
@click.argument("root", type=click.Path(exists=True, file_okay=False, path_type=Path), default=".")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Baseline file (default: ROOT/.remediator-baseline.json).",
)
@click.option("--prune", is_flag=True, help="Only drop entries that no longer occur; never add findings.")
@click.option(
    "--config", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Settings file (default: ROOT/pyproject.toml)."
)
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None, help="Worker processes for parsing (default: all cores).")
def baseline_command(root: Path, output: Path | None, prune: bool, config: Path | None, jobs: int | None) -> None:
    """Record today's error and warning findings under ROOT, so that `check` fails only on new ones."""
    from remediator.api import baseline

    update = _guarded(root, lambda: baseline(root, output=output, prune=prune, config=config, jobs=jobs))
    recorded = f"{update.baseline.occurrences} finding{'s' * (update.baseline.occurrences != 1)}"
    if not prune:
        click.echo(f"wrote {update.path}: {recorded} recorded")
        return
    gone = f"{update.pruned} entr{'y' if update.pruned == 1 else 'ies'} that no longer occur{'s' * (update.pruned == 1)}"
    click.echo(f"pruned {update.path}: removed {gone}; {recorded} recorded")
    if update.left_out:
        click.echo(f"{update.left_out} finding{'s' * (update.left_out != 1)} not in the baseline left out (--prune never adds)")


def run() -> None:
    """The console script: `main`, then exit without tearing the interpreter down.

    Freeing every object of a large analysis at interpreter shutdown costs a warm
    one-file check about a tenth of its time, for nothing: the output is flushed
    and the files are closed, so the process ends at once (as mypy does). `main`
    itself, called in-process (tests, other programs), exits normally.

    The command runs with the cycle collector off. An analysis allocates hundreds
    of thousands of long-lived objects in no cycle, which reference counting
    frees; the collector walking them all at once when the build switches it
    back on cost a cold scan of Django 6% of its time (Home Assistant: 0.1 s),
    for nothing: an analysis leaves a few dozen objects in cycles, which go
    with the process. `fix` (LibCST's trees) and `--watch` (a process that
    lives on) switch it back on. The library's callers share their interpreter
    and keep their own setting.
    """
    gc.disable()
    _COLLECTOR["switched off"] = True
    try:
        main()
        code = 0
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
        if isinstance(stop.code, str):
            print(stop.code, file=sys.stderr)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except OSError:  # a closed pipe (`remediator check | head`): nothing more can be said
            pass
    os._exit(code)


def _collect_cycles() -> None:
    """The cycle collector back on for a command that needs it, if `run` switched it off (else as the caller set it)."""
    if _COLLECTOR["switched off"]:
        gc.enable()


def _render(result: Any, output_format: str) -> None:
    if output_format == "json":
        from remediator.reports.json_report import render_json

        click.echo(render_json(result))
    elif output_format == "sarif":
        from remediator.reports.sarif_report import render_sarif

        click.echo(render_sarif(result))
    elif output_format == "github":
        from remediator.reports.github_report import render_github

        click.echo(render_github(result, Path.cwd()), nl=False)
    else:
        from remediator.reports.text_report import render_text

        from remediator.application.check import CheckResult

        render_text(result, _console(), "check" if isinstance(result, CheckResult) else "scan")


def _watch(root: Path, output_format: str, run: Callable[[], Any], *watched: Path | None) -> None:
    """Run once and report in full, then again on every change, printing what changed; exit on Ctrl-C."""
    from remediator.adapters.watcher import watch_changes
    from remediator.application.watch import watch_loop

    _collect_cycles()  # a process that lives on collects its garbage

    if output_format != "text":
        _fail(f"--watch prints text; it does not combine with --format {output_format}")
    from remediator.adapters.interrupts import InterruptGate

    # Ctrl-C stops watching (even if we were started with it ignored). The status is that of the last check whose
    # result was printed: a result is printed and kept as one step, and a check that Ctrl-C interrupts counts for nothing.
    gate = InterruptGate()
    gate.install()
    changes = watch_changes(root, [path for path in watched if path is not None])
    last = None
    try:
        first = next(changes)  # the watcher runs: no change from here on is missed
        result = _guarded(root, run)
        with gate.held():
            _render(result, "text")
            for note in getattr(result, "notes", lambda: [])():
                click.echo(note)
            click.echo(f"watching {root} for changes (Ctrl-C to stop)")
            last = result
        for recheck in watch_loop(run, itertools.chain([first], changes), last):
            with gate.held():
                click.echo("\n".join(recheck.lines()))
                last = recheck.result or last
    except KeyboardInterrupt:
        pass
    sys.exit(last.exit_code if last is not None else 130)


def _guarded(root: Path, call: Callable[[], Any]) -> Any:
    from remediator.application.check import CheckError
    from remediator.domain.config import ConfigError

    try:
        return call()
    except ConfigError as error:
        from remediator.application.baseline import BaselineError  # a ConfigError of its own kind

        _fail(f"{'baseline' if isinstance(error, BaselineError) else 'configuration'} error: {error}")
    except CheckError as error:
        _fail(str(error))
    except OSError as error:
        _fail(f"{error.filename or root}: {error.strerror or error}")
    except Exception as error:  # never a traceback for users; REMEDIATOR_DEBUG=1 shows it
        if os.environ.get("REMEDIATOR_DEBUG"):
            raise
        _fail(f"internal error: {type(error).__name__}: {error} (set REMEDIATOR_DEBUG=1 for a traceback)")


@main.command("explain")
@click.argument("importer")
@click.argument("imported")
@click.option(
    "--root",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=".",
    help="The project to analyse (default: the working directory).",
)
@click.option("--format", "output_format", type=click.Choice(FORMATS), default="text", show_default=True, help="Output format.")
@click.option(
    "--config", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Settings file (default: ROOT/pyproject.toml)."
)
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None, help="Worker processes for parsing (default: all cores).")
def explain_command(importer: str, imported: str, root: Path, output_format: str, config: Path | None, jobs: int | None) -> None:
    """Show the shortest import chain from module IMPORTER to module IMPORTED, with file and line of each link.

    Exit 0 when a chain exists, 1 when none does, 2 for an unknown module.
    """
    from remediator.api import explain

    result = _guarded(root, lambda: _known_modules(lambda: explain(importer, imported, root, config=config, jobs=jobs)))
    click.echo(json.dumps(result.to_dict(), indent=2) if output_format == "json" else "\n".join(result.lines()))
    sys.exit(result.exit_code)


@main.command("graph")
@click.argument("root", type=click.Path(exists=True, file_okay=False, path_type=Path), default=".")
@click.option(
    "--focus",
    multiple=True,
    metavar="MODULE",
    help="Keep only MODULE (and its submodules) and modules within --depth import hops of it; repeatable.",
)
@click.option(
    "--depth", type=click.IntRange(min=0), default=1, show_default=True, help="Import hops kept around --focus, in either direction."
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(("dot", "graphml", "json", "html")),
    default=None,
    help="Output format (default: from --output's suffix, else dot).",
)
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Write to this file (default: standard output)."
)
@click.option(
    "--config", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Settings file (default: ROOT/pyproject.toml)."
)
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None, help="Worker processes for parsing (default: all cores).")
def graph_command(
    root: Path,
    focus: tuple[str, ...],
    depth: int,
    output_format: str | None,
    output: Path | None,
    config: Path | None,
    jobs: int | None,
) -> None:
    """Export the import graph under ROOT as Graphviz DOT, GraphML, node-link JSON or an interactive HTML page."""
    from remediator.api import export_graph
    from remediator.reports.graph_formats import format_for, render_graph
    from remediator.reports.graph_html import LARGE_GRAPH

    chosen = output_format or format_for(str(output) if output else None)
    graph = _guarded(root, lambda: _known_modules(lambda: export_graph(root, focus=focus, depth=depth, config=config, jobs=jobs)))
    text = render_graph(graph, chosen)
    if output is None:
        click.echo(text, nl=False)
    else:
        _guarded(root, lambda: output.write_text(text, encoding="utf-8"))
        click.echo(f"wrote {output}: {graph.number_of_nodes()} modules, {graph.number_of_edges()} imports ({chosen})", err=True)
    if chosen == "html" and graph.number_of_nodes() > LARGE_GRAPH:
        click.echo(f"note: {graph.number_of_nodes()} modules is a lot for one page; --focus MODULE draws a neighbourhood", err=True)


def _known_modules(call: Callable[[], Any]) -> Any:
    """Run `call`; an unknown module name is a usage error (exit 2) that names it and close names."""
    from remediator.application.explain import UnknownModule

    try:
        return call()
    except UnknownModule as error:
        _fail(str(error))


def _run_scan(
    root: Path,
    config: Path | None,
    jobs: int | None,
    *,
    use_git: bool,
    use_cache: bool,
    include: tuple[str, ...] = (),
    output_format: str = "text",
    progress: bool | None = None,
) -> Any:
    from remediator.api import scan as run

    return _guarded(
        root,
        _progressing(
            output_format,
            progress,
            lambda report: run(root, config=config, jobs=jobs, use_git=use_git, use_cache=use_cache, include=include, progress=report),
        ),
    )


def _progressing(output_format: str, wanted: bool | None, call: Callable[[Any], Any]) -> Callable[[], Any]:
    """`call(progress)` inside the command's progress display (None when progress is off), which ends before
    anything is printed."""

    def run() -> Any:
        from remediator.domain.progress import progress_mode

        if progress_mode(output_format, wanted, sys.stderr.isatty()) is None:
            return call(None)  # no display: the module that draws it is not even imported
        from remediator.reports.progress import progress_reporter

        with progress_reporter(output_format, wanted) as progress:
            return call(progress)

    return run


def _fail(message: str) -> None:
    click.echo(f"remediator: error: {message}", err=True)
    sys.exit(2)


def _console() -> Any:
    from rich.console import Console

    return Console(highlight=False, soft_wrap=True)
