"""Build the project model from the disk: discover, parse (in parallel, through the facts cache), assemble."""

from __future__ import annotations

from pathlib import Path

from remediator.adapters.cache import FactsCache
from remediator.adapters.environment import environment_for
from remediator.adapters.filesystem import discover
from remediator.adapters.parallel import parse_bytes, parse_files
from remediator.adapters.pytest_config import read_pytest_paths
from remediator.analysis.project import ProjectModel, assemble, no_cyclic_gc
from remediator.domain.config import Settings
from remediator.domain.layout import Discovery
from remediator.domain.progress import Progress, Step


def build_project(
    root: Path,
    settings: Settings,
    jobs: int | None = None,
    *,
    use_cache: bool = True,
    record: bool = False,
    cache: FactsCache | None = None,
    progress: Progress | None = None,
) -> ProjectModel:
    """Discover, parse (in parallel), index, resolve and graph the project at `root`.

    With `use_cache`, parse results are read from and written to `root/.remediator/cache/` (through
    `cache` when given). With `record`, each file's dependency keys are recorded (`ParsedFile.deps`).
    `progress` hears of the discover, parse and resolve steps.
    """
    root = root.resolve()
    with no_cyclic_gc():
        with Step(progress, "discover") as step:
            discovery = discover_project(root, settings)
            step.done = len(discovery.files)
        if use_cache and cache is None:
            cache = FactsCache.for_root(root)
        elif not use_cache:
            cache = None
        with Step(progress, "parse", len(discovery.files)) as step:
            all_facts = parse_files([source.path for source in discovery.files], jobs, cache, step.advance if step.active else None)
        parsed = zip(discovery.files, all_facts)
        return assemble(root, settings, discovery, parsed, read_pytest_paths(root), record=record, progress=progress)


def discover_project(place: Path, settings: Settings, *, environment_of: Path | None = None) -> Discovery:
    """What discovery finds at `place` with `settings` (the target environment that of `environment_of`, else of `place`)."""
    environment = environment_for(str(environment_of or place), settings.environment)
    return discover(place, settings.packages, settings.exclude, settings.include, environment, settings.test_files)


def with_new_sources(model: ProjectModel, sources: dict[str, bytes]) -> ProjectModel:
    """The model after some files changed (relpath -> new bytes): only those files are parsed again.

    Everything derived (symbol tables, resolutions, graph) is rebuilt from the facts, which
    costs a fraction of parsing; fix uses this to re-check a project after a rewrite.
    """
    parsed = []
    for file in model.files:
        data = sources.get(file.source.relpath)
        parsed.append((file.source, file.facts if data is None else parse_bytes(data)))
    return assemble(model.root, model.settings, model.discovery, parsed, model.pytest)
