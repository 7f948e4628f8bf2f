"""What the recurrent layers promise beyond matching numbers: errors, graph records, BPTT, training."""

import math

import numpy as np
import pytest

import tinygrad_rnn as tg
import tinygrad_rnn.functional as F
from tinygrad_rnn.autograd import topological_order


# --- errors in PyTorch's words -------------------------------------------------------------------
def test_wrong_input_size_names_both_numbers():
    with pytest.raises(ValueError, match=r"input.size\(-1\) must be equal to input_size. Expected 10, got 5"):
        tg.nn.LSTM(10, 4)(tg.zeros(3, 2, 5))


@pytest.mark.parametrize("kind", ["RNN", "GRU"])
def test_wrong_h0_shape(kind):
    layer = getattr(tg.nn, kind)(3, 4)
    with pytest.raises(ValueError, match=r"Expected hidden size \(1, 2, 4\), got \(2, 2, 4\)"):
        layer(tg.zeros(5, 2, 3), tg.zeros(2, 2, 4))


def test_wrong_lstm_states_name_which():
    lstm = tg.nn.LSTM(3, 4, num_layers=2)
    with pytest.raises(ValueError, match=r"Expected hidden\[0\] size \(2, 2, 4\), got \(1, 2, 4\)"):
        lstm(tg.zeros(5, 2, 3), (tg.zeros(1, 2, 4), tg.zeros(2, 2, 4)))
    with pytest.raises(ValueError, match=r"Expected hidden\[1\] size \(2, 2, 4\), got \(2, 3, 4\)"):
        lstm(tg.zeros(5, 2, 3), (tg.zeros(2, 2, 4), tg.zeros(2, 3, 4)))


def test_wrong_number_of_dimensions():
    with pytest.raises(ValueError, match="Expected input to be 2D or 3D, got 4D tensor instead"):
        tg.nn.GRU(3, 4)(tg.zeros(1, 5, 2, 3))
    with pytest.raises(ValueError, match="For unbatched 2-D input, hx should also be 2-D but got 3-D tensor"):
        tg.nn.RNN(3, 4)(tg.zeros(5, 3), tg.zeros(1, 1, 4))
    with pytest.raises(ValueError, match="For batched 3-D input, hx should also be 3-D but got 2-D tensor"):
        tg.nn.RNN(3, 4)(tg.zeros(5, 2, 3), tg.zeros(1, 4))


def test_cell_errors():
    cell = tg.nn.LSTMCell(3, 4)
    with pytest.raises(ValueError, match="input has inconsistent input_size: got 5 expected 3"):
        cell(tg.zeros(2, 5))
    with pytest.raises(ValueError, match="Input batch size 2 doesn't match hx batch size 3"):
        cell(tg.zeros(2, 3), (tg.zeros(3, 4), tg.zeros(3, 4)))
    with pytest.raises(ValueError, match="Expected input to be 1D or 2D, got 3D instead"):
        tg.nn.GRUCell(3, 4)(tg.zeros(1, 2, 3))


def test_bad_construction_arguments():
    with pytest.raises(ValueError, match="proj_size is not supported"):
        tg.nn.LSTM(3, 4, proj_size=2)
    with pytest.raises(ValueError, match="nonlinearity"):
        tg.nn.RNN(3, 4, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match="dropout"):
        tg.nn.GRU(3, 4, num_layers=2, dropout=1.5)
    with pytest.warns(UserWarning, match="num_layers greater than 1"):
        tg.nn.LSTM(3, 4, dropout=0.5)


# --- shapes -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("batch_first", [False, True])
def test_h0_shape_ignores_batch_first(batch_first):
    lstm = tg.nn.LSTM(3, 4, num_layers=2, bidirectional=True, batch_first=batch_first)
    x = tg.zeros(7, 5, 3)  # (N, L, I) if batch_first else (L, N, I)
    out, (h, c) = lstm(x)
    batch = 7 if batch_first else 5
    assert out.shape == (7, 5, 8)
    assert h.shape == c.shape == (4, batch, 4)


