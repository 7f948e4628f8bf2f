"""nn.Module, Parameter, Linear, Embedding, Dropout and Sequential: PyTorch's behaviour, names and numbers."""

from __future__ import annotations

import copy
import math
from collections import OrderedDict

import numpy as np
import pytest

import tinygrad_rnn as tg
from tinygrad_rnn import nn

TOL = 1e-12


class Block(nn.Module):
    """A module with its own parameter, a submodule and a plain attribute."""

    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(tg.ones(4))
        self.proj = nn.Linear(3, 4)
        self.drop = nn.Dropout(0.25)
        self.note = "not registered"
        self.constant = tg.zeros(2)  # a plain tensor is not a parameter

    def forward(self, x):
        return self.drop(self.proj(x)) * self.scale


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = Block()
        self.head = nn.Linear(4, 2, bias=False)

    def forward(self, x):
        return self.head(self.block(x))


# --- registration and walking the tree ---------------------------------------------
def test_attributes_register_parameters_and_submodules():
    b = Block()
    assert list(b._parameters) == ["scale"]
    assert list(b._modules) == ["proj", "drop"]
    assert b.note == "not registered" and isinstance(b.constant, tg.Tensor)
    assert b.scale is b._parameters["scale"] and b.proj is b._modules["proj"]
    with pytest.raises(AttributeError, match="missing"):
        _ = b.missing
    del b.scale
    assert list(b._parameters) == []
    with pytest.raises(AttributeError):
        _ = b.scale


def test_reassigning_switches_registration():
    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = None  # a plain attribute first ...
            self.w = nn.Parameter(tg.ones(2))  # ... then a parameter: must be visible under that name

    m = M()
    assert isinstance(m.w, nn.Parameter)
    assert [n for n, _ in m.named_parameters()] == ["w"]
    m.w = None  # a parameter name set to None stays listed as absent
    assert m.w is None and list(m.parameters()) == []
    m.w = nn.Linear(1, 1)  # now a submodule
    assert [n for n, _ in m.named_parameters()] == ["w.weight", "w.bias"]
    m.w = nn.Parameter(tg.ones(1))
    assert list(m._modules) == [] and [n for n, _ in m.named_parameters()] == ["w"]


def test_assigning_a_plain_tensor_to_a_parameter_name_is_an_error():
    lin = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="weight"):
        lin.weight = tg.ones(2, 2)
    assert [n for n, _ in lin.named_parameters()] == ["weight", "bias"]  # nothing silently unregistered
    net = Net()
    with pytest.raises(TypeError, match="head"):
        net.head = "a string"


def test_register_parameter_add_module_apply_and_requires_grad():
    m = nn.Module()
    m.register_parameter("w", nn.Parameter(tg.ones(2)))
    m.register_parameter("b", None)
    m.add_module("0", nn.Linear(2, 2))
    assert [n for n, _ in m.named_parameters()] == ["w", "0.weight", "0.bias"]
    assert m.b is None and getattr(m, "0") is m._modules["0"]
    with pytest.raises(TypeError, match="Parameter"):
        m.register_parameter("x", tg.ones(2))
    with pytest.raises(KeyError):
        m.register_parameter("a.b", nn.Parameter(tg.ones(1)))
    with pytest.raises(TypeError, match="Module"):
        m.add_module("y", tg.ones(1))
    seen = []
    assert Net().apply(lambda mod: seen.append(type(mod).__name__)).training
    assert seen == ["Linear", "Dropout", "Block", "Linear", "Net"]  # children first, as torch
    net = Net()
    net.block.requires_grad_(False)
    assert [n for n, p in net.named_parameters() if p.requires_grad] == ["head.weight"]
    net(tg.randn(2, 3)).sum().backward()
    assert net.block.proj.weight.grad is None and net.head.weight.grad is not None


