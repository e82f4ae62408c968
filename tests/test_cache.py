"""The persistent parse cache: hits and misses, identical results, corruption, concurrency, versions, --no-cache."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

import remediator
from remediator.adapters.cache import CACHE_DIR, STORE_FILE, FactsCache, Store, content_key
from remediator.adapters.config_file import load_settings
from remediator.adapters.filesystem import discover
from remediator.adapters.parallel import PARALLEL_THRESHOLD, parse_file, parse_files
from remediator.domain.facts import ModuleFacts

from conftest import WorkerWatch, write_tree

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "netra_monorepo"

SMALL = {
    "app/__init__.py": "from app.core import Service\n__all__ = ['Service']\n",
    "app/core.py": "import os\n\nclass Service:\n    pass\n\nLIMIT = 3\n",
    "app/views.py": "from app.core import Service, LIMIT\nfrom app.gone import thing\n",
    "app/broken.py": "def f(:\n    pass\n",
    "tests/test_views.py": "from unittest.mock import patch\n\n@patch('app.core.Service')\ndef test_x(m):\n    pass\n",
}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A synthetic tree from bench/generate.py, big enough for the worker pool (kept pristine: copy it)."""
    root = tmp_path_factory.mktemp("generated") / "tree"
    subprocess.run(
        [sys.executable, str(REPO / "bench" / "generate.py"), str(root), "--modules", "1200", "--broken", "20", "--ssot", "5"],
        check=True,
        capture_output=True,
    )
    return root


def _copy(source: Path, target: Path) -> Path:
    shutil.copytree(source, target, ignore=shutil.ignore_patterns(CACHE_DIR))
    return target


def _paths(root: Path) -> list[Path]:
    """The files the scan of `root` parses (its own `packages` setting decides, as for the scan)."""
    return [source.path for source in discover(root.resolve(), load_settings(root).packages).files]


def _parse(root: Path, jobs: int | None = 1, **options: Any) -> tuple[list[ModuleFacts], FactsCache]:
    cache = FactsCache.for_root(root.resolve(), **options)
    return parse_files(_paths(root), jobs, cache), cache


def _fresh(root: Path) -> list[ModuleFacts]:
    return [parse_file(path) for path in _paths(root)]


def _document(result: remediator.ScanResult) -> dict[str, Any]:
    data = result.to_dict()
    data["summary"].pop("elapsed_seconds")
    return data


def _store(root: Path, version: str | None = None) -> Path:
    cache = FactsCache.for_root(root.resolve()) if version is None else FactsCache.for_root(root.resolve(), version=version)
    return cache.folder / STORE_FILE


def _entries(root: Path) -> list[bytes]:
    """The content keys of the facts in the store (none when there is no store)."""
    if not _store(root).exists():
        return []
    with sqlite3.connect(_store(root)) as db:
        return sorted(key for (key,) in db.execute("SELECT key FROM facts"))


def _sql(root: Path, statement: str, *parameters: object) -> None:
    db = sqlite3.connect(_store(root))
    db.execute(statement, parameters)
    db.commit()
    db.close()


