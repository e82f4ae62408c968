"""Ask git which lines changed since a ref (for `check --since`). Read-only."""

from __future__ import annotations

import re
import sys
from pathlib import Path

Lines = frozenset[int] | range
WHOLE_FILE: range = range(1, sys.maxsize)
"""The lines of a file that is new since the ref: all of them."""

_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")
_ESCAPES = {"a": 7, "b": 8, "t": 9, "n": 10, "v": 11, "f": 12, "r": 13, '"': 34, "\\": 92}


class GitDiffError(Exception):
    """The question cannot be put to git: not a repository, unknown ref, git missing."""


def changed_lines(root: Path, ref: str, *, staged: bool = False) -> dict[str, Lines]:
    """Map each file under `root` (POSIX path relative to it) to the lines added or changed since `ref`.

    Compares the working tree with `ref` (`git diff --unified=0 REF`), or with
    `staged` what is staged (`git diff --cached`, untracked files left out). A file
    that did not exist at `ref` (added, or untracked and not ignored) maps to
    `WHOLE_FILE`; a renamed file maps to its changed lines only. Deleted files and
    files whose changes only remove lines are absent. Raises `GitDiffError`.
    """
    if (_git(root, "rev-parse", "--is-inside-work-tree") or "").strip() != "true":
        raise GitDiffError(f"{root}: not inside a git work tree")
    if ref.startswith("-") or _git(root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}") is None:
        raise GitDiffError(f"unknown git ref {ref!r}")
    diff = _git(
        root,
        "-c",
        "core.quotepath=false",
        "diff",
        "--unified=0",
        "--no-color",
        "--no-ext-diff",
        "--no-textconv",
        "--find-renames",
        "--relative",
        "--src-prefix=a/",
        "--dst-prefix=b/",
        *(["--cached"] if staged else []),
        ref,
        "--",
        ".",
    )
    if diff is None:
        raise GitDiffError(f"git diff {ref} failed")
    changes = parse_unified_diff(diff)
    if staged:
        return changes
    untracked = _git(root, "ls-files", "-z", "--others", "--exclude-standard", "--", ".")
    for relpath in (untracked or "").split("\0"):
        if relpath:
            changes[relpath] = WHOLE_FILE
    return changes


def parse_unified_diff(diff: str) -> dict[str, Lines]:
    """Added lines per new-side path of a `git diff --unified=0` with `a/` and `b/` prefixes."""
    changes: dict[str, set[int] | None] = {}
    path: str | None = None
    for line in diff.splitlines():
        if line.startswith("diff --git "):
            path = None
        elif line.startswith("new file mode ") and path is None:
            path = ""  # the `+++` line that follows names it
        elif line.startswith("+++ "):
            name = _unquote(line[4:].rstrip("\t"))
            is_new = path == ""
            path = name[2:] if name.startswith("b/") else None
            if path is not None:
                changes[path] = None if is_new else set()
        elif line.startswith("@@") and path:
            match = _HUNK.match(line)
            lines = changes.get(path)
            if match and lines is not None:
                start, count = int(match.group(1)), int(match.group(2) or 1)
                lines.update(range(start, start + count))
    return {p: WHOLE_FILE if lines is None else frozenset(lines) for p, lines in changes.items() if lines is None or lines}


def _unquote(name: str) -> str:
    """Undo git's C-style quoting of a path (`"dir/\\303\\244.py"`)."""
    if not (len(name) >= 2 and name[0] == name[-1] == '"'):
        return name
    data = bytearray()
    text = name[1:-1]
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text):
            following = text[i + 1]
            if following in "01234567":
                data.append(int(text[i + 1 : i + 4], 8))
                i += 4
                continue
            data.append(_ESCAPES.get(following, ord(following)))
            i += 2
            continue
        data.extend(char.encode("utf-8"))
        i += 1
    return data.decode("utf-8", errors="surrogateescape")


def _git(cwd: Path, *args: str) -> str | None:
    import subprocess  # only when git is asked

    try:
        result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, timeout=120, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    if result.returncode != 0:
        return None
    return result.stdout.decode("utf-8", errors="surrogateescape")
