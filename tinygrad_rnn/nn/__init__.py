"""Layers: Module, Parameter, Linear, Embedding, containers, activations, losses, and the recurrent layers."""

from . import functional, utils
from .activations import Identity, ReLU, Sigmoid, Tanh
from .cells import GRUCell, LSTMCell, RNNCell
from .layers import Dropout, Embedding, Linear, ModuleList, Sequential
from .loss import CrossEntropyLoss, MSELoss
from .module import Module, Parameter
from .recurrent import GRU, LSTM, RNN

__all__ = [
    "CrossEntropyLoss",
    "Dropout",
    "Embedding",
    "GRU",
    "GRUCell",
    "Identity",
    "LSTM",
    "LSTMCell",
    "Linear",
    "MSELoss",
    "Module",
    "ModuleList",
    "Parameter",
    "RNN",
    "RNNCell",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "Tanh",
    "functional",
    "utils",
]
