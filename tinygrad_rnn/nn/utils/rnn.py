"""Variable-length batches, as torch.nn.utils.rnn: pack, unpack, and the PackedSequence between.

Sequences of different lengths are usually padded to the longest one. A packed
batch keeps only the real steps. With the sequences sorted longest first, the
first ``batch_sizes[t]`` of them still have a step t, and ``data`` holds those
steps in time order: step 0 of every sequence, then step 1 of those that have
one, and so on. A recurrent layer walks ``data`` in that order, its batch
shrinking as sequences end: it computes no padded step, and each sequence's
final state comes from its own last step.

Packing and unpacking are recorded like any other op (one indexing op that
picks the rows), so gradients flow through them.

>>> import tinygrad_rnn as tg
>>> from tinygrad_rnn.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence
>>> x = tg.Tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 0.0]])   # two sequences, padded to 3 steps
>>> packed = pack_padded_sequence(x, [3, 2], batch_first=True)
>>> packed.data.tolist(), packed.batch_sizes.tolist()
([1.0, 4.0, 2.0, 5.0, 3.0], [2, 2, 1])
>>> padded, lengths = pad_packed_sequence(packed, batch_first=True)
>>> padded.tolist(), lengths.tolist()
([[1.0, 2.0, 3.0], [4.0, 5.0, 0.0]], [3, 2])
"""

from __future__ import annotations

import operator
from collections import namedtuple
from collections.abc import Sequence
from typing import Any

from ...creation import full
from ...dtypes import int64
from ...ops import cat
from ...tensor import Tensor

__all__ = ["PackedSequence", "pack_padded_sequence", "pad_packed_sequence", "pack_sequence", "pad_sequence"]


class PackedSequence(namedtuple("PackedSequence", ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])):
    """A batch of sequences of different lengths, without padding (PyTorch's fields and meaning).

    - ``data``: (total steps, *features), the steps of the sorted sequences in time order;
    - ``batch_sizes``: int64 CPU tensor, how many sequences have a step t, for each t;
    - ``sorted_indices``: for each sorted position, the caller's batch index (None: given sorted);
    - ``unsorted_indices``: the inverse, each caller's sequence's sorted position.

    Make one with :func:`pack_padded_sequence` or :func:`pack_sequence`.

    >>> import tinygrad_rnn as tg
    >>> packed = pack_sequence([tg.ones(1, 2), tg.ones(3, 2)], enforce_sorted=False)
    >>> packed.batch_sizes.tolist(), packed.sorted_indices.tolist(), packed.unsorted_indices.tolist()
    ([2, 1, 1], [1, 0], [1, 0])
    """

    __slots__ = ()

    def __new__(
        cls,
        data: Tensor,
        batch_sizes: Tensor | Sequence[int],
        sorted_indices: Tensor | None = None,
        unsorted_indices: Tensor | None = None,
    ) -> PackedSequence:
        if not isinstance(data, Tensor):
            raise TypeError(f"PackedSequence: data must be a Tensor, got {type(data).__name__}")
        sizes = _checked_ints("PackedSequence", "batch_sizes", batch_sizes)
        if not sizes or any(n <= 0 for n in sizes) or any(a < b for a, b in zip(sizes, sizes[1:])):
            raise ValueError(f"PackedSequence: batch_sizes must be positive and non-increasing, got {sizes}")
        if data.ndim == 0 or data.shape[0] != sum(sizes):
            raise ValueError(
                f"PackedSequence: data of shape {data.shape} does not hold the sum of batch_sizes ({sum(sizes)}) "
                "steps in its first dimension"
            )
        for name, indices in (("sorted_indices", sorted_indices), ("unsorted_indices", unsorted_indices)):
            if indices is not None and not (
                isinstance(indices, Tensor) and sorted(indices.tolist()) == [*range(sizes[0])]
            ):
                raise ValueError(
                    f"PackedSequence: {name} must be None or an int64 tensor holding a permutation of "
                    f"range({sizes[0]}), got {indices!r}"
                )
        if unsorted_indices is None and sorted_indices is not None:
            unsorted_indices = _invert(sorted_indices)
        batch_sizes = Tensor(sizes, dtype=int64, device="cpu")
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, target: Any) -> PackedSequence:
        """``.to("cuda")`` moves data and indices (batch_sizes stay on the CPU); ``.to(tg.float64)`` casts data."""
        data = self.data.to(target)
        if data.backend is self.data.backend:
            return self._replace(data=data)
        move = [None if i is None else i.to(target) for i in (self.sorted_indices, self.unsorted_indices)]
        return type(self)(data, self.batch_sizes, *move)

    def cpu(self) -> PackedSequence:
        return self.to("cpu")

    def cuda(self) -> PackedSequence:
        return self.to("cuda")

    def float(self) -> PackedSequence:
        return self._replace(data=self.data.float())

    def double(self) -> PackedSequence:
        return self._replace(data=self.data.double())

    @property
    def is_cuda(self) -> bool:
        return self.data.device.startswith("cuda")


