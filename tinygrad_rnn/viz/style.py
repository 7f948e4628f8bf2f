"""Colours and widths: role colours for nodes, one logarithmic scale for gradient norms.

>>> scale = LogScale([1e-6, 1e-3, 1.0])
>>> scale.colour(1.0), scale.colour(1e-6)
('#67000d', '#d9d9d9')
>>> scale.width(1e-6) < scale.width(1.0)
True
>>> fixed = LogScale.fixed(1e-10)          # the same colours in every picture drawn on it
>>> fixed.low, fixed.high, fixed.colour(1e-12) == fixed.colour(1e-10)
(-10, 0, True)
"""

from __future__ import annotations

import math
from collections.abc import Iterable

# Node fills by role. Warm yellow for the cell state (the conveyor belt), blue for
# the hidden state, and one light colour per gate so that f_t, i_t, o_t stand apart.
ROLE_COLOURS = {
    "cell state": "#ffd966",
    "hidden state": "#9fc5e8",
    "forget gate": "#f4cccc",
    "input gate": "#d9ead3",
    "output gate": "#d9d2e9",
    "candidate": "#fce5cd",
    "reset gate": "#f4cccc",
    "update gate": "#d0e0e3",
}
# The carry path's outline: the cell state's yellow darkened for the LSTM; for the GRU, whose one
# state is h_t, the hidden state's blue darkened, so its picture does not suggest a cell state.
CARRY_COLOURS = {"cell state": "#bf9000", "hidden state": "#1f5fa6"}
CARRY_NAMES = {"cell state": "yellow", "hidden state": "blue"}
# Parameters are muted (pale fill, grey frame and text): the eye should go to the time path.
PARAMETER_COLOUR = "#f7f7f7"
PARAMETER_FRAME = "#cccccc"
PARAMETER_TEXT = "#888888"
LINE_COLOUR = "#444444"  # edges when no gradient was recorded
ZERO_COLOUR = "#bbbbbb"  # edges along which exactly zero flowed

# Light grey (vanished) to dark red (strong): a weak gradient should look faint.
_ANCHORS = ["#d9d9d9", "#fcbba1", "#fb6a4a", "#cb181d", "#67000d"]


def _mix(a: str, b: str, w: float) -> str:
    pa = [int(a[i : i + 2], 16) for i in (1, 3, 5)]
    pb = [int(b[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * w):02x}" for x, y in zip(pa, pb))


class LogScale:
    """Maps gradient norms to colour and line width on a log10 scale spanning ``norms``.

    Build one scale from every picture that is drawn together, so that equal
    colours mean equal gradients across them (``viz.compare`` does this).
    """

    def __init__(self, norms: Iterable[float | None], decades: float = 0.0):
        self.fixed_range = False  # True: the ends are set, norms beyond them take the end colours
        logs = [math.log10(n) for n in norms if n is not None and n > 0 and math.isfinite(n)]
        if not logs:
            logs = [0.0]
        self.high = math.ceil(max(logs))
        self.low = min(math.floor(min(logs)), self.high - 1)
        if decades:
            self.low = min(self.low, self.high - decades)

    @classmethod
    def fixed(cls, low: float, high: float = 1.0) -> LogScale:
        """A scale from ``low`` to ``high`` whatever is drawn on it: pictures on it compare colour for colour.

        Norms below ``low`` take the palest colour, norms above ``high`` the darkest.
        """
        for name, value in (("low", low), ("high", high)):
            if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
                raise ValueError(f"LogScale.fixed: {name} must be a positive finite number, got {value!r}")
        if not low < high:
            raise ValueError(f"LogScale.fixed: low must be below high, got low={low!r}, high={high!r}")
        scale = cls([low, high])
        scale.fixed_range = True
        return scale

    def position(self, norm: float) -> float:
        """0 at the bottom of the scale, 1 at the top."""
        if norm <= 0:
            return 0.0
        p = (math.log10(norm) - self.low) / (self.high - self.low)
        return min(max(p, 0.0), 1.0)

    def colour(self, norm: float) -> str:
        if norm <= 0:
            return ZERO_COLOUR
        p = self.position(norm) * (len(_ANCHORS) - 1)
        k = min(int(p), len(_ANCHORS) - 2)
        return _mix(_ANCHORS[k], _ANCHORS[k + 1], p - k)

    def width(self, norm: float) -> float:
        return round(0.6 + 4.4 * self.position(norm), 2) if norm > 0 else 0.6

    def ticks(self) -> list[int]:
        """Powers of ten to show in the legend (at most about six)."""
        span = self.high - self.low
        step = next(s for s in (1, 2, 3, 4, 5, 10, 20, 50, 100) if span / s <= 6 or s == 100)
        first = -(-self.low // step) * step  # the lowest multiple of step on the scale
        return list(range(first, self.high + 1, step))


def format_norm(norm: float) -> str:
    """A gradient norm in three significant figures: 0.0123, 4.56e-07.

    >>> format_norm(0.012345), format_norm(4.56e-7), format_norm(0.0), format_norm(12.0)
    ('0.0123', '4.56e-07', '0', '12.0')
    """
    if norm == 0:
        return "0"
    if 1e-3 <= abs(norm) < 1e3:
        return f"{norm:.3g}" if abs(norm) < 1 else f"{norm:.1f}"
    return f"{norm:.2e}"
