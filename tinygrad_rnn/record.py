"""What the visualiser reads off a node: where it ran, its name and role (skip on a first reading).

Each recorded op may carry one small :class:`Record` (``node.record``). The
recurrent layers open a :class:`scope` per layer, direction and time step, so
the pictures group the graph from the record instead of guessing from shapes;
``Tensor.tag`` names a node (``"f_t"``, ``"forget gate"``). Shapes are kept
only inside :class:`record_shapes`, while a picture that prints them is
being recorded. Ops recorded outside any scope, never tagged, carry nothing.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

# Per thread, like grad mode: a picture is recorded in the thread that draws it. Set by `scope` and
# `record_shapes`; one variable for both, so an op that is recorded reads one.
current_record: ContextVar[Record | None] = ContextVar("current_record", default=None)
read_current_record = current_record.get  # how every op reads it: see read_grad_enabled in grad_mode.py
KEEP_SHAPES = ()  # a Record's ``shapes`` in the context: the ops recorded inside keep their output shapes


class Record:
    """What the visualiser reads off a node (skip on a first reading).

    ``place``: where the op ran, e.g. ``{"layer": 0, "direction": 0, "t": 3}``;
    ``name`` and ``role``: set by ``Tensor.tag`` (``"f_t"``, ``"forget gate"``);
    ``shapes``: the output shapes, kept only while a picture is being recorded (in the context,
    ``KEEP_SHAPES`` says to keep them);
    ``outputs``: for an op with several outputs tagged one by one (the LSTM's gates), a list
    of a ``(name, role)`` per output, else None.
    """

    __slots__ = ("place", "name", "role", "shapes", "outputs")

    def __init__(
        self,
        place: dict,
        name: str | None = None,
        role: str | None = None,
        shapes: tuple | None = None,
        outputs: list | None = None,
    ):
        self.place, self.name, self.role, self.shapes, self.outputs = place, name, role, shapes, outputs

    def output(self, slot: int) -> tuple[str | None, str | None]:
        """The name and role of output ``slot``: its own where the outputs were tagged one by one, else the op's."""
        return self.outputs[slot] if self.outputs is not None else (self.name, self.role)

    def __repr__(self) -> str:
        outputs = "" if self.outputs is None else f", outputs={self.outputs}"
        return f"Record(place={self.place}, name={self.name!r}, role={self.role!r}, shapes={self.shapes}{outputs})"


class scope:
    """Labels every op recorded inside it with ``key=value`` pairs, its place.

    The recurrent layers open one per layer, direction and time step, so the
    visualiser groups the graph from the record instead of guessing.

    >>> import tinygrad_rnn as tg
    >>> x = tg.Tensor([1.0], requires_grad=True)
    >>> with tg.scope(layer=0, t=3):
    ...     y = x.tanh()
    >>> y.grad_fn.record.place
    {'layer': 0, 't': 3}
    """

    __slots__ = ("labels", "token")

    def __init__(self, **labels: Any):
        self.labels = labels

    def __enter__(self) -> dict:
        outer = current_record.get()
        if outer is None:
            place, shapes = dict(self.labels), None
        else:
            place, shapes = {**outer.place, **self.labels}, outer.shapes  # shapes: KEEP_SHAPES passes inwards
        self.token = current_record.set(Record(place, shapes=shapes))
        return place

    def __exit__(self, *exc: Any) -> None:
        current_record.reset(self.token)


class record_shapes:
    """Inside it, every recorded op also keeps its output shapes (for pictures that print them)."""

    def __enter__(self) -> None:
        outer = current_record.get()
        self.token = current_record.set(Record(outer.place if outer is not None else {}, shapes=KEEP_SHAPES))

    def __exit__(self, *exc: Any) -> None:
        current_record.reset(self.token)
