"""Layers: Module, Parameter, Linear, Embedding, Dropout, Sequential, and the recurrent cells and layers."""

from . import utils
from .cells import GRUCell, LSTMCell, RNNCell
from .layers import Dropout, Embedding, Linear, Sequential
from .module import Module, Parameter
from .recurrent import GRU, LSTM, RNN

__all__ = [
    "GRU",
    "GRUCell",
    "LSTM",
    "LSTMCell",
    "RNN",
    "RNNCell",
    "Dropout",
    "Embedding",
    "Linear",
    "Module",
    "Parameter",
    "Sequential",
    "utils",
]
