#!/usr/bin/env python3
"""Generate a large, deterministic, synthetic multi-package Python monorepo.

The tree is meant as a benchmark input for ``remediator scan`` and for grimp:
it is valid Python (every file compiles), it is never imported, and it looks
like a real service monorepo:

* 6-8 top-level packages (``shared``, ``auth_service``, ``netra_backend``,
  ``test_framework``, ``tests`` plus 1-3 generated ones) laid out in layers;
  imports mostly point "down" the layers, so the import graph has only the
  few cycles planted on purpose.
* nested subpackages 2-5 deep, each with an ``__init__.py``; some of those
  re-export names from their submodules, some declare ``__all__``.
* modules of 20-400 lines with classes, dataclasses, enums, methods,
  functions, constants, docstrings, type hints, decorators, f-strings,
  comprehensions, ``if TYPE_CHECKING:`` imports, function-local imports,
  ``try: ... except ImportError:`` blocks, stdlib and third-party imports.
* project imports in all the usual spellings: ``import a.b``,
  ``import a.b as c``, ``from a.b import name``, ``from a import b``,
  ``from . import x``, ``from ..x import y``, aliases.
* ``tests/**/test_*.py`` files that import project code and use
  ``unittest.mock.patch("pkg.mod.name")`` string targets.

On top of that it plants ``--broken K`` broken imports (missing modules and
names missing from existing modules) and, optionally, ``--ssot K2`` imports
of a designated forbidden module from backend files. Everything planted is
listed with file and line in ``OUT_DIR/MANIFEST.json``.

``--profile realistic`` keeps the same layout and planted imports but sizes
files like real code (a log-normal fitted to sympy, Django and Home Assistant:
median about 3.3 KB, a tail past 100 KB, capped at 450 KB), writes denser
bodies (comments and strings that mention ``import``, multi-line strings,
long docstrings with import examples, lazy ``importlib.import_module`` calls)
and gives every test package 1-3 large test files (1,000-3,000 lines, many
``patch("pkg.mod.Name")`` strings). ``--megabytes M`` sizes a tree by its
total source instead of by module count.

Usage::

    python bench/generate.py OUT_DIR --modules 10000 [--seed 0] [--broken 50] [--ssot 0]
    python bench/generate.py OUT_DIR --profile realistic --megabytes 50

The output depends only on the arguments (and ``GENERATOR_VERSION``,
``REALISTIC_VERSION``). ``--modules`` is the exact number of ``.py`` files
written; ``--megabytes`` picks the module count whose planned size is closest
(the written total lands within a few per cent).
"""

from __future__ import annotations

import argparse
import bisect
import dataclasses
import json
import keyword
import random
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

GENERATOR_VERSION = 1  # bump whenever the output for the same arguments changes (invalidates reuse)
REALISTIC_VERSION = 1  # the same, for --profile realistic only
MANIFEST_NAME = "MANIFEST.json"
MIN_MODULES = 100
MAX_DEPTH = 5  # depth of a package path, top-level package = 1
PROFILES = ("default", "realistic")

# --profile realistic: module sizes in bytes ~ log-normal(mu, sigma), clipped to [floor, cap].
# Fitted (maximum likelihood on log bytes) to the 7,509 non-empty modules other than
# __init__.py of sympy 1.14 (source tree), Django 5.0.3 and homeassistant 2024.3.3 (wheels):
# median 3,592 B, p90 17,057 B, p99 80,775 B, max 446,778 B, 42 files over 100 KB.
# The fit gives median 3.3 KB, p90 18.9 KB, p99 78.6 KB. Per corpus: sympy mu 8.94
# sigma 1.46, Django 8.04 / 1.38, Home Assistant 7.90 / 1.25.
SIZE_LOG_MU = 8.107
SIZE_LOG_SIGMA = 1.359
SIZE_CAP_BYTES = 450_000
SIZE_FLOOR_BYTES = 600
BYTES_PER_LINE = {"default": 34.0, "realistic": 45.0}  # rendered bytes per planned line (measured)
INIT_BYTES_ESTIMATE = {"default": 150.0, "realistic": 115.0}  # mean __init__.py size (measured)
LARGE_TEST_BYTES_PER_LINE = 57.0  # realistic large test files (measured; long dotted patch targets)
SMALL_MODULE_BYTES = 1500  # realistic: the mean size of modules drawn under it (header, imports, one function)
COMPACT_BELOW_BYTES = 3000  # realistic: modules drawn smaller get one-line docstrings and no license header
RENDERED_OVER_DRAWN = 1.04  # realistic: rendered / drawn size of the other modules (measured; within SIZE_TOLERANCE)
SIZE_TOLERANCE = 0.05  # realistic: a module further than this from its drawn size is rendered once more, rescaled
LARGE_TEST_LINES = (1000, 3000)  # --profile realistic: 1-3 such test files per test package
LARGE_TESTS_PER_PACKAGE = (1, 3)

# --------------------------------------------------------------------------- vocabulary

NOUNS = (
    "user",
    "session",
    "token",
    "account",
    "invoice",
    "payment",
    "order",
    "message",
    "thread",
    "agent",
    "tool",
    "prompt",
    "metric",
    "event",
    "audit",
    "cache",
    "schema",
    "route",
    "request",
    "response",
    "job",
    "task",
    "queue",
    "worker",
    "report",
    "tenant",
    "permission",
    "role",
    "policy",
    "credential",
    "connection",
    "pool",
    "engine",
    "record",
    "document",
    "chunk",
    "embedding",
    "vector",
    "index",
    "search",
    "query",
    "result",
    "state",
    "context",
    "pipeline",
    "stage",
    "step",
    "workflow",
    "notification",
    "webhook",
    "billing",
    "plan",
    "quota",
    "usage",
    "limit",
    "trace",
    "span",
    "health",
    "status",
    "corpus",
    "supply",
    "demand",
    "forecast",
    "optimization",
    "secret",
    "signature",
    "checksum",
    "snapshot",
    "backup",
    "migration",
    "registry",
    "provider",
    "gateway",
    "channel",
    "stream",
    "buffer",
    "batch",
    "circuit",
    "budget",
    "cost",
    "latency",
    "throughput",
    "profile",
    "device",
    "region",
    "cluster",
    "node",
    "shard",
    "lease",
    "lock",
    "ticket",
)
MODULE_SUFFIXES = (
    "",
    "_service",
    "_manager",
    "_utils",
    "_models",
    "_handler",
    "_repository",
    "_client",
    "_schema",
    "_validator",
    "_adapter",
    "_factory",
    "_helpers",
    "_types",
    "_core",
    "_registry",
    "_executor",
    "_monitor",
    "_store",
    "_loader",
    "_builder",
    "_processor",
    "_api",
    "_tasks",
    "_events",
    "_config",
)
GHOST_MODULE_SUFFIXES = ("_legacy", "_compat", "_shim", "_v1", "_old", "_deprecated")
DIR_NAMES = (
    "core",
    "services",
    "api",
    "models",
    "db",
    "utils",
    "routes",
    "middleware",
    "agents",
    "websocket",
    "schemas",
    "handlers",
    "clients",
    "monitoring",
    "config",
    "llm",
    "cache",
    "workers",
    "integrations",
    "security",
    "auth",
    "billing",
    "analytics",
    "pipelines",
    "tools",
    "events",
    "storage",
    "search",
    "admin",
    "internal",
    "common",
    "domain",
    "infra",
    "adapters",
    "telemetry",
    "triage",
    "supervisor",
    "data",
    "jobs",
    "reporting",
    "quality",
    "corpus",
    "metrics",
    "state",
    "routing",
    "factories",
    "validators",
    "providers",
    "sessions",
    "tenancy",
    "observability",
    "scheduling",
    "notifications",
    "exports",
)
TEST_DIR_NAMES = (
    "agents",
    "api",
    "auth",
    "billing",
    "core",
    "db",
    "e2e_flows",
    "llm",
    "models",
    "routes",
    "services",
    "websocket",
    "security",
    "workers",
    "pipelines",
    "config",
    "middleware",
    "search",
    "storage",
    "telemetry",
    "regression",
    "smoke",
    "contracts",
)
VERBS = (
    "get",
    "create",
    "update",
    "delete",
    "build",
    "load",
    "save",
    "validate",
    "parse",
    "render",
    "compute",
    "process",
    "handle",
    "resolve",
    "fetch",
    "sync",
    "normalize",
    "serialize",
    "deserialize",
    "refresh",
    "register",
    "dispatch",
    "emit",
    "collect",
    "merge",
    "split",
    "format",
    "check",
    "ensure",
    "reset",
    "apply",
    "compile",
    "score",
    "rank",
    "filter",
    "aggregate",
    "schedule",
    "cancel",
    "encode",
    "decode",
)
CLASS_SUFFIXES = (
    "Service",
    "Manager",
    "Handler",
    "Config",
    "Client",
    "Repository",
    "Model",
    "Schema",
    "Validator",
    "Adapter",
    "Factory",
    "Result",
    "Request",
    "Response",
    "State",
    "Context",
    "Registry",
    "Executor",
    "Monitor",
    "Store",
    "Loader",
    "Builder",
    "Processor",
    "Event",
    "Policy",
)
ENUM_SUFFIXES = ("Status", "Kind", "Mode", "Level", "Phase")
CONST_PREFIXES = ("DEFAULT", "MAX", "MIN", "BASE", "LEGACY_FREE", "GLOBAL", "INTERNAL")
CONST_SUFFIXES = ("TIMEOUT", "RETRIES", "LIMIT", "PREFIX", "TTL", "BATCH_SIZE", "WINDOW", "NAME")
WORDS = (
    "alpha",
    "beta",
    "gamma",
    "delta",
    "omega",
    "primary",
    "fallback",
    "stable",
    "canary",
    "eu",
    "us",
    "apac",
    "sandbox",
    "prod",
    "staging",
    "local",
)
STDLIB_EXTRA = (
    "import os",
    "import sys",
    "import json",
    "import re",
    "import time",
    "import uuid",
    "import hashlib",
    "import itertools",
    "import math",
    "import random",
    "import copy",
    "from pathlib import Path",
    "from collections import defaultdict",
    "from collections import Counter, OrderedDict",
    "from datetime import datetime, timezone",
    "from contextlib import contextmanager",
    "from collections.abc import Iterable, Mapping",
    "from functools import partial",
    "import operator",
    "import warnings",
)
THIRD_PARTY = (
    "import requests",
    "import httpx",
    "import redis",
    "import yaml",
    "import numpy as np",
    "from pydantic import BaseModel, Field",
    "from sqlalchemy import Column, Integer, String",
    "from fastapi import APIRouter, Depends, HTTPException",
    "import structlog",
    "from tenacity import retry, stop_after_attempt",
    "import orjson",
    "from opentelemetry import trace as otel_trace",
    "import boto3",
)
THIRD_PARTY_TRY = (
    ("import ujson as fast_json", "import json as fast_json"),
    ("import orjson as fast_json", "import json as fast_json"),
    ("from redis import asyncio as aioredis", "aioredis = None  # type: ignore[assignment]"),
    ("import uvloop", "uvloop = None  # type: ignore[assignment]"),
    ("from yaml import CSafeLoader as YamlLoader", "from yaml import SafeLoader as YamlLoader"),
)

