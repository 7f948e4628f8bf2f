"""SGD, Adam and AdamW with PyTorch's update rules and defaults.

>>> import tinygrad_rnn as tg
>>> w = tg.nn.Parameter(tg.Tensor([1.0]))
>>> opt = tg.optim.SGD([w], lr=0.1)
>>> (w * w).sum().backward(); opt.step(); opt.zero_grad()
>>> round(w.item(), 6)
0.8
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from .checks import check_bool, check_number
from .tensor import Tensor, zero_grads


class Optimizer:
    """Parameter groups (dicts with ``params`` and settings) and per-parameter state."""

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]):
        self.defaults = defaults
        if isinstance(params, Tensor):
            raise TypeError(
                f"{type(self).__name__}: params should be an iterable of Tensors or dicts, got a Tensor; "
                "pass [tensor] or model.parameters()"
            )
        params = list(params)
        if not params:
            raise ValueError(f"{type(self).__name__}: got an empty parameter list")
        self.param_groups: list[dict[str, Any]] = []
        self.state: dict[int, dict[str, Any]] = {}
        for group in params if isinstance(params[0], dict) else [{"params": params}]:
            self.add_param_group(group)

    def add_param_group(self, group: dict[str, Any]) -> None:
        """Adds a group of parameters with its own settings (the others from the defaults), as torch."""
        if not isinstance(group, dict):
            raise TypeError(f"{type(self).__name__}: a param group must be a dict, got {type(group).__name__}")
        params = group["params"]
        params = [params] if isinstance(params, Tensor) else list(params)
        seen = {id(p) for p in self._params()}
        for p in params:
            if not isinstance(p, Tensor) or not p.is_leaf:
                what = "a non-leaf Tensor" if isinstance(p, Tensor) else type(p).__name__
                raise TypeError(f"{type(self).__name__}: can only optimize leaf Tensors, got {what}")
            if id(p) in seen:
                raise ValueError(f"{type(self).__name__}: some parameters appear in more than one parameter group")
            seen.add(id(p))
        self.param_groups.append({**self.defaults, **group, "params": params})

    def _params(self) -> list[Tensor]:
        return [p for g in self.param_groups for p in g["params"]]

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clears the gradient of every parameter: to None (the default, as torch), or to zeros."""
        zero_grads("zero_grad", self._params(), set_to_none)

    def _state(self, index: int, p: Tensor) -> dict[str, Any]:
        """The parameter's state, moved to its device and dtype if the parameter changed since."""
        state = self.state.setdefault(index, {})
        for key, value in state.items():
            if isinstance(value, Tensor) and (value.backend is not p.backend or value.dtype != p.dtype):
                host = value.backend.to_host(value.data).astype(p.dtype.name)
                state[key] = Tensor.wrap(p.backend.from_host(host), p.backend)
        return state

    def step(self) -> None:
        index = 0
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    if p.grad.backend is not p.backend:
                        raise RuntimeError(
                            f"{type(self).__name__}.step: parameter {index} is on {p.device} but its gradient on "
                            f"{p.grad.device}; call model.zero_grad() after model.to(device)"
                        )
                    self._update(p, p.grad.data, self._state(index, p), group)
                index += 1

    def _update(self, p: Tensor, g: Any, state: dict[str, Any], group: dict[str, Any]) -> None:
        raise NotImplementedError

    # --- checkpoints ---------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """State and settings, parameters referred to by position (as in PyTorch)."""
        groups, start = [], 0
        for group in self.param_groups:
            n = len(group["params"])
            groups.append(
                {**{k: v for k, v in group.items() if k != "params"}, "params": list(range(start, start + n))}
            )
            start += n
        state = {i: dict(s) for i, s in self.state.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restores settings and state saved by ``state_dict()``: all of it, or (on any error) nothing."""
        name = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state_dict, dict) or not {"param_groups", "state"} <= set(state_dict):
            raise TypeError(f"{name}: expected a dict with 'param_groups' and 'state', got {type(state_dict).__name__}")
        groups = state_dict["param_groups"]
        if [len(g["params"]) for g in groups] != [len(g["params"]) for g in self.param_groups]:
            raise ValueError(
                f"{name}: the saved groups hold "
                f"{[len(g['params']) for g in groups]} parameters, this optimizer's "
                f"{[len(g['params']) for g in self.param_groups]}"
            )
        params = self._params()
        state = {}  # built whole first: a bad entry leaves the optimizer as it was
        for key, values in state_dict["state"].items():
            index = int(key)
            if not 0 <= index < len(params):
                raise ValueError(f"{name}: state for parameter {index}, but there are {len(params)}")
            p = params[index]
            state[index] = restored = {k: _restore(k, v, p) for k, v in values.items()}
            for k, v in restored.items():
                if isinstance(v, Tensor) and v.shape != p.shape:
                    raise ValueError(
                        f"{name}: state {k!r} of parameter {index} has shape {v.shape}, expected {p.shape}"
                    )
        for saved, group in zip(groups, self.param_groups):
            group.update({k: v for k, v in saved.items() if k != "params"})
        self.state = state


def _restore(key: str, value: Any, like: Tensor) -> Any:
    """A saved state entry back as a copy on ``like``'s device and dtype; ``step`` as a Python number.

    Buffers keep their shape, 0-d ones included (the state of a scalar parameter).
    """
    if key == "step":
        return value.item() if hasattr(value, "item") else value
    if isinstance(value, Tensor):
        value = value.numpy()
    if hasattr(value, "__array__") or hasattr(value, "shape"):
        return Tensor(value, dtype=like.dtype, device=like.backend)
    return value


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum, dampening, Nesterov and weight decay (L2)."""

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
    ):
        for name, value in (("lr", lr), ("momentum", momentum), ("weight_decay", weight_decay)):
            check_number("SGD", name, value, minimum=0.0)  # NaN is refused, inf allowed, as in torch
        check_number("SGD", "dampening", dampening)
        check_bool("SGD", "nesterov", nesterov)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("SGD: Nesterov momentum requires a momentum and zero dampening")
        super().__init__(
            params,
            {
                "lr": lr,
                "momentum": momentum,
                "dampening": dampening,
                "weight_decay": weight_decay,
                "nesterov": nesterov,
            },
        )

    def _update(self, p: Tensor, g: Any, state: dict[str, Any], group: dict[str, Any]) -> None:
        if group["weight_decay"]:
            g = g + group["weight_decay"] * p.data
        momentum = group["momentum"]
        if momentum:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = Tensor.wrap(p.backend.copy(g), p.backend)
            else:
                buf.data *= momentum
                buf.data += (1.0 - group["dampening"]) * g
            g = g + momentum * buf.data if group["nesterov"] else buf.data
        p.data -= group["lr"] * g


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015); ``weight_decay`` adds L2 to the gradient, as torch.optim.Adam."""

    decoupled = False  # AdamW: the decay shrinks the weights directly instead of joining the gradient
    default_weight_decay = 0.0

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float | None = None,
        amsgrad: bool = False,
    ):
        name = type(self).__name__
        if weight_decay is None:  # Adam's 0, AdamW's 0.01, as in torch
            weight_decay = self.default_weight_decay
        for arg, value in (("lr", lr), ("eps", eps), ("weight_decay", weight_decay)):
            check_number(name, arg, value, minimum=0.0)  # NaN is refused, inf allowed, as in torch
        if isinstance(betas, (str, bytes)) or not hasattr(betas, "__len__") or len(betas) != 2:
            raise TypeError(f"{name}: betas must be a pair of numbers such as (0.9, 0.999), got {betas!r}")
        for index, beta in enumerate(betas):
            check_number(name, f"betas[{index}]", beta, minimum=0.0, below=1.0)
        check_bool(name, "amsgrad", amsgrad)
        super().__init__(
            params, {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay, "amsgrad": amsgrad}
        )

    def _update(self, p: Tensor, g: Any, state: dict[str, Any], group: dict[str, Any]) -> None:
        xp = p.backend.xp
        lr, (beta1, beta2), eps, wd = group["lr"], group["betas"], group["eps"], group["weight_decay"]
        if wd and self.decoupled:
            p.data *= 1.0 - lr * wd
        elif wd:
            g = g + wd * p.data
        if not state:
            state["step"] = 0
            state["exp_avg"] = Tensor.wrap(xp.zeros_like(p.data), p.backend)
            state["exp_avg_sq"] = Tensor.wrap(xp.zeros_like(p.data), p.backend)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = Tensor.wrap(xp.zeros_like(p.data), p.backend)
        state["step"] += 1
        step = state["step"]
        m, v = state["exp_avg"].data, state["exp_avg_sq"].data
        m *= beta1
        m += (1.0 - beta1) * g
        v *= beta2
        v += (1.0 - beta2) * (g * g)
        if group["amsgrad"]:
            v_max = state["max_exp_avg_sq"]
            v_max.data[...] = xp.maximum(v_max.data, v)  # in place: a 0-d array stays an array
            v = v_max.data
        bias_correction1 = 1.0 - beta1**step
        bias_correction2 = 1.0 - beta2**step
        denom = xp.sqrt(v) / math.sqrt(bias_correction2) + eps
        p.data -= (lr / bias_correction1) * (m / denom)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019); default weight_decay 0.01."""

    decoupled = True
    default_weight_decay = 1e-2
