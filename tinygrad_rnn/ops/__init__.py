"""Primitive ops: each a small Function class with forward and backward side by side."""

from .activations import abs, clamp, exp, log, logsigmoid, relu, sigmoid, sqrt, tanh
from .arithmetic import add, div, matmul, mul, neg, pow, sub
from .gates import gate_activations
from .indexing import compare, getitem, where
from .joining import cat, chunk, split, stack, unbind
from .reductions import argmax, max, mean, sum
from .shaping import (
    cast,
    clone,
    expand,
    fill,
    flatten,
    permute,
    reshape,
    squeeze,
    to_device,
    transpose,
    unsqueeze,
    view,
)

__all__ = [
    "abs",
    "add",
    "argmax",
    "cast",
    "cat",
    "clone",
    "chunk",
    "clamp",
    "compare",
    "div",
    "exp",
    "expand",
    "fill",
    "flatten",
    "gate_activations",
    "getitem",
    "log",
    "logsigmoid",
    "matmul",
    "max",
    "mean",
    "mul",
    "neg",
    "permute",
    "pow",
    "relu",
    "reshape",
    "sigmoid",
    "split",
    "sqrt",
    "squeeze",
    "stack",
    "sub",
    "sum",
    "tanh",
    "to_device",
    "transpose",
    "unbind",
    "unsqueeze",
    "view",
    "where",
]
