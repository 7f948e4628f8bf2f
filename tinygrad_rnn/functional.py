"""Composites a training loop needs: softmax, log_softmax, logsigmoid, cross_entropy, mse_loss, dropout.

Imported as ``F``, as in PyTorch:

>>> import tinygrad_rnn as tg
>>> import tinygrad_rnn.functional as F
>>> logits = tg.Tensor([[1e4, 0.0, -1e4]])
>>> F.cross_entropy(logits, tg.Tensor([2])).item()
20000.0
"""

from __future__ import annotations

from typing import Any

from .creation import arange
from .ops.activations import LogSigmoid
from .ops.base import normalize_dim
from .ops.dropout import Dropout
from .ops.indexing import where
from .ops.softmax import LogSoftmax, Softmax
from .tensor import Tensor


def _float_tensor(op: str, x: Any) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(x).__name__}")
    if not x.dtype.is_floating_point:
        raise TypeError(f"{op}: expected a float tensor, got {x.dtype!r}")
    return x


def softmax(x: Tensor, dim: int) -> Tensor:
    """exp(x) / Σ exp(x) along ``dim``.

    >>> import tinygrad_rnn as tg, tinygrad_rnn.functional as F
    >>> F.softmax(tg.Tensor([0.0, 0.0]), dim=0).tolist()
    [0.5, 0.5]
    """
    x = _float_tensor("softmax", x)
    return Softmax.apply(x, axis=normalize_dim("softmax", dim, x.ndim))


def log_softmax(x: Tensor, dim: int) -> Tensor:
    """log(softmax(x)) along ``dim``, computed stably."""
    x = _float_tensor("log_softmax", x)
    return LogSoftmax.apply(x, axis=normalize_dim("log_softmax", dim, x.ndim))


def logsigmoid(x: Tensor) -> Tensor:
    """log σ(x) = −softplus(−x), elementwise, finite where ``x.sigmoid().log()`` underflows to −inf.

    >>> import tinygrad_rnn as tg, tinygrad_rnn.functional as F
    >>> x = tg.Tensor([-200.0, 0.0], requires_grad=True)
    >>> y = F.logsigmoid(x)
    >>> y.sum().backward()
    >>> y.tolist(), x.grad.tolist()
    ([-200.0, -0.6931471824645996], [1.0, 0.5])
    """
    return LogSigmoid.apply(_float_tensor("logsigmoid", x))


def _reduce(op: str, losses: Tensor, reduction: str, count: Any = None) -> Tensor:
    if reduction == "none":
        return losses
    if reduction == "sum":
        return losses.sum()
    if reduction == "mean":
        return losses.sum() / count if count is not None else losses.mean()
    raise ValueError(f"{op}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def cross_entropy(input: Tensor, target: Tensor, ignore_index: int = -100, reduction: str = "mean") -> Tensor:
    """−log softmax(input)[target] with class-index targets, as torch's ``F.cross_entropy``.

    ``input`` is (N, C), (N, C, d1, ...) or (C,); ``target`` holds int64 class
    indices of shape (N,), (N, d1, ...) or (). Targets equal to
    ``ignore_index`` add nothing, and 'mean' divides by the others only.

    >>> import tinygrad_rnn as tg, tinygrad_rnn.functional as F
    >>> round(F.cross_entropy(tg.Tensor([[0.0, 0.0]]), tg.Tensor([1])).item(), 4)
    0.6931
    """
    input = _float_tensor("cross_entropy", input)
    if not isinstance(target, Tensor):
        target = Tensor(target, device=input.backend)
    if target.dtype.name != "int64":
        raise TypeError(f"cross_entropy: expected class indices of dtype int64 as target, got {target.dtype!r}")
    if input.ndim == 0:
        raise ValueError(
            "cross_entropy: input must have a dimension of classes, got a 0-d tensor; "
            "expected shape (C,), (N, C) or (N, C, d1, ...)"
        )
    out_shape = target.shape
    if input.ndim == 1:  # one sample: a 0-d target (or one of shape (1,), as PyTorch allows), a 0-d loss
        if target.ndim > 1 or target.numel() != 1:
            raise ValueError(
                f"cross_entropy: an input of shape {input.shape} (one sample of C classes) "
                f"takes a 0-d target, got shape {target.shape}"
            )
        input, target, out_shape = input.unsqueeze(0), target.reshape(1), ()
    expected = (input.shape[0], *input.shape[2:])
    if target.shape != expected:
        raise ValueError(
            f"cross_entropy: target of shape {target.shape} does not fit input of shape {input.shape}; "
            f"expected target shape {expected}"
        )
    classes = input.shape[1]
    if input.ndim > 2:  # classes last, then one row per position
        input = input.permute(0, *range(2, input.ndim), 1)
    logp = log_softmax(input.reshape(-1, classes), dim=1)
    flat = target.reshape(-1)
    keep = flat != ignore_index
    picked = where(keep, flat, 0)
    _check_classes(picked, classes)
    rows = arange(flat.shape[0], device=input.backend)
    losses = -where(keep, logp[rows, picked], 0.0)
    if reduction == "none":
        return losses.reshape(out_shape)
    xp = input.backend.xp
    kept = Tensor.wrap(xp.sum(xp.astype(keep.data, logp.data.dtype)), input.backend)
    return _reduce("cross_entropy", losses, reduction, kept)


def _check_classes(picked: Tensor, classes: int) -> None:
    """Class indices in range; skipped on GPUs, where the check would copy to the host each step."""
    if picked.device.startswith("cuda") or not picked.numel():
        return
    xp = picked.backend.xp
    low, high = int(xp.min(picked.data)), int(xp.max(picked.data))
    if low < 0 or high >= classes:
        raise IndexError(f"cross_entropy: target {low if low < 0 else high} is out of bounds for {classes} classes")


def mse_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """Mean squared error; the shapes must match (nothing is broadcast silently).

    >>> import tinygrad_rnn as tg, tinygrad_rnn.functional as F
    >>> F.mse_loss(tg.Tensor([1.0, 2.0]), tg.Tensor([1.0, 4.0])).item()
    2.0
    """
    input = _float_tensor("mse_loss", input)
    if not isinstance(target, Tensor):
        target = Tensor(target, device=input.backend, dtype=input.dtype)
    if input.shape != target.shape:
        raise ValueError(f"mse_loss: input of shape {input.shape} and target of shape {target.shape} must match")
    diff = input - target
    return _reduce("mse_loss", diff * diff, reduction)


def dropout(x: Tensor, p: float = 0.5, training: bool = True) -> Tensor:
    """Zeroes each element with probability ``p`` and scales the rest by 1/(1−p), in training only."""
    if isinstance(p, bool) or not isinstance(p, (int, float)):
        raise TypeError(f"dropout: p must be a number between 0 and 1, got {type(p).__name__} {p!r}")
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: probability has to be between 0 and 1, but got {p}")
    x = _float_tensor("dropout", x)
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return x * 0.0
    return Dropout.apply(x, p=float(p))
