"""tinygrad_rnn.nn.utils.rnn: packing and padding as PyTorch does it, differentiable, with clear errors."""

import numpy as np
import pytest

import tinygrad_rnn as tg
from tinygrad_rnn.nn.utils.rnn import (
    PackedSequence,
    pack_padded_sequence,
    pack_sequence,
    pad_packed_sequence,
    pad_sequence,
)

LENGTH_SETS = [[5, 3, 3, 1], [2, 5, 1, 5], [4], [1, 1, 1], [3, 4, 2, 1, 4]]


def _padded(lengths, batch_first, seed=0, features=2):
    rng = np.random.default_rng(seed)
    steps, batch = max(lengths) + 1, len(lengths)  # one padded step beyond the longest
    return rng.standard_normal((batch, steps, features) if batch_first else (steps, batch, features))


# --- without torch: what packing means ----------------------------------------------------------------
def test_packed_data_is_the_real_steps_in_time_order():
    x = tg.Tensor([[1.0, 2.0, 3.0], [4.0, 0.0, 0.0], [5.0, 6.0, 0.0]])  # (B, T), lengths 3, 1, 2
    packed = pack_padded_sequence(x, [3, 1, 2], batch_first=True, enforce_sorted=False)
    assert packed.data.tolist() == [1.0, 5.0, 4.0, 2.0, 6.0, 3.0]
    assert packed.batch_sizes.tolist() == [3, 2, 1]
    assert packed.sorted_indices.tolist() == [0, 2, 1] and packed.unsorted_indices.tolist() == [0, 2, 1]
    assert packed.batch_sizes.device == "cpu" and packed.batch_sizes.dtype == tg.int64
    padded, lengths = pad_packed_sequence(packed, batch_first=True, padding_value=9.0)
    assert padded.tolist() == [[1.0, 2.0, 3.0], [4.0, 9.0, 9.0], [5.0, 6.0, 9.0]]
    assert lengths.tolist() == [3, 1, 2]


@pytest.mark.parametrize("batch_first", [False, True])
def test_round_trip_and_gradient(batch_first):
    lengths = [2, 5, 1, 5]
    x = tg.Tensor(_padded(lengths, batch_first), requires_grad=True)
    packed = pack_padded_sequence(x, lengths, batch_first, enforce_sorted=False)
    assert packed.data.shape == (sum(lengths), 2)
    padded, _ = pad_packed_sequence(packed, batch_first, total_length=6)
    steps = padded.numpy() if not batch_first else padded.numpy().transpose(1, 0, 2)
    source = x.numpy() if not batch_first else x.numpy().transpose(1, 0, 2)
    mask = np.arange(6)[:, None] < np.array(lengths)[None, :]
    np.testing.assert_array_equal(steps[mask], source[mask])
    assert not steps[~mask].any()
    padded.sum().backward()  # padded steps get no gradient; real steps get exactly one
    grad = x.grad.numpy() if not batch_first else x.grad.numpy().transpose(1, 0, 2)
    np.testing.assert_array_equal(grad, np.broadcast_to(mask[:, :, None], grad.shape).astype(float))


def test_packing_gradcheck():
    x = tg.Tensor(_padded([3, 1, 2], False, seed=1), requires_grad=True)
    w = tg.Tensor(np.random.default_rng(2).standard_normal((5, 3, 2)))

    def f(x):
        padded, _ = pad_packed_sequence(pack_padded_sequence(x, [3, 1, 2], enforce_sorted=False), total_length=4)
        return (padded * w[:4]).sum()

    assert tg.gradcheck(f, [x])


def test_pad_sequence_both_sides():
    a, b = tg.Tensor([1.0, 2.0, 3.0]), tg.Tensor([4.0])
    assert pad_sequence([a, b], batch_first=True, padding_value=-1).tolist() == [[1, 2, 3], [4, -1, -1]]
    assert pad_sequence([a, b], batch_first=True, padding_side="left").tolist() == [[1, 2, 3], [0, 0, 4]]
    assert pad_sequence([a, b]).shape == (3, 2)


