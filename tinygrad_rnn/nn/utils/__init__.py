"""Utilities for the layers, as torch.nn.utils: gradient clipping and variable-length batches (``rnn``)."""

from . import rnn
from .clip_grad import clip_grad_norm_

__all__ = ["clip_grad_norm_", "rnn"]
