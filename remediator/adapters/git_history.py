"""Ask git when files were deleted (for `restore` suggestions). Read-only."""

from __future__ import annotations

from pathlib import Path


def find_deletions(root: Path, relpaths: list[str]) -> dict[str, str]:
    """Map each of `relpaths` (relative to `root`) that git history shows deleted to the deleting commit.

    One `git log` call for all paths; the most recent deletion wins. Outside a
    git repository, or when git is missing, the answer is empty.
    """
    if not relpaths:
        return {}
    toplevel = _git(root, "rev-parse", "--show-toplevel")
    if toplevel is None:
        return {}
    top = Path(toplevel.strip()).resolve()
    try:
        prefix = root.resolve().relative_to(top).as_posix()
    except ValueError:
        return {}
    prefix = "" if prefix == "." else prefix + "/"
    wanted = {prefix + p: p for p in relpaths}
    output = _git(top, "log", "--diff-filter=D", "--no-renames", "--format=%x01%H", "--name-only", "--", *wanted)
    if not output:
        return {}
    deleted: dict[str, str] = {}
    commit = ""
    for line in output.splitlines():
        if line.startswith("\x01"):
            commit = line[1:]
        elif line in wanted and wanted[line] not in deleted:
            deleted[wanted[line]] = commit
    return deleted


def _git(cwd: Path, *args: str) -> str | None:
    import subprocess  # only when git is asked

    try:
        result = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout if result.returncode == 0 else None
