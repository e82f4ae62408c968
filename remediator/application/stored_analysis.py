"""What the store holds of one settings' analysis, as plain data (tuples, dicts, strings: what marshal writes).

Blobs of the settings' scope (`adapters.cache.Store`):

    meta                 (STATE_FORMAT, number of shards)
    layout               (Layout.to_plain(), the module table: names \0-joined, flags as bytes)
    state                (content key of each layout file, summaries of the files that have one, cycles)
    graph/edges          module -> the modules it imports
    graph/breaking       module -> those whose import runs at import time, unguarded
    graph/importers      module -> who imports it so (the reverse: for the blast radius)
    files/<shard>        relpath -> FileDetail (edges with their lines, dependency keys)
    rdeps/<shard>        module -> key name (None, a name, "*") -> the files that read that key
    definers/<shard>     name -> modules defining it (a superset: entries are added, never removed)

Sets are written as tuples (`Codec`; marshal's sets cost several times more)
and read back as sets. Everything read is checked: a value of the wrong shape
raises StoreCorrupt, as a failed checksum does. Large maps are split into
shards (`ShardedMap`), so that a run reads and writes only the shards it
touches.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from remediator.adapters.cache import Scope, StoreCorrupt
from remediator.domain.layout import Layout
from remediator.analysis.dependencies import Dependencies
from remediator.analysis.module_graph import CYCLE_KINDS, Cycle, Link, ModuleGraph
from remediator.application.project_analysis import FileDetail, FileSummary
from remediator.domain.findings import Finding, Reference, Severity, Suggestion

STATE_FORMAT = 5  # bump when what is stored changes shape (5: sets written as tuples)
GRAPH_PARTS = ("edges", "breaking", "importers")


@dataclass(slots=True)
class StoredAnalysis:
    """The stored analysis a run starts from."""

    store: Scope
    shards: int
    layout: Layout
    table: dict[str, int]
    keys: tuple[bytes, ...]
    summaries: dict[str, FileSummary]
    cycles: list[Cycle]
    _graph: ModuleGraph | None = None

    @classmethod
    def load(cls, store: Scope) -> StoredAnalysis | None:
        """The stored analysis; None when there is none of this format. Raises StoreCorrupt."""
        meta = store.get("meta")
        if type(meta) is not tuple or len(meta) != 2 or meta[0] != STATE_FORMAT:
            return None
        try:
            layout, table = layout_from_plain(store.get("layout"))
            keys, summaries, cycles = _tuple(store.get("state"), 3)
            if type(table) is not dict or type(keys) is not tuple or len(keys) != len(layout.files):
                raise ValueError("the state does not match the layout")
            return cls(store, meta[1], layout, table, keys, _summaries_from_plain(summaries, layout), _cycles_from_plain(cycles))
        except (ValueError, TypeError, KeyError, IndexError) as error:
            raise StoreCorrupt(f"{store.name}: {error}") from None

    def graph(self) -> ModuleGraph:
        if self._graph is None:
            self._graph = stored_graph(self.store)
        return self._graph


def stored_graph(store: Scope, instead: Callable[[str], Mapping[str, tuple[str, ...]]] | None = None) -> ModuleGraph:
    """The stored graph; each of its three maps is read when first used. One found damaged then raises
    StoreCorrupt, or is replaced by `instead(part)`."""
    return ModuleGraph(*(StoredMap(store, f"graph/{part}", instead) for part in GRAPH_PARTS))


def plain_layout(layout: Layout, table: Mapping[str, int]) -> tuple[Any, ...]:
    return (layout.to_plain(), "\0".join(table), bytes(table.values()))


def layout_from_plain(value: Any) -> tuple[Layout, dict[str, int]]:
    """The layout and module table `plain_layout` gave; raises ValueError or TypeError for anything else."""
    layout_plain, names, flags = _tuple(value, 3)
    if type(names) is not str or type(flags) is not bytes:
        raise ValueError("not a module table")
    table = dict(zip(names.split("\0"), flags)) if flags else {}
    if len(table) != len(flags):
        raise ValueError("the columns of the module table differ in length")
    return Layout.from_plain(layout_plain), table


def put_graph(store: Scope, graph: ModuleGraph) -> None:
    store.put("graph/edges", dict(graph.edges))
    store.put("graph/breaking", dict(graph.breaking))
    store.put("graph/importers", dict(graph.importers))


class StoredMap(Mapping[str, tuple[str, ...]]):
    """One map of the stored graph, read from the store on first use. Raises StoreCorrupt."""

    def __init__(self, store: Scope, name: str, instead: Callable[[str], Mapping[str, tuple[str, ...]]] | None) -> None:
        self._store = store
        self._name = name
        self._instead = instead
        self._value: Mapping[str, tuple[str, ...]] | None = None

    def _loaded(self) -> Mapping[str, tuple[str, ...]]:
        if self._value is None:
            try:
                value = self._store.get(self._name)
                if type(value) is not dict:
                    raise StoreCorrupt(f"{self._store.name}: {self._name} is not a map")
            except StoreCorrupt:
                if self._instead is None:
                    raise
                value = self._instead(self._name.rpartition("/")[2])
            self._value = value
        return self._value

    def __getitem__(self, key: str) -> tuple[str, ...]:
        return self._loaded()[key]

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        return self._loaded().get(key, default)

    def __iter__(self) -> Iterator[str]:
        return iter(self._loaded())

    def __len__(self) -> int:
        return len(self._loaded())

    def items(self):  # type: ignore[no-untyped-def, override]
        return self._loaded().items()


def plain_state(keys: tuple[bytes, ...], summaries: Mapping[str, FileSummary], cycles: list[Cycle]) -> tuple[Any, ...]:
    plain = {
        relpath: (tuple(_plain_finding(rank, f) for rank, f in summary.findings), summary.compliance, summary.seeds)
        for relpath, summary in summaries.items()
    }
    return (
        keys,
        plain,
        tuple((c.modules, tuple((link.importer, link.imported, link.path, link.line) for link in c.chain), c.kind) for c in cycles),
    )


def plain_detail(detail: FileDetail) -> tuple[Any, ...]:
    return (detail.edges, detail.deps)


def detail_from_plain(value: Any) -> FileDetail | None:
    if value is None:
        return None
    edges, deps = value
    return FileDetail(edges, deps)


def detail_of(files: ShardedMap, relpath: str) -> FileDetail:
    return detail_from_plain(files.get(relpath)) or _NO_DETAIL


def shard_count(files: int) -> int:
    """About 64 files a shard, between 16 and 1024 shards."""
    count = 16
    while count < 1024 and count * 64 < files:
        count *= 2
    return count


def reverse_dependencies(details: Mapping[str, FileDetail]) -> dict[str, dict[str | None, set[str]]]:
    """module -> key name (None, a name, ALL) -> the files whose analysis read that key."""
    reverse: dict[str, dict[str | None, set[str]]] = {}
    for relpath, detail in details.items():
        for module, name in detail.deps:
            reverse.setdefault(module, {}).setdefault(name, set()).add(relpath)
    return reverse


def update_reverse(rdeps: ShardedMap, relpath: str, old_keys: Dependencies, new_keys: Dependencies) -> None:
    """Move one file's entries in the reverse index from its old keys to its new ones."""
    old, new = set(old_keys), set(new_keys)
    if old == new:
        return
    by_module: dict[str, tuple[set[str | None], set[str | None]]] = {}
    for module, name in old - new:
        by_module.setdefault(module, (set(), set()))[0].add(name)
    for module, name in new - old:
        by_module.setdefault(module, (set(), set()))[1].add(name)
    for module, (gone, added) in by_module.items():
        entry = {name: set(readers) for name, readers in rdeps.get(module, {}).items()}
        for name in gone:
            readers = entry.get(name)
            if readers is not None:
                readers.discard(relpath)
                if not readers:
                    del entry[name]
        for name in added:
            entry.setdefault(name, set()).add(relpath)
        rdeps.set(module, entry or None)