def test_miss_then_hit_changed_file_parsed_again_and_changed_back_served(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", SMALL)
    facts, cache = _parse(root)
    assert cache.stats.parsed == len(SMALL) and facts == _fresh(root)
    assert len(_entries(root)) == len(SMALL)

    facts, cache = _parse(root)
    assert (cache.stats.parsed, cache.stats.hash_hits) == (0, len(SMALL))  # files too recent for the stat index
    assert facts == _fresh(root)

    views = root / "app" / "views.py"
    original = views.read_bytes()
    views.write_text("from app.core import LIMIT\nimport app.missing\n")
    facts, cache = _parse(root)
    assert cache.stats.parsed == 1 and facts == _fresh(root)
    assert any(record.module == "app.missing" for f in facts for record in f.imports)

    views.write_bytes(original)  # changed back: its entry is still there
    facts, cache = _parse(root)
    assert cache.stats.parsed == 0 and facts == _fresh(root)
    assert not any(record.module == "app.missing" for f in facts for record in f.imports)


def test_stat_index_skips_reading_and_still_sees_same_size_same_mtime_edits(tmp_path: Path) -> None:
    # settle_seconds=0: the files count as settled at once. Waiting for that is not the subject here; that
    # files younger than the settle time are not recorded is (test_miss_then_hit_changed_file_parsed_again...).
    root = write_tree(tmp_path / "repo", SMALL)
    facts, cache = _parse(root, settle_seconds=0)  # parses, and records the files in the stat index
    assert cache.stats.parsed == len(SMALL)
    facts, cache = _parse(root, settle_seconds=0)
    assert (cache.stats.stat_hits, cache.stats.hash_hits, cache.stats.parsed) == (len(SMALL), 0, 0)
    assert facts == _fresh(root)

    core = root / "app" / "core.py"
    before = os.stat(core)
    core.write_bytes(core.read_bytes().replace(b"LIMIT = 3", b"LIMIT = 4").replace(b"Service", b"Servant"))
    os.utime(core, ns=(before.st_atime_ns, before.st_mtime_ns))  # same size, same mtime: only ctime tells
    assert os.stat(core).st_size == before.st_size and os.stat(core).st_mtime_ns == before.st_mtime_ns
    facts, cache = _parse(root, settle_seconds=0)
    assert cache.stats.parsed == 1 and cache.stats.stat_hits == len(SMALL) - 1
    assert facts == _fresh(root)
    assert "Servant" in facts[[p.name for p in _paths(root)].index("core.py")].defined_names


def test_results_identical_with_and_without_cache_on_the_example(tmp_path: Path) -> None:
    root = _copy(EXAMPLE, tmp_path / "example")
    plain = _document(remediator.scan(root, use_git=False, use_cache=False))
    assert not (root / CACHE_DIR).exists()
    cold = _document(remediator.scan(root, use_git=False))
    assert _entries(root)
    warm = _document(remediator.scan(root, use_git=False))
    assert plain == cold == warm
    assert plain["findings"]


@pytest.mark.e2e
def test_results_identical_with_and_without_cache_on_a_generated_tree_with_workers(
    generated: Path,
    tmp_path: Path,
    start_method: str,
) -> None:
    root = _copy(generated, tmp_path / "tree")
    paths = _paths(root)
    assert len(paths) >= PARALLEL_THRESHOLD
    plain = _document(remediator.scan(root, use_git=False, use_cache=False, jobs=2))
    watch = WorkerWatch()
    cold = _document(remediator.scan(root, use_git=False, jobs=2, progress=watch))
    assert watch.methods == {start_method}  # the parse (with the cache) ran in workers started that way
    warm = _document(remediator.scan(root, use_git=False, jobs=2))
    assert plain == cold == warm
    assert plain["summary"]["errors"] >= 20
    # the workers wrote an entry per distinct content, and looked the entries up on the next run
    assert len(_entries(root)) == len({content_key(p.read_bytes()) for p in paths})
    facts, cache = _parse(root, jobs=2)
    assert cache.stats.parsed == 0 and cache.stats.hash_hits + cache.stats.stat_hits == len(paths)
    assert facts == _fresh(root)


@pytest.mark.e2e
def test_warm_check_of_one_changed_file_parses_only_that_file(generated: Path, tmp_path: Path) -> None:
    root = _copy(generated, tmp_path / "tree")
    _parse(root, jobs=2)
    manifest = json.loads((root / "MANIFEST.json").read_text())
    planted = manifest["planted_broken"][0]
    changed = root / planted["file"]
    changed.write_text(changed.read_text() + "\nfrom shared import no_such_name_here\n")
    facts, cache = _parse(root, jobs=2)
    assert cache.stats.parsed == 1
    assert facts == _fresh(root)
    result = remediator.check(root, files=[changed], use_git=False)
    assert {f.name for f in result.findings} >= {"no_such_name_here"}
    assert {f.path for f in result.findings} == {planted["file"]}


@pytest.mark.parametrize("damage", ["truncate", "garble", "empty", "swap", "junk"])
def test_corrupt_entries_are_ignored_and_rebuilt(tmp_path: Path, damage: str) -> None:
    root = _copy(EXAMPLE, tmp_path / "example")
    expected = _document(remediator.scan(root, use_git=False, use_cache=False))
    remediator.scan(root, use_git=False)
    entries = _entries(root)
    damaged = entries[::3]
    assert damaged
    with sqlite3.connect(_store(root)) as db:
        rows = dict(db.execute("SELECT key, data FROM facts"))
        for number, key in enumerate(damaged):
            data = rows[key]
            if damage == "truncate":
                data = data[: len(data) // 2]
            elif damage == "garble":
                middle = len(data) // 2
                data = data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1 :]
            elif damage == "empty":
                data = b""
            elif damage == "swap":  # a sound entry under the wrong key
                data = rows[entries[(entries.index(key) + 1) % len(entries)]]
            else:
                data = os.urandom(len(data)) if number % 2 else b"\x80\x04junk" * 40
            db.execute("UPDATE facts SET data = ? WHERE key = ?", (data, key))
        db.execute("UPDATE blobs SET data = substr(data, 1, length(data) - 7) WHERE scope = '' AND name = 'stat-index'")
        db.execute(
            "DELETE FROM blobs WHERE scope != ''"
        )  # so that every file's facts are read again (damage to the analysis: tests/test_incremental.py)

    assert _document(remediator.scan(root, use_git=False)) == expected
    cache = FactsCache.for_root(root.resolve())
    for key in damaged:  # rebuilt: every damaged entry is sound again
        assert cache.get(key) is not None, key
    facts, cache = _parse(root)
    assert cache.stats.parsed == 0 and facts == _fresh(root)


@pytest.mark.e2e
def test_two_concurrent_scans_with_an_empty_cache(generated: Path, tmp_path: Path) -> None:
    root = _copy(generated, tmp_path / "tree")
    command = [sys.executable, "-m", "remediator", "scan", str(root), "--format", "json", "--no-git", "--jobs", "2"]
    expected = subprocess.run([*command, "--no-cache"], capture_output=True, text=True, check=False)
    assert expected.returncode == 1 and not (root / CACHE_DIR).exists()
    runs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [run.communicate(timeout=600) for run in runs]
    for run, (stdout, stderr) in zip(runs, outputs):
        assert run.returncode == 1, stderr
        assert _findings(stdout) == _findings(expected.stdout)
    # consistent afterwards: every entry is sound, holds the facts of its content, no temporary file is left
    paths = _paths(root)
    by_key = {content_key(p.read_bytes()): p for p in paths}
    cache = FactsCache.for_root(root.resolve())
    entries = _entries(root)
    assert set(entries) == set(by_key)
    for key in entries:
        assert cache.get(key) == parse_file(by_key[key])
    assert not [p for p in (root / CACHE_DIR).rglob("*") if p.name.endswith(".tmp")]
    facts, cache = _parse(root, jobs=2)
    assert cache.stats.parsed == 0 and facts == _fresh(root)


def _findings(stdout: str) -> list[dict[str, Any]]:
    return json.loads(stdout)["findings"]


def test_entries_of_another_version_are_not_used(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", SMALL)
    base = root.resolve() / CACHE_DIR
    other = FactsCache(base, version="remediator 0.0.0-other")
    current = FactsCache(base)
    assert other.folder != current.folder
    facts, _ = _parse(root, version="remediator 0.0.0-other")
    assert facts == _fresh(root)
    # the other version's entries, even copied into this version's store, fail the check
    assert current.store is not None
    current.store.close()
    with sqlite3.connect(other.folder / STORE_FILE) as source:
        rows = source.execute("SELECT key, data, written FROM facts").fetchall()
    assert len(rows) == len(SMALL)
    with sqlite3.connect(_store(root)) as db:
        db.executemany("INSERT INTO facts (key, data, written) VALUES (?, ?, ?)", rows)
    current = FactsCache(base)
    for key, _data, _written in rows:
        assert current.get(key) is None
        assert other.get(key) is not None
    facts, cache = _parse(root)
    assert cache.stats.parsed == len(SMALL) and facts == _fresh(root)
    assert all(FactsCache(base).get(key) is not None for key in _entries(root))


def test_old_version_folders_are_removed(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", SMALL)
    folders = []
    for number in range(5):
        _facts, cache = _parse(root, version=f"remediator test-{number}")
        folders.append(cache.folder)
        time.sleep(0.01)  # distinct folder mtimes
    left = sorted(p.name for p in (root / CACHE_DIR / "cache").iterdir() if p.is_dir())
    assert left == sorted(f.name for f in folders[-3:])


def test_prune_removes_only_old_entries_no_file_uses(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", SMALL)
    _parse(root)
    views = root / "app" / "views.py"
    stale_key = content_key(views.read_bytes())
    views.write_text("import os\n")
    _parse(root)
    live = {content_key(p.read_bytes()) for p in _paths(root)}
    assert stale_key in _entries(root) and stale_key not in live

    def prune() -> None:
        store = FactsCache.for_root(root.resolve()).store
        assert store is not None
        store.prune_facts(live)
        assert store.commit()
        store.close()

    prune()
    assert stale_key in _entries(root)  # the stale entry is recent: a concurrent run may still want it
    _sql(root, "UPDATE facts SET written = ?", int(time.time()) - 7200)
    prune()
    assert set(_entries(root)) == live


def _rows(path: Path, table: str) -> int:
    with sqlite3.connect(path) as db:
        return int(db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def test_write_through_keeps_nothing_in_memory_and_shows_nothing_before_commit(tmp_path: Path) -> None:
    path = tmp_path / STORE_FILE
    store = Store.open(path, b"salt")
    store.begin()
    assert store.get("scope", "old") is None  # the run's snapshot starts with its first read
    store.add_facts(b"k" * 16, b"entry")
    store.put("scope", "early", [1])
    store.write_through()  # what was buffered goes into the transaction
    store.clear("scope")
    store.put("scope", "map/0", {"a": 1})
    store.put("scope", "map/1", {"b": 2})
    assert store.get("scope", "map/1") == {"b": 2} and store.get("scope", "early") is None  # own writes, as made
    assert (store._facts, store._blobs) == ({}, {})  # nothing waits in memory
    assert _rows(path, "blobs") == _rows(path, "facts") == 0  # another connection sees nothing yet
    assert store.commit()
    store.close()
    assert (_rows(path, "blobs"), _rows(path, "facts")) == (2, 1)


def test_write_through_after_another_run_wrote_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / STORE_FILE
    store, other = Store.open(path, b"salt"), Store.open(path, b"salt")
    store.begin()
    assert store.get("scope", "state") is None
    other.put("scope", "state", "theirs")
    assert other.commit()
    store.add_facts(b"k" * 16, b"entry")
    store.write_through()
    store.clear("scope")
    store.put("scope", "state", "ours")
    assert not store.commit()  # refused: this run's view is older than the store
    assert other.get("scope", "state") == "theirs" and _rows(path, "facts") == 0
    store.put("scope", "state", "ours, next run")  # the store is usable again after a refusal
    assert store.commit() and other.get("scope", "state") == "ours, next run"
    store.close()
    other.close()


def test_cache_folder_is_git_ignored(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", SMALL)
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    remediator.scan(root, use_git=False)
    assert (root / CACHE_DIR / ".gitignore").read_text().splitlines()[-1] == "*"
    assert (root / CACHE_DIR / "cache" / "CACHEDIR.TAG").read_bytes().startswith(b"Signature: 8a477f597d28d172789f06886806bc55")
    status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=root, capture_output=True, text=True, check=True)
    assert CACHE_DIR not in status.stdout and "app/core.py" in status.stdout


@pytest.mark.e2e
@pytest.mark.parametrize("command", [["scan", "{root}"], ["check", "--root", "{root}"], ["fix", "{root}"], ["cycles", "{root}"]])
def test_no_cache_writes_nothing(tmp_path: Path, command: list[str]) -> None:
    root = write_tree(tmp_path / "repo", SMALL)
    args = [part.format(root=root) for part in command]
    done = subprocess.run([sys.executable, "-m", "remediator", *args, "--no-cache"], capture_output=True, text=True, check=False)
    assert done.returncode in (0, 1), done.stderr
    assert not (root / CACHE_DIR).exists()
    done = subprocess.run([sys.executable, "-m", "remediator", *args], capture_output=True, text=True, check=False)
    assert done.returncode in (0, 1), done.stderr
    assert _entries(root)


def test_no_cache_in_the_api_writes_nothing(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", SMALL)
    remediator.scan(root, use_git=False, use_cache=False)
    remediator.check(root, use_git=False, use_cache=False)
    remediator.fix(root, use_git=False, use_cache=False)
    assert not (root / CACHE_DIR).exists()


def test_a_write_cut_short_by_a_kill_disturbs_nothing(tmp_path: Path) -> None:
    """A SIGKILL while a run commits leaves a torn tail in the write-ahead log and the run's rows missing: harmless."""
    root = write_tree(tmp_path / "repo", SMALL)
    first = remediator.scan(root, use_git=False)
    _sql(root, "DELETE FROM facts WHERE key = ?", _entries(root)[0])  # the entry a killed run did not write
    with open(f"{_store(root)}-wal", "ab") as wal:
        wal.write(os.urandom(3000))  # half a frame, as a kill mid-write leaves it
    write_tree(root, {"app/extra.py": "import app.nowhere\n"})
    again = remediator.scan(root, use_git=False)
    assert {f.target for f in again.findings} == {*(f.target for f in first.findings), "app.nowhere"}
    assert again.to_dict()["findings"] == remediator.scan(root, use_git=False, use_cache=False).to_dict()["findings"]


def test_the_facts_version_covers_all_the_code_the_parser_runs() -> None:
    """An edited module the parser imports (an editable install) must change the cache version, or old facts are served."""
    import grimp

    from remediator.adapters import cache

    graph = grimp.build_graph("remediator", cache_dir=None)
    parser_code = {"remediator.adapters.parser", *graph.find_upstream_modules("remediator.adapters.parser")}
    listed = {"remediator." + path.removesuffix(".py").replace("/", ".") for path in cache._FACTS_CODE}
    assert parser_code - listed == set()
