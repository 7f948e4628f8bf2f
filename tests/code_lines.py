"""Counting code lines as docs/internals.md does: no docstrings, comments or blank lines."""

from __future__ import annotations

import ast
import io
import tokenize
from pathlib import Path

SKIPPED = (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER)


def _docstring_lines(tree: ast.AST) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if (
                isinstance(first, ast.Expr)
                and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)
            ):
                lines.update(range(first.lineno, first.end_lineno + 1))
    return lines


def code_lines(path: Path, name: str | None = None) -> int:
    """Code lines of a file, or of the class or function ``name`` in it (``Class.method`` for a method)."""
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    start, end = 1, len(source.splitlines())
    if name is not None:
        scope: ast.AST = tree
        for part in name.split("."):
            scope = next(
                n
                for n in ast.iter_child_nodes(scope)
                if isinstance(n, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == part
            )
        start, end = scope.lineno, scope.end_lineno
    docs = _docstring_lines(tree)
    counted: set[int] = set()
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type in SKIPPED:
            continue
        counted.update(n for n in range(token.start[0], token.end[0] + 1) if start <= n <= end and n not in docs)
    return len(counted)