def pack_padded_sequence(
    input: Tensor, lengths: Tensor | Sequence[int], batch_first: bool = False, enforce_sorted: bool = True
) -> PackedSequence:
    """Packs a padded batch (T, B, *) (or (B, T, *) with ``batch_first``) of sequences of the given lengths.

    ``lengths`` is a list of ints or a 1-D int64 CPU tensor, one per sequence.
    With ``enforce_sorted=True`` they must be sorted longest first; with
    ``False`` the batch is sorted here and the order kept in the result.

    >>> import tinygrad_rnn as tg
    >>> x = tg.zeros(4, 3, 2)                             # T=4 steps, B=3 sequences
    >>> pack_padded_sequence(x, [2, 4, 1], enforce_sorted=False).batch_sizes.tolist()
    [3, 2, 1, 1]
    """
    return _pack("pack_padded_sequence", input, lengths, batch_first, enforce_sorted)


def pad_packed_sequence(
    sequence: PackedSequence, batch_first: bool = False, padding_value: float = 0.0, total_length: int | None = None
) -> tuple[Tensor, Tensor]:
    """The padded batch (T, B, *) and the lengths (int64, CPU), both in the caller's batch order.

    ``total_length`` pads to that many steps instead of the longest sequence's
    (useful to get back the shape that was packed).

    >>> import tinygrad_rnn as tg
    >>> packed = pack_sequence([tg.ones(3), tg.ones(1)])
    >>> padded, lengths = pad_packed_sequence(packed, padding_value=-1.0, total_length=4)
    >>> padded.tolist(), lengths.tolist()
    ([[1.0, 1.0], [1.0, -1.0], [1.0, -1.0], [-1.0, -1.0]], [3, 1])
    """
    if not isinstance(sequence, PackedSequence):
        raise TypeError(f"pad_packed_sequence: sequence must be a PackedSequence, got {type(sequence).__name__}")
    _check_padding_value("pad_packed_sequence", padding_value)
    sizes = sequence.batch_sizes.tolist()
    steps, batch = len(sizes), sizes[0]
    if total_length is not None:
        if isinstance(total_length, bool) or not isinstance(total_length, int) or total_length < steps:
            raise ValueError(
                "Expected total_length to be at least the length of the longest sequence in input, but got "
                f"total_length={total_length!r} and max sequence length being {steps}"
            )
        steps = total_length
    sorted_lengths = [sum(1 for n in sizes if n > j) for j in range(batch)]
    starts = [0]
    for n in sizes:
        starts.append(starts[-1] + n)  # where step t begins in data
    unsorted = sequence.unsorted_indices
    position = list(range(batch)) if unsorted is None else unsorted.tolist()  # each caller's sorted position
    pad_row = starts[-1]  # the padding row appended below

    def row(t: int, b: int) -> int:
        j = position[b]
        return starts[t] + j if t < sorted_lengths[j] else pad_row

    cells = (
        [(b, t) for b in range(batch) for t in range(steps)]
        if batch_first
        else [(b, t) for t in range(steps) for b in range(batch)]
    )
    data = sequence.data
    padded = _pick_rows(data, [row(t, b) for b, t in cells], padding_value)
    shape = (batch, steps) if batch_first else (steps, batch)
    lengths = Tensor([sorted_lengths[j] for j in position], dtype=int64, device="cpu")
    return padded.reshape(*shape, *data.shape[1:]), lengths


