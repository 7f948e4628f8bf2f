"""Every bad argument to a public function gets a TypeError or ValueError naming the function, the argument,
what it got and what it expected; never an AttributeError, an IndexError or a math domain error from inside.

One table: the call, the exception type, and a regex the message must match. Where torch has the same
check, a second table compares with torch (both raise, or neither does).
"""

from __future__ import annotations

import math
import os

import numpy as np
import pytest

import tinygrad_rnn as tg
from tinygrad_rnn import nn
from tinygrad_rnn.data import adding_problem

nan, inf = float("nan"), float("inf")


def params() -> list:
    return [nn.Parameter(tg.zeros(1))]


def rng() -> np.random.Generator:
    return np.random.default_rng(0)


BAD_CALLS = [
    # making tensors
    ("zeros(2.5)", lambda: tg.zeros(2.5), TypeError, r"zeros: size must be integers.*got 2\.5"),
    ("zeros(-1)", lambda: tg.zeros(-1), ValueError, r"zeros: size must be non-negative, got -1"),
    ("zeros('a')", lambda: tg.zeros("a"), TypeError, r"zeros: size must be integers.*got 'a'"),
    ("zeros(True)", lambda: tg.zeros(True), TypeError, r"zeros: size must be integers.*got True"),
    ("zeros(None)", lambda: tg.zeros(None), TypeError, r"zeros: size must be integers.*got None"),
    ("ones((2, 3), (4,))", lambda: tg.ones((2, 3), (4,)), TypeError, r"ones: size must be integers.*\(2, 3\)"),
    (
        "zeros(dtype=float16)",
        lambda: tg.zeros(2, dtype="float16"),
        TypeError,
        r"zeros: dtype must be one of.*'float16'",
    ),
    ("zeros(device=tpu)", lambda: tg.zeros(2, device="tpu"), ValueError, r"zeros: device: unknown device 'tpu'"),
    ("zeros(requires_grad='a')", lambda: tg.zeros(2, requires_grad="a"), TypeError, r"zeros: requires_grad must be"),
    ("zeros(2**40, 2**40)", lambda: tg.zeros(2**40, 2**40), ValueError, r"zeros: size \(1099511627776, .*too large"),
    ("randn(dtype=int64)", lambda: tg.randn(2, dtype=tg.int64), TypeError, r"randn: dtype must be a floating.*int64"),
    ("rand(dtype=bool)", lambda: tg.rand(2, dtype=tg.bool), TypeError, r"rand: dtype must be a floating.*bool"),
    ("full(fill='a')", lambda: tg.full((2,), "a"), TypeError, r"full: fill_value must be a real number.*'a'"),
    ("full(fill=None)", lambda: tg.full((2,), None), TypeError, r"full: fill_value must be a real number.*None"),
    ("full(nan, int64)", lambda: tg.full((2,), nan, dtype=tg.int64), ValueError, r"full: fill_value nan .*int64"),
    ("full(2**63, int64)", lambda: tg.full((2,), 2**63), ValueError, r"full: fill_value 9223372036854775808 .*int64"),
    ("full(size=-2)", lambda: tg.full((-2,), 1.0), ValueError, r"full: size must be non-negative, got -2"),
    ("arange(0, 5, 0)", lambda: tg.arange(0, 5, 0), ValueError, r"arange: step must be non-zero"),
    ("arange(5, 0)", lambda: tg.arange(5, 0), ValueError, r"arange: step 1 points away from end: start=5, end=0"),
    ("arange(nan)", lambda: tg.arange(nan), ValueError, r"arange: end must be a finite number, got nan"),
    ("arange(0, inf)", lambda: tg.arange(0, inf), ValueError, r"arange: end must be a finite number, got inf"),
    ("arange('a')", lambda: tg.arange("a"), TypeError, r"arange: end must be a number, got 'a'"),
    ("arange(2**70)", lambda: tg.arange(2**70), ValueError, r"arange: size .* too large"),
    ("zeros_like(list)", lambda: tg.zeros_like([1, 2]), TypeError, r"zeros_like: x must be a Tensor, got \[1, 2\]"),
    ("ones_like(ndarray)", lambda: tg.ones_like(np.zeros(2)), TypeError, r"ones_like: x must be a Tensor.*ndarray"),
    ("tensor(dtype='half')", lambda: tg.tensor([1.0], dtype="half"), TypeError, r"tensor: dtype must be .*'half'"),
    ("tensor(device='tpu')", lambda: tg.tensor([1.0], device="tpu"), ValueError, r"tensor: device: unknown"),
    ("tensor(requires_grad='a')", lambda: tg.tensor([1.0], requires_grad="a"), TypeError, r"tensor: requires_grad"),
    # seeds
    ("manual_seed(2**64)", lambda: tg.manual_seed(2**64), ValueError, r"manual_seed: seed must be an integer in"),
    ("manual_seed(-2**63-1)", lambda: tg.manual_seed(-(2**63) - 1), ValueError, r"manual_seed: seed .*-2\*\*63"),
    ("manual_seed(None)", lambda: tg.manual_seed(None), TypeError, r"manual_seed: seed must be an integer, got None"),
    ("manual_seed(nan)", lambda: tg.manual_seed(nan), TypeError, r"manual_seed: seed must be an integer, got nan"),
    # Module methods
    ("train('yes')", lambda: nn.Linear(2, 3).train("yes"), ValueError, r"train: training mode .*boolean, got 'yes'"),
    ("to('tpu')", lambda: nn.Linear(2, 3).to("tpu"), ValueError, r"to: expected a device .* or a float dtype.*'tpu'"),
    ("to('float16')", lambda: nn.Linear(2, 3).to("float16"), ValueError, r"to: expected a device.*'float16'"),
    ("to(int64)", lambda: nn.Linear(2, 3).to(tg.int64), TypeError, r"to: .*floating point dtypes, got int64"),
    ("to(dtype='x')", lambda: nn.Linear(2, 3).to(dtype="x"), TypeError, r"to: dtype must be .*got 'x'"),
    ("apply(3)", lambda: nn.Linear(2, 3).apply(3), TypeError, r"apply: fn must be a function.*got 3"),
    ("requires_grad_('no')", lambda: nn.Linear(2, 3).requires_grad_("no"), TypeError, r"requires_grad_: requires_grad"),
    ("zero_grad('x')", lambda: nn.Linear(2, 3).zero_grad("x"), TypeError, r"zero_grad: set_to_none must be"),
    ("named_parameters(3)", lambda: list(nn.Linear(2, 3).named_parameters(3)), TypeError, r"prefix must be a str"),
    (
        "register_parameter(Tensor)",
        lambda: nn.Linear(2, 3).register_parameter("w", tg.zeros(2)),
        TypeError,
        r"parameter 'w' \(nn\.Parameter or None required\)",
    ),
    (
        "register_parameter(3)",
        lambda: nn.Linear(2, 3).register_parameter(3, None),
        TypeError,
        r"parameter name should be a string, got int",
    ),
    ("add_module(int)", lambda: nn.Linear(2, 3).add_module("x", 3), TypeError, r"add_module: int is not a Module"),
    (
        "load_state_dict(list)",
        lambda: nn.Linear(2, 3).load_state_dict([]),
        TypeError,
        r"load_state_dict: state_dict must be a dict.*got list",
    ),
    (
        "Parameter(requires_grad='a')",
        lambda: nn.Parameter(tg.zeros(2), requires_grad="a"),
        TypeError,
        r"Parameter: requires_grad must be True or False, got 'a'",
    ),
    # Linear
    ("Linear(-1, 3)", lambda: nn.Linear(-1, 3), ValueError, r"Linear: in_features must be an integer >= 0, got -1"),
    ("Linear(2, -3)", lambda: nn.Linear(2, -3), ValueError, r"Linear: out_features must be an integer >= 0, got -3"),
    ("Linear(2.5, 3)", lambda: nn.Linear(2.5, 3), TypeError, r"Linear: in_features must be an integer, got 2\.5"),
    ("Linear('2', 3)", lambda: nn.Linear("2", 3), TypeError, r"Linear: in_features must be an integer, got '2'"),
    ("Linear(bias='yes')", lambda: nn.Linear(2, 3, bias="yes"), TypeError, r"Linear: bias must be True or False"),
    ("Linear(dtype=int64)", lambda: nn.Linear(2, 3, dtype=tg.int64), TypeError, r"Linear: dtype must be a floating"),
    ("Linear(dtype='x')", lambda: nn.Linear(2, 3, dtype="x"), TypeError, r"Linear: dtype must be .*got 'x'"),
    ("Linear(device='tpu')", lambda: nn.Linear(2, 3, device="tpu"), ValueError, r"device: unknown device 'tpu'"),
    ("Linear()('x')", lambda: nn.Linear(2, 3)("x"), TypeError, r"Linear: input must be a Tensor, got 'x'"),
    ("Linear()(ndarray)", lambda: nn.Linear(2, 3)(np.zeros((1, 2))), TypeError, r"Linear: input must be a Tensor"),
    (
        "Linear()(float64)",
        lambda: nn.Linear(2, 3)(tg.zeros(1, 2, dtype=tg.float64)),
        TypeError,
        r"Linear: input has dtype float64, the layer's weight float32",
    ),
    (
        "Linear()(wrong width)",
        lambda: nn.Linear(2, 3)(tg.zeros(1, 3)),
        ValueError,
        r"Linear: input of shape \(1, 3\) does not fit in_features=2",
    ),
    # Embedding
    ("Embedding(-1, 3)", lambda: nn.Embedding(-1, 3), ValueError, r"Embedding: num_embeddings must be .*>= 0, got -1"),
    ("Embedding(3, 2.0)", lambda: nn.Embedding(3, 2.0), TypeError, r"Embedding: embedding_dim must be an integer"),
    (
        "Embedding(padding_idx=1.5)",
        lambda: nn.Embedding(3, 2, padding_idx=1.5),
        TypeError,
        r"Embedding: padding_idx must be an integer, got 1\.5",
    ),
    (
        "Embedding(padding_idx=5)",
        lambda: nn.Embedding(3, 2, padding_idx=5),
        ValueError,
        r"Embedding: padding_idx must be within num_embeddings \(3\), got 5",
    ),
    ("Embedding()(float)", lambda: nn.Embedding(3, 2)(tg.Tensor([1.0])), TypeError, r"Embedding: expected int64"),
    # Dropout
    ("Dropout(1.5)", lambda: nn.Dropout(1.5), ValueError, r"Dropout: p .* between 0 and 1, but got 1\.5"),
    ("Dropout('a')", lambda: nn.Dropout("a"), TypeError, r"Dropout: p must be a number, got 'a'"),
    ("Dropout(nan)", lambda: nn.Dropout(nan), ValueError, r"Dropout: p must be a number, got nan"),
    ("Dropout(None)", lambda: nn.Dropout(None), TypeError, r"Dropout: p must be a number, got None"),
    # containers
    ("Sequential(1)", lambda: nn.Sequential(1), TypeError, r"Sequential: int is not a Module subclass"),
    (
        "Sequential()['a']",
        lambda: nn.Sequential(nn.Tanh())["a"],
        TypeError,
        r"Sequential: indices must be integers or slices, got 'a'",
    ),
    ("ModuleList([1])", lambda: nn.ModuleList([1]), TypeError, r"ModuleList: int is not a Module subclass"),
    ("ModuleList(1)", lambda: nn.ModuleList(1), TypeError, r"ModuleList: modules must be an iterable .*got 1"),
    ("ModuleList()[1.0]", lambda: nn.ModuleList([nn.Tanh()])[1.0], TypeError, r"ModuleList: indices must be integers"),
    ("ModuleList.append(3)", lambda: nn.ModuleList().append(3), TypeError, r"ModuleList: int is not a Module"),
    # the gate op
    (
        "gate_activations(list)",
        lambda: tg.gate_activations([1.0, 2.0], (tg.sigmoid,)),
        TypeError,
        r"gate_activations: expected a Tensor as z, got list",
    ),
    (
        "gate_activations(relu)",
        lambda: tg.gate_activations(tg.zeros(1, 4), (tg.sigmoid, tg.relu)),
        ValueError,
        r"gate_activations: each function must be sigmoid or tanh, got <function relu",
    ),
    (
        "gate_activations(unhashable)",
        lambda: tg.gate_activations(tg.zeros(1, 4), ([1],)),
        ValueError,
        r"gate_activations: each function must be sigmoid or tanh, got \[1\]",
    ),
    (
        "gate_activations(array)",
        lambda: tg.gate_activations(tg.zeros(1, 4), (np.zeros(2),)),
        ValueError,
        r"gate_activations: each function must be sigmoid or tanh, got array",
    ),
    (
        "gate_activations('sigmoid')",
        lambda: tg.gate_activations(tg.zeros(1, 4), "sigmoid"),
        TypeError,
        r"gate_activations: functions must be a non-empty tuple or list of sigmoid and tanh, got 'sigmoid'",
    ),
    (
        "gate_activations(())",
        lambda: tg.gate_activations(tg.zeros(1, 4), ()),
        TypeError,
        r"functions must be a non-empty tuple or list.*got \(\)",
    ),
    (
        "gate_activations(3 of 4)",
        lambda: tg.gate_activations(tg.zeros(1, 4), (tg.sigmoid,) * 3),
        ValueError,
        r"gate_activations: z must have a last axis that splits into 3 equal pieces, got shape \(1, 4\)",
    ),
    (
        "gate_activations(0-d)",
        lambda: tg.gate_activations(tg.tensor(1.0), (tg.sigmoid,)),
        ValueError,
        r"z must have a last axis that splits into 1 equal pieces, got shape \(\)",
    ),
    (
        "gate_activations(int64)",
        lambda: tg.gate_activations(tg.zeros(1, 2, dtype=tg.int64), (tg.tanh,)),
        TypeError,
        r"gate_activations: z must be a float tensor, got .*int64.*use \.float\(\)",
    ),
    # losses and activations
    (
        "MSELoss(reduction='x')",
        lambda: nn.MSELoss(reduction="x"),
        ValueError,
        r"MSELoss: reduction must be one of 'mean', 'sum', 'none', got 'x'",
    ),
    (
        "CrossEntropyLoss(reduction=None)",
        lambda: nn.CrossEntropyLoss(reduction=None),
        ValueError,
        r"CrossEntropyLoss: reduction must be one of .*got None",
    ),
    (
        "CrossEntropyLoss(ignore_index=1.5)",
        lambda: nn.CrossEntropyLoss(ignore_index=1.5),
        TypeError,
        r"CrossEntropyLoss: ignore_index must be an integer, got 1\.5",
    ),
    ("MSELoss()('a', t)", lambda: nn.MSELoss()("a", tg.zeros(2)), TypeError, r"mse_loss: expected a Tensor, got str"),
    ("Tanh()('x')", lambda: nn.Tanh()("x"), TypeError, r"tanh: expected a Tensor, got str"),
    # optimizers
    (
        "Adam(lr=nan)",
        lambda: tg.optim.Adam(params(), lr=nan),
        ValueError,
        r"Adam: lr must be a number >= 0\.0, got nan",
    ),
    ("Adam(lr=-1)", lambda: tg.optim.Adam(params(), lr=-1), ValueError, r"Adam: lr must be a number >= 0\.0, got -1"),
    ("Adam(lr='a')", lambda: tg.optim.Adam(params(), lr="a"), TypeError, r"Adam: lr must be a number, got 'a'"),
    ("Adam(eps=nan)", lambda: tg.optim.Adam(params(), eps=nan), ValueError, r"Adam: eps must be a number >= 0\.0"),
    (
        "Adam(weight_decay=nan)",
        lambda: tg.optim.Adam(params(), weight_decay=nan),
        ValueError,
        r"Adam: weight_decay must be a number >= 0\.0, got nan",
    ),
    (
        "Adam(betas=(1.0, 0.9))",
        lambda: tg.optim.Adam(params(), betas=(1.0, 0.9)),
        ValueError,
        r"Adam: betas\[0\] must be a number >= 0\.0 and < 1\.0, got 1\.0",
    ),
    (
        "Adam(betas=(0.9, nan))",
        lambda: tg.optim.Adam(params(), betas=(0.9, nan)),
        ValueError,
        r"Adam: betas\[1\] must be .*got nan",
    ),
    ("Adam(betas=(0.9,))", lambda: tg.optim.Adam(params(), betas=(0.9,)), TypeError, r"Adam: betas must be a pair"),
    ("Adam(betas=0.9)", lambda: tg.optim.Adam(params(), betas=0.9), TypeError, r"Adam: betas must be a pair.*0\.9"),
    ("Adam(amsgrad='yes')", lambda: tg.optim.Adam(params(), amsgrad="yes"), TypeError, r"Adam: amsgrad must be"),
    ("AdamW(lr=nan)", lambda: tg.optim.AdamW(params(), lr=nan), ValueError, r"AdamW: lr must be a number >= 0\.0"),
    ("SGD(lr=nan)", lambda: tg.optim.SGD(params(), lr=nan), ValueError, r"SGD: lr must be a number >= 0\.0, got nan"),
    ("SGD(momentum=-1)", lambda: tg.optim.SGD(params(), momentum=-1), ValueError, r"SGD: momentum must be .*got -1"),
    ("SGD(momentum=nan)", lambda: tg.optim.SGD(params(), momentum=nan), ValueError, r"SGD: momentum must be.*nan"),
    ("SGD(dampening=nan)", lambda: tg.optim.SGD(params(), dampening=nan), ValueError, r"SGD: dampening must be"),
    ("SGD(weight_decay=nan)", lambda: tg.optim.SGD(params(), weight_decay=nan), ValueError, r"SGD: weight_decay"),
    ("SGD(nesterov='yes')", lambda: tg.optim.SGD(params(), nesterov="yes"), TypeError, r"SGD: nesterov must be"),
    ("SGD(lr='x')", lambda: tg.optim.SGD(params(), lr="x"), TypeError, r"SGD: lr must be a number, got 'x'"),
    # data
    (
        "adding_problem(batch=2.5)",
        lambda: adding_problem(2.5, 10, rng()),
        TypeError,
        r"adding_problem: batch must be an integer, got 2\.5",
    ),
    (
        "adding_problem(length='a')",
        lambda: adding_problem(2, "a", rng()),
        TypeError,
        r"adding_problem: length must be an integer, got 'a'",
    ),
    (
        "adding_problem(rng=0)",
        lambda: adding_problem(2, 10, 0),
        TypeError,
        r"adding_problem: rng must be a NumPy Generator, e.g\. np\.random\.default_rng\(0\), got 0",
    ),
    (
        "adding_problem(batch_first='no')",
        lambda: adding_problem(2, 4, rng(), batch_first="no"),
        TypeError,
        r"adding_problem: batch_first must be True or False, got 'no'",
    ),
    ("adding_problem(batch=-1)", lambda: adding_problem(-1, 10, rng()), ValueError, r"batch must be positive"),
    ("adding_problem(length=1)", lambda: adding_problem(2, 1, rng()), ValueError, r"length must be at least 2"),
    # save and load
    ("save(list)", lambda: tg.save([], "x.npz"), TypeError, r"save: expected a dict .*got list"),
    ("save(path=3)", lambda: tg.save({}, 3), TypeError, r"save: path must be a str or os\.PathLike, got int"),
    ("save(object)", lambda: tg.save({"a": object()}, "x.npz"), TypeError, r"save: cannot store object at a"),
    ("load(3)", lambda: tg.load(3), TypeError, r"load: path must be a str or os\.PathLike, got int"),
    (
        "load(map_location=tpu)",
        lambda: tg.load("x.npz", map_location="tpu"),
        ValueError,
        r"load: map_location: unknown device 'tpu'",
    ),
]