def test_packed_sequence_fields_and_moves(device):
    packed = pack_sequence([tg.ones(3, 2, device=device), tg.ones(2, 2, device=device)], enforce_sorted=False)
    assert isinstance(packed, tuple) and packed._fields == (
        "data",
        "batch_sizes",
        "sorted_indices",
        "unsorted_indices",
    )
    assert packed.data.device == device and packed.sorted_indices.device == device
    assert packed.double().data.dtype == tg.float64
    moved = packed.to("cpu")
    assert moved.data.device == "cpu" and moved.sorted_indices.device == "cpu" and moved.batch_sizes.device == "cpu"
    rebuilt = PackedSequence(packed.data, [2, 2, 1], packed.sorted_indices)
    assert rebuilt.unsorted_indices.tolist() == packed.unsorted_indices.tolist()


# --- clear errors -------------------------------------------------------------------------------------
def test_unsorted_lengths_with_enforce_sorted():
    with pytest.raises(ValueError, match=r"must be sorted in decreasing order.*got \[2, 3\].*enforce_sorted=False"):
        pack_padded_sequence(tg.zeros(3, 2, 1), [2, 3])
    with pytest.raises(ValueError, match="sorted in decreasing order"):
        pack_sequence([tg.zeros(1), tg.zeros(2)])


def test_zero_and_too_long_lengths():
    with pytest.raises(ValueError, match=r"lengths\[1\] is 0; every sequence needs at least one step"):
        pack_padded_sequence(tg.zeros(3, 2, 1), [3, 0])
    with pytest.raises(ValueError, match=r"lengths\[0\] is 4, longer than the padded input's 3 steps"):
        pack_padded_sequence(tg.zeros(3, 2, 1), [4, 2])
    with pytest.raises(ValueError, match=r"lengths\[0\] is 4, longer than the padded input's 3 steps \(input.shape"):
        pack_padded_sequence(tg.zeros(2, 3, 1), [4, 2], batch_first=True)
    with pytest.raises(ValueError, match=r"one length per sequence \(2, the batch size\), got 3"):
        pack_padded_sequence(tg.zeros(3, 2, 1), [3, 2, 1])
    with pytest.raises(ValueError, match="at least one step"):
        pack_sequence([tg.zeros(2), tg.zeros(0)])


def test_float_lengths_and_lengths_on_another_device():
    with pytest.raises(TypeError, match=r"lengths must hold ints, got lengths\[1\] = 2.0 \(float\)"):
        pack_padded_sequence(tg.zeros(3, 2, 1), [3, 2.0])
    with pytest.raises(TypeError, match="lengths must be a 1-D int64 tensor or a list of ints, got tensor"):
        pack_padded_sequence(tg.zeros(3, 2, 1), tg.Tensor([3.0, 2.0]))
    with pytest.raises(TypeError, match="lengths must hold ints"):
        pack_padded_sequence(tg.zeros(3, 2, 1), np.array([3.0, 2.0]))
    with pytest.raises(TypeError, match="lengths must be a 1-D int64 tensor or a list of ints, got int"):
        pack_padded_sequence(tg.zeros(3, 2, 1), 3)
    strict = tg.Tensor([3, 2], dtype=tg.int64, device="array_api_strict")
    with pytest.raises(ValueError, match="lengths must be on the CPU.*got a tensor on array_api_strict"):
        pack_padded_sequence(tg.zeros(3, 2, 1), strict)
    # what is accepted: a list, NumPy ints, an int64 CPU tensor
    for ok in ([3, 2], np.array([3, 2]), tg.Tensor([3, 2], dtype=tg.int64)):
        assert pack_padded_sequence(tg.zeros(3, 2, 1), ok).batch_sizes.tolist() == [2, 2, 1]


