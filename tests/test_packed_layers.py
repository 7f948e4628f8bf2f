"""RNN, LSTM and GRU on packed (variable-length) batches: PyTorch's values and gradients, no padded step computed.

Live against torch where it is installed; ``test_packed_fixtures.py`` keeps the
comparison running from committed PyTorch results where it is not.
"""

import zlib

import numpy as np
import pytest
from recurrent_cases import assert_close, make_inputs, packed_cases, run_ours, run_torch

import tinygrad_rnn as tg
from tinygrad_rnn.nn import recurrent
from tinygrad_rnn.nn.utils.rnn import PackedSequence, pack_padded_sequence, pack_sequence, pad_packed_sequence

TOLERANCE = {"float64": 1e-10, "float32": 1e-5}
KINDS = ["RNN", "LSTM", "GRU"]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("case", packed_cases(), ids=lambda c: c.name)
def test_packed_layer_matches_torch(case, dtype):
    pytest.importorskip("torch", reason="PyTorch is the oracle here: pip install torch==2.13.0")
    seed = zlib.crc32(case.name.encode()) % 10_000
    arrays = make_inputs(case, seed)
    reference, weights = run_torch(case, arrays, dtype, seed)
    assert_close(run_ours(case, weights, arrays, dtype), reference, TOLERANCE[dtype], case.name)


