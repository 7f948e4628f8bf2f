"""Optimizers (SGD, Adam, AdamW) and clip_grad_norm_: PyTorch's update rules, step by step.

The torch-free tests check the updates against NumPy transcriptions of the
pseudocode in PyTorch's documentation; the others run torch.optim on the same
parameters with the same gradients and compare after every step in float64.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import tinygrad_rnn as tg
from tinygrad_rnn.nn.utils import clip_grad_norm_

TOL = 1e-12
STEPS = 5


# --- shared helpers ------------------------------------------------------------------
def _initial_arrays() -> list[np.ndarray]:
    """A matrix, a vector and a 0-d parameter, float64."""
    rng = np.random.default_rng(7)
    return [rng.standard_normal((3, 4)), rng.standard_normal(4), np.array(0.7)]


def _gradients(values: list[np.ndarray], step: int) -> list[np.ndarray | None]:
    """A fixed nonlinear gradient field, so the gradients change from step to step.

    At step 2 the vector gets no gradient (``None``): optimizers must skip it.
    """
    w, b, s = values
    a = np.linspace(-1.0, 1.0, w.size).reshape(w.shape)
    gw = w**3 - 0.5 * w + a
    gb = None if step == 2 else np.sin(3.0 * b) + 0.1 * (step + 1)
    gs = 2.0 * s - 1.0 + 0.3 * step
    return [gw, gb, gs]


def _our_params(arrays: list[np.ndarray]) -> list[tg.nn.Parameter]:
    return [tg.nn.Parameter(tg.Tensor(a.copy())) for a in arrays]


def _set_grads(params: list[tg.Tensor], grads: list[np.ndarray | None]) -> None:
    for p, g in zip(params, grads):
        p.grad = None if g is None else tg.Tensor(g.copy())


def _close(actual: np.ndarray, expected: np.ndarray, what: str) -> None:
    np.testing.assert_allclose(actual, expected, rtol=TOL, atol=TOL, err_msg=what)


# --- NumPy references (PyTorch docs' pseudocode), no torch needed ------------------
def _sgd_reference(params, grads_fn, steps, lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False):
    params = [p.copy() for p in params]
    bufs: list[np.ndarray | None] = [None] * len(params)
    history = []
    for t in range(steps):
        for i, g in enumerate(grads_fn(params, t)):
            if g is None:
                continue
            g = g + weight_decay * params[i]
            if momentum:
                bufs[i] = g.copy() if bufs[i] is None else momentum * bufs[i] + (1 - dampening) * g
                g = g + momentum * bufs[i] if nesterov else bufs[i]
            params[i] = params[i] - lr * g
        history.append([p.copy() for p in params])
    return history


def _adam_reference(
    params, grads_fn, steps, lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False, decoupled=False
):
    b1, b2 = betas
    params = [p.copy() for p in params]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    vmax = [np.zeros_like(p) for p in params]
    count = [0] * len(params)
    history = []
    for t in range(steps):
        for i, g in enumerate(grads_fn(params, t)):
            if g is None:
                continue
            count[i] += 1
            if decoupled:
                params[i] = params[i] * (1 - lr * weight_decay)
            else:
                g = g + weight_decay * params[i]
            m[i] = b1 * m[i] + (1 - b1) * g
            v[i] = b2 * v[i] + (1 - b2) * g * g
            m_hat = m[i] / (1 - b1 ** count[i])
            if amsgrad:
                vmax[i] = np.maximum(vmax[i], v[i])
                v_hat = vmax[i] / (1 - b2 ** count[i])
            else:
                v_hat = v[i] / (1 - b2 ** count[i])
            params[i] = params[i] - lr * m_hat / (np.sqrt(v_hat) + eps)
        history.append([p.copy() for p in params])
    return history


REFERENCE_CASES = {
    "sgd": (lambda ps: tg.optim.SGD(ps, lr=0.1), lambda a: _sgd_reference(a, _gradients, STEPS, 0.1)),
    "sgd-momentum-dampening-wd": (
        lambda ps: tg.optim.SGD(ps, lr=0.05, momentum=0.9, dampening=0.2, weight_decay=0.1),
        lambda a: _sgd_reference(a, _gradients, STEPS, 0.05, 0.9, 0.2, 0.1),
    ),
    "sgd-nesterov": (
        lambda ps: tg.optim.SGD(ps, lr=0.05, momentum=0.8, nesterov=True),
        lambda a: _sgd_reference(a, _gradients, STEPS, 0.05, 0.8, nesterov=True),
    ),
    "adam-amsgrad-wd": (
        lambda ps: tg.optim.Adam(ps, lr=0.05, betas=(0.8, 0.9), weight_decay=0.1, amsgrad=True),
        lambda a: _adam_reference(a, _gradients, STEPS, 0.05, (0.8, 0.9), weight_decay=0.1, amsgrad=True),
    ),
    "adamw": (
        lambda ps: tg.optim.AdamW(ps, lr=0.05),
        lambda a: _adam_reference(a, _gradients, STEPS, 0.05, weight_decay=0.01, decoupled=True),
    ),
}


@pytest.mark.parametrize("case", list(REFERENCE_CASES))
def test_updates_match_the_documented_pseudocode(case, device):
    """On every backend (the ``device`` fixture: cpu, array_api_strict, cuda where present)."""
    make, reference = REFERENCE_CASES[case]
    arrays = _initial_arrays()
    params = [tg.nn.Parameter(tg.Tensor(a.copy(), device=device)) for a in arrays]
    opt = make(params)
    expected = reference(arrays)
    for t in range(STEPS):
        for p, g in zip(params, _gradients([p.numpy() for p in params], t)):
            p.grad = None if g is None else tg.Tensor(g, device=device)
        opt.step()
        for i, p in enumerate(params):
            assert p.device == tg.Tensor(0.0, device=device).device
            _close(p.numpy(), expected[t][i], f"{case}: parameter {i} after step {t + 1}")


def test_sgd_one_step_by_hand():
    w = tg.nn.Parameter(tg.Tensor([1.0, -2.0], dtype=tg.float64))
    opt = tg.optim.SGD([w], lr=0.1)
    (w * w).sum().backward()
    opt.step()
    assert w.tolist() == pytest.approx([0.8, -1.6], abs=1e-15)


def test_defaults_are_pytorchs():
    p = [tg.nn.Parameter(tg.zeros(2))]
    assert tg.optim.SGD(p).defaults == {
        "lr": 1e-3,
        "momentum": 0.0,
        "dampening": 0.0,
        "weight_decay": 0.0,
        "nesterov": False,
    }
    adam = tg.optim.Adam(p).defaults
    assert adam == {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.0, "amsgrad": False}
    assert tg.optim.AdamW(p).defaults["weight_decay"] == 0.01
    assert tg.optim.AdamW(p).param_groups[0]["weight_decay"] == 0.01


def test_param_groups_keep_their_own_settings():
    a, b = tg.nn.Parameter(tg.ones(2, dtype=tg.float64)), tg.nn.Parameter(tg.ones(2, dtype=tg.float64))
    opt = tg.optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1, momentum=0.0)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5]
    assert opt.param_groups[1]["momentum"] == 0.0
    a.grad, b.grad = tg.ones(2, dtype=tg.float64), tg.ones(2, dtype=tg.float64)
    opt.step()
    assert a.tolist() == pytest.approx([0.9, 0.9], abs=1e-15)
    assert b.tolist() == pytest.approx([0.5, 0.5], abs=1e-15)
    opt.param_groups[0]["lr"] = 0.2  # a scheduler changes the lr in place
    opt.step()
    assert a.tolist() == pytest.approx([0.7, 0.7], abs=1e-15)


@pytest.mark.parametrize("set_to_none", [True, False])
def test_zero_grad(set_to_none):
    w = tg.nn.Parameter(tg.ones(3))
    untouched = tg.nn.Parameter(tg.ones(2))
    opt = tg.optim.Adam([w, untouched])
    (w * 2.0).sum().backward()
    assert w.grad is not None
    opt.zero_grad(set_to_none=set_to_none)
    if set_to_none:
        assert w.grad is None
    else:
        assert w.grad.tolist() == [0.0, 0.0, 0.0]
    assert untouched.grad is None  # a parameter without a gradient keeps none
    # gradients accumulate from zero again
    (w * 3.0).sum().backward()
    assert w.grad.tolist() == [3.0, 3.0, 3.0]


def test_parameter_without_gradient_is_left_alone():
    w, frozen = tg.nn.Parameter(tg.ones(2)), tg.nn.Parameter(tg.ones(2))
    opt = tg.optim.Adam([w, frozen], lr=0.1, weight_decay=0.5)
    w.grad = tg.ones(2)
    opt.step()
    assert frozen.tolist() == [1.0, 1.0]
    assert w.tolist() != [1.0, 1.0]


def _train(opt, params, steps, start=0):
    for t in range(start, start + steps):
        _set_grads(params, _gradients([p.numpy() for p in params], t))
        opt.step()


@pytest.mark.parametrize(
    "make",
    [
        lambda ps: tg.optim.SGD(ps, lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01),
        lambda ps: tg.optim.Adam(ps, lr=0.05, amsgrad=True),
        lambda ps: tg.optim.AdamW([{"params": ps[:1], "lr": 0.02}, {"params": ps[1:]}], lr=0.05),
    ],
    ids=["sgd", "adam-amsgrad", "adamw-groups"],
)
@pytest.mark.parametrize("through_file", [False, True])
def test_state_dict_roundtrip_continues_training_identically(make, through_file, tmp_path):
    arrays = _initial_arrays()
    straight = _our_params(arrays)
    straight_opt = make(straight)
    _train(straight_opt, straight, 6)

    first = _our_params(arrays)
    first_opt = make(first)
    _train(first_opt, first, 3)
    state = first_opt.state_dict()
    weights = [p.numpy() for p in first]
    if through_file:
        tg.save({"optimizer": state, "params": weights}, tmp_path / "ckpt.npz")
        loaded = tg.load(tmp_path / "ckpt.npz")
        state, weights = loaded["optimizer"], [w.numpy() for w in loaded["params"]]
    resumed = _our_params(weights)
    resumed_opt = make(resumed)
    resumed_opt.load_state_dict(state)
    # the first optimizer trains on: the loaded state must be a copy, not shared with it
    _train(first_opt, first, 3, start=3)
    assert [{k: v for k, v in g.items() if k != "params"} for g in resumed_opt.param_groups] == [
        {k: v for k, v in g.items() if k != "params"} for g in straight_opt.param_groups
    ]
    _train(resumed_opt, resumed, 3, start=3)
    for i, (a, b, c) in enumerate(zip(resumed, straight, first)):
        _close(a.numpy(), b.numpy(), f"resumed parameter {i}")
        _close(c.numpy(), b.numpy(), f"continued parameter {i}")


def test_state_dict_refers_to_parameters_by_position():
    a, b = tg.nn.Parameter(tg.ones(2)), tg.nn.Parameter(tg.ones(3))
    opt = tg.optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1, momentum=0.9)
    a.grad, b.grad = tg.ones(2), tg.ones(3)
    opt.step()
    sd = opt.state_dict()
    assert [g["params"] for g in sd["param_groups"]] == [[0], [1]]
    assert [g["lr"] for g in sd["param_groups"]] == [0.1, 0.5]
    assert sorted(int(k) for k in sd["state"]) == [0, 1]
    assert sd["state"][next(k for k in sd["state"] if int(k) == 1)]["momentum_buffer"].shape == (3,)


def test_load_state_dict_rejects_a_different_layout():
    opt = tg.optim.SGD([tg.nn.Parameter(tg.ones(2)), tg.nn.Parameter(tg.ones(2))], lr=0.1)
    other = tg.optim.SGD([tg.nn.Parameter(tg.ones(2))], lr=0.1)
    with pytest.raises(ValueError, match="parameters"):
        opt.load_state_dict(other.state_dict())


@pytest.mark.parametrize(
    "make",
    [
        lambda p: tg.optim.SGD(p, lr=-0.1),
        lambda p: tg.optim.SGD(p, lr=0.1, momentum=-0.5),
        lambda p: tg.optim.SGD(p, lr=0.1, weight_decay=-1.0),
        lambda p: tg.optim.SGD(p, lr=0.1, nesterov=True),
        lambda p: tg.optim.SGD(p, lr=0.1, momentum=0.9, dampening=0.1, nesterov=True),
        lambda p: tg.optim.Adam(p, lr=-1e-3),
        lambda p: tg.optim.Adam(p, eps=-1e-8),
        lambda p: tg.optim.Adam(p, betas=(1.0, 0.999)),
        lambda p: tg.optim.Adam(p, betas=(0.9, -0.1)),
        lambda p: tg.optim.Adam(p, weight_decay=-0.1),
        lambda p: tg.optim.AdamW(p, weight_decay=-0.1),
        lambda p: tg.optim.AdamW(p, betas=(0.9, 1.5)),
        lambda p: tg.optim.SGD([], lr=0.1),
        lambda p: tg.optim.Adam([{"params": p}, {"params": p}]),
    ],
)
def test_invalid_arguments_raise_value_error(make):
    with pytest.raises(ValueError):
        make([tg.nn.Parameter(tg.ones(2))])


def test_add_param_group():
    a, b = tg.nn.Parameter(tg.ones(2, dtype=tg.float64)), tg.nn.Parameter(tg.ones(2, dtype=tg.float64))
    opt = tg.optim.SGD([a], lr=0.1, momentum=0.5)
    opt.add_param_group({"params": b, "lr": 0.01})  # a single tensor is wrapped in a list
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.01]
    assert opt.param_groups[1]["momentum"] == 0.5 and opt.param_groups[1]["params"] == [b]
    a.grad, b.grad = tg.ones(2, dtype=tg.float64), tg.ones(2, dtype=tg.float64)
    opt.step()
    assert b.tolist() == pytest.approx([0.99, 0.99], abs=1e-15)
    with pytest.raises(ValueError, match="more than one"):
        opt.add_param_group({"params": [a]})


def test_only_leaf_tensors_can_be_optimized():
    w = tg.nn.Parameter(tg.ones(2))
    with pytest.raises((TypeError, ValueError)):
        tg.optim.SGD([w * 2.0], lr=0.1)
    with pytest.raises((TypeError, ValueError)):
        tg.optim.SGD([np.ones(2)], lr=0.1)
    with pytest.raises(TypeError, match="iterable"):  # not its rows, one by one
        tg.optim.SGD(w, lr=0.1)


def test_optimizer_follows_the_model_to_another_device():
    pytest.importorskip("array_api_strict")
    arrays = _initial_arrays()
    cpu_params = _our_params(arrays)
    cpu_opt = tg.optim.Adam(cpu_params, lr=0.05)
    _train(cpu_opt, cpu_params, 4)

    model = tg.nn.Module()
    for i, p in enumerate(_our_params(arrays)):
        setattr(model, f"p{i}", p)
    params = list(model.parameters())
    opt = tg.optim.Adam(params, lr=0.05)
    _train(opt, params, 2)
    model.to("array_api_strict")
    for t in range(2, 4):
        grads = _gradients([p.numpy() for p in params], t)
        for p, g in zip(params, grads):
            p.grad = None if g is None else tg.Tensor(g, device="array_api_strict")
        opt.step()
    for p, q in zip(params, cpu_params):
        assert p.device == "array_api_strict"
        _close(p.numpy(), q.numpy(), "after moving")


# --- clip_grad_norm_, torch-free -------------------------------------------------
def test_clip_grad_norm_by_hand():
    a, b = tg.nn.Parameter(tg.zeros(2, dtype=tg.float64)), tg.nn.Parameter(tg.zeros(1, dtype=tg.float64))
    a.grad, b.grad = tg.Tensor(np.array([3.0, 0.0])), tg.Tensor(np.array([4.0]))
    norm = clip_grad_norm_([a, b], max_norm=1.0)
    assert norm.item() == pytest.approx(5.0, abs=1e-15)
    scale = 1.0 / (5.0 + 1e-6)
    assert a.grad.tolist() == pytest.approx([3.0 * scale, 0.0], abs=1e-15)
    assert b.grad.tolist() == pytest.approx([4.0 * scale], abs=1e-15)


def test_clip_grad_norm_leaves_small_gradients_alone():
    p = tg.nn.Parameter(tg.zeros(2, dtype=tg.float64))
    p.grad = tg.Tensor(np.array([0.3, 0.4]))
    norm = clip_grad_norm_(p, max_norm=10.0)  # a single tensor works too
    assert norm.item() == pytest.approx(0.5, abs=1e-15)
    assert p.grad.tolist() == [0.3, 0.4]


def test_clip_grad_norm_infinity_norm_and_missing_grads():
    a, b, c = (tg.nn.Parameter(tg.zeros(2, dtype=tg.float64)) for _ in range(3))
    a.grad, b.grad = tg.Tensor(np.array([1.0, -6.0])), tg.Tensor(np.array([2.0, 0.5]))
    norm = clip_grad_norm_(iter([a, b, c]), max_norm=3.0, norm_type=float("inf"))
    assert norm.item() == 6.0
    assert c.grad is None
    assert a.grad.tolist() == pytest.approx([0.5, -3.0], abs=1e-6)
    assert clip_grad_norm_([c], 1.0).item() == 0.0


@pytest.mark.parametrize("kwargs", [{"max_norm": -1.0}, {"max_norm": 1.0, "norm_type": 0}, {"max_norm": float("nan")}])
def test_clip_grad_norm_invalid_arguments(kwargs):
    p = tg.nn.Parameter(tg.zeros(2))
    p.grad = tg.Tensor([1.0, 2.0])
    with pytest.raises(ValueError):
        clip_grad_norm_([p], **kwargs)
    assert p.grad.tolist() == [1.0, 2.0]


def test_clip_grad_norm_error_if_nonfinite():
    p = tg.nn.Parameter(tg.zeros(2))
    p.grad = tg.Tensor([float("inf"), 1.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
    assert p.grad.tolist() == [float("inf"), 1.0]  # untouched when it refuses
    with np.errstate(invalid="ignore"):  # inf * 0 = nan, as in torch
        assert math.isinf(clip_grad_norm_([p], 1.0).item())  # the default scales anyway


def test_clip_grad_norm_on_another_device():
    pytest.importorskip("array_api_strict")
    p = tg.nn.Parameter(tg.zeros(2, device="array_api_strict"))
    p.grad = tg.Tensor([6.0, 8.0], device="array_api_strict")
    norm = clip_grad_norm_([p], 5.0)
    assert norm.device == "array_api_strict" and norm.item() == pytest.approx(10.0)
    assert p.grad.device == "array_api_strict"
    assert p.grad.tolist() == pytest.approx([3.0, 4.0], rel=1e-6)


# --- against torch.optim ----------------------------------------------------------
TORCH_CASES = {
    "sgd-default-lr": ({}, {}),
    "sgd": ({"lr": 0.1}, None),
    "sgd-momentum": ({"lr": 0.05, "momentum": 0.9}, None),
    "sgd-dampening": ({"lr": 0.05, "momentum": 0.9, "dampening": 0.3}, None),
    "sgd-nesterov": ({"lr": 0.05, "momentum": 0.9, "nesterov": True}, None),
    "sgd-weight-decay": ({"lr": 0.05, "weight_decay": 0.1}, None),
    "sgd-all": ({"lr": 0.05, "momentum": 0.7, "weight_decay": 0.1, "nesterov": True}, None),
    "adam-default": ({}, {}),
    "adam": ({"lr": 0.05, "betas": (0.8, 0.95), "eps": 1e-6}, None),
    "adam-weight-decay": ({"lr": 0.05, "weight_decay": 0.1}, None),
    "adam-amsgrad": ({"lr": 0.05, "amsgrad": True}, None),
    "adam-amsgrad-weight-decay": ({"lr": 0.05, "amsgrad": True, "weight_decay": 0.2}, None),
    "adamw-default": ({}, {}),
    "adamw-default-decay": ({"lr": 0.05}, None),
    "adamw": ({"lr": 0.05, "weight_decay": 0.3, "betas": (0.85, 0.99)}, None),
    "adamw-amsgrad": ({"lr": 0.05, "weight_decay": 0.1, "amsgrad": True}, None),
}


def _torch_optimizer(torch, case: str):
    name = case.split("-")[0]
    return {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW}[name]


def _our_optimizer(case: str):
    name = case.split("-")[0]
    return {"sgd": tg.optim.SGD, "adam": tg.optim.Adam, "adamw": tg.optim.AdamW}[name]


def _step_both(torch, opt, topt, ours, theirs, t):
    """One step of both optimizers, from the same gradients (made from torch's parameters)."""
    grads = _gradients([p.detach().numpy() for p in theirs], t)
    _set_grads(ours, grads)
    for p, g in zip(theirs, grads):
        p.grad = None if g is None else torch.tensor(g.copy())
    opt.step()
    topt.step()


@pytest.mark.parametrize("case", list(TORCH_CASES))
def test_matches_torch_step_by_step(case):
    torch = pytest.importorskip("torch")
    kwargs = TORCH_CASES[case][0]
    arrays = _initial_arrays()
    ours = _our_params(arrays)
    theirs = [torch.tensor(a.copy(), requires_grad=True) for a in arrays]
    opt = _our_optimizer(case)(ours, **kwargs)
    topt = _torch_optimizer(torch, case)(theirs, **kwargs)
    for t in range(STEPS):
        _step_both(torch, opt, topt, ours, theirs, t)
        for i, (p, q) in enumerate(zip(ours, theirs)):
            assert p.dtype == tg.float64 and isinstance(p.data, np.ndarray)
            for value in opt.state.get(i, {}).values():  # buffers stay arrays, 0-d ones too
                assert isinstance(value, (int, float)) or isinstance(value.data, np.ndarray)
            _close(p.numpy(), q.detach().numpy(), f"{case}: parameter {i} after step {t + 1}")


@pytest.mark.parametrize("case", ["sgd-momentum", "adam-amsgrad", "adamw"])
def test_param_groups_with_different_lr_match_torch(case):
    torch = pytest.importorskip("torch")
    kwargs = dict(TORCH_CASES[case][0])
    arrays = _initial_arrays()
    ours = _our_params(arrays)
    theirs = [torch.tensor(a.copy(), requires_grad=True) for a in arrays]
    opt = _our_optimizer(case)([{"params": ours[:2]}, {"params": ours[2:], "lr": 0.3}], **kwargs)
    topt = _torch_optimizer(torch, case)([{"params": theirs[:2]}, {"params": theirs[2:], "lr": 0.3}], **kwargs)
    for t in range(STEPS):
        _step_both(torch, opt, topt, ours, theirs, t)
        for i, (p, q) in enumerate(zip(ours, theirs)):
            _close(p.numpy(), q.detach().numpy(), f"{case}: parameter {i} after step {t + 1}")


@pytest.mark.parametrize("case", ["sgd-momentum", "adam-amsgrad", "adamw"])
def test_tiny_linear_model_trains_like_torch(case):
    torch = pytest.importorskip("torch")
    kwargs = TORCH_CASES[case][0]
    rng = np.random.default_rng(3)
    x, y = rng.standard_normal((8, 3)), rng.standard_normal((8, 2))
    w0, b0 = rng.standard_normal((2, 3)), rng.standard_normal(2)

    ours = tg.nn.Linear(3, 2, dtype=tg.float64)
    ours.load_state_dict({"weight": w0, "bias": b0})
    theirs = torch.nn.Linear(3, 2).double()
    theirs.load_state_dict({"weight": torch.tensor(w0), "bias": torch.tensor(b0)})

    opt = _our_optimizer(case)(ours.parameters(), **kwargs)
    topt = _torch_optimizer(torch, case)(theirs.parameters(), **kwargs)
    tx, ty = torch.tensor(x), torch.tensor(y)
    for step in range(STEPS):
        opt.zero_grad()
        loss = tg.functional.mse_loss(ours(tg.Tensor(x)).tanh(), tg.Tensor(y))
        loss.backward()
        opt.step()
        topt.zero_grad()
        tloss = torch.nn.functional.mse_loss(theirs(tx).tanh(), ty)
        tloss.backward()
        topt.step()
        assert loss.item() == pytest.approx(tloss.item(), abs=TOL)
        _close(ours.weight.numpy(), theirs.weight.detach().numpy(), f"weight after step {step + 1}")
        _close(ours.bias.numpy(), theirs.bias.detach().numpy(), f"bias after step {step + 1}")


def test_continues_from_a_torch_optimizer_state():
    torch = pytest.importorskip("torch")
    arrays = _initial_arrays()
    theirs = [torch.tensor(a.copy(), requires_grad=True) for a in arrays]
    topt = torch.optim.Adam(theirs, lr=0.05, amsgrad=True)

    def torch_steps(steps, start):
        for t in range(start, start + steps):
            grads = _gradients([p.detach().numpy() for p in theirs], t)
            for p, g in zip(theirs, grads):
                p.grad = None if g is None else torch.tensor(g.copy())
            topt.step()

    torch_steps(3, 0)
    state = topt.state_dict()
    converted = {
        "state": {i: {k: v.numpy() for k, v in s.items()} for i, s in state["state"].items()},
        "param_groups": state["param_groups"],
    }
    ours = _our_params([p.detach().numpy() for p in theirs])
    opt = tg.optim.Adam(ours, lr=0.05, amsgrad=True)
    opt.load_state_dict(converted)
    _train(opt, ours, 3, start=3)
    torch_steps(3, 3)
    for i, (p, q) in enumerate(zip(ours, theirs)):
        _close(p.numpy(), q.detach().numpy(), f"parameter {i}")


def _grad_arrays():
    rng = np.random.default_rng(11)
    return [rng.standard_normal((4, 5)) * 3.0, rng.standard_normal(5), rng.standard_normal((2, 2, 2)) * 0.1]


@pytest.mark.parametrize("norm_type", [2.0, float("inf"), 1.0, 3.0])
@pytest.mark.parametrize("max_norm", [0.5, 1e3])
def test_clip_grad_norm_matches_torch(norm_type, max_norm):
    torch = pytest.importorskip("torch")
    grads = _grad_arrays()
    ours = [tg.nn.Parameter(tg.zeros(g.shape, dtype=tg.float64)) for g in grads]
    theirs = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads]
    for p, q, g in zip(ours, theirs, grads):
        p.grad, q.grad = tg.Tensor(g.copy()), torch.tensor(g.copy())
    ours.append(tg.nn.Parameter(tg.zeros(3, dtype=tg.float64)))  # no gradient: ignored by both
    theirs.append(torch.zeros(3, dtype=torch.float64, requires_grad=True))
    norm = clip_grad_norm_(ours, max_norm, norm_type=norm_type)
    tnorm = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type=norm_type)
    assert isinstance(norm, tg.Tensor) and norm.shape == () and norm.dtype == tg.float64
    assert isinstance(norm.data, np.ndarray)  # an array, not a NumPy scalar
    assert norm.item() == pytest.approx(tnorm.item(), rel=TOL, abs=TOL)
    for p, q, g in zip(ours, theirs, grads):
        _close(p.grad.numpy(), q.grad.numpy(), "clipped gradient")
        if max_norm > tnorm.item():  # the no-clip case leaves the gradients exactly as they were
            np.testing.assert_array_equal(p.grad.numpy(), g)
    assert ours[-1].grad is None
    if max_norm < 1.0:
        flat = np.concatenate([p.grad.numpy().ravel() for p in ours[:-1]])
        if math.isinf(norm_type):
            assert np.max(np.abs(flat)) <= max_norm
        else:
            assert np.sum(np.abs(flat) ** norm_type) ** (1 / norm_type) <= max_norm