# --profile realistic: prose for docstrings and comments, and text that mentions imports.
FILLER = (
    "the",
    "a",
    "every",
    "each",
    "this",
    "that",
    "when",
    "before",
    "after",
    "so",
    "only",
    "not",
    "is",
    "are",
    "may",
    "must",
    "should",
    "returns",
    "keeps",
    "caches",
    "is called",
    "is configured",
    "without",
    "with",
    "for",
    "from",
    "into",
    "once",
    "again",
    "later",
    "first",
    "if needed",
    "by default",
    "per tenant",
    "in the background",
    "at start-up",
    "on shutdown",
    "for now",
)
IMPORT_COMMENTS = (
    "# Imported here rather than at the top: a module-level import would create a cycle.",
    "# NOTE: keep this import lazy, the optional backend is not always installed.",
    "# import order matters here: the registry must be populated first.",
    "# Do not import the models package at module level (slow start-up, see the profiling notes).",
    "# TODO: drop this once nothing imports the legacy path any more.",
    "# pylint: disable=import-outside-toplevel",
    "# isort: skip_file is not wanted here; the imports below are sorted by hand.",
)
TEMPLATE_KINDS = ("sql", "html", "snippet", "yaml")

RETURN_TYPES = ("dict[str, Any]", "str", "int", "list[int]", "bool", "str | None", "None")
RETURN_LINES = {
    "dict[str, Any]": 'return {"name": name, "count": count}',
    "str": 'return f"{name}:{count}"',
    "int": "return count + 1",
    "list[int]": "return [i for i in range(count)]",
    "bool": "return bool(name) and count >= 0",
    "str | None": "return name or None",
    "None": "return None",
}

# Names every generated module may bind itself (stdlib / third-party imports, helpers).
RESERVED_NAMES = (
    "logging",
    "logger",
    "Any",
    "TYPE_CHECKING",
    "Callable",
    "asyncio",
    "functools",
    "dataclass",
    "field",
    "Enum",
    "os",
    "sys",
    "json",
    "re",
    "time",
    "uuid",
    "hashlib",
    "itertools",
    "math",
    "random",
    "copy",
    "Path",
    "defaultdict",
    "Counter",
    "OrderedDict",
    "datetime",
    "timezone",
    "contextmanager",
    "Iterable",
    "Mapping",
    "partial",
    "operator",
    "warnings",
    "requests",
    "httpx",
    "redis",
    "yaml",
    "np",
    "BaseModel",
    "Field",
    "Column",
    "Integer",
    "String",
    "APIRouter",
    "Depends",
    "HTTPException",
    "structlog",
    "retry",
    "stop_after_attempt",
    "orjson",
    "otel_trace",
    "boto3",
    "fast_json",
    "aioredis",
    "uvloop",
    "YamlLoader",
    "_traced",
    "unittest",
    "mock",
    "MagicMock",
    "patch",
    "pytest",
    "name",
    "count",
)

# Package layout: (name, layer share). Generated packages are inserted after ``shared``.
FIXED_BOTTOM = ("shared",)
FIXED_TOP = ("auth_service", "netra_backend", "test_framework", "tests")
EXTRA_POOL = (
    "analytics_engine",
    "billing_core",
    "data_pipeline",
    "notification_hub",
    "llm_gateway",
    "metrics_collector",
    "search_indexer",
    "workflow_engine",
)
SHARES = {"shared": 0.12, "auth_service": 0.12, "netra_backend": 0.32, "test_framework": 0.05, "tests": 0.19}
EXTRA_SHARE_TOTAL = 0.20

# SSOT anchors: a canonical module and a forbidden duplicate of it.
CANONICAL_DIR = ("shared", "config")
CANONICAL_LEAF = "unified_config"
FORBIDDEN_DIR = ("netra_backend", "app", "core")
FORBIDDEN_LEAF = "legacy_config"
SSOT_NAMES = ("get_config", "reload_config", "ConfigSnapshot", "CONFIG_DEFAULTS")


def planned_bytes(m: Module) -> float:
    """The size the realistic renderer is expected to write for a module with a drawn size."""
    return max(m.bytes_target * RENDERED_OVER_DRAWN, SMALL_MODULE_BYTES)


def camel(snake: str) -> str:
    """Turn ``user_service`` into ``UserService``."""
    return "".join(part.capitalize() for part in snake.split("_") if part)


# --------------------------------------------------------------------------- model


@dataclass(eq=False)
class ClassSpec:
    """A class defined in a generated module."""

    name: str
    kind: str  # "plain" | "dataclass" | "enum" | "error"
    methods: list[str]


@dataclass(eq=False)
class Planted:
    """An import statement planted on purpose (broken, SSOT violation or cycle)."""

    category: str  # "broken" | "ssot" | "cycle"
    kind: str
    statement: str
    target_module: str
    name: str | None
    line: int = 0


@dataclass(eq=False)
class ImportSpec:
    """One project-internal import statement of a module."""

    target: Module
    placement: str  # "top" | "function" | "type_checking" | "try"
    statement: str
    bound: list[str]
    refs: list[str]  # expressions usable in code bodies
    class_refs: list[tuple[str, str]]  # (expression, class kind) usable as bases / hints
    relative: bool
    planted: Planted | None = None


@dataclass(eq=False)
class Dir:
    """A package directory."""

    dotted: str
    relpath: str
    depth: int
    parent: Dir | None
    top: str
    used_names: dict[str, None] = field(default_factory=dict)  # ordered set
    children: list[Dir] = field(default_factory=list)
    modules: list[Module] = field(default_factory=list)
    init: Module | None = None

    @property
    def parts(self) -> list[str]:
        return self.dotted.split(".")


@dataclass(eq=False)
class Module:
    """A ``.py`` file of the generated tree."""

    dotted: str
    relpath: str
    leaf: str
    top: str
    layer: int
    rank: float
    is_package: bool
    is_test: bool
    dir: Dir
    lines_target: int = 0
    classes: list[ClassSpec] = field(default_factory=list)
    functions: list[str] = field(default_factory=list)
    async_functions: dict[str, None] = field(default_factory=dict)
    constants: list[str] = field(default_factory=list)
    exports: list[tuple[str, Module, str]] = field(default_factory=list)  # name, source, kind
    imports: list[ImportSpec] = field(default_factory=list)
    planted: list[Planted] = field(default_factory=list)
    symbols: list[tuple[str, str]] = field(default_factory=list)  # (name, kind)
    names: dict[str, None] = field(default_factory=dict)  # every top-level name defined
    bound: dict[str, None] = field(default_factory=dict)  # names bound at module level
    special: str = ""  # "" | "conftest" | "forbidden" | "canonical"
    large_test: bool = False  # --profile realistic: a 1,000-3,000-line test file
    bytes_target: int = 0  # --profile realistic: the drawn file size (0: size by lines only)

    @property
    def parent_dotted(self) -> str:
        return self.dir.dotted if not self.is_package else self.dotted.rpartition(".")[0]


@dataclass
class Stats:
    """Counters that end up in the manifest."""

    lines: int = 0
    bytes: int = 0
    import_statements: int = 0
    relative_imports: int = 0
    function_local_imports: int = 0
    type_checking_imports: int = 0
    try_imports: int = 0
    patch_targets: int = 0
    reexports: int = 0
    classes: int = 0
    functions: int = 0
    large_tests: int = 0
    large_test_bytes: int = 0


# --------------------------------------------------------------------------- generator


