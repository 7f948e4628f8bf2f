"""docs/internals.md tells the truth about the engine's size, and the engine keeps its reading budget."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from code_lines import code_lines

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "internals.md"
ROW = re.compile(r"^\| [^|]+ \| `(?P<path>[^`]+)` \| `(?P<name>[^`]+)` \| (?P<lines>\d+) \|$", re.M)
STOPS = [m.groupdict() for m in ROW.finditer(PAGE.read_text(encoding="utf-8"))]


def test_the_page_lists_every_stop_in_the_reading_order() -> None:
    order = [row["path"] for row in STOPS]
    expected = ["tensor.py", "autograd.py", "ops/", "backend.py", "nn/cells.py", "nn/recurrent.py", "viz/"]
    positions = [next(i for i, path in enumerate(order) if part in path) for part in expected]
    assert positions == sorted(positions), f"the stops are out of order: {order}"


@pytest.mark.parametrize("row", STOPS, ids=[f"{r['path']}::{r['name']}" for r in STOPS])
def test_each_stop_states_its_true_size(row: dict) -> None:
    actual = code_lines(ROOT / row["path"], row["name"])
    assert actual == int(row["lines"]), (
        f"docs/internals.md says {row['lines']} code lines for {row['name']}, it has {actual}"
    )


def test_the_korean_page_lists_the_same_stops_and_sizes() -> None:
    korean = [m.groupdict() for m in ROW.finditer((ROOT / "docs" / "ko" / "internals.md").read_text(encoding="utf-8"))]
    strip = [{k: row[k] for k in ("path", "name", "lines")} for row in STOPS]
    assert [{k: row[k] for k in ("path", "name", "lines")} for row in korean] == strip


def test_the_engine_keeps_its_reading_budget() -> None:
    """The backward loop reads like the textbook (25 lines at most), and autograd.py stays short (220)."""
    autograd = ROOT / "tinygrad_rnn" / "autograd.py"
    assert code_lines(autograd, "run_backward") <= 25
    assert code_lines(autograd) <= 220


def test_the_counter_skips_docstrings_comments_and_blank_lines(tmp_path: Path) -> None:
    source = tmp_path / "example.py"
    lines = ['"""Module."""', "", "", "def f(x):", '    """Doc', '    string."""', "    # a comment"]
    source.write_text("\n".join([*lines, "    y = (x +", "         1)", "    return y", ""]))
    assert code_lines(source, "f") == 4 and code_lines(source) == 4
