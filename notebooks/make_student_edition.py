"""Writes the student edition of the course: the same notebooks, with every solution replaced by a stub.

A solution cell carries the cell tag ``solution``. Inside it, the line
``# --- solution ---`` marks where an answer starts and ``# --- end solution ---``
(or the end of the cell) where it ends: the lines around it (the exercise's
``def`` line and docstring, say) are kept, and the answer becomes
``raise NotImplementedError(...)`` at the marker's indentation. The check cell
after it then fails until the student writes an answer. Outputs and execution counts are cleared.

    python notebooks/make_student_edition.py --out student/            # every notebook, both languages
    python notebooks/make_student_edition.py --out student/ notebooks/03_vanishing_gradients.ipynb
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
MARKER = "# --- solution ---"
END_MARKER = "# --- end solution ---"
STUB = 'raise NotImplementedError("your answer here: then run the check cell below")'


def stub_source(source: str) -> str:
    """The solution cell's source with each answer replaced by a ``raise NotImplementedError``.

    An answer runs from a ``# --- solution ---`` line to the next ``# --- end solution ---`` line (or to the end
    of the cell); the stub takes the marker's indentation, so a class can keep one stub per method.
    """
    lines, kept, skipping, found = source.splitlines(), [], False, False
    for line in lines:
        if line.strip() == MARKER:
            indent = line[: len(line) - len(line.lstrip())]
            kept.append(indent + STUB)
            skipping = found = True
        elif line.strip() == END_MARKER:
            skipping = False
        elif not skipping:
            kept.append(line)
    if not found:
        raise ValueError(f"a solution cell has no {MARKER!r} line:\n{source}")
    return "\n".join(kept)


def is_tagged(cell: dict, tag: str) -> bool:
    return tag in cell.get("metadata", {}).get("tags", [])


def student_edition(notebook: dict) -> dict:
    """A copy of the notebook (nbformat JSON as a dict) with stubs for solutions and no outputs."""
    out = json.loads(json.dumps(notebook))
    for cell in out["cells"]:
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
            if is_tagged(cell, "solution"):
                source = stub_source(source)
        cell["source"] = source
    return out


def notebooks_under(folder: Path) -> list[Path]:
    """The course notebooks: NN_*.ipynb in the folder and in its language subfolders (ko/)."""
    return sorted(folder.glob("[0-9][0-9]_*.ipynb")) + sorted(folder.glob("*/[0-9][0-9]_*.ipynb"))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="folder to write the student edition into")
    parser.add_argument("notebooks", nargs="*", type=Path, help="notebooks to convert (default: the whole course)")
    args = parser.parse_args(argv)
    paths = args.notebooks or notebooks_under(HERE)
    for path in paths:
        path = path.resolve()
        relative = path.relative_to(HERE) if path.is_relative_to(HERE) else Path(path.name)
        target = args.out / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        notebook = json.loads(path.read_text(encoding="utf-8"))
        target.write_text(json.dumps(student_edition(notebook), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"wrote {target}")


if __name__ == "__main__":
    main()
