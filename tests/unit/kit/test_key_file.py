from __future__ import annotations

import stat
from pathlib import Path

import pytest

from openelements.kit.key_file import load_or_create_key_file, read_key_file


def test_file_is_created_private_and_then_reused(tmp_path: Path) -> None:
    path = tmp_path / "dir" / "keys"
    counter = iter(range(10))
    generators = {"A": lambda: f"a{next(counter)}", "B": lambda: "b"}
    first = load_or_create_key_file(path, generators=generators)
    second = load_or_create_key_file(path, generators=generators)
    assert first == second == {"A": "a0", "B": "b"}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert list(path.parent.iterdir()) == [path]  # no temporary file left behind


def test_file_lacking_a_name_is_an_error_not_topped_up(tmp_path: Path) -> None:
    path = tmp_path / "keys"
    path.write_text("A=1\n")
    with pytest.raises(ValueError, match="lacks B"):
        load_or_create_key_file(path, generators={"A": lambda: "x", "B": lambda: "y"})
    assert path.read_text() == "A=1\n"


def test_comments_and_blank_lines_are_ignored(tmp_path: Path) -> None:
    path = tmp_path / "keys"
    path.write_text("# note\n\nA = k1:abc=\n")
    assert read_key_file(path) == {"A": "k1:abc="}