def test_bidirectional_output_is_forward_then_reverse():
    """The last forward output equals h_n[0]; the first reverse output equals h_n[1]."""
    tg.manual_seed(0)
    gru = tg.nn.GRU(3, 4, bidirectional=True)
    out, h_n = gru(tg.randn(6, 2, 3))
    np.testing.assert_allclose(out.numpy()[-1, :, :4], h_n.numpy()[0])
    np.testing.assert_allclose(out.numpy()[0, :, 4:], h_n.numpy()[1])


def test_default_initialisation_is_uniform_in_inverse_sqrt_hidden():
    lstm = tg.nn.LSTM(10, 16, num_layers=2)
    bound = 1 / math.sqrt(16)
    values = np.concatenate([p.numpy().ravel() for p in lstm.parameters()])
    assert np.abs(values).max() <= bound
    assert np.abs(values).max() > 0.9 * bound  # spread over the whole range, not a narrower one


def test_forget_bias_sets_the_forget_gate_only():
    lstm = tg.nn.LSTM(3, 4, forget_bias=1.0)
    b_ih, b_hh = lstm.bias_ih_l0.numpy(), lstm.bias_hh_l0.numpy()
    np.testing.assert_array_equal(b_ih[4:8] + b_hh[4:8], np.ones(4))
    assert not np.allclose(b_ih[:4], 1.0)
    cell = tg.nn.LSTMCell(3, 4, forget_bias=3.0)
    np.testing.assert_array_equal(cell.bias_ih.numpy()[4:8] + cell.bias_hh.numpy()[4:8], np.full(4, 3.0))


# --- the graph reads like the textbook -----------------------------------------------------------
def _nodes(t):
    return topological_order(t.grad_fn)


def _named(nodes):
    """(name, role, node) of every named output: a node's own name, or one per output where they were tagged apart."""
    out = []
    for node in nodes:
        for slot in range(node.n_outputs):
            name, role = node.record.output(slot) if node.record else (None, None)
            if name:
                out.append((name, role, node))
    return out


def test_lstm_cell_graph_is_the_textbook_diagram():
    cell = tg.nn.LSTMCell(3, 4)
    x = tg.randn(2, 3, requires_grad=True)  # constants alone would record no concat
    h, c = cell(x, (tg.randn(2, 4), tg.randn(2, 4)))
    nodes = _nodes(h)
    names = {name: node for name, _, node in _named(nodes)}
    assert {"i_t", "f_t", "g_t", "o_t", "c_t", "h_t", "[h_{t−1}, x_t]"} <= set(names)
    roles = {name: role for name, role, _ in _named(nodes) if role}
    assert roles["f_t"] == "forget gate" and roles["i_t"] == "input gate"
    assert roles["g_t"] == "candidate" and roles["o_t"] == "output gate"
    assert roles["c_t"] == "cell state" and roles["h_t"] == "hidden state"
    # the four gates are one op, one output each, in PyTorch's order, drawn σ, σ, tanh, σ
    gates = names["i_t"]
    assert all(names[k] is gates for k in ("f_t", "g_t", "o_t"))
    assert [gates.record.output(k)[0] for k in range(4)] == ["i_t", "f_t", "g_t", "o_t"]
    assert gates.output_labels == ("σ", "σ", "tanh", "σ")
    labels = [n.label for n in nodes]
    assert labels.count("[·,·]") == 2  # [h, x] and [W_hh, W_ih]
    assert labels.count("@") == 1  # one matmul gives all four gates
    assert labels.count("gates") == 1 and labels.count("tanh") == 1  # the gates, and tanh(c_t)
    assert labels.count("⊙") == 3  # f⊙c, i⊙g, o⊙tanh(c)


def test_gru_cell_records_its_gates():
    h = tg.nn.GRUCell(3, 4)(tg.randn(2, 3), tg.randn(2, 4))
    roles = {name: role for name, role, _ in _named(_nodes(h)) if role}
    assert roles == {"r_t": "reset gate", "z_t": "update gate", "n_t": "candidate", "h_t": "hidden state"}