def pad_sequence(
    sequences: Sequence[Tensor], batch_first: bool = False, padding_value: float = 0.0, padding_side: str = "right"
) -> Tensor:
    """Pads tensors of shape (L_i, *) to one (T, B, *) tensor (or (B, T, *)), T the longest L_i.

    >>> import tinygrad_rnn as tg
    >>> pad_sequence([tg.ones(2), tg.ones(1)], batch_first=True).tolist()
    [[1.0, 1.0], [1.0, 0.0]]
    """
    seqs = _check_sequences("pad_sequence", sequences)
    _check_padding_value("pad_sequence", padding_value)
    if padding_side not in ("right", "left"):
        raise ValueError(f"pad_sequence: padding_side must be 'left' or 'right', got {padding_side!r}")
    lengths = [s.shape[0] for s in seqs]
    steps, batch = max(lengths), len(seqs)
    starts = [0]
    for n in lengths:
        starts.append(starts[-1] + n)
    pad_row = starts[-1]

    def row(t: int, b: int) -> int:
        step = t if padding_side == "right" else t - (steps - lengths[b])
        return starts[b] + step if 0 <= step < lengths[b] else pad_row

    order = (
        [(b, t) for b in range(batch) for t in range(steps)]
        if batch_first
        else [(b, t) for t in range(steps) for b in range(batch)]
    )
    joined = cat(seqs, dim=0)
    padded = _pick_rows(joined, [row(t, b) for b, t in order], padding_value)
    shape = (batch, steps) if batch_first else (steps, batch)
    return padded.reshape(*shape, *seqs[0].shape[1:])


def pack_sequence(sequences: Sequence[Tensor], enforce_sorted: bool = True) -> PackedSequence:
    """Packs a list of tensors of shape (L_i, *): ``pad_sequence`` then ``pack_padded_sequence``.

    >>> import tinygrad_rnn as tg
    >>> pack_sequence([tg.Tensor([1.0, 2.0, 3.0]), tg.Tensor([4.0])]).data.tolist()
    [1.0, 4.0, 2.0, 3.0]
    """
    seqs = _check_sequences("pack_sequence", sequences)
    lengths = [s.shape[0] for s in seqs]
    return _pack("pack_sequence", pad_sequence(seqs), lengths, False, enforce_sorted)


# --- the work, shared ----------------------------------------------------------------------------------
def _pack(fn: str, input: Tensor, lengths: Any, batch_first: bool, enforce_sorted: bool) -> PackedSequence:
    if not isinstance(input, Tensor):
        raise TypeError(f"{fn}: input must be a Tensor, got {type(input).__name__}")
    if input.ndim < 2:
        raise ValueError(f"{fn}: input must have a time and a batch dimension, got shape {input.shape}")
    batch, steps = (input.shape[0], input.shape[1]) if batch_first else (input.shape[1], input.shape[0])
    lengths = _checked_lengths(fn, lengths, batch, steps, batch_first)
    if enforce_sorted:
        if any(a < b for a, b in zip(lengths, lengths[1:])):
            raise ValueError(
                f"{fn}: `lengths` array must be sorted in decreasing order when `enforce_sorted` is True, got "
                f"{lengths}. You can pass `enforce_sorted=False` to pack_padded_sequence and/or pack_sequence "
                "to sidestep this requirement if you do not need ONNX exportability."
            )
        order = list(range(batch))
    else:
        order = sorted(range(batch), key=lambda b: -lengths[b])  # stable: ties keep the caller's order
    sorted_lengths = [lengths[b] for b in order]
    sizes = [sum(1 for n in sorted_lengths if n > t) for t in range(sorted_lengths[0])]
    # row of (t, b) in the input seen as (T·B, *) (or (B·T, *)): step t of the sequences still running
    rows = [
        order[j] * steps + t if batch_first else t * batch + order[j] for t, n in enumerate(sizes) for j in range(n)
    ]
    flat = input.reshape(batch * steps, *input.shape[2:])
    data = flat[Tensor(rows, dtype=int64, device=input.backend)]
    sorted_indices = None if enforce_sorted else Tensor(order, dtype=int64, device=input.backend)
    return PackedSequence(data, sizes, sorted_indices, None)


