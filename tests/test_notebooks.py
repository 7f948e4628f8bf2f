"""The notebook course (notebooks/, notebooks/ko/): every notebook runs top to bottom, its checks pass with the
solutions and fail without them, nothing is committed with outputs, and the Korean notebooks run the same code.

The notebooks run in quick mode (TINYGRAD_RNN_QUICK=1: fewer training steps, smaller sizes, every line still
runs), about 10 seconds each. The full-length runs are marked slow and run only when
TINYGRAD_RNN_FULL_NOTEBOOKS=1 is set.
"""

from __future__ import annotations

import importlib.util
import io
import os
import tokenize
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat", reason="the notebook tests need nbformat: pip install -e '.[test]'")
nbclient = pytest.importorskip("nbclient", reason="the notebook tests need nbclient: pip install -e '.[test]'")
pytest.importorskip("ipykernel", reason="the notebook tests need ipykernel: pip install -e '.[test]'")

FOLDER = Path(__file__).resolve().parent.parent / "notebooks"
ENGLISH = sorted(FOLDER.glob("[0-9][0-9]_*.ipynb"))
KOREAN = sorted((FOLDER / "ko").glob("[0-9][0-9]_*.ipynb"))
ALL = ENGLISH + KOREAN
SUBJECTS = ["tensors_and_autograd", "rnn_cell_and_bptt", "vanishing_gradients", "lstm", "gru", "training"]


def load_student_tool():
    spec = importlib.util.spec_from_file_location("make_student_edition", FOLDER / "make_student_edition.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def read(path: Path):
    return nbformat.read(path, as_version=4)


def tags(cell) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def execute(notebook, *, quick: bool, allow_errors: bool = False, monkeypatch=None):
    """Runs the notebook in a fresh kernel started in notebooks/ (the kernel inherits the environment)."""
    if quick:
        monkeypatch.setenv("TINYGRAD_RNN_QUICK", "1")
    else:
        monkeypatch.delenv("TINYGRAD_RNN_QUICK", raising=False)
    client = nbclient.NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        allow_errors=allow_errors,
        resources={"metadata": {"path": str(FOLDER)}},
    )
    client.execute()
    return notebook


def label(path: Path) -> str:
    return str(path.relative_to(FOLDER))


def test_the_course_has_six_numbered_notebooks():
    assert [p.name for p in ENGLISH][:6] == [f"{k:02d}_{s}.ipynb" for k, s in enumerate(SUBJECTS, start=1)]


@pytest.mark.parametrize("path", ALL, ids=label)
def test_notebook_runs_in_quick_mode(path, monkeypatch):
    notebook = execute(read(path), quick=True, monkeypatch=monkeypatch)
    checks = [c for c in notebook.cells if "check" in tags(c)]
    assert len(checks) >= 2, "every notebook has at least two exercises"
    for cell in checks:  # with the solutions in place, every check prints that it passed
        printed = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
        assert "passed" in printed, f"a check cell printed no 'passed':\n{cell.source}"


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("TINYGRAD_RNN_FULL_NOTEBOOKS") != "1", reason="set TINYGRAD_RNN_FULL_NOTEBOOKS=1")
@pytest.mark.parametrize("path", ALL, ids=label)
def test_notebook_runs_full_length(path, monkeypatch):
    execute(read(path), quick=False, monkeypatch=monkeypatch)


def test_student_edition_checks_fail_without_answers(monkeypatch):
    tool = load_student_tool()
    student = nbformat.from_dict(tool.student_edition(read(ENGLISH[0])))
    execute(student, quick=True, allow_errors=True, monkeypatch=monkeypatch)
    checks = [c for c in student.cells if "check" in tags(c)]
    errors = [[o for o in c.outputs if o.output_type == "error"] for c in checks]
    assert errors[0] and errors[0][0]["ename"] == "NotImplementedError", "the first check must fail on a stub"
    assert all(errors), "every check cell fails while its exercise is a stub"


def test_a_wrong_answer_fails_its_check(monkeypatch):
    """Notebook 01's first exercise with a classic mistake (x is used twice; one use forgotten)."""
    cells = read(ENGLISH[0]).cells
    setup = next(c for c in cells if c.cell_type == "code")
    k = next(i for i, c in enumerate(cells) if "solution" in tags(c))
    wrong = nbformat.from_dict(dict(cells[k]))
    assert "return ds * w * x + s," in wrong.source, "the test expects notebook 01's solution as written"
    wrong.source = wrong.source.replace("return ds * w * x + s,", "return ds * w * x,")
    notebook = nbformat.v4.new_notebook(cells=[setup, wrong, cells[k + 1]], metadata=read(ENGLISH[0]).metadata)
    execute(notebook, quick=True, allow_errors=True, monkeypatch=monkeypatch)
    errors = [o for o in notebook.cells[2].outputs if o.output_type == "error"]
    assert errors and errors[0]["ename"] == "AssertionError", "the check must reject a wrong dL/dx"
    assert "dL/dx" in errors[0]["evalue"]


