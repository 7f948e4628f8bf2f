"""Argument checks shared by the public functions: each error names the function, the argument,
what it got and what it expected.

>>> check_int("Linear", "in_features", 3, minimum=0)
3
>>> check_int("Linear", "in_features", -1, minimum=0)
Traceback (most recent call last):
...
ValueError: Linear: in_features must be an integer >= 0, got -1
>>> check_number("Adam", "lr", float("nan"), minimum=0.0)
Traceback (most recent call last):
...
ValueError: Adam: lr must be a number >= 0.0, got nan
"""

from __future__ import annotations

import math
import operator
from typing import Any


def shown(value: Any) -> str:
    """``value`` as the message shows it: its repr, and its type where the repr hides it."""
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    if isinstance(value, (int, float, str)) or value is None:
        return text
    return f"{text} ({type(value).__name__})"


def check_int(fn: str, name: str, value: Any, minimum: int | None = None) -> int:
    """``value`` as a Python int (NumPy integers too; bools and floats are refused, as torch refuses them)."""
    if isinstance(value, bool) or not hasattr(value, "__index__"):
        raise TypeError(f"{fn}: {name} must be an integer, got {shown(value)}")
    value = operator.index(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{fn}: {name} must be an integer >= {minimum}, got {value}")
    return value


def check_number(
    fn: str,
    name: str,
    value: Any,
    minimum: float | None = None,
    below: float | None = None,
    finite: bool = False,
) -> float:
    """``value`` as a float: a real number (not a bool, not NaN), >= ``minimum``, < ``below``, finite if asked."""
    is_bool = isinstance(value, bool) or type(value).__name__ == "bool_"  # NumPy's bool converts to 1.0: refuse it
    if is_bool or not isinstance(value, (int, float)) and not hasattr(value, "__float__"):
        raise TypeError(f"{fn}: {name} must be a number, got {shown(value)}")
    if isinstance(value, complex) or hasattr(value, "imag") and getattr(value, "imag", 0) != 0:
        raise TypeError(f"{fn}: {name} must be a real number, got {shown(value)}")
    number = float(value)
    bounds = [f">= {minimum}"] if minimum is not None else []
    bounds += [f"< {below}"] if below is not None else []
    wanted = "a finite number" if finite else "a number"
    wanted += (" " + " and ".join(bounds)) if bounds else ""
    if (
        math.isnan(number)
        or (finite and math.isinf(number))
        or (minimum is not None and number < minimum)
        or (below is not None and number >= below)
    ):
        raise ValueError(f"{fn}: {name} must be {wanted}, got {value!r}")
    return number


def check_bool(fn: str, name: str, value: Any) -> bool:
    """``value`` as a bool (True, False or a NumPy bool; not a string such as "yes")."""
    if type(value).__name__ not in ("bool", "bool_"):
        raise TypeError(f"{fn}: {name} must be True or False, got {shown(value)}")
    return bool(value)


def check_choice(fn: str, name: str, value: Any, choices: tuple[str, ...]) -> str:
    """``value`` if it is one of ``choices``."""
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{fn}: {name} must be one of {', '.join(map(repr, choices))}, got {shown(value)}")
    return value
