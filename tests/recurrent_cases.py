"""Shared by the PyTorch comparisons and the fixture script: one recurrent case, run in either library.

A case is a layer or cell configuration, an input and maybe initial states.
``run_ours`` and ``run_torch`` return the same dict: the outputs, the final
states, and the gradients of a fixed loss with respect to the input, the
initial states and every parameter (by PyTorch's names). A case with
``lengths`` packs its padded input first (each library with its own
``pack_padded_sequence``) and its output is the packed data.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

import tinygrad_rnn as tg

LAYERS = ("RNN_TANH", "RNN_RELU", "LSTM", "GRU")
CELLS = ("RNNCell_TANH", "RNNCell_RELU", "LSTMCell", "GRUCell")
INPUT, HIDDEN, LENGTH, BATCH = 3, 4, 5, 2


@dataclass(frozen=True)
class Case:
    kind: str
    num_layers: int = 1
    bidirectional: bool = False
    batch_first: bool = False
    batched: bool = True
    with_h0: bool = False
    lengths: tuple[int, ...] | None = None  # a packed batch of sequences of these lengths
    enforce_sorted: bool = True

    @property
    def batch(self) -> int:
        return len(self.lengths) if self.lengths else BATCH

    @property
    def is_cell(self) -> bool:
        return self.kind.endswith("Cell") or "Cell_" in self.kind

    @property
    def has_c(self) -> bool:
        return self.kind.startswith("LSTM")

    @property
    def name(self) -> str:
        return (
            f"{self.kind}-l{self.num_layers}-{'bi' if self.bidirectional else 'uni'}-"
            f"{'bf' if self.batch_first else 'tf'}-{'batched' if self.batched else 'unbatched'}-"
            f"{'h0' if self.with_h0 else 'noh0'}"
            + (f"-packed{'.'.join(map(str, self.lengths))}" if self.lengths else "")
        )


def layer_cases() -> list[Case]:
    return [
        Case(kind, layers, bi, bf, batched, h0)
        for kind, layers, bi, bf, batched, h0 in itertools.product(
            LAYERS, (1, 2, 3), (False, True), (False, True), (True, False), (False, True)
        )
        if batched or not bf  # batch_first means nothing without a batch
    ]


PACKED_LENGTHS = ((5, 3, 3, 1), (2, 5, 1, 4))  # sorted (with a tie), and in no order


def packed_cases() -> list[Case]:
    """Every layer option on packed input: kinds, depth, directions, batch_first, h0, sorted or not."""
    return [
        Case(kind, layers, bi, bf, True, h0, lengths, enforce_sorted=lengths == tuple(sorted(lengths, reverse=True)))
        for kind, layers, bi, bf, h0, lengths in itertools.product(
            LAYERS, (1, 2), (False, True), (False, True), (False, True), PACKED_LENGTHS
        )
        if not (bf and h0)  # batch_first only changes the packing; once with and once without h0 is enough
    ]


def cell_cases() -> list[Case]:
    return [Case(kind, batched=b, with_h0=h) for kind in CELLS for b in (True, False) for h in (False, True)]


def make_inputs(case: Case, seed: int) -> dict[str, np.ndarray]:
    """Input and initial states (float64), and loss weights that make every output matter."""
    rng = np.random.default_rng(seed)
    d = 2 if case.bidirectional else 1
    batch = case.batch
    arrays: dict[str, np.ndarray] = {}
    if case.is_cell:
        shape = (batch, INPUT) if case.batched else (INPUT,)
        state_shape = (batch, HIDDEN) if case.batched else (HIDDEN,)
        out_shape = state_shape
    else:
        if not case.batched:
            shape = (LENGTH, INPUT)
        else:
            shape = (batch, LENGTH, INPUT) if case.batch_first else (LENGTH, batch, INPUT)
        state_shape = (case.num_layers * d, batch, HIDDEN) if case.batched else (case.num_layers * d, HIDDEN)
        out_shape = shape[:-1] + (d * HIDDEN,)
        if case.lengths:
            out_shape = (sum(case.lengths), d * HIDDEN)  # the packed output's data
    arrays["x"] = rng.standard_normal(shape)
    if case.with_h0:
        arrays["h0"] = rng.standard_normal(state_shape) * 0.5
        if case.has_c:
            arrays["c0"] = rng.standard_normal(state_shape) * 0.5
    arrays["w_out"] = rng.standard_normal(out_shape)
    arrays["w_h"] = rng.standard_normal(state_shape)
    if case.has_c:
        arrays["w_c"] = rng.standard_normal(state_shape)
    return arrays


def _kind_args(case: Case) -> tuple[str, dict]:
    kind, _, nonlinearity = case.kind.partition("_")
    kwargs = {"nonlinearity": nonlinearity.lower()} if nonlinearity else {}
    if not case.is_cell:
        kwargs.update(num_layers=case.num_layers, bidirectional=case.bidirectional, batch_first=case.batch_first)
    return kind, kwargs


def build_ours(case: Case, weights: dict[str, np.ndarray], dtype: str) -> tg.nn.Module:
    kind, kwargs = _kind_args(case)
    previous = tg.get_default_dtype()
    tg.set_default_dtype(dtype)
    try:
        module = getattr(tg.nn, kind)(INPUT, HIDDEN, **kwargs)
    finally:
        tg.set_default_dtype(previous)
    module.load_state_dict({k: v.astype(dtype) for k, v in weights.items()})
    return module


def _loss(out, h, c, arrays, to_tensor):
    loss = (out * to_tensor(arrays["w_out"])).sum() + (h * to_tensor(arrays["w_h"])).sum()
    if c is not None:
        loss = loss + (c * to_tensor(arrays["w_c"])).sum()
    return loss


def _run(case: Case, module, arrays: dict[str, np.ndarray], to_tensor, to_numpy, pack=None) -> dict:
    """The same case in either library: ``to_tensor`` makes its tensors, ``to_numpy`` reads them back,
    ``pack`` is its pack_padded_sequence."""
    x = to_tensor(arrays["x"]).requires_grad_()
    h0 = to_tensor(arrays["h0"]).requires_grad_() if "h0" in arrays else None
    c0 = to_tensor(arrays["c0"]).requires_grad_() if "c0" in arrays else None
    states = (h0, c0) if case.has_c and h0 is not None else h0
    x_in = pack(x, list(case.lengths), case.batch_first, case.enforce_sorted) if case.lengths else x
    result = module(x_in, states)
    if case.is_cell:
        out, h, c = (result[0], result[0], result[1]) if case.has_c else (result, result, None)
    else:
        out, hidden = result
        h, c = hidden if case.has_c else (hidden, None)
        if case.lengths:
            out = out.data
    _loss(out, h, c, arrays, to_tensor).backward()
    got = {"out": to_numpy(out), "h": to_numpy(h), "grad_x": to_numpy(x.grad)}
    if c is not None:
        got["c"] = to_numpy(c)
    if h0 is not None:
        got["grad_h0"] = to_numpy(h0.grad)
    if c0 is not None:
        got["grad_c0"] = to_numpy(c0.grad)
    for name, p in module.named_parameters():
        got[f"grad_{name}"] = to_numpy(p.grad)
    return got


def run_ours(
    case: Case, weights: dict[str, np.ndarray], arrays: dict[str, np.ndarray], dtype: str, device: str = "cpu"
) -> dict:
    module = build_ours(case, weights, dtype).to(device)
    pack = tg.nn.utils.rnn.pack_padded_sequence
    return _run(case, module, arrays, lambda a: tg.Tensor(a.astype(dtype), device=device), lambda t: t.numpy(), pack)


def run_torch(
    case: Case, arrays: dict[str, np.ndarray], dtype: str, seed: int, device: str = "cpu"
) -> tuple[dict, dict]:
    """PyTorch's results, and the weights it drew (which ``run_ours`` then loads)."""
    import torch

    torch.manual_seed(seed)  # the weights are drawn on the host: the same on every device
    torch_dtype = getattr(torch, dtype)
    kind, kwargs = _kind_args(case)
    module = getattr(torch.nn, kind)(INPUT, HIDDEN, **kwargs).to(torch_dtype).to(device)

    def to_tensor(a):
        return torch.tensor(a, dtype=torch_dtype, device=device)

    def to_numpy(t):
        return t.detach().cpu().numpy()

    got = _run(case, module, arrays, to_tensor, to_numpy, torch.nn.utils.rnn.pack_padded_sequence)
    weights = {name: to_numpy(p).astype(np.float64) for name, p in module.named_parameters()}
    return got, weights