@pytest.mark.parametrize(("call", "kind", "pattern"), [c[1:] for c in BAD_CALLS], ids=[c[0] for c in BAD_CALLS])
def test_a_bad_argument_gets_a_clear_error(call, kind, pattern, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the save/load rows must not touch the working folder
    with pytest.raises(kind, match=pattern) as info:
        call()
    assert type(info.value) in (TypeError, ValueError), type(info.value)
    assert os.listdir(tmp_path) == []


# --- what torch accepts, we accept (and give the same result) --------------------------


def test_manual_seed_accepts_what_torch_accepts():
    torch = pytest.importorskip("torch")
    for seed in (-1, -(2**63), 2**64 - 1, 0, True, np.int64(3), 1.5, "7"):
        torch.manual_seed(seed)
        tg.manual_seed(seed)  # no error
    tg.manual_seed(-1)
    a = tg.randn(3).numpy()
    tg.manual_seed(2**64 - 1)  # -1 is the seed 2**64 - 1, as torch.initial_seed() says
    np.testing.assert_array_equal(a, tg.randn(3).numpy())
    torch.manual_seed(-1)
    assert torch.initial_seed() == 2**64 - 1
    for seed in (2**64, -(2**63) - 1):
        with pytest.raises(ValueError):
            torch.manual_seed(seed)
        with pytest.raises(ValueError):
            tg.manual_seed(seed)
    tg.manual_seed(0)


@pytest.mark.parametrize(
    "fill",
    [3, 3.0, True, False, 0, -7, 2.5, np.int64(4), np.float64(1.5), np.float32(0.5), np.bool_(True), 2**62],
    ids=repr,
)
def test_full_dtype_follows_torch(fill):
    torch = pytest.importorskip("torch")
    ours = tg.full((2, 3), fill)
    theirs = torch.full((2, 3), fill.item() if isinstance(fill, np.generic) else fill)
    assert ours.dtype.name == str(theirs.dtype).removeprefix("torch.")
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_full_with_an_explicit_dtype_converts_as_torch():
    torch = pytest.importorskip("torch")
    for fill, dtype in [(3.7, "int64"), (-3.7, "int64"), (2, "float64"), (True, "float32"), (0.0, "bool")]:
        ours = tg.full((2,), fill, dtype=dtype)
        theirs = torch.full((2,), fill, dtype=getattr(torch, dtype))
        assert ours.dtype == dtype
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@pytest.mark.parametrize(
    "args", [(5,), (2, 7), (7, 2, -1), (0.0, 1.0, 0.25), (1, 2.5), (5, 5), (-3, 3, 2), (3, -3, -2)], ids=repr
)
def test_arange_matches_torch(args):
    torch = pytest.importorskip("torch")
    ours, theirs = tg.arange(*args), torch.arange(*args)
    assert ours.dtype.name == str(theirs.dtype).removeprefix("torch.")
    np.testing.assert_allclose(ours.numpy(), theirs.numpy())


@pytest.mark.parametrize("args", [(0, 5, 0), (5, 0), (0, -5, 1), (0.0, math.nan)], ids=repr)
def test_arange_refuses_what_torch_refuses(args):
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError):
        torch.arange(*args)
    with pytest.raises(ValueError, match="arange"):
        tg.arange(*args)


