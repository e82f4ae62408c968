"""A TOML file read by several readers in one run is parsed once, and never served stale."""

from __future__ import annotations

from pathlib import Path

import pytest

from remediator.adapters import toml_file


def test_a_settled_file_is_parsed_once_and_an_edit_is_seen(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(toml_file, "SETTLE_SECONDS", 0.0)  # every file counts as settled
    path = tmp_path / "pyproject.toml"
    path.write_text('[tool.remediator]\npackages = ["a"]\n', encoding="utf-8")
    first = toml_file.load_toml(path)
    assert toml_file.load_toml(path) is first
    path.write_text('[tool.remediator]\npackages = ["a", "b"]\n', encoding="utf-8")
    assert toml_file.load_toml(path) == {"tool": {"remediator": {"packages": ["a", "b"]}}}


def test_a_file_edited_within_the_settle_time_is_parsed_every_time(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text('[tool.remediator]\npackages = ["a"]\n', encoding="utf-8")
    first = toml_file.load_toml(path)
    assert toml_file.load_toml(path) is not first
    path.write_text('[tool.remediator]\npackages = ["b"]\n', encoding="utf-8")  # same size, same tick maybe
    assert toml_file.load_toml(path) == {"tool": {"remediator": {"packages": ["b"]}}}


def test_errors_are_not_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(toml_file, "SETTLE_SECONDS", 0.0)
    path = tmp_path / "pyproject.toml"
    path.write_text("[tool.remediator\n", encoding="utf-8")
    with pytest.raises(toml_file.tomllib.TOMLDecodeError):
        toml_file.load_toml(path)
    path.write_text("[tool.remediator]\n", encoding="utf-8")
    assert toml_file.load_toml(path) == {"tool": {"remediator": {}}}
