"""The project's Python files as git holds them at a ref or in the index, read from git objects. Read-only.

`check --since REF` and the pre-commit hook compare the project now with its
state at a ref (or with what is staged). A `Snapshot` lists the `.py`/`.pyi`
files under the root at that state with their blob ids; its `key` names the
state, so that an analysis of it can be kept and found again (the index a
commit is made from and the commit's tree have the same key). `write_snapshot`
copies the files into a folder of their own: the work tree is never touched.
"""

from __future__ import annotations

import functools
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from remediator.adapters.hashing import blake2b

SOURCE_SUFFIXES = (".py", ".pyi")
STAGED = ":staged"  # the ref name that means "what is staged" (the index)
_MODE_FILE = {"100644", "100755"}  # regular files; links (120000) and submodules (160000) are left out


class GitSnapshotError(Exception):
    """The question cannot be put to git: not a repository, unknown ref, unmerged index, git missing."""


@dataclass(frozen=True, slots=True)
class SnapshotEntry:
    """One Python file of a snapshot: its path under the root (POSIX) and its blob id."""

    relpath: str
    blob: str


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The Python files under `root` at `ref` (or in the index, `ref == STAGED`): a git tree and root's place in it."""

    root: Path
    ref: str
    tree: str  # the git tree id of the whole repository at that state
    prefix: str  # root's folder in the repository ('' for its top)

    @property
    def key(self) -> str:
        """Names the state: the index a commit is made from and the commit's tree have the same key."""
        if not self.prefix:
            return self.tree
        return f"{self.tree}-{blake2b(self.prefix.encode('utf-8', 'surrogateescape'), digest_size=6).hexdigest()}"

    def entries(self) -> tuple[SnapshotEntry, ...]:
        """The `.py`/`.pyi` files under the root (regular files; links and submodules left out), by path."""
        top, prefix = _repository(self.root)
        output = _git(top, "ls-tree", "-r", "-z", "--full-tree", self.tree, "--", *([prefix] if prefix else []))
        if output is None:
            raise GitSnapshotError(f"git ls-tree {self.ref} failed")
        entries = []
        start = len(prefix) + 1 if prefix else 0
        for record in filter(None, output.split(b"\0")):
            meta, _, raw = record.partition(b"\t")
            mode, _kind, blob = meta.decode().split()
            path = _decode(raw)
            if mode in _MODE_FILE and path.endswith(SOURCE_SUFFIXES) and (not prefix or path.startswith(prefix + "/")):
                entries.append(SnapshotEntry(path[start:], blob))
        entries.sort(key=lambda entry: entry.relpath)
        return tuple(entries)


@dataclass(frozen=True, slots=True)
class PathChange:
    """A Python file that changed between two states: added, modified, deleted, or renamed to `renamed_to`."""

    relpath: str
    status: str  # "added", "modified", "deleted", "renamed"
    renamed_to: str | None = None


def snapshot(root: Path, ref: str) -> Snapshot:
    """The state of commit `ref`, or of the index when `ref` is `STAGED` (written as a tree). Raises GitSnapshotError."""
    top, prefix = _repository(root)
    if ref == STAGED:
        output = _git(top, "write-tree")  # what `git commit` writes; refuses an index with conflicts
        if output is None:
            raise GitSnapshotError("the index cannot be written as a tree (unmerged paths?); resolve the conflicts first")
        return Snapshot(Path(root), ref, output.decode().strip(), prefix)
    if ref.startswith("-"):
        raise GitSnapshotError(f"unknown git ref {ref!r}")
    output = _git(top, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}^{{tree}}")
    if output is None:
        raise GitSnapshotError(f"unknown git ref {ref!r}")
    return Snapshot(Path(root), ref, output.decode().strip(), prefix)


def resolve_ref(root: Path, ref: str) -> str:
    """The commit id `ref` names. Raises GitSnapshotError."""
    top, _prefix = _repository(root)
    if ref.startswith("-"):
        raise GitSnapshotError(f"unknown git ref {ref!r}")
    output = _git(top, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}")
    if output is None:
        raise GitSnapshotError(f"unknown git ref {ref!r}")
    return output.decode().strip()


def write_snapshot(state: Snapshot, destination: Path) -> dict[str, bytes]:
    """Write the snapshot's files under `destination` (which must be empty or missing); return relpath -> bytes."""
    top, _prefix = _repository(state.root)
    entries = state.entries()
    contents = _read_blobs(top, sorted({entry.blob for entry in entries}))
    files: dict[str, bytes] = {}
    for entry in entries:
        data = contents[entry.blob]
        path = destination.joinpath(*entry.relpath.split("/"))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        files[entry.relpath] = data
    return files


