"""Discovery's walk on str paths: what it finds through symlinked folders, among data files, and its fingerprints."""

from __future__ import annotations

import os
from pathlib import Path

from remediator.adapters.filesystem import directories_changed, discover
from tests.conftest import write_tree


def modules_and_paths(root: Path) -> list[tuple[str, str, bool]]:
    return [(f.module, f.relpath, f.is_package) for f in discover(root).files]


def test_a_folder_reached_through_a_symlink_is_walked_once_below_its_real_path(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "zdata/inner/__init__.py": "",
            "zdata/inner/deep/__init__.py": "",
            "zdata/inner/deep/leaf.py": "",
        },
    )
    (tmp_path / "pkg/alias").symlink_to(tmp_path / "zdata/inner", target_is_directory=True)
    (tmp_path / "pkg/zlink").symlink_to(tmp_path / "zdata/inner/deep", target_is_directory=True)  # seen through alias
    found = modules_and_paths(tmp_path)
    # `pkg` is walked first: the real folder below `zdata` is then seen, and not walked again.
    assert found == [
        ("pkg", "pkg/__init__.py", True),
        ("pkg.alias", "pkg/alias/__init__.py", True),
        ("pkg.alias.deep", "pkg/alias/deep/__init__.py", True),
        ("pkg.alias.deep.leaf", "pkg/alias/deep/leaf.py", False),
    ]
    assert all(f.path == tmp_path.resolve() / f.relpath for f in discover(tmp_path).files)


def test_data_files_are_passed_over_and_modules_backups_and_extensions_kept(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/a.py": "",
            "pkg/b.pyi": "",
            "pkg/strings.json": "{}",
            "pkg/README": "",
            "pkg/old.py.bak": "",
            "pkg/c.py~": "",
            "pkg/assets/logo.svg": "",
            "pkg/translations/en.json": "{}",
        },
    )
    (tmp_path / "pkg/fast.cpython-311-x86_64-linux-gnu.so").write_bytes(b"")
    (tmp_path / "pkg/win.pyd").write_bytes(b"")
    discovery = discover(tmp_path)
    assert [(f.module, f.is_stub) for f in discovery.files] == [("pkg", False), ("pkg.a", False), ("pkg.b", True)]
    assert discovery.extension_modules == {"pkg.fast", "pkg.win"}
    assert sorted(discovery.backups) == ["pkg/c.py~", "pkg/old.py.bak"]
    # Folders without modules are still listed, so that a module added there is seen next time.
    assert {"", "pkg", "pkg/assets", "pkg/translations"} <= set(discovery.directories)
    assert "pkg.assets" not in discovery.namespace_packages


def test_a_symlinked_file_is_checked_on_disk_and_a_symlink_to_a_non_file_is_a_problem(tmp_path: Path) -> None:
    write_tree(tmp_path, {"pkg/__init__.py": "", "pkg/real.py": "X = 1\n"})
    (tmp_path / "pkg/linked.py").symlink_to("real.py")
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "pkg/piped.py").symlink_to(tmp_path / "pipe")
    discovery = discover(tmp_path)
    assert [f.module for f in discovery.files] == ["pkg", "pkg.real", "pkg.linked"]
    assert [(relpath, problem.message) for relpath, _module, problem in discovery.problems] == [("pkg/piped.py", "not a regular file")]


def test_a_new_symlink_or_data_file_changes_a_listed_folder(tmp_path: Path) -> None:
    write_tree(tmp_path, {"pkg/__init__.py": "", "pkg/a.py": "", "pkg/data/x.json": ""})
    discovery = discover(tmp_path)
    assert directories_changed(tmp_path, discovery.directories)[0] is False
    (tmp_path / "pkg/data/y.json").write_text("")
    assert directories_changed(tmp_path, discovery.directories)[0] is True
    discovery = discover(tmp_path)
    (tmp_path / "pkg/b.py").symlink_to("a.py")
    assert directories_changed(tmp_path, discovery.directories)[0] is True