def test_other_bad_input():
    with pytest.raises(ValueError, match="total_length to be at least the length of the longest sequence"):
        pad_packed_sequence(pack_sequence([tg.zeros(3), tg.zeros(1)]), total_length=2)
    with pytest.raises(TypeError, match="sequence must be a PackedSequence, got Tensor"):
        pad_packed_sequence(tg.zeros(3, 2))
    with pytest.raises(ValueError, match="received an empty list of sequences"):
        pad_sequence([])
    with pytest.raises(ValueError, match=r"share the trailing shape.*sequences\[1\]"):
        pad_sequence([tg.zeros(2, 3), tg.zeros(2, 4)])
    with pytest.raises(TypeError, match=r"sequences\[1\] must be a Tensor, got list"):
        pack_sequence([tg.zeros(2), [1.0]])
    with pytest.raises(ValueError, match="input must have a time and a batch dimension"):
        pack_padded_sequence(tg.zeros(3), [3])
    with pytest.raises(ValueError, match=r"batch_sizes must be positive and non-increasing, got \[1, 2\]"):
        PackedSequence(tg.zeros(3, 2), [1, 2])
    with pytest.raises(ValueError, match="does not hold the sum of batch_sizes"):
        PackedSequence(tg.zeros(4, 2), [2, 1])


# --- against PyTorch ----------------------------------------------------------------------------------
@pytest.mark.parametrize("enforce_sorted", [True, False])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("lengths", LENGTH_SETS, ids=str)
def test_matches_torch(lengths, batch_first, enforce_sorted):
    torch = pytest.importorskip("torch")
    from torch.nn.utils import rnn as trnn

    if enforce_sorted:
        lengths = sorted(lengths, reverse=True)
    x = _padded(lengths, batch_first)
    ours_x = tg.Tensor(x, requires_grad=True)
    theirs_x = torch.tensor(x, requires_grad=True)
    ours = pack_padded_sequence(ours_x, lengths, batch_first, enforce_sorted)
    theirs = trnn.pack_padded_sequence(theirs_x, lengths, batch_first, enforce_sorted)
    np.testing.assert_array_equal(ours.data.numpy(), theirs.data.detach().numpy())
    assert ours.batch_sizes.tolist() == theirs.batch_sizes.tolist()
    for field in ("sorted_indices", "unsorted_indices"):
        a, b = getattr(ours, field), getattr(theirs, field)
        assert (a is None and b is None) or a.tolist() == b.tolist()
    w = np.random.default_rng(3).standard_normal((len(lengths), max(lengths) + 2, 2))
    w = w if batch_first else w.transpose(1, 0, 2)
    ours_pad, ours_len = pad_packed_sequence(ours, batch_first, padding_value=0.5, total_length=max(lengths) + 2)
    theirs_pad, theirs_len = trnn.pad_packed_sequence(theirs, batch_first, 0.5, max(lengths) + 2)
    np.testing.assert_array_equal(ours_pad.numpy(), theirs_pad.detach().numpy())
    assert ours_len.tolist() == theirs_len.tolist()
    (ours_pad * tg.Tensor(w)).sum().backward()
    (theirs_pad * torch.tensor(w)).sum().backward()
    np.testing.assert_array_equal(ours_x.grad.numpy(), theirs_x.grad.numpy())


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("padding_side", ["right", "left"])
def test_pad_and_pack_sequence_match_torch(batch_first, padding_side):
    torch = pytest.importorskip("torch")
    from torch.nn.utils import rnn as trnn

    rng = np.random.default_rng(4)
    arrays = [rng.standard_normal((n, 3)) for n in (2, 4, 1)]
    ours = [tg.Tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    got = pad_sequence(ours, batch_first, -2.0, padding_side)
    want = trnn.pad_sequence(theirs, batch_first, -2.0, padding_side)
    np.testing.assert_array_equal(got.numpy(), want.detach().numpy())
    w = rng.standard_normal(got.shape)
    (got * tg.Tensor(w)).sum().backward()
    (want * torch.tensor(w)).sum().backward()
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a.grad.numpy(), b.grad.numpy())
    packed, reference = pack_sequence(ours, enforce_sorted=False), trnn.pack_sequence(theirs, enforce_sorted=False)
    np.testing.assert_array_equal(packed.data.numpy(), reference.data.detach().numpy())
    assert packed.sorted_indices.tolist() == reference.sorted_indices.tolist()