def _pick_rows(data: Tensor, rows: list[int], padding_value: float) -> Tensor:
    """Rows of ``data`` by index, where index ``len(data)`` picks a row of ``padding_value``."""
    padding = full((1, *data.shape[1:]), padding_value, dtype=data.dtype, device=data.backend)
    return cat([data, padding], dim=0)[Tensor(rows, dtype=int64, device=data.backend)]


def _checked_lengths(fn: str, lengths: Any, batch: int, steps: int, batch_first: bool) -> list[int]:
    if isinstance(lengths, Tensor) and lengths.device != "cpu":
        raise ValueError(
            f"{fn}: lengths must be on the CPU (a list of ints or a 1-D int64 CPU tensor), got a tensor on "
            f"{lengths.device}; pass lengths.cpu() or lengths.tolist()"
        )
    values = _checked_ints(fn, "lengths", lengths)
    if len(values) != batch:
        raise ValueError(f"{fn}: expected one length per sequence ({batch}, the batch size), got {len(values)}")
    time_axis = "input.shape[1] with batch_first=True" if batch_first else "input.shape[0]"
    for b, n in enumerate(values):
        if n <= 0:
            raise ValueError(
                f"{fn}: lengths[{b}] is {n}; every sequence needs at least one step (leave empty sequences out)"
            )
        if n > steps:
            raise ValueError(f"{fn}: lengths[{b}] is {n}, longer than the padded input's {steps} steps ({time_axis})")
    return values


def _checked_ints(fn: str, name: str, values: Any) -> list[int]:
    """A 1-D int tensor or a sequence of ints as a list of Python ints; floats and bools refused."""
    if isinstance(values, Tensor):
        if values.dtype.is_floating_point or values.dtype.name == "bool" or values.ndim != 1:
            raise TypeError(f"{fn}: {name} must be a 1-D int64 tensor or a list of ints, got {values!r}")
        return [int(v) for v in values.tolist()]
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise TypeError(f"{fn}: {name} must be a 1-D int64 tensor or a list of ints, got {type(values).__name__}")
    out = []
    for k, v in enumerate(values):
        if isinstance(v, bool) or not hasattr(type(v), "__index__"):
            raise TypeError(f"{fn}: {name} must hold ints, got {name}[{k}] = {v!r} ({type(v).__name__})")
        out.append(operator.index(v))
    return out


def _check_sequences(fn: str, sequences: Any) -> list[Tensor]:
    if isinstance(sequences, Tensor):
        sequences = list(sequences.unbind(0)) if sequences.ndim else sequences
    if not isinstance(sequences, (list, tuple)):
        raise TypeError(f"{fn}: sequences must be a list of Tensors, got {type(sequences).__name__}")
    if not sequences:
        raise ValueError(f"{fn}: received an empty list of sequences")
    first = sequences[0]
    for k, s in enumerate(sequences):
        if not isinstance(s, Tensor):
            raise TypeError(f"{fn}: sequences[{k}] must be a Tensor, got {type(s).__name__}")
        if s.ndim == 0:
            raise ValueError(f"{fn}: sequences[{k}] is 0-d; each sequence needs a time dimension")
        if s.shape[1:] != first.shape[1:] or s.dtype != first.dtype or s.backend is not first.backend:
            raise ValueError(
                f"{fn}: every sequence must share the trailing shape, dtype and device of sequences[0] "
                f"({first.shape[1:]}, {first.dtype!r}, {first.device}), got sequences[{k}] with "
                f"{s.shape[1:]}, {s.dtype!r}, {s.device}"
            )
    return list(sequences)


def _check_padding_value(fn: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{fn}: padding_value must be a number, got {type(value).__name__}")


def _invert(permutation: Tensor) -> Tensor:
    order = permutation.tolist()
    inverse = [0] * len(order)
    for position, index in enumerate(order):
        inverse[index] = position
    return Tensor(inverse, dtype=int64, device=permutation.backend)
