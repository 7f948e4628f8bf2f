"""PyTorch's autograd semantics at the edges: hooks on the total, versions, in-place ops, grad mode per thread.

Each case is checked against torch where torch is installed; the expected values are written out
too, so the tests keep their teeth without it.
"""

from __future__ import annotations

import copy
import pickle
import threading

import numpy as np
import pytest

import tinygrad_rnn as tg


def _torch():
    return pytest.importorskip("torch")


# --- 1. a leaf's hooks run once, on its total gradient -------------------------------------------------
def test_a_hook_on_a_leaf_sees_the_total_gradient_once() -> None:
    x = tg.Tensor([1.0, -1.0], requires_grad=True)
    calls = []
    x.register_hook(lambda g: calls.append(g.tolist()) or g.clamp(-1, 1))
    (x * 2 + x * 3).sum().backward()
    assert calls == [[5.0, 5.0]]  # once, with the sum of both uses
    assert x.grad.tolist() == [1.0, 1.0]


def test_a_hook_on_a_leaf_matches_torch() -> None:
    torch = _torch()
    values = [0.3, -2.0, 1.5]
    ours = tg.Tensor(values, dtype=tg.float64, requires_grad=True)
    theirs = torch.tensor(values, dtype=torch.float64, requires_grad=True)
    for x, lib in ((ours, tg), (theirs, torch)):
        x.register_hook(lambda g: g.clamp(-1, 1))
        x.register_hook(lambda g: g * 3)
        (lib.tanh(x) * x + x * 4).sum().backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-12)


def test_a_clamp_hook_on_a_grus_shared_bias_matches_torch() -> None:
    """``bias_hh_l0`` is used at every step: the hook must see the sum over steps, not each step."""
    torch = _torch()
    tg.manual_seed(0)
    ours = tg.nn.GRU(3, 4).to(tg.float64)
    theirs = torch.nn.GRU(3, 4).double()
    theirs.load_state_dict({k: torch.from_numpy(v.numpy()) for k, v in ours.state_dict().items()})
    x = np.random.default_rng(1).standard_normal((6, 2, 3))
    for layer, tensor in ((ours, tg.Tensor), (theirs, torch.tensor)):
        layer.bias_hh_l0.register_hook(lambda g: g.clamp(-0.1, 0.1))
        out, _ = layer(tensor(x))
        (out * out).sum().backward()
    np.testing.assert_allclose(ours.bias_hh_l0.grad.numpy(), theirs.bias_hh_l0.grad.numpy(), rtol=1e-10, atol=1e-12)
    assert np.abs(ours.bias_hh_l0.grad.numpy()).max() <= 0.1


# --- 5. hook results and .grad assignments are checked ------------------------------------------------
def test_a_hook_that_returns_a_wrong_shape_or_a_non_tensor_is_named() -> None:
    def wrong_shape(g):
        return g.sum()

    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    x.register_hook(wrong_shape)
    with pytest.raises(ValueError, match=r"hook .*wrong_shape.*shape \(\).*expected \(2,\)"):
        (x * 2).sum().backward()
    assert x.grad is None  # nothing half-applied

    def not_a_tensor(g):
        return [1.0, 1.0]

    y = tg.Tensor([1.0, 2.0], requires_grad=True)
    h = y * 3
    h.register_hook(not_a_tensor)
    with pytest.raises(TypeError, match=r"hook .*not_a_tensor.*Tensor or None, got list"):
        h.sum().backward()


def test_assigning_a_wrong_grad_raises_instead_of_broadcasting_later() -> None:
    w = tg.Tensor([[1.0, 2.0]], requires_grad=True)
    with pytest.raises(ValueError, match=r"grad: .*shape \(2,\), expected \(1, 2\)"):
        w.grad = tg.Tensor([1.0, 1.0])
    with pytest.raises(TypeError, match="grad: expected a Tensor or None, got ndarray"):
        w.grad = np.ones((1, 2), dtype=np.float32)
    with pytest.raises(TypeError, match="dtype"):
        w.grad = tg.Tensor([[1.0, 1.0]], dtype=tg.float64)
    w.grad = tg.Tensor([[0.5, 0.5]])
    assert w.grad.tolist() == [[0.5, 0.5]]


