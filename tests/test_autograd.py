"""The autograd engine: accumulation, retained gradients, graph release, no_grad, deep graphs, records."""

from __future__ import annotations

import gc
import math
import sys
import tracemalloc
import weakref

import numpy as np
import pytest

import tinygrad_rnn as tg
from tinygrad_rnn.autograd import RELEASED, topological_order
from tinygrad_rnn.ops.arithmetic import Mul


def leaf(values, device: str = "cpu") -> tg.Tensor:
    return tg.Tensor(np.asarray(values, dtype=np.float64), device=device, requires_grad=True)


# --- accumulation and retained gradients --------------------------------------------


def test_gradients_accumulate_on_leaves_across_backward_calls(device: str) -> None:
    x = leaf([1.0, 2.0], device)
    (x * 3.0).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 3.0])
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [5.0, 7.0])  # 3 + 2x


def test_accumulated_grad_does_not_alias_the_flowing_gradient(device: str) -> None:
    """Add passes one array to both inputs; each leaf's .grad must be its own copy."""
    a, b = leaf([1.0], device), leaf([2.0], device)
    (a + b).sum().backward()
    a.grad.data += 10.0  # changing one leaf's gradient must not change the other's
    np.testing.assert_array_equal(b.grad.numpy(), [1.0])


def test_intermediates_keep_no_grad_unless_retain_grad(device: str) -> None:
    x = leaf([1.0, 2.0], device)
    h = x * 2.0
    kept = h.tanh()
    kept.retain_grad()
    loss = (kept * kept).sum()
    loss.backward()
    assert h.grad is None
    assert loss.grad is None
    assert kept.grad is not None
    expected = 2 * np.tanh([2.0, 4.0])
    np.testing.assert_allclose(kept.grad.numpy(), expected)
    np.testing.assert_allclose(x.grad.numpy(), expected * (1 - np.tanh([2.0, 4.0]) ** 2) * 2.0)


def test_retain_grad_on_the_root_and_on_multi_output_pieces(device: str) -> None:
    x = leaf([[1.0, 2.0, 3.0, 4.0]], device)
    a, b = x.chunk(2, dim=1)
    b.retain_grad()
    out = (b * 5.0).sum()
    out.retain_grad()
    out.backward()
    np.testing.assert_array_equal(out.grad.numpy(), 1.0)
    np.testing.assert_array_equal(b.grad.numpy(), [[5.0, 5.0]])
    assert a.grad is None
    np.testing.assert_array_equal(x.grad.numpy(), [[0.0, 0.0, 5.0, 5.0]])


def test_retain_grad_on_a_leaf_is_a_no_op_and_needs_requires_grad() -> None:
    x = leaf([1.0])
    x.retain_grad()
    (x * 2.0).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0])
    with pytest.raises(RuntimeError, match="requires_grad=False"):
        tg.Tensor([1.0]).retain_grad()


def test_shared_subexpression_gets_the_sum_of_its_gradients(device: str) -> None:
    """x used by many ops: every path's gradient is added up (once per use)."""
    x = leaf([0.5, -1.0], device)
    y = x * x + x * 3.0 + x.exp() - x / 2.0 + x.tanh() * x
    y.sum().backward()
    xv = np.array([0.5, -1.0])
    expected = 2 * xv + 3.0 + np.exp(xv) - 0.5 + (1 - np.tanh(xv) ** 2) * xv + np.tanh(xv)
    np.testing.assert_allclose(x.grad.numpy(), expected)


def test_diamond_graph_visits_each_node_once(device: str) -> None:
    """h feeds two branches that meet again: h's node runs once, with the summed gradient."""
    x = leaf([2.0], device)
    h = x * x  # dh/dx = 4
    out = (h.sigmoid() + h.tanh() + h) * 1.0
    order = topological_order(out.grad_fn)
    assert len(order) == len({id(n) for n in order})
    assert order.index(h.grad_fn) < order.index(out.grad_fn)
    out.sum().backward()
    s = 1 / (1 + math.exp(-4.0))
    np.testing.assert_allclose(x.grad.numpy(), [(s * (1 - s) + 1 - math.tanh(4.0) ** 2 + 1) * 4.0])