def test_stub_replaces_each_answer_and_keeps_the_rest():
    tool = load_student_tool()
    source = (
        "class Op:\n"
        "    def forward(self, x):\n"
        "        # --- solution ---\n"
        "        return x * 2\n"
        "        # --- end solution ---\n"
        "\n"
        "    def backward(self, g):\n"
        "        # --- solution ---\n"
        "        return (g * 2,)"
    )
    stub = tool.stub_source(source)
    assert "x * 2" not in stub and "g * 2" not in stub
    assert stub.count("        raise NotImplementedError(") == 2
    assert "    def backward(self, g):" in stub
    with pytest.raises(ValueError, match="solution"):
        tool.stub_source("answer = 42")


@pytest.mark.parametrize("path", ALL, ids=label)
def test_every_solution_is_followed_by_its_check(path):
    code = [c for c in read(path).cells if c.cell_type == "code"]
    solutions = [k for k, c in enumerate(code) if "solution" in tags(c)]
    assert len(solutions) >= 2, "at least two exercises"
    for k in solutions:
        assert "# --- solution ---" in code[k].source, "the student edition needs the marker"
        assert k + 1 < len(code) and "check" in tags(code[k + 1]), f"solution cell {k} is not followed by a check"
        assert "assert" in code[k + 1].source


@pytest.mark.parametrize("path", ALL, ids=label)
def test_committed_without_outputs(path):
    for cell in read(path).cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{label(path)} has outputs: clear them before committing"
            assert cell.execution_count is None, f"{label(path)} has execution counts"


@pytest.mark.parametrize("path", ALL, ids=label)
def test_quick_mode_is_read_in_the_first_code_cell(path):
    first = next(c for c in read(path).cells if c.cell_type == "code")
    assert 'QUICK = os.environ.get("TINYGRAD_RNN_QUICK") == "1"' in first.source


def code_without_comments(source: str) -> str:
    """The code of a cell with comments and blank lines removed (IPython magics kept as they are)."""
    lines = []
    for line in source.splitlines():
        if line.lstrip().startswith("%"):
            lines.append(line.strip())
            continue
        lines.append(line)
    tokens = tokenize.generate_tokens(io.StringIO("\n".join(lines) + "\n").readline)
    kept = [t for t in tokens if t.type != tokenize.COMMENT]
    text = tokenize.untokenize(kept)
    return "\n".join(line.rstrip() for line in text.splitlines() if line.strip())


def code_cells(path: Path) -> list[tuple[str, list[str]]]:
    return [(code_without_comments(c.source), tags(c)) for c in read(path).cells if c.cell_type == "code"]


@pytest.mark.parametrize("korean", KOREAN, ids=label)
def test_korean_notebook_runs_the_same_code(korean):
    english = FOLDER / korean.name
    assert english.exists(), f"{label(korean)} has no English original"
    assert code_cells(korean) == code_cells(english)


@pytest.mark.parametrize("korean", KOREAN, ids=label)
def test_korean_notebook_translates_every_text_cell(korean):
    count = lambda path: sum(c.cell_type == "markdown" for c in read(path).cells)  # noqa: E731
    assert count(korean) == count(FOLDER / korean.name), "one Korean text cell for every English one"


def glossary_avoided_words() -> list[str]:
    """The words docs/ko/glossary.md lists under "쓰지 않는 말" (the third column of its tables)."""
    glossary = FOLDER.parent / "docs" / "ko" / "glossary.md"
    if not glossary.exists():
        return []
    words = []
    for line in glossary.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("| ") and len(cells) == 4 and cells[0] != "영어" and not set(cells[0]) <= {"-"}:
            words += [w.strip() for w in cells[2].split(",") if w.strip()]
    return words


@pytest.mark.parametrize("korean", KOREAN, ids=label)
def test_korean_notebook_uses_the_glossary_terms(korean):
    words = glossary_avoided_words()
    if not words:
        pytest.skip("docs/ko/glossary.md lists no words to avoid")
    text = "\n".join(c.source for c in read(korean).cells if c.cell_type == "markdown")
    for word in words:
        assert word not in text, f"{label(korean)} says {word!r}; see docs/ko/glossary.md for the term to use"


def test_comments_are_ignored_when_comparing_code():
    assert code_without_comments("x = 1  # one\n# 한국어 주석\ny = '#'\n") == code_without_comments("x = 1\ny = '#'")
    assert code_without_comments("x = 1") != code_without_comments("x = 2")
