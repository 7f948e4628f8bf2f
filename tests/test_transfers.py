"""Host-device copies happen only where the user asks (.numpy(), .item(), .to, Tensor(host data)).

Every copy between the host and a backend goes through ``Backend.from_host`` and
``Backend.to_host``; these tests count the calls during a whole training step on
each non-NumPy backend (the strict array-API backend stands in for a GPU here).
"""

import numpy as np
import pytest

import tinygrad_rnn as tg
import tinygrad_rnn.functional as F


@pytest.fixture
def off_host_device(device):
    if device == "cpu":
        pytest.skip("NumPy arrays live on the host: there is no transfer to count")
    return device


@pytest.fixture
def transfers(off_host_device, monkeypatch):
    backend = tg.backend.get_backend(off_host_device)
    counts = {"from_host": 0, "to_host": 0}
    for name in counts:
        original = getattr(backend, name)

        def counted(array, _name=name, _original=original):
            counts[_name] += 1
            return _original(array)

        monkeypatch.setattr(backend, name, counted)
    return counts


def _model_and_data(device):
    tg.manual_seed(0)
    lstm = tg.nn.LSTM(3, 8, num_layers=2).to(device)
    head = tg.nn.Linear(8, 1).to(device)
    rng = np.random.default_rng(0)
    x = tg.Tensor(rng.standard_normal((6, 4, 3)).astype("float32"), device=device)
    y = tg.Tensor(rng.standard_normal((4, 1)).astype("float32"), device=device)
    return lstm, head, x, y


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_a_training_step_copies_nothing_between_host_and_device(off_host_device, transfers, optimizer):
    lstm, head, x, y = _model_and_data(off_host_device)
    params = [*lstm.parameters(), *head.parameters()]
    opt = tg.optim.Adam(params, lr=1e-3) if optimizer == "adam" else tg.optim.SGD(params, lr=0.1, momentum=0.9)
    transfers.update(from_host=0, to_host=0)
    for _ in range(2):
        _, (h, c) = lstm(x)
        loss = F.mse_loss(head(h[-1]), y)
        opt.zero_grad()
        loss.backward()
        tg.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
    assert transfers == {"from_host": 0, "to_host": 0}
    loss.item()  # the user asks: one copy back
    assert transfers["to_host"] == 1


def test_asking_copies(off_host_device, transfers):
    t = tg.Tensor([1.0, 2.0], device=off_host_device)
    assert transfers["from_host"] == 1
    t.numpy()
    assert transfers["to_host"] == 1