# --- 2. what backward reads was not changed since forward -----------------------------------------------
def test_an_optimizer_step_between_two_backward_passes_is_caught() -> None:
    w = tg.Tensor([1.0, 2.0], requires_grad=True)
    loss = (w * w).sum()
    loss.backward(retain_graph=True)
    tg.optim.SGD([w], lr=0.1).step()
    with pytest.raises(
        RuntimeError, match=r"<Mul '⊙'>.*modified by an in-place operation.*after the op ran: it is now at version 1"
    ):
        loss.backward()
    assert w.grad.tolist() == [2.0, 4.0]  # the first pass only: no mix of old and new weights


def test_torch_raises_for_the_same_optimizer_step() -> None:
    torch = _torch()
    w = torch.tensor([1.0, 2.0], requires_grad=True)
    loss = (w * w).sum()
    loss.backward(retain_graph=True)
    torch.optim.SGD([w], lr=0.1).step()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()


@pytest.mark.parametrize(
    "change",
    [
        lambda t: t.zero_(),
        lambda t: t.fill_(3.0),
        lambda t: t.add_(1.0),
        lambda t: t.mul_(2.0),
        lambda t: setattr(t, "data", t.data * 2),
    ],
    ids=["zero_", "fill_", "add_", "mul_", "data="],
)
def test_every_in_place_change_raises_the_version(change) -> None:
    c = tg.Tensor([1.0, 2.0])  # a constant that an op saves
    w = tg.Tensor([3.0, 4.0], requires_grad=True)
    loss = (w * c).sum()
    change(c)
    with pytest.raises(RuntimeError, match="in-place"):
        loss.backward()


def _grad_saved_then_added_into(make) -> None:
    """w.grad is saved by c * w.grad, then the same backward adds w's new gradient into it, first."""
    w = make([1.0, 2.0], requires_grad=True)
    (w * 2.0).sum().backward()
    c = make([3.0, 4.0], requires_grad=True)
    saved = c * w.grad  # made first: torch's engine, which runs the newest node first, reaches it last
    loss = (w * 5.0).sum() + (saved.tanh() * 1.0).sum()
    loss.backward()


def test_backward_adding_into_a_grad_that_an_op_saved_is_caught() -> None:
    with pytest.raises(RuntimeError, match=r"<Mul '⊙'>.*in-place operation.*after the op ran: it is now at version 1"):
        _grad_saved_then_added_into(tg.Tensor)


def test_torch_raises_for_the_same_grad() -> None:
    torch = _torch()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        _grad_saved_then_added_into(torch.tensor)


def test_adding_into_a_grad_no_op_has_seen_leaves_the_check_asleep() -> None:
    from tinygrad_rnn.tensor import Version

    w = tg.Tensor([1.0], requires_grad=True)
    (w * 2.0).sum().backward()
    alias = w.grad
    changes = Version.changes[0]
    (w * 3.0).sum().backward()
    assert w.grad.tolist() == [5.0] and alias.tolist() == [5.0]  # added in place, as in PyTorch
    assert Version.changes[0] == changes  # nothing an op saved was changed: backward's check stays asleep


def _parameter_saved_then_its_source_changed(lib) -> None:
    source = lib.tensor([1.0, 2.0])
    p = lib.nn.Parameter(source)  # the same array and, as in torch, the same version counter
    loss = (p * p).sum()
    source.add_(1.0)  # changes what the product saved
    loss.backward()


def test_a_parameter_made_from_a_tensor_shares_its_version() -> None:
    with pytest.raises(RuntimeError, match=r"<Mul '⊙'>.*in-place operation"):
        _parameter_saved_then_its_source_changed(tg)
    source = tg.Tensor([1.0, 2.0])
    p = tg.nn.Parameter(source)
    assert p.data is source.data and p.is_leaf and p.requires_grad and not source.requires_grad
    p.detach().mul_(2.0)  # a change through the parameter is seen through the tensor
    assert source.tolist() == [2.0, 4.0]


def test_torch_raises_for_the_same_parameter() -> None:
    torch = _torch()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        _parameter_saved_then_its_source_changed(torch)


def test_a_parameter_made_from_an_intermediate_is_a_leaf_and_copies_keep_the_type() -> None:
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    p = tg.nn.Parameter(x * 3.0)
    assert p.is_leaf and p.grad_fn is None and p.tolist() == [3.0, 6.0]
    for twin in (copy.deepcopy(p), pickle.loads(pickle.dumps(p))):
        assert type(twin) is tg.nn.Parameter and twin.requires_grad and twin.tolist() == [3.0, 6.0]
        assert twin.data is not p.data