def test_clip_grad_norm_float32_gradients_stay_float32():
    p = tg.nn.Parameter(tg.zeros(3))
    p.grad = tg.Tensor([3.0, 4.0, 12.0])
    norm = clip_grad_norm_([p], 1.0)
    assert p.grad.dtype == tg.float32
    assert norm.item() == pytest.approx(13.0, rel=1e-6)
    assert float(np.linalg.norm(p.grad.numpy())) == pytest.approx(1.0, rel=1e-5)


def test_load_state_dict_is_all_or_nothing():
    w = tg.Tensor([1.0, 2.0], requires_grad=True)
    opt = tg.optim.Adam([w], lr=0.1)
    w.grad = tg.Tensor([0.5, 0.5])
    opt.step()
    saved = opt.state_dict()
    other = tg.optim.Adam([tg.Tensor([0.0, 0.0], requires_grad=True)], lr=0.5)
    bad = {"param_groups": saved["param_groups"], "state": {0: {**saved["state"][0], "exp_avg": np.zeros(3)}}}
    with pytest.raises(ValueError, match=r"exp_avg.*shape \(3,\), expected \(2,\)"):
        other.load_state_dict(bad)
    assert other.param_groups[0]["lr"] == 0.5 and other.state == {}  # nothing half-loaded
    other.load_state_dict(saved)
    assert other.param_groups[0]["lr"] == 0.1 and other.state[0]["step"] == 1