# --- without torch: a packed batch is each sequence run on its own --------------------------------------
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("bidirectional", [False, True])
def test_packed_batch_equals_each_sequence_alone(kind, bidirectional):
    tg.manual_seed(0)
    layer = getattr(tg.nn, kind)(3, 4, num_layers=2, bidirectional=bidirectional, dtype=tg.float64)
    lengths = [2, 5, 1, 4]
    rng = np.random.default_rng(1)
    sequences = [rng.standard_normal((n, 3)) for n in lengths]
    h0 = rng.standard_normal((2 * (2 if bidirectional else 1), len(lengths), 4))
    hx = (tg.Tensor(h0), tg.Tensor(h0 * 0.5)) if kind == "LSTM" else tg.Tensor(h0)
    out, states = layer(pack_sequence([tg.Tensor(s) for s in sequences], enforce_sorted=False), hx)
    h_n = states[0] if kind == "LSTM" else states
    assert isinstance(out, PackedSequence)
    padded, got_lengths = pad_packed_sequence(out, batch_first=True)
    assert got_lengths.tolist() == lengths
    for b, s in enumerate(sequences):
        hx_b = (tg.Tensor(h0[:, b]), tg.Tensor(h0[:, b] * 0.5)) if kind == "LSTM" else tg.Tensor(h0[:, b])
        alone, alone_states = layer(tg.Tensor(s), hx_b)  # unbatched (L, I)
        alone_h = alone_states[0] if kind == "LSTM" else alone_states
        np.testing.assert_allclose(padded.numpy()[b, : lengths[b]], alone.numpy(), rtol=1e-12, atol=1e-12)
        assert not padded.numpy()[b, lengths[b] :].any()
        np.testing.assert_allclose(h_n.numpy()[:, b], alone_h.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("kind", KINDS)
def test_equal_lengths_packed_equal_the_padded_layer(kind):
    tg.manual_seed(2)
    layer = getattr(tg.nn, kind)(3, 4, num_layers=2, bidirectional=True, dtype=tg.float64)
    x = tg.randn(5, 3, 3, dtype=tg.float64)
    padded_out, padded_states = layer(x)
    packed_out, packed_states = layer(pack_padded_sequence(x, [5, 5, 5], enforce_sorted=False))
    np.testing.assert_allclose(pad_packed_sequence(packed_out)[0].numpy(), padded_out.numpy(), rtol=1e-12)
    h_padded = padded_states[0] if kind == "LSTM" else padded_states
    h_packed = packed_states[0] if kind == "LSTM" else packed_states
    np.testing.assert_allclose(h_packed.numpy(), h_padded.numpy(), rtol=1e-12)


@pytest.mark.parametrize("kind", KINDS)
def test_no_padded_step_is_computed(kind, monkeypatch):
    """Each recorded step holds exactly the sequences that have that step: the batch shrinks as they end."""
    seen = []  # (rows of the input projection, rows of h_{t-1}, rows of h_t), one per step, in call order
    original = getattr(tg.nn, kind)._step

    def recording_step(self, x_proj, h, c, w_hh_t, b_hh):
        h_t, c_t = original(self, x_proj, h, c, w_hh_t, b_hh)
        seen.append((x_proj.shape[0], h.shape[0], h_t.shape[0]))
        return h_t, c_t

    monkeypatch.setattr(getattr(tg.nn, kind), "_step", recording_step)
    layer = getattr(tg.nn, kind)(3, 4, bidirectional=True)
    lengths = [2, 6, 1, 4]
    x = tg.randn(6, 4, 3, requires_grad=True)
    out, _ = layer(pack_padded_sequence(x, lengths, enforce_sorted=False))
    batch_sizes = [sum(n > t for n in lengths) for t in range(6)]  # [4, 3, 2, 2, 1, 1]
    forward, reverse = seen[:6], seen[6:]  # the forward direction runs t = 0..5, then the reverse t = 5..0
    assert [rows for rows, _, _ in forward] == batch_sizes
    assert [rows for rows, _, _ in reverse] == batch_sizes[::-1]
    assert all(a == b == c for a, b, c in seen)  # each step updates exactly the sequences it got
    assert sum(rows for rows, _, _ in seen) == 2 * sum(lengths)  # not 2 · 6 · 4 padded steps
    out.data.sum().backward()
    assert x.grad.numpy()[np.arange(6)[:, None] >= np.array(lengths)[None, :]].max() == 0.0


def test_final_states_in_the_callers_order_at_each_sequences_last_step():
    tg.manual_seed(3)
    lstm = tg.nn.LSTM(2, 3, batch_first=True)
    x = tg.randn(3, 4, 2)  # (B, T, I)
    out, (h_n, c_n) = lstm(pack_padded_sequence(x, [1, 4, 2], batch_first=True, enforce_sorted=False))
    padded, _ = pad_packed_sequence(out, batch_first=True)
    for b, n in enumerate([1, 4, 2]):
        np.testing.assert_allclose(h_n.numpy()[0, b], padded.numpy()[b, n - 1], rtol=1e-6)


@pytest.mark.parametrize("kind", KINDS)
def test_dropout_between_layers_on_packed_data_matches_torch(kind, monkeypatch):
    """Training with dropout: our layer with a known mask equals torch's single layers chained with that mask."""
    torch = pytest.importorskip("torch")
    from torch.nn.utils import rnn as trnn

    rng = np.random.default_rng(5)
    masks = []

    def known_dropout(x, p, training=True):
        mask = (rng.uniform(size=x.shape) > p) / (1 - p)
        masks.append(mask)
        return x * tg.Tensor(mask)

    monkeypatch.setattr(recurrent.F, "dropout", known_dropout)
    tg.manual_seed(4)
    ours = getattr(tg.nn, kind)(3, 4, num_layers=3, bidirectional=True, dropout=0.4, dtype=tg.float64)
    lengths = [3, 5, 1]
    x_np = rng.standard_normal((5, 3, 3))
    h0_np = rng.standard_normal((6, 3, 4))
    x = tg.Tensor(x_np, requires_grad=True)
    h0 = tg.Tensor(h0_np, requires_grad=True)
    hx = (h0, h0 * 2) if kind == "LSTM" else h0
    out, states = ours(pack_padded_sequence(x, lengths, enforce_sorted=False), hx)
    h_n = states[0] if kind == "LSTM" else states
    assert len(masks) == 2 and masks[0].shape == (sum(lengths), 8)
    w_out = rng.standard_normal((sum(lengths), 8))
    w_h = rng.standard_normal((6, 3, 4))
    ((out.data * tg.Tensor(w_out)).sum() + (h_n * tg.Tensor(w_h)).sum()).backward()

    tx = torch.tensor(x_np, requires_grad=True)
    th0 = torch.tensor(h0_np, requires_grad=True)
    layers = []
    seq = trnn.pack_padded_sequence(tx, lengths, enforce_sorted=False)
    finals = []
    for k in range(3):
        layer = getattr(torch.nn, kind)(3 if k == 0 else 8, 4, bidirectional=True).double()
        names = [n for n, _ in layer.named_parameters()]  # weight_ih_l0, ..., bias_hh_l0_reverse
        layer.load_state_dict({n: torch.tensor(getattr(ours, n.replace("_l0", f"_l{k}")).numpy()) for n in names})
        layers.append(layer)
        state = th0[2 * k : 2 * k + 2]
        seq, h = layer(seq, (state, state * 2) if kind == "LSTM" else state)
        finals.append(h[0] if kind == "LSTM" else h)
        if k < 2:
            dropped = seq.data * torch.tensor(masks[k])
            seq = trnn.PackedSequence(dropped, seq.batch_sizes, seq.sorted_indices, seq.unsorted_indices)
    t_h = torch.cat(finals, dim=0)
    np.testing.assert_allclose(out.data.numpy(), seq.data.detach().numpy(), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(h_n.numpy(), t_h.detach().numpy(), rtol=1e-10, atol=1e-10)
    ((seq.data * torch.tensor(w_out)).sum() + (t_h * torch.tensor(w_h)).sum()).backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(h0.grad.numpy(), th0.grad.numpy(), rtol=1e-10, atol=1e-10)
    for k, layer in enumerate(layers):
        for name, p in layer.named_parameters():
            ours_p = getattr(ours, name.replace("_l0", f"_l{k}"))
            np.testing.assert_allclose(ours_p.grad.numpy(), p.grad.numpy(), rtol=1e-10, atol=1e-10, err_msg=name)


def test_packed_input_on_another_backend():
    gru = tg.nn.GRU(3, 4, device="array_api_strict")
    packed = pack_sequence([tg.randn(4, 3, device="array_api_strict"), tg.randn(2, 3, device="array_api_strict")])
    out, h_n = gru(packed)
    assert out.data.device == "array_api_strict" and out.data.shape == (6, 4) and h_n.shape == (1, 2, 4)


# --- clear errors -------------------------------------------------------------------------------------
@pytest.mark.parametrize("cell", ["RNNCell", "LSTMCell", "GRUCell"])
def test_a_packed_sequence_given_to_a_cell(cell):
    packed = pack_sequence([tg.zeros(3, 2), tg.zeros(1, 2)])
    with pytest.raises(TypeError, match=rf"{cell}: a cell takes one time step.*got a PackedSequence.*nn\."):
        getattr(tg.nn, cell)(2, 4)(packed)


def test_bad_states_name_the_argument():
    x = tg.zeros(5, 2, 3)
    with pytest.raises(TypeError, match=r"GRU: hx must be a Tensor of shape \(1, batch, 4\).*got a tuple.*only LSTM"):
        tg.nn.GRU(3, 4)(x, (tg.zeros(1, 2, 4), tg.zeros(1, 2, 4)))
    message = r"LSTM: hx must be a tuple \(h_0, c_0\) of two Tensors, got a list \[{}\]; sequence lengths go to pack"
    with pytest.raises(TypeError, match=message.format("3, 2, 1")):
        tg.nn.LSTM(3, 4)(x, [3, 2, 1])
    with pytest.raises(TypeError, match=message.format("5, 4")):
        tg.nn.LSTM(3, 4)(x, [5, 4])  # two lengths look like a pair
    with pytest.raises(TypeError, match=r"LSTM: hx\[0\] \(h_0\) must be a Tensor .*got numpy.ndarray; wrap it"):
        tg.nn.LSTM(3, 4)(x, (np.zeros((1, 2, 4)), tg.zeros(1, 2, 4)))
    with pytest.raises(TypeError, match=r"RNN: hx must be a Tensor of shape \(1, 2, 4\), got numpy.ndarray"):
        tg.nn.RNN(3, 4)(x, np.zeros((1, 2, 4), dtype=np.float32))
    with pytest.raises(TypeError, match=r"LSTM: Input and hidden tensors are not the same dtype: hx\[1\] \(c_0\)"):
        tg.nn.LSTM(3, 4)(x, (tg.zeros(1, 2, 4), tg.zeros(1, 2, 4, dtype=tg.float64)))
    with pytest.raises(TypeError, match="GRU: expected a Tensor or a PackedSequence as input, got ndarray; wrap it"):
        tg.nn.GRU(3, 4)(np.zeros((5, 2, 3)))
    with pytest.raises(TypeError, match=r"GRUCell: hx must be a Tensor.*got a tuple.*only LSTMCell"):
        tg.nn.GRUCell(3, 4)(tg.zeros(2, 3), (tg.zeros(2, 4), tg.zeros(2, 4)))
    with pytest.raises(
        TypeError, match=r"LSTMCell: hx must be a tuple \(h, c\) of two Tensors of shape \(batch, 4\), got Tensor"
    ):
        tg.nn.LSTMCell(3, 4)(tg.zeros(2, 3), tg.zeros(2, 4))


def test_packed_states_of_the_wrong_batch():
    packed = pack_sequence([tg.zeros(3, 2), tg.zeros(1, 2)])
    with pytest.raises(ValueError, match=r"Expected hidden size \(1, 2, 4\), got \(1, 3, 4\)"):
        tg.nn.GRU(2, 4)(packed, tg.zeros(1, 3, 4))
    with pytest.raises(ValueError, match=r"input.size\(-1\) must be equal to input_size. Expected 5, got 2"):
        tg.nn.LSTM(5, 4)(packed)


def test_one_shared_constructor_signature():
    """RNN adds nonlinearity (fourth, as in PyTorch), LSTM adds forget_bias; the rest is shared."""
    rnn = tg.nn.RNN(3, 4, 2, "relu", False, True, 0.0, True, dtype=tg.float64)
    assert (rnn.nonlinearity, rnn.bias, rnn.batch_first, rnn.bidirectional) == ("relu", False, True, True)
    assert rnn.weight_ih_l1_reverse.dtype == tg.float64
    lstm = tg.nn.LSTM(3, 4, 1, False, True, forget_bias=1.0)
    assert (lstm.bias, lstm.batch_first, lstm.forget_bias) == (False, True, 1.0)
    assert tg.nn.GRU(3, 4, 2, True, False, 0.5).dropout == 0.5
    with pytest.raises(ValueError, match=r"GRU: proj_size is not supported.*only for LSTM"):
        tg.nn.GRU(3, 4, proj_size=2)
