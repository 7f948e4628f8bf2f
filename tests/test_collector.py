"""The engine pauses Python's cyclic collector in its own long calls, and leaves it exactly as it found it."""

from __future__ import annotations

import gc
import threading
import weakref

import numpy as np
import pytest

import tinygrad_rnn as tg
from tinygrad_rnn.collector import LONG_GRAPH, collector_paused


def _long_step(steps: int = 300) -> tg.Tensor:
    lstm = tg.nn.LSTM(3, 4)
    x = tg.Tensor(np.random.default_rng(0).standard_normal((steps, 2, 3)).astype(np.float32))
    out, _ = lstm(x)
    return out.sum()


@pytest.fixture
def collections():
    """Counts the collector's runs while the test body runs."""
    seen = []

    def callback(phase: str, info: dict) -> None:
        if phase == "start":
            seen.append(info["generation"])

    gc.callbacks.append(callback)
    yield seen
    gc.callbacks.remove(callback)


def test_a_long_forward_and_backward_run_without_full_collections(collections) -> None:
    """2000 steps make ~30,000 nodes: unpaused, the collector walks all of them (generation 2) several times."""
    was = gc.isenabled()
    gc.enable()
    try:
        gc.collect()  # a fresh count: what the suite allocated before must not trigger a walk here
        collections.clear()
        loss = _long_step(2000)
        assert 2 not in collections
        gc.collect()
        collections.clear()
        loss.backward()
        assert 2 not in collections
        assert gc.isenabled()
    finally:
        if not was:
            gc.disable()


def test_the_collector_is_left_as_it_was_found() -> None:
    was = gc.isenabled()
    try:
        for state in (True, False):
            (gc.enable if state else gc.disable)()
            _long_step(LONG_GRAPH // 10).backward()
            assert gc.isenabled() is state
        gc.enable()
        with pytest.raises(RuntimeError):  # an error half-way gives it back too
            loss = _long_step(LONG_GRAPH // 10)
            loss.backward(retain_graph=False)
            loss.backward()
        assert gc.isenabled()
    finally:
        (gc.enable if was else gc.disable)()


def test_pauses_nest_and_span_threads() -> None:
    was = gc.isenabled()
    gc.enable()
    try:
        inside, release = threading.Event(), threading.Event()

        def hold() -> None:
            with collector_paused():
                inside.set()
                release.wait(5)

        thread = threading.Thread(target=hold)
        thread.start()
        inside.wait(5)
        with collector_paused():
            with collector_paused():
                assert not gc.isenabled()
            assert not gc.isenabled()
        assert not gc.isenabled()  # the other thread's pause is still open
        release.set()
        thread.join(5)
        assert gc.isenabled()
    finally:
        (gc.enable if was else gc.disable)()


def test_repeated_steps_leak_nothing() -> None:
    """Reference counting frees each step's graph at once: no node outlives its step, none waits for the collector."""
    lstm = tg.nn.LSTM(3, 8)
    x = tg.Tensor(np.random.default_rng(1).standard_normal((200, 2, 3)).astype(np.float32))

    def live_nodes() -> int:
        return sum(issubclass(type(o), tg.Function) for o in gc.get_objects())

    before = live_nodes()
    for _ in range(3):
        lstm.zero_grad()
        out, state = lstm(x)
        loss = out.sum()
        node = weakref.ref(loss.grad_fn)
        loss.backward()
        del out, state, loss
        assert node() is None
        assert live_nodes() == before