def assert_close(ours: dict, reference: dict, tol: float, label: str) -> None:
    assert sorted(ours) == sorted(reference), f"{label}: different results {sorted(ours)} vs {sorted(reference)}"
    for key, want in reference.items():
        got = ours[key]
        assert got.shape == want.shape, f"{label} {key}: shape {got.shape}, PyTorch {want.shape}"
        err = float(np.max(np.abs(got.astype(np.float64) - want.astype(np.float64)) / (1 + np.abs(want))))
        assert err <= tol, f"{label} {key}: max relative difference {err:.3g} > {tol}"


# --- committed PyTorch results: one npz per family of cases, keyed "case/group/name" ---------------------
def write_fixtures(cases: list[Case], path) -> None:
    """Runs every case in PyTorch (float64) and saves inputs ("in"), results ("ref") and weights ("w")."""
    entries = {}
    for index, case in enumerate(cases):
        arrays = make_inputs(case, seed=index)
        reference, weights = run_torch(case, arrays, "float64", seed=index)
        for group, values in (("in", arrays), ("ref", reference), ("w", weights)):
            for key, value in values.items():
                entries[f"{case.name}/{group}/{key}"] = value
    np.savez_compressed(path, **entries)
    print(f"wrote {len(cases)} cases to {path}")


def load_fixture(path, case: Case) -> tuple[dict, dict, dict]:
    """One case's inputs, PyTorch's results and weights, as ``write_fixtures`` saved them."""
    with np.load(path, allow_pickle=False) as data:
        prefix = f"{case.name}/"
        parts: dict[str, dict] = {"in": {}, "ref": {}, "w": {}}
        for key in data.files:
            if key.startswith(prefix):
                _, group, name = key.split("/")
                parts[group][name] = data[key]
    assert parts["ref"], f"no fixture for {case.name} in {path.name}; rerun its tests/fixtures/make_*.py"
    return parts["in"], parts["ref"], parts["w"]