def test_multi_output_ops_with_only_some_outputs_used(device: str) -> None:
    """split / chunk / unbind: unused pieces contribute zeros, used ones their gradient."""
    x = leaf(np.arange(12.0).reshape(3, 4), device)
    parts = x.split([1, 2, 1], dim=1)
    (parts[1] * 2.0).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.tile([0.0, 2.0, 2.0, 0.0], (3, 1)))

    x.grad = None
    steps = x.unbind(0)
    (steps[0] + steps[2] * 3.0).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[1.0] * 4, [0.0] * 4, [3.0] * 4])

    x.grad = None
    c0, c1 = x.chunk(2, dim=1)
    (c1 * c1).sum().backward()  # c0 unused
    np.testing.assert_array_equal(x.grad.numpy()[:, :2], 0.0)
    np.testing.assert_array_equal(x.grad.numpy()[:, 2:], 2 * x.numpy()[:, 2:])

    x.grad = None
    a, b = x.chunk(2, dim=0)  # both pieces used, by separate paths
    (a.sum() * 2.0 + b.sum() * 3.0).backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[2.0] * 4, [2.0] * 4, [3.0] * 4])


def test_backward_with_explicit_gradient(device: str) -> None:
    x = leaf([1.0, 2.0, 3.0], device)
    y = x * x
    y.backward(tg.Tensor([1.0, 0.5, 0.0], device=device))
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0, 0.0])
    x.grad = None
    (x * 2.0).backward([1.0, 1.0, 1.0])  # a list works as gradient too
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0, 2.0])


def test_backward_on_a_leaf_sets_its_own_grad() -> None:
    x = leaf(3.0)
    x.backward()
    assert x.grad.item() == 1.0


# --- graph release ----------------------------------------------------------------------


def test_graph_is_released_after_backward(device: str) -> None:
    x = leaf([1.0, 2.0], device)
    y = (x.tanh() * x).sum()
    node = y.grad_fn
    y.backward()
    assert all(n.saved is RELEASED for n in topological_order(node))
    with pytest.raises(RuntimeError, match=r"backward through the graph a second time.*retain_graph=True"):
        y.backward()


def test_second_backward_raises_even_from_a_later_output(device: str) -> None:
    """A new op on top of a released graph: backward reaches the freed nodes and says so."""
    x = leaf([1.0, 2.0], device)
    h = x.sigmoid()
    h.sum().backward()
    with pytest.raises(RuntimeError, match="second time"):
        (h * 2.0).sum().backward()


def test_retain_graph_allows_a_second_backward_that_doubles_the_grads(device: str) -> None:
    x = leaf([1.0, -2.0], device)
    y = (x.sigmoid() * x).sum()
    y.backward(retain_graph=True)
    first = x.grad.numpy().copy()
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * first)
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()  # the second call did not retain


# --- no_grad / enable_grad / detach -------------------------------------------------------


def test_no_grad_context_records_nothing(device: str) -> None:
    x = leaf([1.0], device)
    with tg.no_grad():
        assert not tg.is_grad_enabled()
        y = (x * 2.0).tanh()
        a, b = tg.cat([x, x]).split(1)
    assert tg.is_grad_enabled()
    for t in (y, a, b):
        assert t.requires_grad is False
        assert t.grad_fn is None
    with pytest.raises(RuntimeError, match="does not require grad"):
        y.backward()


def test_no_grad_as_decorator_records_nothing_and_restores() -> None:
    @tg.no_grad()
    def predict(x: tg.Tensor) -> tg.Tensor:
        return x.sigmoid() * 3.0

    x = leaf([0.0])
    y = predict(x)
    assert y.requires_grad is False and y.grad_fn is None
    assert tg.is_grad_enabled()
    assert (x * 2.0).requires_grad  # recording is back on after the call


def test_no_grad_restores_state_after_an_exception() -> None:
    with pytest.raises(ValueError), tg.no_grad():
        raise ValueError("boom")
    assert tg.is_grad_enabled()


def test_enable_grad_inside_no_grad() -> None:
    x = leaf([2.0])
    with tg.no_grad():
        with tg.enable_grad():
            assert tg.is_grad_enabled()
            y = x * x
        z = x * x
    assert y.requires_grad and y.grad_fn is not None
    assert not z.requires_grad and z.grad_fn is None
    y.sum().backward()
    assert x.grad.item() == 4.0


