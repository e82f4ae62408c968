"""Ask git how files and names left (for `move` and `restore` suggestions). Read-only; a few `git` calls per scan.

- `removals`: which of some files were deleted, or renamed (git's rename detection),
  and what else the removing commit added or changed: two calls in all.
- `name_removals`: the commit that removed a top-level definition (`def`, `class`,
  assignment) of a name from a file that still exists: one call, plus one for the
  commits' other files.
- `definitions_added`: the commits, in a time window, that added such a definition
  to some files: one call.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import NamedTuple


class Removal(NamedTuple):
    """How a file (or a name in one) left, and what else its commit added or changed (paths relative to the root)."""

    commit: str
    time: int  # committer time, seconds since the epoch
    renamed_to: str | None = None  # git detected a rename to this file (None: a deletion, or a rename out of the root)
    changed: frozenset[str] = frozenset()  # the files the commit added or changed (a renamed file: its new path)


class GitHistory:
    """The history of the git repository around a scanned root (which may be a subdirectory of it)."""

    def __init__(self, root: Path, top: Path, prefix: str) -> None:
        self.root = root
        self._top = top
        self._prefix = prefix  # the root's path in the repository, "" or ending in "/"

    @classmethod
    def open(cls, root: Path) -> GitHistory | None:
        """The history of `root`'s repository; None outside git, or when git is missing."""
        toplevel = _git(root, "rev-parse", "--show-toplevel")
        if toplevel is None:
            return None
        top = Path(toplevel.strip()).resolve()
        try:
            prefix = root.resolve().relative_to(top).as_posix()
        except ValueError:
            return None
        return cls(root, top, "" if prefix == "." else prefix + "/")

    def removals(self, relpaths: Iterable[str]) -> dict[str, Removal]:
        """Each of `relpaths` that git history shows deleted or renamed away: its most recent removal."""
        wanted = {self._prefix + p: p for p in relpaths}
        if not wanted:
            return {}
        output = self._git("log", "--diff-filter=D", "--no-renames", "--format=%x01%H %ct", "--name-only", "--", *wanted)
        removed: dict[str, tuple[str, int]] = {}
        commit, time = "", 0
        for line in (output or "").splitlines():
            if line.startswith("\x01"):
                commit, _, stamp = line[1:].partition(" ")
                time = int(stamp or 0)
            elif line in wanted and wanted[line] not in removed:
                removed[wanted[line]] = (commit, time)
        if not removed:
            return {}
        files = self._commit_files(sorted({commit for commit, _time in removed.values()}))
        found = {}
        for relpath, (commit, time) in removed.items():
            renames, changed = files.get(commit, ({}, frozenset()))
            found[relpath] = Removal(commit, time, renames.get(relpath), changed)
        return found

    def name_removals(self, names_by_file: Mapping[str, Iterable[str]]) -> dict[tuple[str, str], Removal]:
        """(file, name) -> the most recent commit that removed a top-level definition of `name` from `file`.

        A commit that removes a definition and adds one of the same name to the same
        file (a changed signature) does not count.
        """
        wanted = {(relpath, name) for relpath, names in names_by_file.items() for name in names}
        if not wanted:
            return {}
        removed: dict[tuple[str, str], tuple[str, int]] = {}
        for commit, time, relpath, added, deleted in self._definition_changes(names_by_file):
            for name in deleted - added:
                if (relpath, name) in wanted and (relpath, name) not in removed:
                    removed[(relpath, name)] = (commit, time)
        if not removed:
            return {}
        files = self._commit_files(sorted({commit for commit, _time in removed.values()}))
        return {key: Removal(commit, time, None, files.get(commit, ({}, frozenset()))[1]) for key, (commit, time) in removed.items()}

    def definitions_added(
        self,
        names_by_file: Mapping[str, Iterable[str]],
        since: int,
        until: int,
    ) -> dict[tuple[str, str], list[tuple[str, int]]]:
        """(file, name) -> the commits (hash, time) between `since` and `until` that added a top-level definition of it."""
        found: dict[tuple[str, str], list[tuple[str, int]]] = {}
        for commit, time, relpath, added, deleted in self._definition_changes(names_by_file, since, until):
            for name in added - deleted:
                if name in names_by_file.get(relpath, ()):
                    found.setdefault((relpath, name), []).append((commit, time))
        return found

    # -- helpers -----------------------------------------------------------------

    def _definition_changes(
        self,
        names_by_file: Mapping[str, Iterable[str]],
        since: int | None = None,
        until: int | None = None,
    ) -> Iterator[tuple[str, int, str, set[str], set[str]]]:
        """(commit, time, file, names whose definition it added, ... removed), newest first, for the names asked."""
        names = sorted({name for found in names_by_file.values() for name in found})
        paths = [self._prefix + p for p in names_by_file]
        if not names or not paths:
            return
        alternatives = "|".join(names)
        pattern = f"^((async[[:space:]]+)?def|class)[[:space:]]+({alternatives})([^A-Za-z0-9_]|$)|^({alternatives})[[:space:]]*[:=]"
        window = ([f"--since=@{since}"] if since is not None else []) + ([f"--until=@{until}"] if until is not None else [])
        output = self._git(
            "log",
            "--no-renames",
            "-p",
            "-U0",
            "--no-ext-diff",
            "--no-textconv",
            "--no-color",
            "--src-prefix=a/",
            "--dst-prefix=b/",
            f"-G{pattern}",
            "--format=%x01%H %ct",
            *window,
            "--",
            *paths,
        )
        wanted = set(names)
        commit, time, relpath = "", 0, ""
        added: dict[str, set[str]] = {}
        deleted: dict[str, set[str]] = {}
        in_header = False
        for line in (output or "").splitlines():
            if line.startswith("\x01"):
                yield from ((commit, time, path, added.get(path, set()), deleted.get(path, set())) for path in {*added, *deleted})
                commit, _, stamp = line[1:].partition(" ")
                time, added, deleted = int(stamp or 0), {}, {}
            elif line.startswith("diff --git "):
                in_header = True
            elif in_header:
                if line.startswith("--- a/") or line.startswith("+++ b/"):
                    relpath = self._local(line[6:]) or ""
                elif line.startswith("@@"):
                    in_header = False
            elif line[:1] in ("+", "-") and relpath:
                match = _DEFINITION.match(line, 1)
                name = match.group(1) or match.group(2) if match else None
                if name in wanted:
                    (added if line[0] == "+" else deleted).setdefault(relpath, set()).add(name)
        yield from ((commit, time, path, added.get(path, set()), deleted.get(path, set())) for path in {*added, *deleted})

    def _commit_files(self, commits: list[str]) -> dict[str, tuple[dict[str, str], frozenset[str]]]:
        """commit -> (renames old -> new, the files it added or changed), with git's rename detection; one call."""
        if not commits:
            return {}
        output = self._git("show", "-M", "--name-status", "--no-color", "--format=%x01%H", *commits)
        found: dict[str, tuple[dict[str, str], frozenset[str]]] = {}
        commit = ""
        renames: dict[str, str] = {}
        changed: set[str] = set()
        for line in (output or "").splitlines() + ["\x01"]:
            if line.startswith("\x01"):
                if commit:
                    found[commit] = (renames, frozenset(changed))
                commit, renames, changed = line[1:], {}, set()
                continue
            status, _, paths = line.partition("\t")
            parts = paths.split("\t")
            if status.startswith("R") and len(parts) == 2:
                old, new = self._local(parts[0]), self._local(parts[1])
                if old is not None and new is not None:
                    renames[old] = new
                if new is not None:
                    changed.add(new)
            elif status[:1] in ("A", "M", "C", "T") and parts and (local := self._local(parts[-1])) is not None:
                changed.add(local)
        return found

    def _local(self, path: str) -> str | None:
        """A repository path relative to the root; None when it lies outside."""
        return path[len(self._prefix) :] if path.startswith(self._prefix) else None

    def _git(self, *args: str) -> str | None:
        return _git(self._top, "-c", "core.quotePath=false", *args)


_DEFINITION = re.compile(r"(?:async\s+def|def|class)\s+(\w+)|(\w+)\s*(?::[^=]*)?=(?!=)")


def _git(cwd: Path, *args: str) -> str | None:
    import subprocess  # only when git is asked

    try:
        result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout if result.returncode == 0 else None
