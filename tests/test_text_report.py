"""The text report says only what the reader can follow: counts in the right number, every alternative, no dangling references."""

from __future__ import annotations

from pathlib import Path

from conftest import invoke_cli, write_tree

TREE = {
    "app/__init__.py": "",
    "app/mailer.py": "def send(msg):\n    return msg\n",
    "app/signup.py": "from app.notifications import send\n",
    "app/notifications.py.bak": "def send(msg):\n    return msg\n",
    "tests/test_signup.py": "import app.signup\n\n\ndef test_it():\n    assert True\n",
}


def test_scan_numbers_fix_sets_and_check_does_not_point_at_ones_it_does_not_show(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", TREE)
    scan = invoke_cli(root, "scan", ".", "--no-git").stdout
    assert "Fix sets" in scan and "(fix set 1)" in scan
    check = invoke_cli(root, "check", ".", "--no-git").stdout
    assert "app.notifications" in check and "fix set" not in check


def test_every_alternative_is_shown_with_its_command(tmp_path: Path) -> None:
    """The move comes first; the backup copy is still there to see, with the command that restores it."""
    root = write_tree(tmp_path / "repo", TREE)
    scan = invoke_cli(root, "scan", ".", "--no-git").stdout
    assert "suggestion (move): send is now defined in app.mailer" in scan
    assert "alternative (backup): a backup copy lies at app/notifications.py.bak" in scan
    assert "$ cp app/notifications.py.bak app/notifications.py" in scan


def test_counts_agree_in_number(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "one", {"solo.py": "import os\n"})
    assert ": 1 file, 1 module\n" in invoke_cli(root, "scan", ".", "--no-git").stdout


def test_a_shadowed_folder_is_not_called_unparsable(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", {"pkg/__init__.py": "", "pkg/fmt.py": "X = 1\n", "pkg/fmt/extra.py": "Y = 2\n"})
    scan = invoke_cli(root, "scan", ".", "--no-git").stdout
    assert "Shadowed modules" in scan and "Unreadable or unparsable" not in scan