class Generator:
    """Plans and writes one synthetic monorepo."""

    def __init__(self, modules: int, seed: int, broken: int, ssot: int, profile: str = "default") -> None:
        if modules < MIN_MODULES:
            raise ValueError(f"--modules must be at least {MIN_MODULES}")
        if profile not in PROFILES:
            raise ValueError(f"--profile must be one of {', '.join(PROFILES)}")
        self.n_modules = modules
        self.seed = seed
        self.n_broken = broken
        self.n_ssot = ssot
        self.profile = profile
        self.realistic = profile == "realistic"
        base = f"remediator-bench:{GENERATOR_VERSION}:{seed}:{modules}"
        if self.realistic:
            base = f"remediator-bench:realistic{REALISTIC_VERSION}:{seed}:{modules}"
        self.megabytes: float | None = None  # set when the tree was sized by --megabytes
        self.size_scale = 1.0  # realistic: every drawn module size is multiplied by this (set by --megabytes)
        # Separate streams: the planted imports (and where they go) never shift the
        # rest of the tree, so trees that differ only in --broken/--ssot share their code.
        self.rng = random.Random(base)
        self.plant_rng = random.Random(base + ":plant")
        # Realistic file sizes have their own stream too: --megabytes rescales them
        # without changing which files are large or anything else drawn.
        self.size_rng = random.Random(base + ":sizes")
        self.render_seed = base + ":render:"
        self.tops: list[str] = []
        self.layer_of: dict[str, int] = {}
        self.roots: dict[str, Dir] = {}
        self.dirs: list[Dir] = []
        self.modules: list[Module] = []
        self.importable: dict[str, tuple[list[float], list[Module]]] = {}
        self.local_importable: dict[int, tuple[list[float], list[Module]]] = {}
        self.cycles: list[tuple[Module, Module, Planted]] = []
        self.stats = Stats()
        self.forbidden: Module | None = None
        self.canonical: Module | None = None

    # ------------------------------------------------------------------ layout

    def plan_layout(self) -> None:
        """Choose the top-level packages, their subpackage trees and module names."""
        rng = self.rng
        extras = sorted(rng.sample(EXTRA_POOL, rng.randint(1, 3)))
        self.tops = [*FIXED_BOTTOM, *extras, *FIXED_TOP]
        self.layer_of = {top: i for i, top in enumerate(self.tops)}
        shares = dict(SHARES)
        for name in extras:
            shares[name] = EXTRA_SHARE_TOTAL / len(extras)
        budgets = {top: max(8, int(self.n_modules * shares[top])) for top in self.tops}
        # Give the rounding remainder to the biggest package so the total is exact.
        budgets["netra_backend"] += self.n_modules - sum(budgets.values())
        for top in self.tops:
            self._build_top(top, budgets[top])

    def _new_dir(self, parent: Dir | None, name: str, top: str) -> Dir:
        if parent is None:
            d = Dir(dotted=name, relpath=name, depth=1, parent=None, top=top)
        else:
            d = Dir(dotted=f"{parent.dotted}.{name}", relpath=f"{parent.relpath}/{name}", depth=parent.depth + 1, parent=parent, top=top)
            parent.used_names[name] = None
            parent.children.append(d)
        self.dirs.append(d)
        return d

    def _dir_name(self, parent: Dir, pool: tuple[str, ...]) -> str:
        rng = self.rng
        for _ in range(8):
            name = rng.choice(pool)
            if name not in parent.used_names:
                return name
        base = rng.choice(pool)
        n = 2
        while f"{base}_{n}" in parent.used_names:
            n += 1
        return f"{base}_{n}"

    def _module_name(self, d: Dir, test: bool) -> str:
        rng = self.rng
        prefix = "test_" if test else ""
        for _ in range(12):
            name = prefix + rng.choice(NOUNS) + rng.choice(MODULE_SUFFIXES)
            if name not in d.used_names and not keyword.iskeyword(name):
                return name
        base = prefix + rng.choice(NOUNS) + rng.choice(MODULE_SUFFIXES)
        n = 2
        while f"{base}_{n}" in d.used_names:
            n += 1
        return f"{base}_{n}"

    def _add_module(self, d: Dir, leaf: str, *, is_package: bool = False, is_test: bool = False, rank: float | None = None) -> Module:
        layer = self.layer_of[d.top]
        if rank is None:
            rank = layer + self.rng.random()
        if is_package:
            m = Module(
                dotted=d.dotted,
                relpath=f"{d.relpath}/__init__.py",
                leaf=d.dotted.rpartition(".")[2],
                top=d.top,
                layer=layer,
                rank=rank,
                is_package=True,
                is_test=False,
                dir=d,
            )
            d.init = m
        else:
            m = Module(
                dotted=f"{d.dotted}.{leaf}",
                relpath=f"{d.relpath}/{leaf}.py",
                leaf=leaf,
                top=d.top,
                layer=layer,
                rank=rank,
                is_package=False,
                is_test=is_test,
                dir=d,
            )
            d.used_names[leaf] = None
            d.modules.append(m)
        self.modules.append(m)
        return m

    def _build_top(self, top: str, budget: int) -> None:
        rng = self.rng
        root = self._new_dir(None, top, top)
        self.roots[top] = root
        fixed_dirs: list[Dir] = [root]
        growth_roots: list[Dir]
        fixed_files = 0
        if top == "netra_backend":
            app = self._new_dir(root, "app", top)
            core = self._new_dir(app, "core", top)
            fixed_dirs += [app, core]
            growth_roots = [app, core]
            fixed_files = 1
        elif top == "shared":
            cfg = self._new_dir(root, "config", top)
            fixed_dirs.append(cfg)
            growth_roots = [root, cfg]
            fixed_files = 1
        elif top == "tests":
            kinds = [self._new_dir(root, name, top) for name in ("unit", "integration", "e2e")]
            fixed_dirs += kinds
            growth_roots = list(kinds)
            fixed_files = 1  # conftest.py
        else:
            growth_roots = [root]

        avg_dir_size = rng.uniform(9.0, 14.0)
        n_dirs = max(len(fixed_dirs), min((budget - fixed_files) // 2, round(budget / avg_dir_size)))
        eligible = [d for d in growth_roots if d.depth < MAX_DEPTH]
        pool = TEST_DIR_NAMES if top == "tests" else DIR_NAMES
        top_dirs = list(fixed_dirs)
        while len(top_dirs) < n_dirs and eligible:
            idx = rng.randrange(len(eligible))
            parent = eligible[idx]
            child = self._new_dir(parent, self._dir_name(parent, pool), top)
            top_dirs.append(child)
            if len(parent.children) >= 12:
                eligible[idx] = eligible[-1]
                eligible.pop()
            if child.depth < MAX_DEPTH:
                eligible.append(child)

        for d in top_dirs:
            self._add_module(d, "__init__", is_package=True)

        remaining = budget - len(top_dirs) - fixed_files
        if top == "netra_backend":
            self.forbidden = self._add_module(top_dirs[2], FORBIDDEN_LEAF, rank=self.layer_of[top] + 1e-6)
            self.forbidden.special = "forbidden"
        elif top == "shared":
            self.canonical = self._add_module(top_dirs[1], CANONICAL_LEAF)
            self.canonical.special = "canonical"
        elif top == "tests":
            conftest = self._add_module(root, "conftest", rank=self.layer_of[top] + 0.999999)
            conftest.special = "conftest"

        hosts = [d for d in top_dirs if not (top in ("netra_backend", "tests") and d.depth == 1)]
        weights: list[float] = []
        acc = 0.0
        for d in hosts:
            acc += 0.2 if d.depth == 1 else rng.uniform(0.3, 1.8)
            weights.append(acc)
        for d in rng.choices(hosts, cum_weights=weights, k=max(0, remaining)):
            self._add_module(d, self._module_name(d, test=(top == "tests")), is_test=(top == "tests"))

    # ------------------------------------------------------------------ definitions

    def _lines_target(self) -> int:
        return int(min(400, max(20, self.rng.lognormvariate(4.35, 0.6))))

    def _bytes_target(self) -> int:
        drawn = self.size_rng.lognormvariate(SIZE_LOG_MU, SIZE_LOG_SIGMA) * self.size_scale
        return round(min(SIZE_CAP_BYTES, max(SIZE_FLOOR_BYTES, drawn)))

    def plan_definitions(self) -> None:
        """Decide every module's size and the names it defines."""
        for m in self.modules:
            if m.is_package:
                continue
            if self.realistic:
                m.bytes_target = self._bytes_target()
                m.lines_target = max(15, round(m.bytes_target / BYTES_PER_LINE["realistic"]))
            else:
                m.lines_target = self._lines_target()
            if m.is_test:
                continue
            if m.special in ("forbidden", "canonical"):
                self._plan_ssot_anchor(m)
            else:
                self._plan_defs(m)
            self._finish_symbols(m)
        for d in self.dirs:
            if d.init is not None and d.top != "tests":
                self._plan_exports(d)
        if self.realistic:
            self._plan_large_tests()

    def _plan_large_tests(self) -> None:
        """Make 1-3 test files of every test package large (1,000-3,000 lines)."""
        rng = self.size_rng
        for d in self.dirs:
            tests = [m for m in d.modules if m.is_test]
            if not tests:
                continue
            for m in rng.sample(tests, min(len(tests), rng.randint(*LARGE_TESTS_PER_PACKAGE))):
                m.large_test = True
                m.bytes_target = 0
                m.lines_target = rng.randint(*LARGE_TEST_LINES)

    def estimated_bytes(self) -> float:
        """Planned size of the tree in bytes (call after ``plan_definitions``)."""
        total = INIT_BYTES_ESTIMATE[self.profile] * sum(1 for m in self.modules if m.is_package)
        for m in self.modules:
            if m.is_package:
                continue
            if m.bytes_target:
                total += planned_bytes(m)
            elif m.large_test:
                total += m.lines_target * LARGE_TEST_BYTES_PER_LINE
            else:
                total += m.lines_target * BYTES_PER_LINE[self.profile]
        return total

    def _unique(self, m: Module, make: Callable[[], str]) -> str:
        for _ in range(10):
            name = make()
            if name not in m.names and name not in m.dir.used_names:
                m.names[name] = None
                return name
        n = 2
        base = make()
        while f"{base}_{n}" in m.names:
            n += 1
        m.names[f"{base}_{n}"] = None
        return f"{base}_{n}"

    def _plan_defs(self, m: Module) -> None:
        rng = self.rng
        lines = m.lines_target
        n_const = rng.randint(1, 2 if lines < 80 else 4)
        n_class = round(lines / rng.uniform(70, 160)) if lines >= 45 else 0
        n_func = max(1, round(lines / rng.uniform(45, 110)))
        for _ in range(n_const):
            m.constants.append(
                self._unique(m, lambda: f"{rng.choice(CONST_PREFIXES)}_{rng.choice(NOUNS).upper()}_{rng.choice(CONST_SUFFIXES)}")
            )
        for _ in range(n_class):
            roll = rng.random()
            kind = "plain" if roll < 0.55 else "dataclass" if roll < 0.8 else "enum" if roll < 0.9 else "error"
            if kind == "enum":
                name = self._unique(m, lambda: camel(rng.choice(NOUNS)) + rng.choice(ENUM_SUFFIXES))
            elif kind == "error":
                name = self._unique(m, lambda: camel(rng.choice(NOUNS)) + camel(rng.choice(NOUNS)) + "Error")
            else:
                name = self._unique(
                    m,
                    lambda: (
                        camel(rng.choice(NOUNS)) + (camel(rng.choice(NOUNS)) if rng.random() < 0.4 else "") + rng.choice(CLASS_SUFFIXES)
                    ),
                )
            methods: list[str] = []
            if kind in ("plain", "dataclass"):
                seen: dict[str, None] = {}
                for _ in range(rng.randint(1, 4)):
                    meth = f"{rng.choice(VERBS)}_{rng.choice(NOUNS)}"
                    if meth not in seen:
                        seen[meth] = None
                        methods.append(meth)
            m.classes.append(ClassSpec(name=name, kind=kind, methods=methods))
        for _ in range(n_func):
            fname = self._unique(
                m, lambda: f"{rng.choice(VERBS)}_{rng.choice(NOUNS)}" + (f"_{rng.choice(NOUNS)}" if rng.random() < 0.3 else "")
            )
            m.functions.append(fname)
            if rng.random() < 0.1:
                m.async_functions[fname] = None

    def _plan_ssot_anchor(self, m: Module) -> None:
        for name in SSOT_NAMES:
            m.names[name] = None
        m.functions += ["get_config", "reload_config"]
        m.classes.append(ClassSpec(name="ConfigSnapshot", kind="dataclass", methods=["get_value"]))
        m.constants.append("CONFIG_DEFAULTS")
        m.lines_target = max(m.lines_target, 60)

    @staticmethod
    def _finish_symbols(m: Module) -> None:
        for c in m.classes:
            m.symbols.append((c.name, c.kind))
        for f in m.functions:
            m.symbols.append((f, "func"))
        for const in m.constants:
            m.symbols.append((const, "const"))

    def _plan_exports(self, d: Dir) -> None:
        rng = self.rng
        init = d.init
        assert init is not None
        if rng.random() >= 0.5:
            return
        sources = [c for c in d.modules if c.rank < init.rank and c.symbols and c.special == ""]
        if not sources:
            return
        for src in rng.sample(sources, min(len(sources), rng.randint(1, 3))):
            for name, kind in rng.sample(src.symbols, min(len(src.symbols), rng.randint(1, 3))):
                if name in init.names or name in d.used_names:
                    continue
                init.names[name] = None
                init.exports.append((name, src, kind))
                init.symbols.append((name, kind))
        self.stats.reexports += len(init.exports)

    # ------------------------------------------------------------------ imports

    def _index_importables(self) -> None:
        by_top: dict[str, list[Module]] = {top: [] for top in self.tops}
        by_dir: dict[int, list[Module]] = {}
        for m in self.modules:
            if m.is_test or not m.symbols or m.special in ("conftest", "forbidden"):
                continue
            by_top[m.top].append(m)
            key = id(m.dir)
            by_dir.setdefault(key, []).append(m)
        for top, mods in by_top.items():
            mods.sort(key=lambda x: x.rank)
            self.importable[top] = ([x.rank for x in mods], mods)
        for key, mods in by_dir.items():
            mods.sort(key=lambda x: x.rank)
            self.local_importable[key] = ([x.rank for x in mods], mods)

    def _below(self, index: tuple[list[float], list[Module]] | None, rank: float) -> Module | None:
        if index is None:
            return None
        ranks, mods = index
        hi = bisect.bisect_left(ranks, rank)
        return mods[self.rng.randrange(hi)] if hi else None

    def _pick_target(self, m: Module) -> Module | None:
        rng = self.rng
        lower = [t for t in self.tops if self.layer_of[t] < m.layer and t != "tests"]
        if m.is_test:
            candidates = [t for t in lower if t != "test_framework"]
            ranks, mods = self.importable[rng.choice(candidates)]
            return rng.choice(mods) if mods else None
        roll = rng.random()
        order: list[str]
        if roll < 0.35:
            order = ["local", "same", "lower"]
        elif roll < 0.7:
            order = ["same", "local", "lower"]
        else:
            order = ["lower", "same", "local"]
        for choice in order:
            target: Module | None = None
            if choice == "local" and not m.is_package:
                target = self._below(self.local_importable.get(id(m.dir)), m.rank)
            elif choice == "same":
                target = self._below(self.importable.get(m.top), m.rank)
            elif choice == "lower" and lower:
                weights = [3.0 if t == "shared" else 1.0 for t in lower]
                top = rng.choices(lower, weights=weights)[0]
                mods = self.importable[top][1]
                target = rng.choice(mods) if mods else None
            if target is not None and target is not m:
                return target
        return None

    @staticmethod
    def _relative_prefix(importer_pkg: list[str], target_parts: list[str]) -> tuple[int, list[str]] | None:
        """Return (level, remainder) to spell ``target_parts`` relative to ``importer_pkg``."""
        common = 0
        for a, b in zip(importer_pkg, target_parts, strict=False):
            if a != b:
                break
            common += 1
        if common == 0:
            return None
        level = len(importer_pkg) - common + 1
        if level > 3:
            return None
        return level, target_parts[common:]

    @staticmethod
    def _fresh(wanted: str, bound: dict[str, None]) -> str:
        """Bind and return ``wanted``, or ``wanted_N`` when it is taken."""
        local = wanted
        n = 2
        while local in bound:
            local = f"{wanted}_{n}"
            n += 1
        bound[local] = None
        return local

    def _usage(self, module_expr: str, t: Module) -> str:
        name, kind = self.rng.choice(t.symbols)
        return self._usage_of(f"{module_expr}.{name}", kind)

    @staticmethod
    def _usage_of(expr: str, kind: str) -> str:
        if kind in ("func", "plain", "dataclass", "error"):
            return f"{expr}(name, count)"
        if kind == "enum":
            return f"{expr}.ACTIVE"
        return expr

    def _alias_for(self, name: str, kind: str, hint: str) -> str:
        if kind == "const":
            return f"{name}_{hint.upper()}"
        if kind == "func":
            return f"{name}_{hint}"
        return camel(hint) + name

    def _make_import(self, m: Module, t: Module, placement: str, bound: dict[str, None]) -> ImportSpec:
        """Spell one import of ``t`` from ``m`` and work out what it binds."""
        rng = self.rng
        importer_pkg = m.dotted.split(".") if m.is_package else m.dir.parts
        t_parts = t.dotted.split(".")
        rel = None
        if m.top == t.top and not m.is_test and rng.random() < 0.4:
            rel = self._relative_prefix(importer_pkg, t_parts if t.is_package else t_parts[:-1])
        refs: list[str] = []
        class_refs: list[tuple[str, str]] = []
        locals_bound: list[str] = []
        picked: list[tuple[str, str]] = []
        if placement == "type_checking":
            classes = [(n, k) for n, k in t.symbols if k in ("plain", "dataclass", "enum", "error")]
            if classes:
                picked = [rng.choice(classes)]
            else:
                placement = "top"
        elif placement == "try":
            picked = [rng.choice(t.symbols)]
        if not picked and (t.is_package or rng.random() < 0.55):
            picked = rng.sample(t.symbols, min(len(t.symbols), rng.randint(1, 3)))

        if picked:  # from X import name[, name as alias]
            spelled: list[str] = []
            for name, kind in picked:
                wanted = self._alias_for(name, kind, t.leaf) if rng.random() < 0.08 else name
                local = self._fresh(wanted, bound)
                locals_bound.append(local)
                spelled.append(name if local == name else f"{name} as {local}")
                if placement == "type_checking":
                    class_refs.append((local, "hint"))
                elif placement != "try":
                    refs.append(self._usage_of(local, kind))
                    if kind in ("plain", "dataclass", "error"):
                        class_refs.append((local, kind))
            if rel is not None:
                level, rest = rel
                source = "." * level + ".".join(rest if t.is_package else [*rest, t.leaf])
            else:
                source = t.dotted
            statement = f"from {source} import {', '.join(spelled)}"
            return ImportSpec(t, placement, statement, locals_bound, refs, class_refs, rel is not None)

        # Module-object imports of a plain module.
        roll = rng.random()
        if rel is not None or roll < 0.45:
            # from a.b import t [as alias]  /  from . import t  /  from ..x import t
            local = self._fresh(f"{t.leaf}_mod" if rng.random() < 0.2 else t.leaf, bound)
            spelling = t.leaf if local == t.leaf else f"{t.leaf} as {local}"
            if rel is not None:
                level, rest = rel
                statement = f"from {'.' * level}{'.'.join(rest)} import {spelling}"
            else:
                statement = f"from {t.parent_dotted} import {spelling}"
            refs.append(self._usage(local, t))
        elif roll < 0.75:
            # import a.b.t  (binds the top-level name)
            statement = f"import {t.dotted}"
            local = t.top
            bound.setdefault(local, None)
            refs.append(self._usage(t.dotted, t))
        else:
            short = "".join(p[0] for p in t.leaf.split("_")) + "_" + t.leaf.split("_")[0]
            local = self._fresh(short, bound)
            statement = f"import {t.dotted} as {local}"
            refs.append(self._usage(local, t))
        locals_bound.append(local)
        return ImportSpec(t, placement, statement, locals_bound, refs, class_refs, rel is not None)

    def plan_imports(self) -> None:
        """Plan every module's project imports, then cycles, broken and SSOT imports."""
        self._index_importables()
        rng = self.rng
        for m in self.modules:
            if m.is_package:
                continue
            bound = m.bound
            bound.update(m.names)
            bound.update(dict.fromkeys(RESERVED_NAMES))
            if m.is_test:
                n = rng.randint(6, 14) if m.large_test else rng.randint(1, 4) if self.realistic else rng.randint(1, 3)
            elif m.special == "conftest":
                n = 0
            elif self.realistic:
                n = rng.randint(1, min(40, 2 + m.lines_target // 15))
            else:
                n = rng.randint(0, min(10, 1 + m.lines_target // 35))
            seen: dict[int, None] = {}
            for _ in range(n * 2):
                if len(m.imports) >= n:
                    break
                t = self._pick_target(m)
                if t is None or id(t) in seen:
                    continue
                seen[id(t)] = None
                if m.is_test:
                    placement = "top"
                else:
                    roll = rng.random()
                    placement = "top" if roll < 0.82 else "function" if roll < 0.9 else "type_checking" if roll < 0.95 else "try"
                m.imports.append(self._make_import(m, t, placement, bound if placement != "function" else {}))
            if m.is_test or m.special == "conftest":
                fw = self.importable.get("test_framework", ([], []))[1]
                if fw:
                    t = rng.choice(fw)
                    if id(t) not in seen:
                        m.imports.append(self._make_import(m, t, "top", bound))
        self._plan_cycles()
        self._plan_broken()
        self._plan_ssot()

    def _plan_cycles(self) -> None:
        """Add a few reverse edges ``m -> t`` where ``t`` already imports ``m``."""
        rng = self.rng
        want = max(2, self.n_modules // 2500)
        pairs: list[tuple[Module, Module]] = []
        for t in self.modules:
            if t.is_package or t.is_test or t.special:
                continue
            for spec in t.imports:
                m = spec.target
                if not m.is_package and m.top == t.top and m.special == "" and not m.is_test and spec.placement == "top" and t.symbols:
                    pairs.append((m, t))
        rng.shuffle(pairs)
        used: dict[int, None] = {}
        for m, t in pairs:
            if len(self.cycles) >= want:
                break
            if id(m) in used or id(t) in used or any(s.target is t for s in m.imports):
                continue
            used[id(m)] = None
            used[id(t)] = None
            placement = "function" if rng.random() < 0.6 else "top"
            spec = self._make_import(m, t, placement, {} if placement == "function" else m.bound)
            spec.planted = Planted("cycle", f"cycle_{placement}", spec.statement, t.dotted, None)
            m.imports.append(spec)
            self.cycles.append((m, t, spec.planted))

    @staticmethod
    def _ghost_module(rng: random.Random, d: Dir) -> str:
        while True:
            name = rng.choice(NOUNS) + rng.choice(GHOST_MODULE_SUFFIXES)
            if name not in d.used_names:
                return name

    @staticmethod
    def _ghost_symbol(rng: random.Random, taken: dict[str, None]) -> str:
        while True:
            roll = rng.random()
            if roll < 0.4:
                name = f"Legacy{camel(rng.choice(NOUNS))}{rng.choice(CLASS_SUFFIXES)}"
            elif roll < 0.8:
                name = f"{rng.choice(VERBS)}_{rng.choice(NOUNS)}_legacy"
            else:
                name = f"LEGACY_{rng.choice(NOUNS).upper()}_FLAG"
            if name not in taken:
                return name

    def _plan_broken(self) -> None:
        """Plant ``n_broken`` imports that cannot resolve, one per host module."""
        rng = self.plant_rng
        hosts = [m for m in self.modules if not m.is_package and m.special == ""]
        hosts = rng.sample(hosts, min(self.n_broken, len(hosts)))
        project_dirs = [d for d in self.dirs if d.top != "tests"]
        plain_targets = [m for m in self.modules if not m.is_package and not m.is_test and m.symbols and m.special == ""]
        package_targets = [d for d in project_dirs if d.init is not None]
        kinds = (
            "missing_module",
            "missing_name",
            "missing_module_relative",
            "missing_name_relative",
            "missing_name_package",
            "missing_submodule_import",
        )
        for i, host in enumerate(hosts):
            kind = kinds[i % len(kinds)]
            taken = {**host.names, **host.bound}
            sym: str | None = self._ghost_symbol(rng, taken)
            siblings = [s for s in host.dir.modules if s is not host and s.symbols and not s.is_test]
            if kind == "missing_name_relative" and not siblings:
                kind = "missing_name"
            if kind == "missing_module_relative" and host.dir.depth < 2:
                kind = "missing_module"
            if kind == "missing_module":
                d = rng.choice(project_dirs)
                ghost = self._ghost_module(rng, d)
                target = f"{d.dotted}.{ghost}"
                stmt = f"from {target} import {sym}"
            elif kind == "missing_submodule_import":
                d = rng.choice(project_dirs)
                ghost = self._ghost_module(rng, d)
                target = f"{d.dotted}.{ghost}"
                stmt = f"import {target}"
                sym = None
            elif kind == "missing_module_relative":
                level = 1 if rng.random() < 0.6 else 2
                base_dir = host.dir if level == 1 else host.dir.parent
                assert base_dir is not None
                ghost = self._ghost_module(rng, base_dir)
                target = f"{base_dir.dotted}.{ghost}"
                stmt = f"from {'.' * level}{ghost} import {sym}"
            elif kind == "missing_name_relative":
                t = rng.choice(siblings)
                target = t.dotted
                sym = self._ghost_symbol(rng, {**taken, **t.names})
                stmt = f"from .{t.leaf} import {sym}"
            elif kind == "missing_name_package":
                d = rng.choice(package_targets)
                assert d.init is not None
                target = d.dotted
                sym = self._ghost_symbol(rng, {**taken, **d.init.names, **d.used_names})
                stmt = f"from {target} import {sym}"
            else:  # missing_name
                t = rng.choice(plain_targets)
                while t is host:
                    t = rng.choice(plain_targets)
                target = t.dotted
                sym = self._ghost_symbol(rng, {**taken, **t.names})
                stmt = f"from {target} import {sym}"
            host.planted.append(Planted("broken", kind, stmt, target, sym))

    def _plan_ssot(self) -> None:
        """Make ``n_ssot`` backend modules import the forbidden duplicate config module."""
        if not self.n_ssot or self.forbidden is None:
            return
        rng = self.plant_rng
        hosts = [m for m in self.modules if m.top == "netra_backend" and not m.is_package and m.special == ""]
        for host in rng.sample(hosts, min(self.n_ssot, len(hosts))):
            name = rng.choice(("get_config", "ConfigSnapshot", "CONFIG_DEFAULTS"))
            taken = {**host.names, **host.bound}
            spelling = name if name not in taken else f"{name} as legacy_{name.lower()}"
            stmt = f"from {self.forbidden.dotted} import {spelling}"
            host.planted.append(Planted("ssot", "forbidden_import", stmt, self.forbidden.dotted, name))

    # ------------------------------------------------------------------ rendering

    def write(self, out: Path) -> dict[str, Any]:
        """Render every module into ``out`` and return the manifest."""
        for d in self.dirs:
            (out / d.relpath).mkdir(parents=True, exist_ok=True)
        writer = Renderer(self.render_seed, self.plant_rng, self.stats, realistic=self.realistic)
        files = 0
        self.py_sizes: list[int] = []
        for m in self.modules:
            snapshot = dataclasses.replace(self.stats) if m.bytes_target else None
            text = writer.render(m)
            if snapshot is not None and abs(len(text) / m.bytes_target - 1) > SIZE_TOLERANCE:
                text = self._rerender(writer, m, text, snapshot)
            data = text.encode("utf-8")
            with open(out / m.relpath, "wb") as fh:
                fh.write(data)
            self.stats.bytes += len(data)
            self.stats.lines += text.count("\n")
            self.py_sizes.append(len(data))
            if m.large_test:
                self.stats.large_tests += 1
                self.stats.large_test_bytes += len(data)
            files += 1
        for top in self.tops:
            readme = f"# {top}\n\nSynthetic package generated by bench/generate.py (seed {self.seed}).\n"
            (out / top / "README.md").write_text(readme, encoding="utf-8")
            files += 1
            self.stats.bytes += len(readme)
        return self._manifest(files)

    def _rerender(self, writer: Renderer, m: Module, text: str, snapshot: Stats) -> str:
        """Render ``m`` again with its line budget scaled towards its drawn byte size.

        The counters go back to ``snapshot`` (taken before the first render) each time.
        """
        for _ in range(2):
            scaled = max(5, round(m.lines_target * m.bytes_target / max(1, len(text))))
            if scaled == m.lines_target:
                break
            m.lines_target = scaled
            for f in dataclasses.fields(Stats):
                setattr(self.stats, f.name, getattr(snapshot, f.name))
            text = writer.render(m)
            if abs(len(text) / m.bytes_target - 1) <= SIZE_TOLERANCE:
                break
        return text

    def _manifest(self, files: int) -> dict[str, Any]:
        def record(m: Module, p: Planted) -> dict[str, Any]:
            return {
                "file": m.relpath,
                "line": p.line,
                "module": m.dotted,
                "kind": p.kind,
                "statement": p.statement,
                "target_module": p.target_module,
                "name": p.name,
            }

        broken = [record(m, p) for m in self.modules for p in m.planted if p.category == "broken"]
        ssot = [record(m, p) for m in self.modules for p in m.planted if p.category == "ssot"]
        cycles = [{**record(m, p), "back_edge_from": t.dotted} for m, t, p in self.cycles]
        depths = [d.depth for d in self.dirs]
        s = self.stats
        size_model: dict[str, Any] | None = None
        if self.realistic:
            size_model = {
                "distribution": "log-normal bytes, clipped",
                "mu": SIZE_LOG_MU,
                "sigma": SIZE_LOG_SIGMA,
                "scale": self.size_scale,
                "floor_bytes": SIZE_FLOOR_BYTES,
                "cap_bytes": SIZE_CAP_BYTES,
                "large_test_lines": list(LARGE_TEST_LINES),
                "large_tests_per_package": list(LARGE_TESTS_PER_PACKAGE),
            }
        return {
            "generator": "remediator-bench-generate",
            "generator_version": GENERATOR_VERSION,
            **({"profile": self.profile, "profile_version": REALISTIC_VERSION, "size_model": size_model} if self.realistic else {}),
            "params": params_for(self.n_modules, self.seed, self.n_broken, self.n_ssot, self.profile, self.megabytes),
            "top_level_packages": list(self.tops),
            "counts": {
                "modules": len(self.modules),
                "packages": sum(1 for m in self.modules if m.is_package),
                "test_modules": sum(1 for m in self.modules if m.is_test),
                "files": files,
                "bytes": s.bytes,
                "py_bytes": sum(self.py_sizes),
                "py_size_quantiles": size_quantiles(self.py_sizes),
                "lines": s.lines,
                "max_package_depth": max(depths),
                "classes": s.classes,
                "functions": s.functions,
                "project_import_statements": s.import_statements,
                "relative_imports": s.relative_imports,
                "function_local_imports": s.function_local_imports,
                "type_checking_imports": s.type_checking_imports,
                "try_except_imports": s.try_imports,
                "reexported_names": s.reexports,
                "patch_targets": s.patch_targets,
                "large_test_files": s.large_tests,
                "large_test_bytes": s.large_test_bytes,
                "planted_broken": len(broken),
                "planted_ssot": len(ssot),
                "planted_cycles": len(cycles),
            },
            "planted_broken": broken,
            "ssot": {
                "canonical_module": self.canonical.dotted if self.canonical else None,
                "forbidden_module": self.forbidden.dotted if self.forbidden else None,
                "violations": ssot,
            },
            "cycles": cycles,
        }


class Renderer:
    """Turns a planned :class:`Module` into source text."""

    def __init__(self, seed: str, plant_rng: random.Random, stats: Stats, *, realistic: bool = False) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        self.plant_rng = plant_rng
        self.stats = stats
        self.realistic = realistic
        self.dotted = ""  # the module being rendered
        self.lazy_modules: list[str] = []  # modules it already imports: safe for import_module / examples
        self.compact = False  # realistic: a small module (short docstrings, no license header)

    # ---------------------------------------------------------------- helpers

    def _prose(self, words: int) -> str:
        """A sentence of about ``words`` words (realistic profile)."""
        rng = self.rng
        out: list[str] = []
        for _ in range(words):
            roll = rng.random()
            out.append(rng.choice(NOUNS) if roll < 0.35 else rng.choice(VERBS) if roll < 0.5 else rng.choice(FILLER))
        text = " ".join(out)
        return text[0].upper() + text[1:] + "."

    def _paragraph(self, words: int, indent: str, prefix: str = "", width: int = 79) -> list[str]:
        """``_prose`` wrapped to ``width`` columns, each line starting with ``indent + prefix``."""
        room = max(20, width - len(indent) - len(prefix))
        lines: list[str] = []
        current = ""
        for word in self._prose(words).split(" "):
            if current and len(current) + 1 + len(word) > room:
                lines.append(indent + prefix + current)
                current = word
            else:
                current = f"{current} {word}" if current else word
        if current:
            lines.append(indent + prefix + current)
        return lines

    def _template(self) -> list[str]:
        """A multi-line string literal (SQL, HTML, YAML, or a code snippet that mentions imports)."""
        rng = self.rng
        kind = rng.choice(TEMPLATE_KINDS)
        noun = rng.choice(NOUNS)
        if kind == "sql":
            body = [
                f"    SELECT id, name, {noun}_id, created_at",
                f"    FROM {noun}s",
                f"    WHERE tenant_id = %(tenant)s AND status = '{self._word()}'",
                "      -- do not import rows from the archive table here",
                f"    ORDER BY created_at DESC LIMIT {rng.randint(10, 500)}",
            ]
        elif kind == "html":
            body = [
                f'<div class="{noun}-card">',
                f"  <h2>{{{{ {noun}.name }}}}</h2>",
                "  <p>Import finished: {{ count }} records.</p>",
                "</div>",
            ]
        elif kind == "yaml":
            body = [
                f"{noun}:",
                f"  name: {self._word()}",
                f"  retries: {rng.randint(1, 9)}",
                "  import:",
                f"    source: s3://bucket/{noun}s",
                "    format: parquet",
            ]
        else:
            target = rng.choice(self.lazy_modules) if self.lazy_modules else self.dotted
            body = [f"from {target} import *  # noqa", "import sys", "", f'print("{noun}", file=sys.stderr)']
        return ['"""', *body, '"""']

    def _word(self) -> str:
        return self.rng.choice(WORDS)

    def _doc(self, subject: str) -> str:
        rng = self.rng
        where = rng.choice(("flow", "layer", "pipeline", "service", "domain"))
        return f"{rng.choice(VERBS).capitalize()} {subject} for the {rng.choice(NOUNS)} {where}."

    def _rich_statement(self, refs: list[str]) -> list[str]:
        """A statement of the realistic profile: comments, multi-line literals, strings mentioning imports."""
        rng = self.rng
        k = rng.randint(2, 9)
        noun = rng.choice(NOUNS)
        roll = rng.randrange(12)
        if roll == 0:
            return self._paragraph(rng.randint(8, 30), "", "# ")
        if roll == 1:
            return [rng.choice(IMPORT_COMMENTS)]
        if roll == 2:
            return [
                "payload: dict[str, Any] = {",
                '    "name": name,',
                '    "count": count,',
                f'    "{noun}_id": f"{{name}}-{{count}}-{noun}",',
                f'    "enabled": count > {k},',
                f'    "region": "{self._word()}",',
                "}",
            ]
        if roll == 3:
            return [
                "if count < 0:",
                "    raise ValueError(",
                f'        f"count must not be negative for {{name!r}} ({noun}), got {{count}}"',
                "    )",
            ]
        if roll == 4:
            return [
                "logger.info(",
                f'    "%s: {rng.choice(VERBS)} {noun} finished in %d steps (%s)",',
                "    name,",
                "    count,",
                f'    "{self._word()}",',
                ")",
            ]
        if roll == 5:
            return [f"{noun}_text = " + line if i == 0 else line for i, line in enumerate(self._template())]
        if roll == 6:
            target = rng.choice(self.lazy_modules) if self.lazy_modules else self.dotted
            return [
                "hint = (",
                f'    "from {target} import {noun}\\n"',
                f'    "import {target.partition(".")[0]}  # re-imported by the worker\\n"',
                ")",
            ]
        if roll == 7 and self.lazy_modules:
            target = rng.choice(self.lazy_modules)
            return [
                "# Loaded lazily: importing it at module level is slow.",
                f'{noun}_module = importlib.import_module("{target}")',
                f'logger.debug("loaded %s", {noun}_module.__name__)',
            ]
        if roll == 8:
            return ["selected = [", "    item", "    for item in range(count)", f"    if item % {k} and item != {k + 1}", "]"]
        if roll == 9:
            return [
                "seen: dict[str, list[int]] = {}",
                "for index in range(count):",
                f"    # skip the {noun}s that were already {rng.choice(VERBS)}d",
                f"    if index % {k} == 0:",
                "        continue",
                "    seen.setdefault(name, []).append(index)",
            ]
        if roll == 10:
            return [
                "try:",
                f"    ratio = len(name) / max(1, count - {k})",
                "except TypeError as exc:",
                f'    logger.warning("cannot {rng.choice(VERBS)} %s: %s", name, exc)',
                "    ratio = 0.0",
                "else:",
                f"    ratio = round(ratio, {k})",
                "finally:",
                f'    logger.debug("{noun} ratio computed")',
            ]
        return [
            "message = (",
            f'    f"{{name}}: {rng.choice(VERBS)} {noun} {{count}} times "',
            f'    f"in {self._word()} mode (limit {k * 100})"',
            ")",
        ]

    def _statement(self, refs: list[str]) -> list[str]:
        """One small, self-contained statement (possibly a block) of a function body."""
        rng = self.rng
        if self.realistic and rng.random() < 0.55:
            return self._rich_statement(refs)
        k = rng.randint(2, 9)
        w = self._word()
        roll = rng.randrange(20 if refs else 17)
        if roll == 0:
            return [f"items = [i * {k} for i in range(count) if i % {k + 1} == 0]"]
        if roll == 1:
            return [f'mapping = {{key: len(key) for key in (name, name.upper(), "{w}")}}']
        if roll == 2:
            return [f'label = f"{{name}}-{{count}}-{w}"']
        if roll == 3:
            return [f'logger.debug("{rng.choice(VERBS)} %s (%d)", name, count)']
        if roll == 4:
            return [f"if count > {k}:", f"    count -= {k - 1}", "else:", "    count += 1"]
        if roll == 5:
            return [
                f'for idx, part in enumerate(name.split("{rng.choice("-_.:")}")):',
                "    if not part:",
                "        continue",
                '    logger.info(f"part {idx}: {part!r}")',
            ]
        if roll == 6:
            return ["try:", f"    ratio = count / {k}", "except ZeroDivisionError:", "    ratio = 0.0"]
        if roll == 7:
            return [f'flags = {{"{w}": count > {k}, "empty": not name}}']
        if roll == 8:
            return [f"while count > {k * 10}:", "    count //= 2"]
        if roll == 9:
            return ["words = sorted({part.lower() for part in name.split()})"]
        if roll == 10:
            return [f'pairs = list(zip(range(count), "{w}"))']
        if roll == 11:
            return [f'name = name.strip() or "{w}"']
        if roll == 12:
            return ["def _inner(value: int) -> int:", f"    return value * {k} + count", "", f"inner_total = _inner({k})"]
        if roll == 13:
            return [f"if (size := len(name)) > {k}:", '    logger.debug("long name: %d chars", size)']
        if roll == 14:
            return [
                "match count:",
                "    case 0:",
                f'        phase = "{w}"',
                f"    case {k}:",
                '        phase = "special"',
                "    case _:",
                '        phase = "other"',
            ]
        if roll == 15:
            return [f"total = sum(x * x for x in range(count)) + {k}"]
        if roll == 16:
            return ['assert isinstance(count, int), "count must be an int"']
        expr = rng.choice(refs)
        if roll == 17:
            return [f"value = {expr}"]
        if roll == 18:
            return [f'logger.debug("resolved %r", {expr})']
        return [
            "try:",
            f"    resolved = {expr}",
            "except (ValueError, KeyError) as exc:",
            f'    logger.warning(f"{w} failed: {{exc}}")',
            "    resolved = None",
        ]

    def _body(self, budget: int, refs: list[str], ret: str, indent: str, pre: list[str] | None = None) -> list[str]:
        out: list[str] = [indent + line for line in (pre or [])]
        used = len(out)
        while used < budget:
            for line in self._statement(refs):
                out.append(indent + line if line else "")
                used += 1
        if ret != "None" or self.rng.random() < 0.3:
            out.append(indent + RETURN_LINES[ret])
        return out

    def _function(
        self, name: str, budget: int, refs: list[str], *, is_async: bool, method: bool, decorators: list[str], pre: list[str] | None = None
    ) -> list[str]:
        rng = self.rng
        ind = "    " if method else ""
        ret = rng.choice(RETURN_TYPES)
        params = f'name: str = "{self._word()}", count: int = {rng.randint(0, 9)}'
        roll = rng.random()
        if roll < 0.15:
            params += ", *, strict: bool = False"
        elif roll < 0.25:
            params += ", **options: Any"
        if method:
            params = "self, " + params
        lines = [ind + d for d in decorators]
        lines.append(f"{ind}{'async ' if is_async else ''}def {name}({params}) -> {ret}:")
        if self.realistic:
            lines += self._function_doc(name, ind, ret)
        elif rng.random() < 0.7:
            if rng.random() < 0.5:
                lines.append(f'{ind}    """{self._doc(name.replace("_", " "))}"""')
            else:
                lines += [
                    f'{ind}    """{self._doc(name.replace("_", " "))}',
                    "",
                    f"{ind}    Args:",
                    f"{ind}        name: the {rng.choice(NOUNS)} name.",
                    f"{ind}        count: how many {rng.choice(NOUNS)}s to process.",
                    "",
                    f"{ind}    Returns:",
                    f"{ind}        The computed {ret}.",
                    f'{ind}    """',
                ]
        pre_lines = list(pre or [])
        if is_async:
            pre_lines.append("await asyncio.sleep(0)")
        body = self._body(max(1, budget - len(lines)), refs, ret, ind + "    ", pre_lines)
        return lines + body

    def _function_doc(self, name: str, ind: str, ret: str) -> list[str]:
        """A realistic docstring: summary, prose, Args/Returns, sometimes Raises and an import example."""
        rng = self.rng
        summary = self._doc(name.replace("_", " "))
        if self.compact or rng.random() < 0.25:
            return [f'{ind}    """{summary}"""']
        lines = [f'{ind}    """{summary}', ""]
        lines += self._paragraph(rng.randint(10, 45), ind + "    ")
        lines += [
            "",
            f"{ind}    Args:",
            f"{ind}        name: the {rng.choice(NOUNS)} name.",
            f"{ind}        count: how many {rng.choice(NOUNS)}s to process.",
            "",
            f"{ind}    Returns:",
            f"{ind}        The computed {ret}.",
        ]
        if rng.random() < 0.3:
            lines += ["", f"{ind}    Raises:", f"{ind}        ValueError: if ``count`` is negative."]
        if rng.random() < 0.2:
            lines += [
                "",
                f"{ind}    Example::",
                "",
                f"{ind}        >>> from {self.dotted} import {name.split('.')[-1]}",
                f'{ind}        >>> result = {name}("{self._word()}", 2)',
            ]
        lines.append(f'{ind}    """')
        return lines

    # ---------------------------------------------------------------- modules

    def render(self, m: Module) -> str:
        """Return the source of ``m``; each module draws from its own seeded stream."""
        self.rng.seed(self.seed + m.relpath)
        self.compact = 0 < m.bytes_target < COMPACT_BELOW_BYTES
        if m.is_package:
            return self._render_init(m)
        if m.is_test:
            return self._render_test(m)
        return self._render_module(m)

    def _render_init(self, m: Module) -> str:
        rng = self.rng
        if not m.exports:
            roll = rng.random()
            if m.top == "tests" or roll < 0.35:
                return ""
            if m.dir.depth == 1:
                version = f"{rng.randint(0, 3)}.{rng.randint(0, 20)}.{rng.randint(0, 9)}"
                return f'"""{m.dotted}: top-level package."""\n\n__version__ = "{version}"\n'
            return f'"""{self._doc("the " + m.leaf.replace("_", " ") + " package")}"""\n'
        lines = [
            f'"""{self._doc("the " + m.leaf.replace("_", " ") + " package")}',
            "",
            "Re-exports the public API of its submodules.",
            '"""',
        ]
        if rng.random() < 0.3:
            lines.append("from __future__ import annotations")
        lines.append("")
        by_source: dict[int, tuple[Module, list[str]]] = {}
        for name, src, _kind in m.exports:
            by_source.setdefault(id(src), (src, []))[1].append(name)
        absolute = rng.random() < 0.25
        for src, names in by_source.values():
            origin = src.dotted if absolute else f".{src.leaf}"
            if len(names) > 2 and rng.random() < 0.5:
                lines.append(f"from {origin} import (")
                lines += [f"    {n}," for n in names]
                lines.append(")")
            else:
                lines.append(f"from {origin} import {', '.join(names)}")
            self.stats.import_statements += 1
            self.stats.relative_imports += 0 if absolute else 1
        if rng.random() < 0.65:
            lines.append("")
            lines.append("__all__ = [")
            lines += [f'    "{name}",' for name, _src, _kind in m.exports]
            lines.append("]")
        return "\n".join(lines) + "\n"

    def _header(self, m: Module, extra_std: list[str], future: bool) -> list[str]:
        """The module docstring, `from __future__ import annotations` when `future`, then the stdlib imports."""
        doc = self._realistic_docstring(m) if self.realistic else self._docstring(m)
        doc.append('"""')
        if future:
            doc.append("from __future__ import annotations")
        doc.append("")
        doc += sorted(dict.fromkeys(extra_std), key=lambda line: (line.startswith("from "), line))
        return doc

    def _docstring(self, m: Module) -> list[str]:
        """A short module docstring, without its closing quotes."""
        doc = [f'"""{self._doc(m.leaf.replace("_", " "))}']
        if self.rng.random() < 0.6:
            doc += [
                "",
                f"This module belongs to ``{m.top}`` and is part of the {self.rng.choice(NOUNS)} subsystem.",
                f"It is generated for benchmarking (lines target: {m.lines_target}).",
            ]
        return doc

    def _realistic_docstring(self, m: Module) -> list[str]:
        """A license comment, then a long module docstring with an import example, without its closing quotes."""
        rng = self.rng
        doc: list[str] = []
        if not self.compact and rng.random() < 0.4:
            doc += [
                "# Copyright (c) 2024 Netra Systems, Inc. All rights reserved.",
                "# SPDX-License-Identifier: Apache-2.0",
                "#",
                "# Do not import from private modules of other services; see CONTRIBUTING.md.",
            ]
        doc.append(f'"""{self._doc(m.leaf.replace("_", " "))}')
        small = m.lines_target < 120
        for _ in range(0 if self.compact else 1 if small else rng.randint(1, 3)):
            doc += ["", *self._paragraph(rng.randint(8, 25) if small else rng.randint(20, 70), "")]
        if m.symbols and rng.random() < (0.15 if small else 0.5):
            doc += ["", "Example::", "", f"    from {m.dotted} import {m.symbols[0][0]}", f"    import {m.top}", ""]
            doc += self._paragraph(rng.randint(8, 20), "")
        return doc

    def _render_module(self, m: Module) -> str:
        rng = self.rng
        st = self.stats
        self.dotted = m.dotted
        self.lazy_modules = [s.target.dotted for s in m.imports if s.planted is None]
        top_imports = [s for s in m.imports if s.placement == "top"]
        tc_imports = [s for s in m.imports if s.placement == "type_checking"]
        try_imports = [s for s in m.imports if s.placement == "try"]
        fn_imports = [s for s in m.imports if s.placement == "function"]
        has_dataclass = any(c.kind == "dataclass" for c in m.classes)
        has_enum = any(c.kind == "enum" for c in m.classes)
        use_lru = rng.random() < 0.15
        traced = rng.random() < 0.1
        typing_names = ["Any"]
        if tc_imports:
            typing_names.append("TYPE_CHECKING")
        if traced:
            typing_names.append("Callable")
        extra_tc = self.realistic and not tc_imports and rng.random() < 0.3
        if extra_tc:
            typing_names.append("TYPE_CHECKING")
        std = ["import logging", f"from typing import {', '.join(sorted(typing_names))}"]
        if self.realistic and self.lazy_modules:
            std.append("import importlib")
        if m.async_functions:
            std.append("import asyncio")
        if use_lru or traced:
            std.append("import functools")
        if has_dataclass:
            std.append("from dataclasses import dataclass, field")
        if has_enum:
            std.append("from enum import Enum")
        std += rng.sample(STDLIB_EXTRA, rng.randint(0, 3))
        lines = self._header(m, std, future=rng.random() < 0.5)

        if rng.random() < 0.25:
            lines.append("")
            lines += sorted(rng.sample(THIRD_PARTY, rng.randint(1, 2)))

        # Project imports: absolute first, then relative; planted lines mixed in.
        entries: list[tuple[str, Planted | None]] = []
        absolute = sorted((s for s in top_imports if not s.relative), key=lambda s: s.statement)
        relative = sorted((s for s in top_imports if s.relative), key=lambda s: s.statement)
        entries += [(s.statement, s.planted) for s in absolute + relative]
        for p in m.planted:
            entries.insert(self.plant_rng.randint(0, len(entries)), (p.statement, p))
        if entries:
            lines.append("")
            for statement, planted in entries:
                lines.append(statement)
                if planted is not None:
                    planted.line = len(lines)
        st.import_statements += len(m.imports) + len(m.planted)
        st.relative_imports += sum(1 for s in m.imports if s.relative)

        if rng.random() < (0.3 if self.realistic else 0.12):
            good, fallback = rng.choice(THIRD_PARTY_TRY)
            lines += ["", "try:", f"    {good}", "except ImportError:  # pragma: no cover", f"    {fallback}"]
        for spec in try_imports:
            lines += ["", "try:", f"    {spec.statement}", "except ImportError:  # optional component"]
            lines += [f"    {b} = None  # type: ignore[assignment,misc]" for b in spec.bound]
        st.try_imports += len(try_imports)
        if tc_imports:
            lines += ["", "if TYPE_CHECKING:"]
            for spec in tc_imports:
                lines.append(f"    {spec.statement}")
        elif extra_tc:
            lines += [
                "",
                "if TYPE_CHECKING:  # imports for type hints only",
                "    from collections.abc import Iterator, Sequence",
                "    from decimal import Decimal",
            ]
        st.type_checking_imports += len(tc_imports)

        lines += ["", "logger = logging.getLogger(__name__)", ""]
        for const in m.constants:
            lines.append(self._constant(const))
        if self.realistic and rng.random() < 0.35:
            template = self._template()
            lines += ["", f"_{rng.choice(NOUNS).upper()}_TEMPLATE = " + template[0], *template[1:]]

        refs = [r for s in top_imports for r in s.refs]
        class_refs = [c for s in top_imports for c in s.class_refs]
        hint_refs = [c for s in tc_imports for c, _ in s.class_refs]

        if traced:
            lines += [
                "",
                "",
                "def _traced(func: Callable[..., Any]) -> Callable[..., Any]:",
                '    """Log every call to ``func``."""',
                "",
                "    @functools.wraps(func)",
                "    def wrapper(*args: Any, **kwargs: Any) -> Any:",
                '        logger.debug("calling %s", func.__name__)',
                "        return func(*args, **kwargs)",
                "",
                "    return wrapper",
            ]

        n_callables = len(m.functions) + sum(len(c.methods) + 1 for c in m.classes) + len(hint_refs)
        budget = max(4, (m.lines_target - len(lines) + len(m.planted) - 6 * len(m.classes)) // max(1, n_callables))
        # Function-local imports go to the first functions.
        local_pre: dict[str, list[str]] = {}
        local_refs: dict[str, list[str]] = {}
        for i, spec in enumerate(fn_imports):
            fname = m.functions[i % len(m.functions)]
            local_pre.setdefault(fname, []).append(spec.statement)
            if spec.refs:
                local_pre[fname].append(f"{rng.choice(('helper', 'lazy', 'deferred'))}_value = {spec.refs[0]}")
            local_refs.setdefault(fname, []).extend(spec.refs)
        st.function_local_imports += len(fn_imports)

        for c in m.classes:
            lines += ["", ""]
            lines += self._class(c, budget, refs, class_refs)
            st.classes += 1
        for fname in m.functions:
            decorators: list[str] = []
            is_async = fname in m.async_functions
            if use_lru and not is_async and rng.random() < 0.5:
                decorators.append("@functools.lru_cache(maxsize=128)")
            elif traced and rng.random() < 0.5:
                decorators.append("@_traced")
            pre = local_pre.get(fname)
            fn_refs = refs + local_refs.get(fname, [])
            lines += ["", ""]
            fn_lines = self._function(fname, budget, fn_refs, is_async=is_async, method=False, decorators=decorators, pre=pre)
            start = len(lines)
            lines += fn_lines
            if pre:
                for spec in fn_imports:
                    if spec.planted is not None and spec.statement in pre:
                        spec.planted.line = start + 1 + next(j for j, text in enumerate(fn_lines) if text.strip() == spec.statement)
            st.functions += 1
        for hint in hint_refs:
            snake = "".join("_" + ch.lower() if ch.isupper() else ch for ch in hint).lstrip("_")
            lines += [
                "",
                "",
                f'def describe_{snake}(obj: "{hint}") -> str:',
                f'    """Describe a ``{hint}`` without importing it at runtime."""',
                '    return f"{type(obj).__name__}:{id(obj)}"',
            ]
        if rng.random() < 0.3:
            public = [c.name for c in m.classes] + m.functions
            lines += ["", "", "__all__ = [" + ", ".join(f'"{n}"' for n in public) + "]"]
        return "\n".join(lines) + "\n"

    def _constant(self, name: str) -> str:
        rng = self.rng
        if name.endswith(("PREFIX", "NAME")):
            return f'{name}: str = "{self._word()}"'
        if rng.random() < 0.2:
            return f"{name}: tuple[int, ...] = ({rng.randint(1, 9)}, {rng.randint(10, 99)}, {rng.randint(100, 999)})"
        return f"{name}: int = {rng.randint(1, 600)}"

    def _class(self, c: ClassSpec, budget: int, refs: list[str], class_refs: list[tuple[str, str]]) -> list[str]:
        rng = self.rng
        doc = f'    """{self._doc("the " + c.name)}"""'
        docs = [doc]  # one list item per line: planted line numbers count items
        if self.realistic and c.kind in ("plain", "dataclass"):
            docs = [
                doc[:-3],
                "",
                *self._paragraph(rng.randint(15, 50), "    "),
                "",
                "    Attributes:",
                f"        name: the {rng.choice(NOUNS)} this {c.kind} is about.",
                "        count: how many times it was used.",
                '    """',
            ]
        if c.kind == "enum":
            return [f"class {c.name}(str, Enum):", doc, "", '    ACTIVE = "active"', '    DISABLED = "disabled"', '    PENDING = "pending"']
        if c.kind == "error":
            return [f"class {c.name}(Exception):", doc]
        if c.kind == "dataclass":
            lines = [
                "@dataclass",
                f"class {c.name}:",
                *docs,
                "",
                f'    name: str = "{self._word()}"',
                f"    count: int = {rng.randint(0, 9)}",
                "    tags: list[str] = field(default_factory=list)",
            ]
        else:
            bases = [r for r, kind in class_refs if kind in ("plain", "dataclass", "error")]
            base = rng.choice(bases) if bases and rng.random() < 0.4 else None
            lines = [
                f"class {c.name}({base}):" if base else f"class {c.name}:",
                *docs,
                "",
                f"    default_retries: int = {rng.randint(1, 5)}",
                "",
                f'    def __init__(self, name: str = "{self._word()}", count: int = 0) -> None:',
            ]
            if base:
                lines.append("        super().__init__(name, count)")
            lines += [
                "        self.name = name",
                "        self.count = count",
                "        self._cache: dict[str, Any] = {}",
                "",
                "    @property",
                "    def label(self) -> str:",
                '        return f"{self.name}:{self.count}"',
                "",
                "    @classmethod",
                f'    def from_config(cls, config: dict[str, Any]) -> "{c.name}":',
                f'        return cls(name=str(config.get("name", "{self._word()}")),',
                '                   count=int(config.get("count", 0)))',
                "",
                "    @staticmethod",
                "    def validate_name(name: str) -> bool:",
                "        return bool(name) and name.isidentifier()",
            ]
        for meth in c.methods:
            lines.append("")
            lines += self._function(meth, budget, refs, is_async=False, method=True, decorators=[])
        return lines

    def _render_test(self, m: Module) -> str:
        rng = self.rng
        st = self.stats
        std = ["import unittest", "from unittest import mock", "from unittest.mock import MagicMock, patch"]
        if rng.random() < 0.3:
            std.append("from typing import Any")
        lines = [
            f'"""Tests for {", ".join(s.target.dotted for s in m.imports) or m.dir.dotted}."""',
            "from __future__ import annotations",
            "",
        ]
        if self.realistic:
            self.dotted = m.dotted
            self.lazy_modules = [s.target.dotted for s in m.imports if s.planted is None]
            lines[0] = lines[0][:-3]
            lines[1:1] = [
                "",
                *self._paragraph(rng.randint(20, 60), ""),
                "",
                'Patch targets are spelled out in full (``patch("pkg.mod.Name")``) so that a',
                "module that moves breaks these tests loudly instead of silently.",
                '"""',
            ]
        lines += sorted(std, key=lambda line: (line.startswith("from "), line))
        lines += ["", "import pytest", ""]
        # Test modules import module objects (so patches apply) plus a few names.
        entries: list[tuple[str, Planted | None]] = []
        plans: list[tuple[Module, str]] = []
        taken = {name for spec in m.imports for name in spec.bound}
        for spec in m.imports:
            t = spec.target
            if t.is_package or t.top == "test_framework":
                entries.append((spec.statement, None))
                plans.append((t, ""))
                continue
            roll = rng.random()
            if roll < 0.5:
                entries.append((f"from {t.parent_dotted} import {t.leaf}", None))
                expr = t.leaf
            elif roll < 0.8:
                entries.append((f"import {t.dotted}", None))
                expr = t.dotted
            else:
                alias = f"{t.leaf}_under_test"
                entries.append((f"import {t.dotted} as {alias}", None))
                expr = alias
            if self.realistic and "." not in expr:
                # Large test files import many modules: two with the same leaf would shadow each other.
                if expr in taken:
                    expr = f"{t.leaf}_under_test_{len(plans)}"
                    entries[-1] = (f"import {t.dotted} as {expr}", None)
                taken.add(expr)
            plans.append((t, expr))
        st.import_statements += len(entries) + len(m.planted)
        for p in m.planted:
            entries.insert(self.plant_rng.randint(0, len(entries)), (p.statement, p))
        for statement, planted in sorted(entries, key=lambda e: e[0]):
            lines.append(statement)
            if planted is not None:
                planted.line = len(lines)
        fw_refs = [r for spec in m.imports if spec.target.top == "test_framework" for r in spec.refs]
        used = len(lines) - len(m.planted)
        n = 0
        for t, expr in plans:
            if not expr:
                continue
            cls = f"Test{camel(t.leaf)}{n or ''}"
            n += 1
            lines += [
                "",
                "",
                f"class {cls}(unittest.TestCase):",
                f'    """Unit tests for :mod:`{t.dotted}`."""',
                "",
                "    def setUp(self) -> None:",
                f'        self.name = "{self._word()}"',
                f"        self.count = {rng.randint(1, 9)}",
            ]
            if fw_refs:
                helper = rng.choice(fw_refs).replace("(name, count)", "(self.name, self.count)")
                lines.append(f"        self.helper = {helper}")
            budget = max(12, (m.lines_target - used) // max(1, len(plans)))
            start = len(lines)
            seen: dict[str, None] = {}
            while len(lines) - start < budget:
                name, kind = rng.choice(t.symbols)
                test_name = f"test_{name.lower()}_{len(seen)}"
                seen[test_name] = None
                target = f"{t.dotted}.{name}"
                if kind == "func":
                    lines += [
                        "",
                        f'    @patch("{target}")',
                        f"    def {test_name}(self, mocked: MagicMock) -> None:",
                        '        mocked.return_value = {"ok": True}',
                        f"        result = {expr}.{name}(self.name, self.count)",
                        '        self.assertEqual(result, {"ok": True})',
                        "        mocked.assert_called_once_with(self.name, self.count)",
                    ]
                elif kind == "const":
                    k = rng.randint(1, 999)
                    lines += [
                        "",
                        f"    def {test_name}(self) -> None:",
                        f'        with mock.patch("{target}", {k}):',
                        f"            self.assertEqual({expr}.{name}, {k})",
                    ]
                elif kind in ("plain", "dataclass") and _class_methods(t, name):
                    meth = rng.choice(_class_methods(t, name))
                    lines += [
                        "",
                        f'    @patch("{target}.{meth}")',
                        f"    def {test_name}(self, mocked: MagicMock) -> None:",
                        "        mocked.return_value = None",
                        f"        instance = {expr}.{name}(self.name, self.count)",
                        f"        self.assertIsNone(instance.{meth}())",
                    ]
                else:
                    lines += [
                        "",
                        f"    def {test_name}(self) -> None:",
                        f'        with mock.patch.object({expr}, "{name}", autospec=False) as fake:',
                        "            values = [i * 2 for i in range(self.count)]",
                        '            message = f"{self.name}: {len(values)}"',
                        "            self.assertIn(self.name, message)",
                        "            self.assertIsNotNone(fake)",
                    ]
                if self.realistic:
                    at = next(i for i in range(len(lines) - 1, start - 1, -1) if lines[i].startswith(f"    def {test_name}("))
                    extra = [f'        """{self._prose(self.rng.randint(6, 16))}"""']
                    if self.rng.random() < 0.3:
                        extra.append("        # Arrange: the patch replaces the name where it is looked up, not where it is defined.")
                    lines[at + 1 : at + 1] = extra
                st.patch_targets += 1
            funcs = [s for s, k in t.symbols if k == "func"]
            if funcs and rng.random() < 0.5:
                fname = rng.choice(funcs)
                lines += [
                    "",
                    "",
                    f'@pytest.mark.parametrize("count", [0, 1, {rng.randint(2, 9)}])',
                    f"def test_{fname}_parametrized_{n}(count: int) -> None:",
                    f'    with patch("{t.dotted}.{fname}", return_value=count) as fake:',
                    f'        assert {expr}.{fname}("{self._word()}", count) == count',
                    "        fake.assert_called_once()",
                ]
                st.patch_targets += 1
        if n == 0:
            lines += ["", "", "def test_placeholder() -> None:", "    assert True"]
        return "\n".join(lines) + "\n"


def _class_methods(t: Module, name: str) -> list[str]:
    for c in t.classes:
        if c.name == name:
            return c.methods
    return []


# --------------------------------------------------------------------------- API / CLI


def read_manifest(out_dir: Path) -> dict[str, Any] | None:
    """Return the manifest of a generated tree, or None when there is none."""
    path = out_dir / MANIFEST_NAME
    if not path.is_file():
        return None
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data


def params_for(
    modules: int | None, seed: int, broken: int, ssot: int, profile: str = "default", megabytes: float | None = None
) -> dict[str, Any]:
    """The ``params`` a manifest records (the default profile sized by modules keeps its original four keys)."""
    params: dict[str, Any] = {"megabytes": megabytes} if megabytes is not None else {"modules": modules}
    params.update(seed=seed, broken=broken, ssot=ssot)
    if profile != "default":
        params["profile"] = profile
    return params


def manifest_matches(
    manifest: dict[str, Any] | None,
    modules: int | None,
    seed: int,
    broken: int,
    ssot: int,
    profile: str = "default",
    megabytes: float | None = None,
) -> bool:
    """True when ``manifest`` describes a tree generated with exactly these arguments."""
    if not manifest:
        return False
    if profile == "realistic" and manifest.get("profile_version") != REALISTIC_VERSION:
        return False
    return manifest.get("generator_version") == GENERATOR_VERSION and manifest.get("params") == params_for(
        modules, seed, broken, ssot, profile, megabytes
    )


def size_quantiles(sizes: list[int]) -> dict[str, int]:
    """Median, p90, p99, max and mean of file sizes in bytes."""
    if not sizes:
        return {}
    ordered = sorted(sizes)
    n = len(ordered)

    def at(q: float) -> int:
        return ordered[min(n - 1, int(q * n))]

    return {"median": at(0.5), "p90": at(0.9), "p99": at(0.99), "max": ordered[-1], "mean": sum(ordered) // n}


def size_for_megabytes(megabytes: float, seed: int = 0, profile: str = "default") -> tuple[int, float]:
    """The module count and size scale whose planned tree is ``megabytes`` MB (1 MB = 10**6 bytes).

    Plans layouts and definitions (no rendering) and rescales the count until
    it settles, keeping the count whose plan came closest. Each count draws
    its own sizes, and with a few thousand modules one 400 KB file or one
    test package more moves the total by several per cent; so the realistic
    profile then multiplies every drawn module size by one factor (kept
    within 0.8-1.25; recorded in the manifest) that brings the planned total
    to the target. Deterministic for given arguments.
    """
    target = megabytes * 1e6
    tried: dict[int, Generator] = {}

    def planned(count: int) -> float:
        if count not in tried:
            gen = Generator(count, seed, 0, 0, profile)
            gen.plan_layout()
            gen.plan_definitions()
            tried[count] = gen
        return tried[count].estimated_bytes()

    n = max(MIN_MODULES, round(target / (11000 if profile == "realistic" else 3000)))
    for _ in range(6):
        new = max(MIN_MODULES, round(n * target / planned(n)))
        if new in tried or abs(new - n) <= max(1, n // 500):
            break
        n = new
    n = min(tried, key=lambda k: abs(planned(k) - target))
    scale = 1.0
    if profile == "realistic":
        drawn = sum(planned_bytes(m) for m in tried[n].modules if m.bytes_target)
        if drawn:
            scale = min(1.25, max(0.8, (target - (planned(n) - drawn)) / drawn))
    return n, round(scale, 4)


def generate(
    out_dir: Path,
    modules: int | None,
    seed: int = 0,
    broken: int = 50,
    ssot: int = 0,
    force: bool = False,
    *,
    profile: str = "default",
    megabytes: float | None = None,
) -> dict[str, Any]:
    """Generate a tree into ``out_dir`` and write its manifest; return the manifest.

    Give ``modules`` or ``megabytes`` (total source size; the module count is
    then derived). An existing ``out_dir`` is replaced when it holds a
    previous generator output (it has a ``MANIFEST.json``) or when ``force``
    is true; any other non-empty directory is refused.
    """
    if (modules is None) == (megabytes is None):
        raise ValueError("give exactly one of --modules and --megabytes")
    if megabytes is not None and megabytes <= 0:
        raise ValueError("--megabytes must be positive")
    out_dir = Path(out_dir)
    if out_dir.exists() and any(out_dir.iterdir()):
        if not force and read_manifest(out_dir) is None:
            raise FileExistsError(f"{out_dir} is not empty and has no {MANIFEST_NAME}; pass --force to replace it")
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    scale = 1.0
    if megabytes is not None:
        modules, scale = size_for_megabytes(megabytes, seed, profile)
    assert modules is not None
    gen = Generator(modules, seed, broken, ssot, profile)
    gen.megabytes = megabytes
    gen.size_scale = scale
    gen.plan_layout()
    gen.plan_definitions()
    gen.plan_imports()
    manifest = gen.write(out_dir)
    manifest["generation_seconds"] = round(time.perf_counter() - started, 3)
    (out_dir / MANIFEST_NAME).write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    return manifest


def ensure(
    out_dir: Path,
    modules: int | None,
    seed: int = 0,
    broken: int = 50,
    ssot: int = 0,
    *,
    profile: str = "default",
    megabytes: float | None = None,
) -> dict[str, Any]:
    """The manifest of the tree in ``out_dir``: reused when it was generated with these arguments, else generated."""
    manifest = read_manifest(out_dir)
    if manifest_matches(manifest, modules, seed, broken, ssot, profile, megabytes):
        print(f"[tree] reusing {out_dir}", file=sys.stderr)
        assert manifest is not None
        return manifest
    what = f"{megabytes:g} MB" if megabytes is not None else f"{modules} modules"
    print(f"[tree] generating {what} ({profile} profile) into {out_dir} ...", file=sys.stderr, flush=True)
    manifest = generate(out_dir, modules, seed, broken, ssot, force=True, profile=profile, megabytes=megabytes)
    print(f"[tree] generated in {manifest['generation_seconds']:.1f}s", file=sys.stderr)
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("out_dir", type=Path, help="directory to write the tree into")
    size = parser.add_mutually_exclusive_group(required=True)
    size.add_argument("--modules", type=int, help=f"exact number of .py files (>= {MIN_MODULES})")
    size.add_argument("--megabytes", type=float, help="total size of the .py files in MB (10**6 bytes); the module count is derived")
    parser.add_argument(
        "--profile",
        choices=PROFILES,
        default="default",
        help="default: small synthetic files; realistic: file sizes and bodies like real code",
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--broken", type=int, default=50, help="broken imports to plant (default 50)")
    parser.add_argument("--ssot", type=int, default=0, help="backend modules that import the forbidden module (default 0)")
    parser.add_argument("--force", action="store_true", help="replace a non-empty OUT_DIR")
    args = parser.parse_args(argv)
    try:
        manifest = generate(
            args.out_dir, args.modules, args.seed, args.broken, args.ssot, args.force, profile=args.profile, megabytes=args.megabytes
        )
    except (ValueError, FileExistsError) as exc:
        parser.error(str(exc))
    c = manifest["counts"]
    print(
        f"wrote {c['modules']} modules ({c['packages']} packages, {c['test_modules']} test files), "
        f"{c['lines']} lines, {c['bytes'] / 1e6:.1f} MB into {args.out_dir} "
        f"in {manifest['generation_seconds']:.1f}s; planted {c['planted_broken']} broken imports, "
        f"{c['planted_cycles']} cycles, {c['planted_ssot']} SSOT violations",
        file=sys.stderr,
    )
    q = c["py_size_quantiles"]
    print(
        f".py sizes: median {q['median']} B, p90 {q['p90']} B, p99 {q['p99']} B, max {q['max']} B; "
        f".py total {c['py_bytes'] / 1e6:.1f} MB; large test files {c['large_test_files']} "
        f"({c['large_test_bytes'] / 1e6:.1f} MB)",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
