"""Bad constructor arguments and states for the recurrent layers and cells: a TypeError/ValueError naming each."""

import numpy as np
import pytest

import tinygrad_rnn as tg


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell"])
def test_sizes_must_be_ints(kind):
    with pytest.raises(TypeError, match=rf"{kind}: input_size should be of type int, got: float 3.5"):
        getattr(tg.nn, kind)(3.5, 4)
    with pytest.raises(TypeError, match=rf"{kind}: hidden_size should be of type int, got: str '4'"):
        getattr(tg.nn, kind)(3, "4")
    with pytest.raises(TypeError, match=rf"{kind}: bias must be True or False, got 'no'"):
        getattr(tg.nn, kind)(3, 4, bias="no")


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_layer_flags_and_depth(kind):
    with pytest.raises(TypeError, match=rf"{kind}: num_layers should be of type int, got: float 2.0"):
        getattr(tg.nn, kind)(3, 4, num_layers=2.0)
    with pytest.raises(TypeError, match=rf"{kind}: bidirectional must be True or False, got 1"):
        getattr(tg.nn, kind)(3, 4, bidirectional=1)
    with pytest.raises(TypeError, match=rf"{kind}: batch_first must be True or False, got None"):
        getattr(tg.nn, kind)(3, 4, batch_first=None)
    with pytest.raises(ValueError, match=rf"{kind}: input_size, hidden_size and num_layers must be positive"):
        getattr(tg.nn, kind)(3, 4, num_layers=0)


def test_states_of_another_device_are_named():
    x = tg.zeros(5, 2, 3)
    with pytest.raises(ValueError, match=r"GRU: hx is on array_api_strict but the input on cpu"):
        tg.nn.GRU(3, 4)(x, tg.zeros(1, 2, 4, device="array_api_strict"))
    with pytest.raises(TypeError, match=r"GRUCell: hidden0 must be a Tensor, got ndarray; wrap it"):
        tg.nn.GRUCell(3, 4)(tg.zeros(2, 3), np.zeros((2, 4), dtype=np.float32))
    with pytest.raises(TypeError, match=r"LSTMCell: cx must have the input's dtype and device"):
        tg.nn.LSTMCell(3, 4)(tg.zeros(2, 3), (tg.zeros(2, 4), tg.zeros(2, 4, dtype=tg.float64)))
    with pytest.raises(TypeError, match=r"RNNCell: expected a Tensor as input, got list"):
        tg.nn.RNNCell(3, 4)([[0.0, 0.0, 0.0]])
