"""``tinygrad_rnn.nn.functional``: the same functions as ``tinygrad_rnn.functional``, for code
written as ``import torch.nn.functional as F``."""

from ..functional import cross_entropy, dropout, log_softmax, mse_loss, softmax

__all__ = ["cross_entropy", "dropout", "log_softmax", "mse_loss", "softmax"]