@pytest.mark.filterwarnings("ignore:Initializing zero-element tensors")
@pytest.mark.parametrize(
    ("make", "make_torch"),
    [
        (lambda: nn.Linear(0, 3), "torch.nn.Linear(0, 3)"),
        (lambda: nn.Linear(np.int64(2), 3), "torch.nn.Linear(2, 3)"),
        (lambda: nn.Embedding(0, 2), "torch.nn.Embedding(0, 2)"),
        (lambda: nn.Embedding(3, 2, padding_idx=-3), "torch.nn.Embedding(3, 2, padding_idx=-3)"),
        (lambda: nn.Dropout(0), "torch.nn.Dropout(0)"),
        (lambda: nn.Dropout(1), "torch.nn.Dropout(1)"),
        (lambda: tg.optim.Adam(params(), lr=inf), "torch.optim.Adam([torch.zeros(1, requires_grad=True)], lr=inf)"),
        (lambda: tg.optim.SGD(params(), lr=0), "torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0)"),
        (lambda: tg.zeros(0, 3), "torch.zeros(0, 3)"),
        (lambda: tg.ones(np.int64(2)), "torch.ones(2)"),
    ],
)
def test_edge_values_torch_accepts_are_accepted(make, make_torch):
    torch = pytest.importorskip("torch")
    eval(make_torch, {"torch": torch, "inf": inf})
    make()


def test_sequential_and_module_list_indexing_as_torch():
    layers = [nn.Tanh(), nn.ReLU(), nn.Sigmoid()]
    seq, lst = nn.Sequential(*layers), nn.ModuleList(layers)
    for container in (seq, lst):
        assert container[np.int64(1)] is layers[1] and container[-1] is layers[2]
        with pytest.raises(IndexError, match="index 3 is out of range for 3 modules"):
            container[3]
        with pytest.raises(IndexError, match="index -4 is out of range"):
            container[-4]
    assert isinstance(lst[1:], nn.ModuleList) and list(lst[1:]) == layers[1:]
    assert isinstance(seq[1:], nn.Sequential) and list(seq[1:]) == layers[1:]


def test_sequential_checks_the_names_of_an_ordered_dict_as_torch():
    from collections import OrderedDict

    torch = pytest.importorskip("torch")
    with pytest.raises(KeyError, match=r'contain "\."'):
        torch.nn.Sequential(OrderedDict([("a.b", torch.nn.Tanh())]))
    with pytest.raises(KeyError, match=r'contain "\."'):
        nn.Sequential(OrderedDict([("a.b", nn.Tanh())]))