def changed_paths(root: Path, base: str, *, staged: bool) -> dict[str, PathChange]:
    """Python files under `root` changed since commit `base` (in the index with `staged`, else in the work tree).

    Keyed by the path at the base (the new path for added files). Renames are
    git's (`--find-renames`): a file moved and edited counts as renamed.
    Untracked files are not listed. Raises GitSnapshotError.
    """
    top, prefix = _repository(root)
    commit = resolve_ref(root, base)
    args = ["-c", "core.quotepath=false", "diff", "--name-status", "-z", "--find-renames", "--no-ext-diff"]
    if staged:
        args.append("--cached")
    output = _git(top, *args, commit, "--", prefix or ".")
    if output is None:
        raise GitSnapshotError(f"git diff {base} failed")
    fields = [_decode(field) for field in output.split(b"\0")]
    start = len(prefix) + 1 if prefix else 0
    changes: dict[str, PathChange] = {}
    i = 0
    while i + 1 < len(fields) and fields[i]:
        status = fields[i]
        if status.startswith(("R", "C")):
            old, new = fields[i + 1][start:], fields[i + 2][start:]
            i += 3
            if status.startswith("R") and old.endswith(SOURCE_SUFFIXES):
                changes[old] = PathChange(old, "renamed", new)
            elif new.endswith(SOURCE_SUFFIXES):
                changes[new] = PathChange(new, "added")
            continue
        path = fields[i + 1][start:]
        i += 2
        if path.endswith(SOURCE_SUFFIXES):
            kind = {"A": "added", "D": "deleted"}.get(status[0], "modified")
            changes[path] = PathChange(path, kind)
    return changes


def work_tree_agrees(state: Snapshot, relpaths: list[str]) -> bool:
    """True when the work tree's files `relpaths` (those an analysis read) are what is staged, as staged.

    Every one must be in the index, and no Python file may differ between the
    work tree and the index (edited or deleted, not staged): then an analysis of
    the work tree is the analysis of what is staged. Cheap: git compares stats
    with the index and reads only files whose stat changed.
    """
    if state.ref != STAGED:
        raise ValueError("work_tree_agrees compares the work tree with the index")
    top, prefix = _repository(state.root)
    output = _git(top, "ls-files", "-z", "--full-name", "--", prefix or ".")
    if output is None:
        return False
    start = len(prefix) + 1 if prefix else 0
    listed = {path[start:] for path in _decode(output).split("\0")}
    if not all(relpath in listed for relpath in relpaths):
        return False
    pathspec = [f":(top,glob){prefix + '/' if prefix else ''}**/*{suffix}" for suffix in SOURCE_SUFFIXES]
    return _git(top, "diff", "--quiet", "--no-ext-diff", "--", *pathspec) is not None


# ---------------------------------------------------------------------------- git


def _repository(root: Path) -> tuple[Path, str]:
    """The work tree's top folder and `root`'s path under it ('' for the top)."""
    return _repository_of(os.path.realpath(root))


@functools.lru_cache(maxsize=8)
def _repository_of(root: str) -> tuple[Path, str]:
    output = _git(Path(root), "rev-parse", "--show-toplevel")
    if output is None:
        raise GitSnapshotError(f"{root}: not inside a git work tree")
    top = Path(_decode(output.rstrip(b"\n")))
    try:
        prefix = Path(os.path.realpath(root)).relative_to(os.path.realpath(top)).as_posix()
    except ValueError:
        raise GitSnapshotError(f"{root}: not inside the git work tree {top}") from None
    return top, "" if prefix == "." else prefix


def _read_blobs(top: Path, blobs: list[str]) -> dict[str, bytes]:
    """Blob id -> content, in one `git cat-file --batch` call."""
    if not blobs:
        return {}
    try:
        result = subprocess.run(
            ["git", "cat-file", "--batch"],
            cwd=top,
            input="".join(f"{blob}\n" for blob in blobs).encode(),
            capture_output=True,
            timeout=600,
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as error:
        raise GitSnapshotError(f"git cat-file failed: {error}") from None
    if result.returncode != 0:
        raise GitSnapshotError(f"git cat-file failed: {result.stderr.decode(errors='replace').strip()}")
    data = result.stdout
    contents: dict[str, bytes] = {}
    position = 0
    for blob in blobs:
        end = data.index(b"\n", position)
        header = data[position:end].split()
        if len(header) != 3 or header[1] != b"blob":
            raise GitSnapshotError(f"git cat-file: no blob {blob}")
        size = int(header[2])
        contents[blob] = data[end + 1 : end + 1 + size]
        position = end + 1 + size + 1
    return contents


def _git(cwd: Path, *args: str) -> bytes | None:
    try:
        result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, timeout=300, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout if result.returncode == 0 else None


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")
