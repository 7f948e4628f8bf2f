"""tinygrad_rnn: a small tensor library with reverse-mode autograd, for learning recurrent networks.

>>> import tinygrad_rnn as tg
>>> x = tg.Tensor([[0.5, -0.5]], requires_grad=True)
>>> y = tg.sigmoid(x).sum()
>>> y.backward()
>>> [round(v, 4) for v in x.grad.tolist()[0]]
[0.235, 0.235]
"""

from . import autograd  # noqa: F401, I001  (first: tensor.py and the ops build on it)
from . import functional, nn, optim
from .autograd import Function, enable_grad, is_grad_enabled, no_grad, scope
from .backend import cuda_is_available, get_default_device, manual_seed, set_default_device
from .creation import arange, full, ones, ones_like, rand, randn, tensor, zeros, zeros_like
from .dtypes import DType, float32, float64, get_default_dtype, int64, set_default_dtype
from .dtypes import bool_ as bool  # noqa: A001 (PyTorch's name)
from .gradcheck import GradcheckError, gradcheck
from .io import load, save
from .ops import (
    abs,
    add,
    argmax,
    cat,
    chunk,
    clamp,
    div,
    exp,
    expand,
    flatten,
    gate_activations,
    log,
    matmul,
    max,
    mean,
    mul,
    neg,
    permute,
    pow,
    relu,
    reshape,
    sigmoid,
    split,
    sqrt,
    squeeze,
    stack,
    sub,
    sum,
    tanh,
    transpose,
    unbind,
    unsqueeze,
    where,
)
from .tensor import Tensor
from .threads import set_num_threads

__version__ = "0.1.0"

__all__ = [
    "Function",
    "DType",
    "GradcheckError",
    "Tensor",
    "abs",
    "add",
    "arange",
    "argmax",
    "bool",
    "cat",
    "chunk",
    "clamp",
    "cuda_is_available",
    "div",
    "enable_grad",
    "exp",
    "expand",
    "flatten",
    "float32",
    "float64",
    "full",
    "functional",
    "gate_activations",
    "get_default_device",
    "get_default_dtype",
    "gradcheck",
    "int64",
    "is_grad_enabled",
    "load",
    "log",
    "manual_seed",
    "matmul",
    "max",
    "mean",
    "mul",
    "neg",
    "nn",
    "no_grad",
    "ones",
    "ones_like",
    "optim",
    "permute",
    "pow",
    "rand",
    "randn",
    "relu",
    "reshape",
    "save",
    "scope",
    "set_default_device",
    "set_default_dtype",
    "set_num_threads",
    "sigmoid",
    "split",
    "sqrt",
    "squeeze",
    "stack",
    "sub",
    "sum",
    "tanh",
    "tensor",
    "transpose",
    "unbind",
    "unsqueeze",
    "where",
    "zeros",
    "zeros_like",
]
