"""Gradient clipping, as torch.nn.utils."""

from __future__ import annotations

from collections.abc import Iterable

from ...tensor import Tensor


def clip_grad_norm_(
    parameters: Iterable[Tensor] | Tensor, max_norm: float, norm_type: float = 2.0, error_if_nonfinite: bool = False
) -> Tensor:
    """Scales all gradients together so their joint norm is at most ``max_norm``; returns the norm before.

    The scale is applied without reading it back to the host, so a GPU
    training step does not stop to synchronise here (``error_if_nonfinite=True``
    does read the norm, to raise when it is nan or inf, as torch does).

    >>> import tinygrad_rnn as tg
    >>> p = tg.nn.Parameter(tg.zeros(2)); p.grad = tg.Tensor([3.0, 4.0])
    >>> tg.nn.utils.clip_grad_norm_([p], 1.0).item(), [round(v, 4) for v in p.grad.tolist()]
    (5.0, [0.6, 0.8])
    """
    norm_type = float(norm_type)
    if not norm_type > 0:
        raise ValueError(f"clip_grad_norm_: norm_type must be positive (e.g. 2.0 or float('inf')), got {norm_type}")
    if not max_norm >= 0:
        raise ValueError(f"clip_grad_norm_: max_norm must be >= 0, got {max_norm}")
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    grads = [p.grad for p in params if p.grad is not None]
    if not grads:
        return Tensor(0.0)
    xp = grads[0].backend.xp
    if norm_type == float("inf"):
        total = xp.max(xp.stack([xp.max(xp.abs(g.data)) for g in grads]))
    else:
        total = xp.sum(xp.stack([xp.sum(xp.abs(g.data) ** norm_type) for g in grads])) ** (1.0 / norm_type)
    if error_if_nonfinite and not bool(xp.isfinite(total)):
        raise RuntimeError(
            f"clip_grad_norm_: the total norm of order {norm_type} for gradients from `parameters` is non-finite, "
            "so it cannot be clipped. To disable this error and scale the gradients by the non-finite norm "
            "anyway, set `error_if_nonfinite=False`"
        )
    scale = xp.clip(max_norm / (total + 1e-6), None, 1.0)
    for g in grads:
        g.data *= xp.astype(scale, g.data.dtype)
    return Tensor.wrap(xp.asarray(total), grads[0].backend)  # NumPy gives a scalar; keep an array