def test_assigning_before_super_init_is_a_clear_error():
    class Bad(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(tg.ones(1))

    with pytest.raises(AttributeError, match="super"):
        Bad()


def test_named_parameters_names_and_order():
    net = nn.Sequential(nn.Linear(3, 4), nn.Dropout(), nn.Linear(4, 2), nn.Linear(2, 1, bias=False))
    assert [n for n, _ in net.named_parameters()] == ["0.weight", "0.bias", "2.weight", "2.bias", "3.weight"]
    assert [p.shape for p in net.parameters()] == [(4, 3), (4,), (2, 4), (2,), (1, 2)]
    assert [n for n, _ in Net().named_parameters()] == [
        "block.scale",
        "block.proj.weight",
        "block.proj.bias",
        "head.weight",
    ]
    assert [n for n, _ in Net().named_parameters(prefix="model")][0] == "model.block.scale"
    assert [n for n, _ in Net().block.named_parameters(recurse=False)] == ["scale"]
    assert all(p.requires_grad and p.is_leaf for p in net.parameters())


def test_shared_parameters_come_once_but_state_dict_keeps_every_name():
    net = nn.Sequential(nn.Linear(4, 4), nn.Linear(4, 4))
    net[1].weight = net[0].weight  # tied weights
    assert [n for n, _ in net.named_parameters()] == ["0.weight", "0.bias", "1.bias"]
    assert len(list(net.parameters())) == 3
    assert [n for n, _ in net.named_parameters(remove_duplicate=False)] == ["0.weight", "0.bias", "1.weight", "1.bias"]
    assert list(net.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.bias"]  # as torch
    net.load_state_dict(net.state_dict())  # its own state dict loads strictly
    shared = nn.Linear(2, 2)
    twice = nn.Sequential(shared, shared)
    assert len(list(twice.parameters())) == 2
    assert [n for n, _ in twice.named_modules()] == ["", "0"]
    assert len(list(twice.children())) == 1


def test_children_modules_and_named_modules():
    net = Net()
    assert [type(c).__name__ for c in net.children()] == ["Block", "Linear"]
    assert [n for n, _ in net.named_children()] == ["block", "head"]
    assert [n for n, _ in net.named_modules()] == ["", "block", "block.proj", "block.drop", "head"]
    assert [type(m).__name__ for m in net.modules()] == ["Net", "Block", "Linear", "Dropout", "Linear"]
    assert list(net.modules())[0] is net


def test_train_and_eval_propagate():
    net = Net()
    assert all(m.training for m in net.modules())
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    net.block.train(False)
    assert net.training and not net.block.training and not net.block.drop.training and net.head.training
    with pytest.raises(ValueError, match="boolean"):
        net.train("no")


@pytest.mark.parametrize("set_to_none", [True, False])
def test_zero_grad(set_to_none):
    net = Net()
    net.eval()
    net(tg.randn(5, 3)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad(set_to_none=set_to_none)
    for p in net.parameters():
        if set_to_none:
            assert p.grad is None
        else:
            assert p.grad.shape == p.shape and not np.any(p.grad.numpy())


def test_repr_is_readable():
    net = nn.Sequential(nn.Linear(3, 4), nn.Dropout(0.1))
    assert repr(net) == (
        "Sequential(\n  (0): Linear(in_features=3, out_features=4, bias=True)\n  (1): Dropout(p=0.1)\n)"
    )
    assert repr(Net()) == (
        "Net(\n"
        "  (block): Block(\n"
        "    (proj): Linear(in_features=3, out_features=4, bias=True)\n"
        "    (drop): Dropout(p=0.25)\n"
        "  )\n"
        "  (head): Linear(in_features=4, out_features=2, bias=False)\n"
        ")"
    )
    assert repr(nn.Embedding(10, 3, padding_idx=0)) == "Embedding(10, 3, padding_idx=0)"
    assert repr(nn.Module()) == "Module()"


def test_repr_with_settings_and_children_lists_settings_first():
    class Wrapper(nn.Module):
        def __init__(self):
            super().__init__()
            self.inner = nn.Linear(1, 1)

        def extra_repr(self):
            return "depth=2"

    assert repr(Wrapper()) == "Wrapper(\n  depth=2\n  (inner): Linear(in_features=1, out_features=1, bias=True)\n)"


def test_parameter_repr_and_flags():
    p = nn.Parameter(tg.Tensor([1.0, 2.0]))
    assert repr(p) == "Parameter containing:\ntensor([1., 2.], requires_grad=True)"
    assert p.requires_grad and p.is_leaf and isinstance(p, tg.Tensor)
    frozen = nn.Parameter(tg.zeros(1), requires_grad=False)
    assert not frozen.requires_grad
    q = nn.Parameter(np.ones(2))
    assert q.dtype == tg.float64 and q.requires_grad
    with pytest.raises(RuntimeError, match="floating point"):
        nn.Parameter(tg.Tensor([1, 2]))


# --- state dicts ---------------------------------------------------------------------
def test_state_dict_names_and_sharing():
    net = Net()
    sd = net.state_dict()
    assert list(sd) == ["block.scale", "block.proj.weight", "block.proj.bias", "head.weight"]
    assert all(isinstance(v, tg.Tensor) and not v.requires_grad for v in sd.values())
    np.testing.assert_array_equal(sd["head.weight"].numpy(), net.head.weight.numpy())


@pytest.mark.parametrize("as_tensors", [False, True])
def test_load_state_dict_from_arrays_or_tensors(as_tensors):
    src, dst = Net(), Net()
    sd = {k: (v if as_tensors else v.numpy()) for k, v in src.state_dict().items()}
    result = dst.load_state_dict(sd)
    assert result.missing_keys == [] and result.unexpected_keys == []
    for (name, a), (_, b) in zip(src.named_parameters(), dst.named_parameters()):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=name)
        assert b.dtype == tg.float32 and b.requires_grad
    x = tg.randn(2, 3)
    src.eval(), dst.eval()
    np.testing.assert_array_equal(src(x).numpy(), dst(x).numpy())
    # the loaded values are copies: changing the source afterwards does not reach dst
    src.head.weight.data *= 2.0
    assert not np.array_equal(src.head.weight.numpy(), dst.head.weight.numpy())


def test_load_state_dict_keeps_the_parameter_dtype():
    lin = nn.Linear(2, 2)
    lin.load_state_dict({"weight": np.eye(2), "bias": np.zeros(2)})
    assert lin.weight.dtype == tg.float32
    lin64 = nn.Linear(2, 2, dtype=tg.float64)
    lin64.load_state_dict({"weight": np.eye(2, dtype=np.float32), "bias": np.zeros(2, dtype=np.float32)})
    assert lin64.weight.dtype == tg.float64


def test_strict_load_lists_every_problem_in_one_error():
    net = Net()
    before = {k: v.numpy() for k, v in net.state_dict().items()}
    bad = {
        "block.proj.weight": np.zeros((5, 3)),  # mis-shaped
        "head.weight": np.zeros((2, 7)),  # mis-shaped
        "block.extra": np.zeros(1),  # unexpected
        "typo.bias": np.zeros(2),  # unexpected
        # block.scale, block.proj.bias missing
    }
    with pytest.raises(RuntimeError) as info:
        net.load_state_dict(bad)
    message = str(info.value)
    assert message.startswith("Error(s) in loading state_dict for Net:")
    for name in ["block.scale", "block.proj.bias", "block.extra", "typo.bias", "block.proj.weight", "head.weight"]:
        assert f'"{name}"' in message or f"for {name}:" in message, name
    assert "Missing key(s)" in message and "Unexpected key(s)" in message and "size mismatch" in message
    assert message.index("Missing") < message.index("Unexpected") < message.index("size mismatch")
    assert "(5, 3)" in message and "(4, 3)" in message
    for k, v in net.state_dict().items():  # nothing was copied
        np.testing.assert_array_equal(v.numpy(), before[k])


def test_non_strict_load_returns_missing_and_unexpected_keys():
    net = Net()
    new_head = np.full((2, 4), 0.5, dtype=np.float32)
    result = net.load_state_dict({"head.weight": new_head, "extra.weight": np.zeros(3)}, strict=False)
    assert result.missing_keys == ["block.scale", "block.proj.weight", "block.proj.bias"]
    assert result.unexpected_keys == ["extra.weight"]
    missing, unexpected = result
    assert missing == result.missing_keys and unexpected == result.unexpected_keys
    np.testing.assert_array_equal(net.head.weight.numpy(), new_head)
    with pytest.raises(RuntimeError, match="size mismatch for head.weight"):  # shapes are checked even then
        net.load_state_dict({"head.weight": np.zeros((3, 3))}, strict=False)


def test_a_bad_dtype_among_good_values_copies_nothing():
    """One unusable array (here complex) fails the whole load before any parameter changes."""
    net = Net()
    before = {k: v.numpy().copy() for k, v in net.state_dict().items()}
    sd = {k: np.zeros(v.shape, dtype=np.float32) for k, v in net.state_dict().items()}
    sd["head.weight"] = np.zeros((2, 4), dtype=np.complex64)
    with pytest.raises(RuntimeError, match=r"dtype mismatch for head\.weight: .*complex64.*float32"):
        net.load_state_dict(sd)
    for k, v in net.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), before[k], err_msg=k)


