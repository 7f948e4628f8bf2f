"""The solutions in docs/exercises.md, checked harder than their doctests do.

The doctest run (``--doctest-glob='*.md'``) already executes every solution once.
Here the page is executed again with :mod:`doctest`, keeping its namespace, and
the functions the solutions define are tested over more seeds and shapes, in
float64 and against autograd, so a solution that only happens to pass its one
printed example fails here.
"""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import numpy as np
import pytest

import tinygrad_rnn as tg
from tinygrad_rnn.nn.cells import lstm_update

DOCS = Path(__file__).resolve().parent.parent / "docs"
EXERCISES = DOCS / "exercises.md"
FLAGS = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS


def _exercise_sections(text: str) -> list[tuple[str, str]]:
    """(title, body) for every '## Exercise N: ...' section."""
    parts = re.split(r"^## (Exercise \d+:.*)$", text, flags=re.M)
    return list(zip(parts[1::2], parts[2::2]))


@pytest.fixture(scope="module")
def solutions() -> dict:
    """The namespace left behind by running every example of docs/exercises.md."""
    text = EXERCISES.read_text(encoding="utf-8")
    test = doctest.DocTestParser().get_doctest(text, {}, "exercises.md", str(EXERCISES), 0)
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    dtype = tg.get_default_dtype()
    try:
        result = runner.run(test, clear_globs=False)
    finally:
        tg.set_default_dtype(dtype)
    assert result.failed == 0, f"{result.failed} of the examples in docs/exercises.md failed"
    return test.globs


def test_every_exercise_has_a_checked_solution():
    sections = _exercise_sections(EXERCISES.read_text(encoding="utf-8"))
    assert len(sections) >= 5, "docs/exercises.md should hold a handful of exercises"
    parser = doctest.DocTestParser()
    for title, body in sections:
        assert "<summary>Solution</summary>" in body, f"{title}: no Solution section"
        solution = body.split("<summary>Solution</summary>", 1)[1]
        examples = parser.get_examples(solution)
        assert examples, f"{title}: the solution has no >>> examples, so nothing checks it"
        assert any(e.want.strip() for e in examples), f"{title}: the solution's examples show no result"


def test_solution_functions_exist(solutions):
    for name in (
        "lstm_step",
        "colah_weights",
        "gru_step",
        "Softsign",
        "softsign",
        "lstm_step_backward",
        "state_gradients",
        "rnn_with",
        "lstm_with",
    ):
        assert name in solutions, f"docs/exercises.md no longer defines {name}"


# --- Exercise 1: shapes and parameter counts ---------------------------------------------------
@pytest.mark.parametrize("num_layers", [1, 2, 3])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("kind, gates", [("RNN", 1), ("LSTM", 4), ("GRU", 3)])
def test_exercise1_parameter_count_formula(kind, gates, num_layers, bidirectional):
    """Σ over layers and directions of G·H·(inputs + H + 2), the count the solution derives."""
    H_in, H = 5, 6
    D = 2 if bidirectional else 1
    layer = getattr(tg.nn, kind)(H_in, H, num_layers=num_layers, bidirectional=bidirectional)
    expected = sum(D * gates * H * ((H_in if k == 0 else D * H) + H + 2) for k in range(num_layers))
    assert sum(p.numel() for p in layer.parameters()) == expected
    output, state = layer(tg.randn(7, 8, H_in))
    h_n = state[0] if kind == "LSTM" else state
    assert output.shape == (7, 8, D * H)
    assert h_n.shape == (num_layers * D, 8, H)


