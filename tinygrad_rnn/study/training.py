"""Training a recurrent layer on the adding problem, so the gradient flow can be measured again after.

A linear head reads h_T; Adam with gradient clipping, as in the adding-problem
demo. Seeded: the batches come from ``numpy.random.default_rng(seed + 1)``
(the measurement uses ``seed``), the head from ``tg.manual_seed(seed + 1)``.
"""

from __future__ import annotations

from typing import Any

import tinygrad_rnn as tg
import tinygrad_rnn.functional as F

from ..backend import np
from ..data import adding_problem
from .experiment import last_hidden

LEARNING_RATE = 3e-3
BATCH = 32
CLIP = 1.0


def train_adding(
    layer: Any, length: int, train_steps: int, *, seed: int = 0, batch: int = BATCH, lr: float = LEARNING_RATE
) -> float:
    """Trains ``layer`` (plus a fresh linear head on h_T) ``train_steps`` steps; returns the MSE on a test batch.

    The baseline, always answering 1.0, scores about 0.167.
    """
    device = next(iter(layer.parameters())).device
    tg.manual_seed(seed + 1)
    head = tg.nn.Linear(layer.hidden_size, 1, device="cpu").to(device)  # the same draw on every device
    params = list(layer.parameters()) + list(head.parameters())
    opt = tg.optim.Adam(params, lr=lr)
    rng = np.random.default_rng(seed + 1)
    for _ in range(train_steps):
        x, y = adding_problem(batch, length, rng, device=device)
        loss = F.mse_loss(head(last_hidden(layer, x)), y)
        opt.zero_grad()
        loss.backward()
        tg.nn.utils.clip_grad_norm_(params, CLIP)
        opt.step()
    opt.zero_grad()
    x, y = adding_problem(512, length, np.random.default_rng(seed + 2), device=device)
    with tg.no_grad():
        return float(F.mse_loss(head(last_hidden(layer, x)), y).item())