def test_nested_no_grad_and_reused_instance() -> None:
    guard = tg.no_grad()
    with guard:
        with guard:
            pass
        assert not tg.is_grad_enabled()
    assert tg.is_grad_enabled()


def test_detach_cuts_the_graph_and_shares_data(device: str) -> None:
    x = leaf([1.0, 2.0], device)
    h = x * 3.0
    d = h.detach()
    assert d.requires_grad is False and d.grad_fn is None and d.is_leaf
    np.testing.assert_array_equal(d.numpy(), h.numpy())
    (h * d).sum().backward()  # d is a constant: dx = 3·d
    np.testing.assert_array_equal(x.grad.numpy(), [9.0, 18.0])


def test_requires_grad_on_integer_tensors_raises(device: str) -> None:
    with pytest.raises(RuntimeError, match="floating point"):
        tg.Tensor([1, 2], requires_grad=True, device=device)
    with pytest.raises(RuntimeError, match="floating point"):
        tg.Tensor([1, 2], device=device).requires_grad_()
    with pytest.raises(RuntimeError, match="floating point"):
        tg.zeros(2, dtype=tg.int64, requires_grad=True, device=device)


def test_requires_grad_cannot_be_turned_off_on_a_non_leaf() -> None:
    y = leaf([1.0]) * 2.0
    with pytest.raises(RuntimeError, match="non-leaf"):
        y.requires_grad_(False)


def test_constants_in_an_op_get_no_gradient(device: str) -> None:
    x = leaf([1.0, 2.0], device)
    c = tg.Tensor([5.0, 6.0], dtype=tg.float64, device=device)
    (x * c).sum().backward()
    assert c.grad is None
    np.testing.assert_array_equal(x.grad.numpy(), [5.0, 6.0])


# --- deep graphs: no recursion, memory released ---------------------------------------------


def test_chain_of_10000_ops_backpropagates_without_recursion_error() -> None:
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(1000)  # any recursion per node would fail long before 10,000
    try:
        x = leaf([1.0, 2.0])
        y = x
        for _ in range(10_000):
            y = y * 1.0001
        y.sum().backward()
    finally:
        sys.setrecursionlimit(limit)
    np.testing.assert_allclose(x.grad.numpy(), [1.0001**10_000] * 2, rtol=1e-9)


def test_unrolled_recurrence_of_10000_steps() -> None:
    """h_t = tanh(w·h_{t−1} + x_t): a long chain where every step also branches to a shared leaf."""
    w = leaf([0.5])
    h = tg.Tensor([0.1], dtype=tg.float64)
    for t in range(10_000):
        h = (h * w + 0.01 * (t % 3)).tanh()
    h.sum().backward()
    assert w.grad is not None and np.isfinite(w.grad.numpy()).all()


def _traced() -> int:
    gc.collect()
    return tracemalloc.get_traced_memory()[0]


def test_memory_of_a_10000_op_chain_is_released_after_backward() -> None:
    """Saved arrays are freed by backward while the output is still held; deleting everything frees the rest."""
    steps, array_bytes = 10_000, 512 * 8
    warm_up = tg.Tensor(np.ones(2), dtype=tg.float64, requires_grad=True)
    (warm_up * 0.5).tanh().sum().backward()  # lazy imports and caches happen before measuring
    tracemalloc.start()
    try:
        base = _traced()
        x = tg.Tensor(np.ones(512), dtype=tg.float64, requires_grad=True)
        y = x
        for _ in range(steps):
            y = y.tanh()  # each Tanh saves its 4 KiB output for backward
        first_node = weakref.ref(topological_order(y.grad_fn)[-1])
        built = _traced() - base
        assert built > steps * array_bytes  # the graph holds one 4 KiB array per step

        y.sum().backward()
        after_backward = _traced() - base
        assert y.grad_fn.released and first_node() is not None  # the structure is still reachable
        # the arrays are gone; what stays is the graph's structure (a few hundred bytes a node)
        assert built - after_backward > 0.9 * steps * array_bytes, f"{after_backward} of {built} bytes still held"
        assert after_backward < built / 3

        del y
        x.grad = None
        assert first_node() is None  # no reference cycle keeps the nodes alive
        assert _traced() - base < 64 * 1024  # back to where it started (x and its grad are 4 KiB each)
    finally:
        tracemalloc.stop()


