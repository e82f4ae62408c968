"""Which folders of a git work tree git ignores (`.gitignore`, `.git/info/exclude`, the global excludes file).

One `git ls-files --others --ignored --exclude-standard --directory` from the
root: git lists each ignored folder once (not what is inside it). (Not with
`--no-empty-directory`: git then misses ignored folders inside untracked ones.) Read-only;
outside a work tree, or without git, nothing is ignored.
"""

from __future__ import annotations

from pathlib import Path

from remediator.adapters.hashing import blake2b


def ignored_folders(root: Path) -> frozenset[str]:
    """POSIX paths, relative to `root`, of the folders git ignores below it (empty outside a work tree)."""
    import subprocess  # here, not on top: a warm check imports this module but does not walk the tree

    try:
        done = subprocess.run(
            ["git", "-c", "core.quotepath=false", "ls-files", "-z", "--others", "--ignored", "--exclude-standard", "--directory"],
            cwd=root,
            capture_output=True,
            check=False,
            timeout=120,
        )
    except (OSError, subprocess.SubprocessError):
        return frozenset()
    if done.returncode != 0:
        return frozenset()
    paths = done.stdout.decode("utf-8", "surrogateescape").split("\0")
    return frozenset(path.rstrip("/") for path in paths if path.endswith("/"))


def ignore_rules_digest(root: Path) -> str:
    """Changes when the root's ignore rules change (`.gitignore`, `.git/info/exclude`): then discovery must run again."""
    digest = blake2b(digest_size=12)
    for relpath in (".gitignore", ".git/info/exclude"):
        try:
            digest.update((root / relpath).read_bytes())
        except OSError:
            digest.update(b"\0absent")
    return digest.hexdigest()