class Codec(NamedTuple):
    """How a map's values are written (`encode`: to plain data) and read back (`decode`)."""

    encode: Callable[[Any], Any]
    decode: Callable[[Any], Any]


def _readers_to_plain(entry: Mapping[str | None, set[str]]) -> dict[str | None, tuple[str, ...]]:
    return {name: tuple(readers) for name, readers in entry.items()}


def _readers_from_plain(value: Mapping[str | None, tuple[str, ...]]) -> dict[str | None, set[str]]:
    return {name: set(readers) for name, readers in value.items()}


# Sets are written as tuples: marshal writes a set by encoding each element apart and sorting the
# encodings (bpo-37596), several times the cost of the tuple (a first run writes every reader of every key).
RDEPS = Codec(_readers_to_plain, _readers_from_plain)  # module -> key name -> the files that read it
DEFINERS = Codec(tuple, set)  # name -> the modules defining it


class ShardedMap:
    """A large map kept as `count` blobs (`prefix/0` ...), read one shard at a time, changed shards written back.

    Values are held decoded and written through `codec` (without one, as they are).
    """

    def __init__(self, store: Scope, prefix: str, count: int, codec: Codec | None = None) -> None:
        self.store = store
        self.prefix = prefix
        self.count = count
        self.codec = codec
        self._shards: dict[int, dict[Any, Any]] = {}
        self._dirty: set[int] = set()

    def get(self, key: str, default: Any = None) -> Any:
        return self._shard(shard_of(key, self.count)).get(key, default)

    def set(self, key: str, value: Any) -> None:
        """Set (or, with None, remove) one entry."""
        number = shard_of(key, self.count)
        shard = self._shard(number)
        if value is None:
            if key in shard:
                del shard[key]
                self._dirty.add(number)
        elif shard.get(key) != value:
            shard[key] = value
            self._dirty.add(number)

    def fill(self, items: dict[str, Any]) -> None:
        """Replace the whole map (a full rebuild): every shard is written."""
        self._shards = {number: {} for number in range(self.count)}
        for key, value in items.items():
            self._shards[shard_of(key, self.count)][key] = value
        self._dirty = set(self._shards)

    def flush(self) -> None:
        """Hand the changed shards to the store (encoded: the map's copies of them are let go)."""
        encode = None if self.codec is None else self.codec.encode
        for number in sorted(self._dirty):
            shard = self._shards.pop(number)
            if encode is not None:
                shard = {key: encode(value) for key, value in shard.items()}
            self.store.put(f"{self.prefix}/{number}", shard)
        self._dirty.clear()

    def _shard(self, number: int) -> dict[Any, Any]:
        shard = self._shards.get(number)
        if shard is None:
            name = f"{self.prefix}/{number}"
            loaded = self.store.get(name)
            if loaded is not None and type(loaded) is not dict:
                raise StoreCorrupt(f"{self.store.name}: shard {name} is not a map")
            shard = {} if loaded is None else loaded
            if self.codec is not None and shard:
                decode = self.codec.decode
                try:
                    shard = {key: decode(value) for key, value in shard.items()}
                except (TypeError, ValueError, AttributeError) as error:
                    raise StoreCorrupt(f"{self.store.name}: shard {name}: {error}") from None
            self._shards[number] = shard
        return shard