def test_layer_ops_know_layer_direction_and_time():
    lstm = tg.nn.LSTM(3, 4, num_layers=2, bidirectional=True)
    out, _ = lstm(tg.randn(5, 2, 3))
    nodes = _nodes(out)
    forget = [node for name, _, node in _named(nodes) if name == "f_t"]
    assert len(forget) == 2 * 2 * 5  # layers × directions × steps
    places = {(n.record.place["layer"], n.record.place["direction"], n.record.place["t"]) for n in forget}
    assert places == {(layer, d, t) for layer in (0, 1) for d in ("forward", "reverse") for t in range(5)}


def test_dropout_between_layers_only_in_training():
    tg.manual_seed(0)
    lstm = tg.nn.LSTM(3, 4, num_layers=2, dropout=0.5)
    x = tg.randn(5, 2, 3)
    lstm.eval()
    a, b = lstm(x)[0].numpy(), lstm(x)[0].numpy()
    np.testing.assert_array_equal(a, b)
    lstm.train()
    c = lstm(x)[0].numpy()
    assert not np.allclose(a, c)
    labels = {n.label for n in _nodes(lstm(x)[0])}
    assert "dropout" in labels


# --- truncated BPTT and training -----------------------------------------------------------------------
def test_truncated_bptt_with_detach():
    """Carrying (h, c) across chunks works with .detach(); without it the second backward hits a freed graph."""
    tg.manual_seed(1)
    lstm = tg.nn.LSTM(3, 4)
    x = tg.randn(10, 2, 3)
    out, (h, c) = lstm(x[:5])
    out.sum().backward()
    state = (h.detach(), c.detach())
    assert not state[0].requires_grad and state[0].grad_fn is None
    lstm.zero_grad()
    out2, _ = lstm(x[5:], state)
    out2.sum().backward()
    chunked = lstm.weight_hh_l0.grad.numpy()
    # the same second chunk, started from the same values as fresh constants, gives the same gradient
    lstm.zero_grad()
    fresh = (tg.Tensor(state[0].numpy()), tg.Tensor(state[1].numpy()))
    lstm(x[5:], fresh)[0].sum().backward()
    np.testing.assert_allclose(lstm.weight_hh_l0.grad.numpy(), chunked, rtol=1e-6)
    # without detach, the second chunk's backward reaches the first chunk's freed graph
    out, (h, c) = lstm(x[:5])
    out.sum().backward()
    out2, _ = lstm(x[5:], (h, c))
    with pytest.raises(RuntimeError, match="second time"):
        out2.sum().backward()


def test_lstm_learns_the_adding_problem():
    """A small LSTM gets well below the 0.167 constant-guess baseline at T = 20 within a few seconds."""
    rng = np.random.default_rng(0)
    tg.manual_seed(0)

    def batch(n, length=20):
        values = rng.uniform(0, 1, (length, n))
        marks = np.zeros((length, n))
        for j in range(n):
            a, b = rng.choice(length, 2, replace=False)
            marks[[a, b], j] = 1
        x = np.stack([values, marks], axis=2).astype("float32")
        y = (values * marks).sum(0, keepdims=True).T.astype("float32")
        return tg.Tensor(x), tg.Tensor(y)

    lstm, head = tg.nn.LSTM(2, 32, forget_bias=1.0), tg.nn.Linear(32, 1)  # an open belt learns sooner
    params = list(lstm.parameters()) + list(head.parameters())
    opt = tg.optim.Adam(params, lr=1e-2)
    for _ in range(400):  # a plateau near the baseline, then the drop (about step 250)
        x, y = batch(32)
        _, (h, _) = lstm(x)
        loss = F.mse_loss(head(h[0]), y)
        opt.zero_grad()
        loss.backward()
        tg.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
    x, y = batch(500)
    with tg.no_grad():
        _, (h, _) = lstm(x)
        test_mse = F.mse_loss(head(h[0]), y).item()
    assert test_mse < 0.03, f"test MSE {test_mse:.4f} (baseline ≈ 0.167)"


def test_input_of_another_dtype_or_device_is_named():
    lstm = tg.nn.LSTM(3, 4)
    with pytest.raises(TypeError, match="LSTM: input.dtype must match weight dtype"):
        lstm(tg.zeros(5, 2, 3, dtype=tg.float64))
    with pytest.raises(ValueError, match="LSTM: input is on array_api_strict but the weights on cpu"):
        lstm(tg.zeros(5, 2, 3, device="array_api_strict"))