def test_retain_graph_keeps_saved_arrays_until_the_final_backward() -> None:
    x = leaf(np.ones(4))
    y = (x.tanh() * 2.0).sum()
    y.backward(retain_graph=True)
    assert not any(n.released for n in topological_order(y.grad_fn))
    y.backward()
    assert all(n.released for n in topological_order(y.grad_fn))


# --- what the graph records --------------------------------------------------------------------


def test_each_op_records_a_label_and_the_scope_it_ran_in() -> None:
    x = leaf([[1.0, 2.0]])
    with tg.scope(layer=0, direction="forward"):
        with tg.scope(t=3, role="cell state"):
            c = x.sigmoid() * x
        h = c.tanh()
    outside = h + 1.0
    assert c.grad_fn.label == "⊙"
    assert c.grad_fn.record.place == {"layer": 0, "direction": "forward", "t": 3, "role": "cell state"}
    assert h.grad_fn.record.place == {"layer": 0, "direction": "forward"}
    assert h.grad_fn.label == "tanh"
    assert outside.grad_fn.record is None  # recorded outside any scope: nothing for the visualiser
    assert "layer=0" in repr(c.grad_fn)


def test_scope_restores_the_outer_scope_after_an_exception() -> None:
    with pytest.raises(KeyError), tg.scope(t=1):
        raise KeyError
    assert (leaf([1.0]) * 2.0).grad_fn.record is None


def test_tag_names_the_op_and_its_role() -> None:
    x = leaf([0.0])
    f = x.sigmoid().tag("f_t", "forget gate")
    assert (f.grad_fn.record.name, f.grad_fn.record.role) == ("f_t", "forget gate")
    assert "f_t" in repr(f.grad_fn)
    assert f.tag(role="gate") is f and f.grad_fn.record.name == "f_t" and f.grad_fn.record.role == "gate"
    assert x.tag("leaf") is x  # a leaf has no op to name; tagging it changes nothing


def test_nothing_is_recorded_without_requires_grad() -> None:
    y = tg.Tensor([1.0]) * 2.0
    assert y.grad_fn is None and not y.requires_grad


def test_edge_hook_sees_every_gradient_sent_along_an_edge() -> None:
    from tinygrad_rnn.hooks import add_edge_hook

    seen = []
    remove = add_edge_hook(lambda node, index, grad: seen.append((node.label, index, float(np.sum(grad)))))
    try:
        x = leaf([1.0, 2.0])
        (x * 3.0).sum().backward()
    finally:
        remove()
    assert ("Σ", 0, 2.0) in seen and ("⊙", 0, 6.0) in seen
    (leaf([1.0]) * 2.0).sum().backward()
    assert len(seen) == 2  # removed: nothing more recorded


# --- apply's fast path hands two dtypes to the general path ---------------------------


class Product(tg.Function):
    def forward(self, a, b):
        self.saved = (a, b)
        return a * b

    def backward(self, g):
        a, b = self.saved
        return g * b, g * a


def test_an_op_of_two_dtypes_runs_and_records_through_apply() -> None:
    """Two tensors of two dtypes skip apply's fast path (it gives None for them), not the recording."""
    a = tg.Tensor(np.array([1.0, 2.0], dtype=np.float32), requires_grad=True)
    b = leaf([3.0, 4.0])
    out = Product.apply(a, b)
    assert isinstance(out, tg.Tensor) and out.dtype == tg.float64  # NumPy's promotion, in forward
    assert isinstance(out.grad_fn, Product)
    out.sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [3.0, 4.0])
    assert a.grad.dtype == tg.float32  # a leaf's gradient has the leaf's dtype
    np.testing.assert_array_equal(b.grad.numpy(), [1.0, 2.0])


def test_elementwise_ops_of_two_dtypes_promote_as_torch_does() -> None:
    a = tg.Tensor(np.array([1.0, 2.0], dtype=np.float32), requires_grad=True)
    b = leaf([3.0, 4.0])
    out = a * b
    assert out.dtype == tg.float64 and isinstance(out.grad_fn, Mul)
    out.sum().backward()
    assert a.grad.dtype == tg.float32 and b.grad.dtype == tg.float64
    np.testing.assert_array_equal(a.grad.numpy(), [3.0, 4.0])