def shard_of(key: str, count: int) -> int:
    """A stable shard number for `key` (crc32: the same in every process, unlike hash())."""
    return zlib.crc32(key.encode("utf-8", "surrogatepass")) % count


_NO_DETAIL = FileDetail((), ())


def _tuple(value: Any, size: int) -> tuple[Any, ...]:
    if type(value) is not tuple or len(value) != size:
        raise ValueError(f"expected {size} items, found {type(value).__name__}")
    return value


class _FindingRow(NamedTuple):
    """A file's finding as the store keeps it (path and importer come from the layout): the one field order."""

    rank: int
    rule: str
    line: int
    column: int
    target: str | None
    name: str | None
    severity: Severity
    message: str
    guarded: bool
    reference: Reference
    type_checking: bool
    suggestion: tuple[Any, ...] | None  # (kind, target, detail, command, path, commit)
    ssot_rule: str | None


def _plain_finding(rank: int, finding: Finding) -> tuple[Any, ...]:
    suggestion = finding.suggestion
    row = _FindingRow(
        rank,
        finding.rule,
        finding.line,
        finding.column,
        finding.target,
        finding.name,
        finding.severity,
        finding.message,
        finding.guarded,
        finding.reference,
        finding.type_checking,
        None
        if suggestion is None
        else (suggestion.kind, suggestion.target, suggestion.detail, suggestion.command, suggestion.path, suggestion.commit),
        finding.ssot_rule,
    )
    return tuple(row)  # marshal takes plain tuples only


def _summaries_from_plain(value: Any, layout: Layout) -> dict[str, FileSummary]:
    if not value:
        return {}
    modules = {row.relpath: row.module for row in layout.files}
    summaries = {}
    for relpath, (findings, compliance, seeds) in value.items():
        importer = modules[relpath]
        summaries[relpath] = FileSummary(tuple(_finding_from_plain(f, relpath, importer) for f in findings), compliance, seeds)
    return summaries


def _finding_from_plain(value: Any, path: str, importer: str) -> tuple[int, Finding]:
    row = _FindingRow._make(_tuple(value, len(_FindingRow._fields)))
    suggestion = None if row.suggestion is None else Suggestion(*row.suggestion)
    return row.rank, Finding(
        rule=row.rule,
        path=path,
        line=row.line,
        column=row.column,
        importer=importer,
        target=row.target,
        name=row.name,
        severity=row.severity,
        message=row.message,
        guarded=row.guarded,
        reference=row.reference,
        type_checking=row.type_checking,
        suggestion=suggestion,
        ssot_rule=row.ssot_rule,
    )


def _cycles_from_plain(value: Any) -> list[Cycle]:
    cycles = [Cycle(tuple(modules), tuple(Link(*link) for link in chain), kind) for modules, chain, kind in value]
    if any(cycle.kind not in CYCLE_KINDS for cycle in cycles):
        raise ValueError("not a cycle kind")
    return cycles