# --- Exercise 2: colah's LSTM from primitives --------------------------------------------------
@pytest.mark.parametrize("seed, batch, input_size, hidden", [(0, 1, 1, 1), (1, 3, 5, 2), (2, 4, 2, 7)])
def test_exercise2_lstm_step_matches_the_cell_in_float64(solutions, float64, seed, batch, input_size, hidden):
    lstm_step, colah_weights = solutions["lstm_step"], solutions["colah_weights"]
    tg.manual_seed(seed)
    cell = tg.nn.LSTMCell(input_size, hidden)
    x = tg.randn(batch, input_size, requires_grad=True)
    h0, c0 = tg.randn(batch, hidden), tg.randn(batch, hidden)
    weights = tg.randn(batch, hidden)  # a generic loss weighting, so no symmetry hides an error

    h, c = lstm_step(x, h0, c0, *colah_weights(cell))
    ((h * weights).sum() + c.sum()).backward()
    ours = {name: p.grad.numpy() for name, p in cell.named_parameters()}
    ours_x = x.grad.numpy()
    cell.zero_grad()
    x.grad = None
    h_ref, c_ref = cell(x, (h0, c0))
    ((h_ref * weights).sum() + c_ref.sum()).backward()

    np.testing.assert_allclose(h.numpy(), h_ref.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(c.numpy(), c_ref.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ours_x, x.grad.numpy(), rtol=1e-10, atol=1e-12)
    for name, p in cell.named_parameters():
        np.testing.assert_allclose(ours[name], p.grad.numpy(), rtol=1e-10, atol=1e-12, err_msg=name)


def test_exercise2_colah_weights_are_the_forget_input_candidate_output_blocks(solutions):
    tg.manual_seed(3)
    cell = tg.nn.LSTMCell(2, 3)
    W_f, b_f, W_i, b_i, W_C, b_C, W_o, b_o = solutions["colah_weights"](cell)
    W = np.concatenate([cell.weight_hh.numpy(), cell.weight_ih.numpy()], axis=1)
    b = cell.bias_ih.numpy() + cell.bias_hh.numpy()
    for k, (Wk, bk) in enumerate([(W_i, b_i), (W_f, b_f), (W_C, b_C), (W_o, b_o)]):  # PyTorch order i, f, g, o
        np.testing.assert_array_equal(Wk.numpy(), W[3 * k : 3 * k + 3])
        np.testing.assert_allclose(bk.numpy(), b[3 * k : 3 * k + 3], rtol=1e-6)


# --- Exercise 3: the GRU, PyTorch's form and Cho et al.'s ---------------------------------------
@pytest.mark.parametrize("seed", range(4))
def test_exercise3_pytorch_form_matches_the_cell_and_cho_differs(solutions, float64, seed):
    gru_step = solutions["gru_step"]
    tg.manual_seed(seed)
    cell = tg.nn.GRUCell(3, 5)
    x, h0 = tg.randn(4, 3), tg.randn(4, 5)
    reference = cell(x, h0).numpy()
    np.testing.assert_allclose(gru_step(x, h0, cell).numpy(), reference, rtol=1e-12, atol=1e-12)
    cho = gru_step(x, h0, cell, reset_before_product=True).numpy()
    assert np.abs(cho - reference).max() > 1e-4


def test_exercise3_cho_candidate_is_reset_before_the_product(solutions, float64):
    """Compare the Cho branch with the formula written out in NumPy."""
    tg.manual_seed(7)
    cell = tg.nn.GRUCell(2, 3)
    x, h0 = tg.randn(2, 2), tg.randn(2, 3)
    sigma = lambda a: 1 / (1 + np.exp(-a))  # noqa: E731
    W_ir, W_iz, W_in = np.split(cell.weight_ih.numpy(), 3)
    W_hr, W_hz, W_hn = np.split(cell.weight_hh.numpy(), 3)
    b_ir, b_iz, b_in = np.split(cell.bias_ih.numpy(), 3)
    b_hr, b_hz, b_hn = np.split(cell.bias_hh.numpy(), 3)
    xn, hn = x.numpy(), h0.numpy()
    r = sigma(xn @ W_ir.T + b_ir + hn @ W_hr.T + b_hr)
    z = sigma(xn @ W_iz.T + b_iz + hn @ W_hz.T + b_hz)
    n = np.tanh(xn @ W_in.T + b_in + (r * hn) @ W_hn.T + b_hn)
    expected = (1 - z) * n + z * hn
    got = solutions["gru_step"](x, h0, cell, reset_before_product=True).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


def test_exercise3_forms_agree_when_the_reset_gate_is_saturated(solutions, float64):
    gru_step = solutions["gru_step"]
    tg.manual_seed(5)
    cell = tg.nn.GRUCell(3, 4)
    weights = {k: v.numpy() for k, v in cell.state_dict().items()}
    weights["bias_ih"][:4] = 50.0
    cell.load_state_dict(weights)
    x, h0 = tg.randn(3, 3), tg.randn(3, 4)
    np.testing.assert_allclose(
        gru_step(x, h0, cell, reset_before_product=True).numpy(), cell(x, h0).numpy(), rtol=1e-12, atol=1e-12
    )


# --- Exercise 4: a new op and its backward ---------------------------------------------------------
@pytest.mark.parametrize("shape", [(), (5,), (3, 4), (2, 3, 2)])
def test_exercise4_softsign_passes_gradcheck(solutions, shape):
    softsign = solutions["softsign"]
    rng = np.random.default_rng(len(shape))
    values = rng.standard_normal(shape) * 3
    x = tg.Tensor(values, dtype=tg.float64, requires_grad=True)
    assert tg.gradcheck(softsign, [x])
    y = softsign(x)
    np.testing.assert_allclose(y.numpy(), values / (1 + np.abs(values)), rtol=1e-12)
    y.backward(tg.Tensor(np.ones(shape)))
    np.testing.assert_allclose(x.grad.numpy(), 1 / (1 + np.abs(values)) ** 2, rtol=1e-12)


def test_exercise4_softsign_is_recorded_as_its_own_node(solutions):
    x = tg.Tensor([0.5], requires_grad=True)
    y = solutions["softsign"](x)
    assert type(y.grad_fn).__name__ == "Softsign"
    assert y.grad_fn.label == "softsign"


# --- Exercise 5: one LSTM step backward by hand -----------------------------------------------------
@pytest.mark.parametrize("seed, batch, hidden", [(0, 1, 1), (1, 2, 3), (2, 5, 4), (3, 3, 8)])
def test_exercise5_hand_backward_matches_autograd(solutions, seed, batch, hidden):
    lstm_step_backward = solutions["lstm_step_backward"]
    rng = np.random.default_rng(seed)
    gates_np = rng.standard_normal((batch, 4 * hidden)) * 2
    c_prev_np = rng.standard_normal((batch, hidden))
    dh, dc = rng.standard_normal((batch, hidden)), rng.standard_normal((batch, hidden))
    gates = tg.Tensor(gates_np, requires_grad=True)
    c_prev = tg.Tensor(c_prev_np, requires_grad=True)
    h, c = lstm_update(gates, c_prev)
    ((h * tg.Tensor(dh)).sum() + (c * tg.Tensor(dc)).sum()).backward()
    d_gates, dc_prev = lstm_step_backward(gates_np, c_prev_np, dh, dc)
    assert d_gates.shape == (batch, 4 * hidden) and dc_prev.shape == (batch, hidden)
    np.testing.assert_allclose(d_gates, gates.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dc_prev, c_prev.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_exercise5_belt_gradient_is_dc_times_f_when_h_gets_no_gradient(solutions):
    """With dh = 0, the gradient reaching C_{t−1} is exactly dc ⊙ f_t: the conveyor belt."""
    rng = np.random.default_rng(11)
    gates = rng.standard_normal((2, 12))
    c_prev, dc = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    _, dc_prev = solutions["lstm_step_backward"](gates, c_prev, np.zeros((2, 3)), dc)
    f = 1 / (1 + np.exp(-gates[:, 3:6]))
    np.testing.assert_allclose(dc_prev, dc * f, rtol=1e-12)


# --- Exercise 6: predicted gradient-flow pictures -----------------------------------------------------
@pytest.mark.parametrize("a", [0.3, 0.5, 0.9, 1.1])
def test_exercise6_rnn_prediction(solutions, a):
    H, T = solutions["H"], solutions["T"]
    x = tg.randn(T + 1, 1, H)
    measured = solutions["state_gradients"](solutions["rnn_with"](a), x)
    k = np.arange(T + 1)
    np.testing.assert_allclose(measured, np.sqrt(H) * a**k, rtol=1e-5)


@pytest.mark.parametrize("b", [-1.0, 0.0, 1.0, 3.0])
def test_exercise6_lstm_prediction(solutions, b):
    H, T = solutions["H"], solutions["T"]
    x = tg.randn(T + 1, 1, H)
    measured = solutions["state_gradients"](solutions["lstm_with"](b), x, lstm=True)
    k = np.arange(T + 1)
    np.testing.assert_allclose(measured, np.sqrt(H) * (1 / (1 + np.exp(-b))) ** k, rtol=1e-5)


@pytest.mark.parametrize("seed", range(5))
def test_exercise6_spectral_norm_bounds_the_vanilla_gradient(solutions, float64, seed):
    tg.manual_seed(seed)
    H, T = 6, 15
    cell = tg.nn.RNNCell(H, H)
    x = tg.randn(T + 1, 2, H) * 2
    measured = solutions["state_gradients"](cell, x)
    start = measured[0]
    bound = start * np.linalg.norm(cell.weight_hh.numpy(), ord=2) ** np.arange(T + 1)
    assert np.all(measured <= bound * (1 + 1e-9))
    assert measured[-1] < measured[0]  # and it did vanish


# --- the docs quote the code they describe -----------------------------------------------------------
QUOTE = re.compile(r"<!-- quoted from (\S+) -->\n```python\n(.*?)\n```", re.S)


@pytest.mark.parametrize("page", ["recurrent.md", "concepts/rnn-lstm-gru.md"])
def test_marked_quotes_match_the_source(page):
    """A block after '<!-- quoted from PATH -->' holds lines that PATH contains verbatim (indentation aside)."""
    text = (DOCS / page).read_text(encoding="utf-8")
    root = Path(tg.__file__).resolve().parent.parent
    for path, block in QUOTE.findall(text):
        source = {line.strip() for line in (root / path).read_text(encoding="utf-8").splitlines()}
        for line in block.splitlines():
            assert line.strip() in source, f"docs/{page} quotes a line that is not in {path}: {line}"


def test_recurrent_md_marks_its_quotes():
    assert len(QUOTE.findall((DOCS / "recurrent.md").read_text(encoding="utf-8"))) >= 5


def test_recurrent_md_quotes_lines_that_exist_in_the_code():
    """Every single-backticked line in recurrent.md's LSTM table appears verbatim in cells.py."""
    cells = (Path(tg.__file__).parent / "nn" / "cells.py").read_text(encoding="utf-8")
    recurrent = (DOCS / "recurrent.md").read_text(encoding="utf-8")
    table = [line for line in recurrent.splitlines() if line.startswith("| ") and "= " in line and "`" in line]
    quoted = [m.group(1) for line in table for m in re.finditer(r"`([^`]+ = [^`]+)`", line)]
    assert len(quoted) >= 3, "the LSTM equation table in docs/recurrent.md lost its code column"  # gates, c_t, h_t
    for code in quoted:
        assert code in cells, f"docs/recurrent.md quotes a line that is not in cells.py: {code}"


# --- links between the pages (every page under docs/, English and Korean) ------------------------------
# The Korean pages' own checks (same code, links to each other, the glossary) are in test_korean_docs.py.
PAGES = sorted(p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md"))


def test_the_page_list_finds_the_pages():
    assert {"index.md", "exercises.md", "concepts/rnn-lstm-gru.md", "ko/index.md", "ko/glossary.md"} <= set(PAGES)


# A page the engine work is still writing (docs/internals.md, issue 11): links to it may wait for it.
PENDING = {"internals.md"}


@pytest.mark.parametrize("page", PAGES)
def test_relative_links_point_at_files_that_are_there(page):
    """Links to other pages and files resolve inside the repository (docs/, notebooks/, ...)."""
    repo = DOCS.resolve().parent
    text = (DOCS / page).read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", text):
        path = ((DOCS / page).parent / target).resolve()
        assert repo in path.parents, f"docs/{page}: {target} leaves the repository"
        assert path.exists() or path.name in PENDING, f"docs/{page} links to a missing file: {target}"


def _github_anchor(heading: str) -> str:
    """The id GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


@pytest.mark.parametrize("page", PAGES)
def test_anchors_name_existing_headings(page):
    source = DOCS / page
    for target, anchor in re.findall(r"\]\(([^)#:]*)#([^)]+)\)", source.read_text(encoding="utf-8")):
        path = (source.parent / target).resolve() if target else source
        if not path.exists():
            assert path.name in PENDING, f"docs/{page} links to a missing file: {target}"
            continue
        headings = re.findall(r"^#+ (.+)$", path.read_text(encoding="utf-8"), re.M)
        assert anchor in {_github_anchor(h) for h in headings}, f"docs/{page}: no heading for #{anchor} in {target}"