def _as_subclass_of_a_leaf(lib) -> tuple:
    class Marked(lib.Tensor):
        pass

    leaf = lib.tensor([1.0, 2.0], requires_grad=True)
    marked = leaf.as_subclass(Marked)
    (marked * 3.0).sum().backward()
    plain = lib.tensor([1.0])
    alias = plain.as_subclass(Marked)
    alias.add_(1.0)  # the same array and the same version counter
    shared = plain._version is alias._version if lib is tg else plain._version == alias._version == 1
    return type(marked) is Marked, marked.is_leaf, leaf.grad.tolist(), plain.tolist(), shared


def test_as_subclass_keeps_the_array_the_version_and_the_graph() -> None:
    assert _as_subclass_of_a_leaf(tg) == (True, False, [3.0, 3.0], [2.0], True)  # the gradient reached the leaf
    with pytest.raises(TypeError, match="as_subclass: cls must be a subclass of Tensor"):
        tg.ones(1).as_subclass(list)


def test_as_subclass_matches_torch() -> None:
    assert _as_subclass_of_a_leaf(_torch()) == _as_subclass_of_a_leaf(tg)


def test_changing_a_saved_output_under_no_grad_is_caught_as_in_torch() -> None:
    x = tg.Tensor([0.5, -0.5], requires_grad=True)
    y = x.sigmoid()  # sigmoid keeps its output for backward
    with tg.no_grad():
        y.mul_(2.0)
    with pytest.raises(RuntimeError, match="<Sigmoid 'σ'>.*after the op ran: it is now at version 1"):
        y.sum().backward()
    torch = pytest.importorskip("torch")
    tx = torch.tensor([0.5, -0.5], requires_grad=True)
    ty = tx.sigmoid()
    with torch.no_grad():
        ty.mul_(2.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        ty.sum().backward()


def _saved_output_changed_through_an_alias(lib, several_outputs: bool) -> None:
    """An op's output gets its version counter only when something needs it: here an alias, made after the op."""
    x = lib.tensor([0.5, -0.5, 1.0, 2.0], requires_grad=True)
    y = x.sigmoid().chunk(2)[1] if several_outputs else x.sigmoid()  # σ keeps its output for backward
    y.detach().mul_(2.0)
    y.sum().backward()


@pytest.mark.parametrize("several_outputs", [False, True], ids=["one output", "one of two outputs"])
def test_changing_an_output_through_an_alias_is_caught_as_in_torch(several_outputs: bool) -> None:
    with pytest.raises(RuntimeError, match=r"<(Sigmoid|Split) .*after the op ran: it is now at version 1"):
        _saved_output_changed_through_an_alias(tg, several_outputs)
    with pytest.raises(RuntimeError, match="modified by an inplace operation|has been modified inplace"):
        _saved_output_changed_through_an_alias(_torch(), several_outputs)


def test_an_op_checks_the_outputs_it_used_before_any_gradient_reaches_a_leaf() -> None:
    a = tg.Tensor([1.0, 1.0], requires_grad=True)
    w = tg.Tensor([1.0, 2.0], requires_grad=True)
    y = a * 2.0
    loss = (y * w).sum()  # the product keeps y, made by another op
    with tg.no_grad():
        y.mul_(2.0)
    with pytest.raises(RuntimeError, match="<Mul '⊙'>.*after the op ran"):
        loss.backward()
    assert w.grad is None and a.grad is None  # raised before w's gradient (from the changed y) was added


VIEWS = {
    "x[0:1]": lambda t: t[0:1],
    "chunk": lambda t: t.chunk(2)[0],
    ".T": lambda t: t.reshape(1, 2).T,
    "reshape": lambda t: t.reshape(2, 1),
    "unsqueeze": lambda t: t.unsqueeze(0),
}


def _changed_through_a_view(lib, view) -> None:
    c = lib.tensor([1.0, 2.0])
    w = lib.tensor([3.0, 4.0], requires_grad=True)
    loss = (w * c).sum()  # the product keeps c
    view(c).mul_(2.0)  # a view shares c's array, and so its version
    loss.backward()


@pytest.mark.parametrize("view", list(VIEWS.values()), ids=list(VIEWS))
def test_a_change_through_a_view_is_a_change_of_its_base_as_in_torch(view) -> None:
    with pytest.raises(RuntimeError, match="<Mul '⊙'>.*after the op ran"):
        _changed_through_a_view(tg, view)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        _changed_through_a_view(_torch(), view)


def _view_kept_then_its_base_changed(lib, view) -> tuple:
    a = lib.tensor([1.0, 1.0], requires_grad=True)
    w = lib.tensor([1.0, 2.0], requires_grad=True)
    y = a * 2.0
    loss = (view(y) * w).sum()  # the product keeps the view of y
    with lib.no_grad():
        y.mul_(2.0)
    with pytest.raises(RuntimeError, match="after the op ran|modified by an inplace operation|modified inplace"):
        loss.backward()
    return w.grad, a.grad


@pytest.mark.parametrize("view", list(VIEWS.values())[:3], ids=list(VIEWS)[:3])
def test_a_kept_view_of_a_changed_array_is_caught_before_any_gradient_is_added(view) -> None:
    assert _view_kept_then_its_base_changed(tg, view) == (None, None)
    assert _view_kept_then_its_base_changed(_torch(), view) == (None, None)


def test_a_long_chain_of_views_shares_one_counter_without_recursion() -> None:
    y = tg.Tensor(list(range(5000)), dtype="float32", requires_grad=True) * 1.0
    t = y
    for _ in range(4000):  # stepping through a sequence one element at a time
        t = t[1:]
    assert t.detach()._version is y.detach()._version  # the whole chain shares y's counter


def test_a_grad_made_by_an_op_and_kept_by_another_is_caught_when_backward_adds_into_it() -> None:
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    w = tg.Tensor([1.0, 1.0], requires_grad=True)
    g = x * 2.0
    loss = (g * g).sum()  # keeps g
    w.grad = g  # .grad is g's array: backward adds into it
    (w * 3.0).sum().backward()
    with pytest.raises(RuntimeError, match="<Mul '⊙'>.*after the op ran"):
        loss.backward()


def test_a_reshape_that_copies_does_not_share_the_counter_as_in_torch() -> None:
    for lib in (tg, _torch()):
        c = lib.tensor([[1.0, 2.0], [3.0, 4.0]])
        w = lib.tensor([[1.0, 1.0], [1.0, 1.0]], requires_grad=True)
        loss = (w * c).sum()
        c.T.reshape(-1).mul_(2.0)  # a transpose cannot be flattened in place: a copy, changed alone
        loss.backward()
        assert w.grad.tolist() == [[1.0, 2.0], [3.0, 4.0]] and c.tolist() == [[1.0, 2.0], [3.0, 4.0]]


def test_a_change_before_the_op_ran_is_not_a_change_after_it() -> None:
    c = tg.Tensor([1.0, 2.0])
    w = tg.Tensor([3.0, 4.0], requires_grad=True)
    first = (w * c).sum()  # watches c from here on
    c.add_(1.0)  # changed after `first` ran...
    second = (w * c).sum()  # ...but before `second` did
    second.backward()
    assert w.grad.tolist() == [2.0, 3.0]
    with pytest.raises(RuntimeError, match="<Mul '⊙'>.*after the op ran"):
        first.backward()


# --- 3. in-place operations follow torch ------------------------------------------------------------------
def test_in_place_on_a_leaf_that_requires_grad_raises_outside_no_grad() -> None:
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    for change in (lambda t: t.__iadd__(1), lambda t: t.zero_(), lambda t: t.fill_(1.0)):
        with pytest.raises(RuntimeError, match="leaf tensor that requires grad"):
            change(x)
    assert x.tolist() == [1.0, 2.0] and x.is_leaf
    with tg.no_grad():
        x += 1  # as optimizers do
    assert x.tolist() == [2.0, 3.0] and x.is_leaf and x.requires_grad


def test_zero_and_fill_change_the_array_so_aliases_see_it() -> None:
    w = tg.Tensor([1.0, 2.0], requires_grad=True)
    alias = w.detach()
    with tg.no_grad():
        w.fill_(7.0)
    assert alias.tolist() == [7.0, 7.0]
    layer = tg.nn.Linear(2, 2)
    saved = layer.state_dict()["weight"]
    with tg.no_grad():
        layer.weight.zero_()
    assert saved.tolist() == [[0.0, 0.0], [0.0, 0.0]]
    plain = tg.Tensor([1.0, 2.0])
    view = plain.detach()
    plain.zero_()  # needs no gradient: allowed anywhere
    assert view.tolist() == [0.0, 0.0]


def test_in_place_on_an_intermediate_is_recorded_as_in_torch() -> None:
    torch = _torch()
    results = []
    for lib in (tg, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        y += x * x  # y = 2x + x², recorded
        y *= 3
        y.sum().backward()
        results.append((y.detach().numpy().tolist(), x.grad.numpy().tolist(), y.is_leaf))
    assert results[0] == results[1] == ([9.0, 24.0], [12.0, 18.0], False)


def test_in_place_keeps_the_dtype_and_the_shape() -> None:
    i = tg.Tensor([1, 2])
    with pytest.raises(RuntimeError, match="can't be cast"):
        i += 0.5
    f = tg.Tensor([1.0, 2.0])
    with pytest.raises(RuntimeError, match="doesn't match"):
        f += tg.ones(3, 2)
    f += tg.Tensor([1.0, 1.0], dtype=tg.float64)  # a float of another width is cast, as in torch
    assert f.dtype == tg.float32 and f.tolist() == [2.0, 3.0]


# --- 4. grad mode belongs to the thread -----------------------------------------------------------------------
def test_no_grad_in_one_thread_leaves_another_thread_recording() -> None:
    inside, go_on = threading.Event(), threading.Event()
    seen = {}

    def sit_in_no_grad() -> None:
        with tg.no_grad():
            inside.set()
            go_on.wait(5)
            seen["other"] = (tg.Tensor([1.0], requires_grad=True) * 2).requires_grad

    thread = threading.Thread(target=sit_in_no_grad)
    thread.start()
    inside.wait(5)
    seen["main"] = (tg.Tensor([1.0], requires_grad=True) * 2).requires_grad
    go_on.set()
    thread.join(5)
    assert seen == {"main": True, "other": False}
    assert tg.is_grad_enabled()


def test_interleaved_modes_across_threads_never_leave_grad_mode_off() -> None:
    barrier = threading.Barrier(2)

    def worker(mode: type) -> None:
        for _ in range(50):
            with mode():
                barrier.wait(5)
                with tg.enable_grad():
                    barrier.wait(5)

    threads = [threading.Thread(target=worker, args=(m,)) for m in (tg.no_grad, tg.enable_grad)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert tg.is_grad_enabled()
    assert (tg.Tensor([1.0], requires_grad=True) * 2).requires_grad


def test_no_grad_on_a_generator_function_applies_inside_the_generator() -> None:
    @tg.no_grad()
    def steps(x):
        for _ in range(3):
            received = yield (x * 2).requires_grad, tg.is_grad_enabled()
            assert received is None or received == "ping"

    x = tg.Tensor([1.0], requires_grad=True)
    gen = steps(x)
    first = next(gen)
    assert tg.is_grad_enabled()  # the caller keeps its mode between steps
    assert (x * 2).requires_grad
    second = gen.send("ping")
    assert first == second == (False, False)
    assert list(gen) == [(False, False)]
    torch = pytest.importorskip("torch")

    @torch.no_grad()
    def torch_steps(t):
        yield (t * 2).requires_grad

    assert list(torch_steps(torch.ones(1, requires_grad=True))) == [False]


def test_no_grad_decorator_and_generator_keep_names_and_return_values() -> None:
    @tg.no_grad()
    def plain(x):
        """Doubles."""
        return x * 2

    @tg.enable_grad()
    def gen():
        yield tg.is_grad_enabled()
        return "done"

    assert plain.__name__ == "plain" and plain.__doc__ == "Doubles."
    assert not plain(tg.Tensor([1.0], requires_grad=True)).requires_grad
    with tg.no_grad():
        g = gen()
        assert next(g) is True
        with pytest.raises(StopIteration) as stop:
            next(g)
    assert stop.value.value == "done"


def test_in_place_on_a_0d_result() -> None:
    total = (tg.Tensor([1.0, 2.0]) * 2).sum()  # a 0-d result
    total += 1
    assert total.item() == 7.0
    assert total.zero_().item() == 0.0


def test_a_gate_changed_in_place_is_caught_at_backward() -> None:
    """The gate op's outputs share the buffer its backward reads: a change to any of them is an error there."""
    z = tg.randn(2, 8, requires_grad=True)
    i, f, g, o = tg.gate_activations(z, (tg.sigmoid, tg.sigmoid, tg.tanh, tg.sigmoid))
    with tg.no_grad():
        f.mul_(2.0)  # a gate the loss below does not use
    with pytest.raises(RuntimeError, match=r"GateActivations 'gates'.* modified by an in-place operation"):
        (i * g).sum().backward()