@pytest.mark.parametrize("dtype", [np.float16, np.float64, np.int64, np.int32, np.uint8, np.bool_])
def test_other_real_dtypes_are_cast_as_torch_does(dtype):
    """float16 among float32 values used to overwrite earlier parameters and then raise."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    ours, theirs = nn.Linear(3, 2), torch.nn.Linear(3, 2)
    sd = {
        "weight": (rng.standard_normal((2, 3)) * 3).astype(dtype),
        "bias": np.array([1.0, -2.0], dtype=np.float32),
    }
    ours.load_state_dict(sd)
    theirs.load_state_dict({k: torch.from_numpy(v) for k, v in sd.items()})
    assert ours.weight.dtype == tg.float32 and theirs.weight.dtype == torch.float32
    np.testing.assert_array_equal(ours.weight.numpy(), theirs.weight.detach().numpy())
    np.testing.assert_array_equal(ours.bias.numpy(), theirs.bias.detach().numpy())


def test_float64_too_large_for_float32_becomes_inf_as_in_torch():
    torch = pytest.importorskip("torch")
    import warnings

    ours, theirs = nn.Linear(1, 1), torch.nn.Linear(1, 1)
    sd = {"weight": np.array([[1e300]]), "bias": np.array([-1e300])}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no NumPy overflow warning
        ours.load_state_dict(sd)
    theirs.load_state_dict({k: torch.from_numpy(v) for k, v in sd.items()})
    assert ours.weight.item() == theirs.weight.item() == math.inf
    assert ours.bias.item() == theirs.bias.item() == -math.inf


@pytest.mark.parametrize("strict", [True, False])
@pytest.mark.parametrize(
    "names",
    [["weight", "bias"], ["weight"], ["weight", "bias", "extra"], ["bias", "extra", "other"], []],
)
def test_strict_semantics_match_torch(strict, names):
    torch = pytest.importorskip("torch")
    shapes = {"weight": (2, 3), "bias": (2,), "extra": (1,), "other": (4,)}
    ours, theirs = nn.Linear(3, 2), torch.nn.Linear(3, 2)
    sd = {name: np.ones(shapes[name], dtype=np.float32) for name in names}
    try:
        expected = theirs.load_state_dict({k: torch.from_numpy(v) for k, v in sd.items()}, strict=strict)
    except RuntimeError as error:
        with pytest.raises(RuntimeError) as info:
            ours.load_state_dict(sd, strict=strict)
        for line in str(error).splitlines()[1:]:  # torch's lines: Missing key(s) ... / Unexpected key(s) ...
            assert line.strip() in str(info.value)
        return
    got = ours.load_state_dict(sd, strict=strict)
    assert got.missing_keys == expected.missing_keys and got.unexpected_keys == expected.unexpected_keys
    for name in {"weight", "bias"} & set(names):  # the loaded ones (the others keep their random start)
        np.testing.assert_array_equal(getattr(ours, name).numpy(), getattr(theirs, name).detach().numpy())


def test_load_state_dict_refuses_what_is_not_a_dict_or_not_an_array():
    lin = nn.Linear(2, 1)
    with pytest.raises(TypeError, match="state_dict must be a dict.*got list"):
        lin.load_state_dict([("weight", np.zeros((1, 2)))])
    before = lin.weight.numpy().copy()
    with pytest.raises(RuntimeError, match='parameter named "bias".*expected a Tensor or an array.*list'):
        lin.load_state_dict({"weight": np.zeros((1, 2)), "bias": [0.0]})
    np.testing.assert_array_equal(lin.weight.numpy(), before)
    with pytest.raises(RuntimeError, match=r"dtype mismatch for bias: .*<U1"):
        lin.load_state_dict({"weight": np.zeros((1, 2)), "bias": np.array(["a"])})


# --- devices and dtypes ----------------------------------------------------------------
def test_to_moves_parameters_and_gradients_and_back():
    pytest.importorskip("array_api_strict")
    net = Net().eval()
    x = np.random.default_rng(0).standard_normal((2, 3)).astype(np.float32)
    expected = net(tg.Tensor(x)).numpy()
    net(tg.Tensor(x)).sum().backward()
    grads = {n: p.grad.numpy() for n, p in net.named_parameters()}
    values = {n: p.numpy() for n, p in net.named_parameters()}
    params = list(net.parameters())
    assert net.to("array_api_strict") is net
    assert list(net.parameters()) == params or all(a is b for a, b in zip(net.parameters(), params))
    for name, p in net.named_parameters():
        assert p.device == "array_api_strict" and p.grad.device == "array_api_strict", name
        np.testing.assert_array_equal(p.numpy(), values[name])
        np.testing.assert_array_equal(p.grad.numpy(), grads[name])
    out = net(tg.Tensor(x, device="array_api_strict"))
    assert out.device == "array_api_strict"
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-6)
    net.to("cpu")
    assert all(p.device == "cpu" and p.grad.device == "cpu" for p in net.parameters())
    np.testing.assert_array_equal(net(tg.Tensor(x)).numpy(), expected)


def test_to_dtype_casts_parameters_and_gradients():
    lin = nn.Linear(2, 3)
    lin(tg.ones(1, 2)).sum().backward()
    w = lin.weight.numpy()
    assert lin.to(tg.float64) is lin
    assert lin.weight.dtype == tg.float64 and lin.weight.grad.dtype == tg.float64
    np.testing.assert_array_equal(lin.weight.numpy(), w.astype(np.float64))
    assert lin.float().bias.dtype == tg.float32
    assert lin.double().bias.dtype == tg.float64
    with pytest.raises(TypeError):
        lin.to(tg.int64)
    with pytest.raises(ValueError, match="device"):
        lin.to("tpu")


def test_deepcopy_gives_an_independent_model_on_the_same_device():
    net = Net()
    net(tg.randn(2, 3)).sum().backward()
    twin = copy.deepcopy(net)
    assert type(twin) is Net and twin is not net and twin.block.proj is not net.block.proj
    for (name, a), (_, b) in zip(net.named_parameters(), twin.named_parameters()):
        assert a is not b and isinstance(b, nn.Parameter) and b.requires_grad, name
        assert b.backend is a.backend, name
        np.testing.assert_array_equal(a.numpy(), b.numpy())
        np.testing.assert_array_equal(a.grad.numpy(), b.grad.numpy())
    twin.head.weight.data *= 0.0
    assert np.any(net.head.weight.numpy())
    net.eval(), twin.eval()
    twin.load_state_dict(net.state_dict())
    x = tg.randn(4, 3)
    np.testing.assert_array_equal(twin(x).numpy(), net(x).numpy())
    tied = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 2))
    tied[1].weight = tied[0].weight
    tied_copy = copy.deepcopy(tied)
    assert tied_copy[1].weight is tied_copy[0].weight  # sharing is kept


# --- Linear --------------------------------------------------------------------------
def test_linear_shapes_and_init_bounds():
    tg.manual_seed(0)
    lin = nn.Linear(50, 30)
    bound = 1.0 / math.sqrt(50)
    w, b = lin.weight.numpy(), lin.bias.numpy()
    assert w.shape == (30, 50) and b.shape == (30,)
    assert np.all(np.abs(w) <= bound) and np.all(np.abs(b) <= bound)
    assert np.abs(w).max() > 0.9 * bound  # uniform over the whole range, not a narrower one
    assert abs(w.mean()) < 0.1 * bound
    assert lin.weight.dtype == tg.float32
    assert nn.Linear(3, 2, bias=False).bias is None
    assert [n for n, _ in nn.Linear(3, 2, bias=False).named_parameters()] == ["weight"]
    assert nn.Linear(3, 2)(tg.zeros(3)).shape == (2,)
    assert nn.Linear(3, 2)(tg.zeros(4, 5, 3)).shape == (4, 5, 2)
    with pytest.raises(ValueError, match="in_features=3"):
        nn.Linear(3, 2)(tg.zeros(4, 2))


def test_manual_seed_makes_init_reproducible():
    tg.manual_seed(123)
    a = nn.Linear(4, 4).weight.numpy()
    tg.manual_seed(123)
    b = nn.Linear(4, 4).weight.numpy()
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("shape", [(5, 3), (2, 4, 3), (3,)], ids=["2d", "3d", "1d"])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_matches_torch(shape, bias):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    theirs = torch.nn.Linear(3, 4, bias=bias).double()
    ours = nn.Linear(3, 4, bias=bias, dtype=tg.float64)
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    x = rng.standard_normal(shape)
    upstream = rng.standard_normal((*shape[:-1], 4))
    tx = torch.tensor(x, requires_grad=True)
    out_t = theirs(tx)
    (out_t * torch.tensor(upstream)).sum().backward()
    xt = tg.Tensor(x, requires_grad=True)
    out = ours(xt)
    (out * tg.Tensor(upstream)).sum().backward()
    assert out.shape == tuple(out_t.shape)
    np.testing.assert_allclose(out.numpy(), out_t.detach().numpy(), rtol=TOL, atol=TOL)
    np.testing.assert_allclose(xt.grad.numpy(), tx.grad.numpy(), rtol=TOL, atol=TOL)
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), rtol=TOL, atol=TOL)
    if bias:
        np.testing.assert_allclose(ours.bias.grad.numpy(), theirs.bias.grad.numpy(), rtol=TOL, atol=TOL)


def test_linear_names_and_repr_match_torch():
    torch = pytest.importorskip("torch")
    ours = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2, bias=False))
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Linear(4, 2, bias=False))
    assert [(n, p.shape) for n, p in ours.named_parameters()] == [
        (n, tuple(p.shape)) for n, p in theirs.named_parameters()
    ]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(ours[0]) == repr(theirs[0])


def test_tied_weights_state_dict_moves_between_torch_and_us():
    torch = pytest.importorskip("torch")
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 3), torch.nn.Linear(3, 3))
    theirs[1].weight = theirs[0].weight
    ours = nn.Sequential(nn.Linear(3, 3), nn.Linear(3, 3))
    ours[1].weight = ours[0].weight
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    fresh = torch.nn.Sequential(torch.nn.Linear(3, 3), torch.nn.Linear(3, 3))
    fresh[1].weight = fresh[0].weight
    fresh.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((2, 3)).astype(np.float32)
    np.testing.assert_allclose(ours(tg.Tensor(x)).numpy(), theirs(torch.tensor(x)).detach().numpy(), rtol=1e-5)


# --- Embedding ---------------------------------------------------------------------
def test_embedding_lookup():
    emb = nn.Embedding(6, 3)
    assert emb.weight.shape == (6, 3) and emb.weight.requires_grad
    idx = tg.Tensor([[0, 5, 2], [2, 2, 1]])
    out = emb(idx)
    assert out.shape == (2, 3, 3)
    np.testing.assert_array_equal(out.numpy(), emb.weight.numpy()[idx.numpy()])
    np.testing.assert_array_equal(emb([4, 1]).numpy(), emb.weight.numpy()[[4, 1]])  # lists too
    assert emb(tg.Tensor(3)).shape == (3,)
    with pytest.raises(TypeError, match="int64"):
        emb(tg.Tensor([1.0]))


@pytest.mark.parametrize("index", [6, -1])
def test_embedding_index_out_of_range(index):
    with pytest.raises(IndexError, match="out of range"):
        nn.Embedding(6, 3)(tg.Tensor([0, index]))


def test_embedding_repeated_indices_accumulate_gradient():
    emb = nn.Embedding(4, 2, dtype=tg.float64)
    idx = tg.Tensor([1, 3, 1, 1])
    upstream = np.arange(8, dtype=np.float64).reshape(4, 2)
    (emb(idx) * tg.Tensor(upstream)).sum().backward()
    expected = np.zeros((4, 2))
    expected[1] = upstream[0] + upstream[2] + upstream[3]
    expected[3] = upstream[1]
    np.testing.assert_array_equal(emb.weight.grad.numpy(), expected)


def test_embedding_padding_idx():
    emb = nn.Embedding(5, 3, padding_idx=-1)
    assert emb.padding_idx == 4
    assert not np.any(emb.weight.numpy()[4])  # initialised to zeros
    emb.weight.data[4, ...] = 7.0  # a stored non-zero padding row is read as it is (torch does too)
    idx = tg.Tensor([[4, 0], [2, 4]])
    out = emb(idx)
    np.testing.assert_array_equal(out.numpy(), emb.weight.numpy()[idx.numpy()])
    (out * 3.0).sum().backward()
    grad = emb.weight.grad.numpy()
    assert not np.any(grad[4])
    np.testing.assert_array_equal(grad[[0, 2]], np.full((2, 3), 3.0))
    assert not np.any(grad[[1, 3]])
    with pytest.raises(ValueError, match="padding_idx"):
        nn.Embedding(5, 3, padding_idx=5)


@pytest.mark.parametrize("padding_idx", [None, 2])
def test_embedding_matches_torch(padding_idx):
    torch = pytest.importorskip("torch")
    theirs = torch.nn.Embedding(7, 3, padding_idx=padding_idx).double()
    with torch.no_grad():
        theirs.weight.add_(0.5)  # a non-zero padding row, as after loading other weights
    ours = nn.Embedding(7, 3, padding_idx=padding_idx, dtype=tg.float64)
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    idx = np.array([[2, 0, 6, 2], [1, 2, 2, 6]])
    upstream = np.random.default_rng(2).standard_normal((2, 4, 3))
    out_t = theirs(torch.tensor(idx))
    (out_t * torch.tensor(upstream)).sum().backward()
    out = ours(tg.Tensor(idx))
    (out * tg.Tensor(upstream)).sum().backward()
    np.testing.assert_allclose(out.numpy(), out_t.detach().numpy(), rtol=TOL, atol=TOL)
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), rtol=TOL, atol=TOL)


# --- Dropout and Sequential ----------------------------------------------------------
def test_dropout_module_train_and_eval():
    tg.manual_seed(0)
    drop = nn.Dropout(0.5)
    x = tg.ones(200, 50)
    y = drop(x).numpy()
    assert set(np.unique(y)) <= {0.0, 2.0}
    assert 0.4 < (y == 0).mean() < 0.6
    drop.eval()
    np.testing.assert_array_equal(drop(x).numpy(), x.numpy())
    drop.train()
    assert (drop(x).numpy() == 0).any()
    assert not np.any(nn.Dropout(1.0)(x).numpy())
    np.testing.assert_array_equal(nn.Dropout(0.0)(x).numpy(), x.numpy())
    for p in (-0.1, 1.5):
        with pytest.raises(ValueError, match="between 0 and 1"):
            nn.Dropout(p)


def test_dropout_inside_sequential_follows_eval():
    net = nn.Sequential(nn.Linear(4, 4), nn.Dropout(0.9))
    x = tg.randn(3, 4)
    net.eval()
    np.testing.assert_array_equal(net(x).numpy(), net[0](x).numpy())


def test_sequential_indexing_len_iteration_and_slices():
    a, b, c = nn.Linear(2, 3), nn.Dropout(0.0), nn.Linear(3, 1)
    net = nn.Sequential(a, b, c)
    assert len(net) == 3
    assert net[0] is a and net[1] is b and net[-1] is c
    assert list(net) == [a, b, c]
    head = net[1:]
    assert isinstance(head, nn.Sequential) and len(head) == 2 and head[0] is b
    assert [n for n, _ in head.named_parameters()] == ["2.weight", "2.bias"]  # names kept, as torch
    with pytest.raises(IndexError):
        net[3]
    x = tg.randn(4, 2)
    np.testing.assert_array_equal(net(x).numpy(), c(b(a(x))).numpy())
    named = nn.Sequential(OrderedDict([("embed", nn.Linear(2, 2)), ("out", nn.Linear(2, 1))]))
    assert [n for n, _ in named.named_parameters()] == ["embed.weight", "embed.bias", "out.weight", "out.bias"]
    with pytest.raises(TypeError, match="Module"):
        nn.Sequential(a, "not a module")


# --- moving recurrent weights to and from torch ----------------------------------------
def test_torch_lstm_weights_round_trip():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    theirs = torch.nn.LSTM(3, 5, num_layers=2, bidirectional=True, batch_first=True)
    ours = nn.LSTM(3, 5, num_layers=2, bidirectional=True, batch_first=True)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(4).standard_normal((2, 6, 3)).astype(np.float32)
    out_t, (h_t, c_t) = theirs(torch.tensor(x))
    out, (h, c) = ours(tg.Tensor(x))
    for a, b in ((out, out_t), (h, h_t), (c, c_t)):
        np.testing.assert_allclose(a.numpy(), b.detach().numpy(), rtol=1e-5, atol=1e-6)

    back = torch.nn.LSTM(3, 5, num_layers=2, bidirectional=True, batch_first=True)
    back.load_state_dict({k: torch.from_numpy(v.numpy()) for k, v in ours.state_dict().items()})
    for k, v in theirs.state_dict().items():
        assert torch.equal(back.state_dict()[k], v), k
    out_b, (h_b, c_b) = back(torch.tensor(x))
    assert torch.equal(out_b, out_t) and torch.equal(h_b, h_t) and torch.equal(c_b, c_t)


def test_torch_lstm_weights_in_float64():
    torch = pytest.importorskip("torch")
    theirs = torch.nn.LSTM(4, 3).double()
    ours = nn.LSTM(4, 3).double()
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    assert all(p.dtype == tg.float64 for p in ours.parameters())
    x = np.random.default_rng(1).standard_normal((5, 2, 4))
    out_t, (h_t, _) = theirs(torch.tensor(x))
    out, (h, _) = ours(tg.Tensor(x))
    np.testing.assert_allclose(out.numpy(), out_t.detach().numpy(), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(h.numpy(), h_t.detach().numpy(), rtol=1e-10, atol=1e-10)


def test_load_state_dict_copies_in_place_as_torch():
    """Tensors taken from state_dict() before the load see the loaded values, in torch and here."""
    torch = pytest.importorskip("torch")
    ours, theirs = nn.Linear(2, 1), torch.nn.Linear(2, 1)
    our_view, their_view = ours.state_dict()["weight"], theirs.state_dict()["weight"]
    new = {"weight": np.array([[3.0, 4.0]], dtype=np.float32), "bias": np.array([5.0], dtype=np.float32)}
    ours.load_state_dict(new)
    theirs.load_state_dict({k: torch.from_numpy(v) for k, v in new.items()})
    np.testing.assert_array_equal(our_view.numpy(), their_view.numpy())
    np.testing.assert_array_equal(our_view.numpy(), new["weight"])
