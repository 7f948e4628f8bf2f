"""The Korean pages under docs/ko/ are kept in step with the English ones.

Every docs/ko/X.md (except the glossary) is a translation of docs/X.md: it shows the
same code (comments may be Korean, so comments are stripped before comparing), has
the same section structure, and the two pages link to each other in their first
lines. The glossary, docs/ko/glossary.md, fixes one Korean term per English term;
the Korean pages use those terms and avoid the alternatives it lists.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"
KO = DOCS / "ko"
GLOSSARY = KO / "glossary.md"

KOREAN_PAGES = sorted(p.relative_to(KO).as_posix() for p in KO.rglob("*.md") if p != GLOSSARY)
FENCE = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def _strip_comment(line: str) -> str:
    """The line without its '# ...' comment; a '#' inside a string literal stays."""
    quote = None
    for i, char in enumerate(line):
        if quote:
            if char == "\\":
                continue
            if char == quote and line[i - 1] != "\\":
                quote = None
        elif char in "\"'":
            quote = char
        elif char == "#":
            return line[:i].rstrip()
    return line.rstrip()


def code_without_comments(block: str) -> str:
    """A code block with its comments stripped; a doctest's expected output stays exactly as written."""
    lines = block.splitlines()
    is_doctest = any(line.startswith(">>>") for line in lines)
    kept = [_strip_comment(line) if not is_doctest or line.startswith((">>>", "...")) else line for line in lines]
    return "\n".join(kept)


def test_comments_are_stripped_but_strings_and_outputs_stay():
    block = '>>> x = f("a # b")   # 주석\n... y = 1  # more\n# not code, an output line\n>>> z  # z\n'
    assert code_without_comments(block) == '>>> x = f("a # b")\n... y = 1\n# not code, an output line\n>>> z'
    assert code_without_comments("a = 1  # one\n# only a comment\n") == "a = 1\n"


def test_the_korean_pages_are_found():
    assert {"index.md", "concepts/rnn-lstm-gru.md", "autograd.md", "exercises.md"} <= set(KOREAN_PAGES)


@pytest.mark.parametrize("page", KOREAN_PAGES)
def test_every_korean_page_translates_an_english_page(page):
    assert (DOCS / page).exists(), f"docs/ko/{page} has no English page docs/{page}"


@pytest.mark.parametrize("page", KOREAN_PAGES)
def test_korean_pages_have_the_same_code_as_the_english(page):
    en = (DOCS / page).read_text(encoding="utf-8")
    ko = (KO / page).read_text(encoding="utf-8")
    en_code = [code_without_comments(block) for block in FENCE.findall(en)]
    ko_code = [code_without_comments(block) for block in FENCE.findall(ko)]
    assert len(ko_code) == len(en_code), f"docs/ko/{page} has {len(ko_code)} code blocks, docs/{page} {len(en_code)}"
    for k, (ours, theirs) in enumerate(zip(ko_code, en_code)):
        assert ours == theirs, f"code block {k + 1} of docs/ko/{page} differs from docs/{page}"
    sections = lambda text: len(re.findall(r"^## ", text, re.M))  # noqa: E731
    assert sections(ko) == sections(en), f"docs/ko/{page} and docs/{page} have a different section structure"


@pytest.mark.parametrize("page", KOREAN_PAGES)
def test_korean_and_english_pages_link_to_each_other(page):
    en_path, ko_path = DOCS / page, KO / page
    first_lines = lambda p: "\n".join(p.read_text(encoding="utf-8").splitlines()[:4])  # noqa: E731
    depth = len(Path(page).parts) - 1
    ko_link = Path(*[".."] * depth, "ko", page).as_posix()
    en_link = Path(*[".."] * (depth + 1), page).as_posix()
    assert f"]({ko_link})" in first_lines(en_path), f"docs/{page} should link to {ko_link} at the top"
    assert f"]({en_link})" in first_lines(ko_path), f"docs/ko/{page} should link to {en_link} at the top"
    assert (en_path.parent / ko_link).resolve() == ko_path.resolve()
    assert (ko_path.parent / en_link).resolve() == en_path.resolve()


# --- the glossary ---------------------------------------------------------------------------------
def glossary() -> list[dict[str, list[str] | str]]:
    """The glossary's rows: the English terms, the Korean terms, the words to avoid, the note."""
    rows = []
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if not line.startswith("| ") or len(cells) != 4 or cells[0] == "영어" or set(cells[0]) <= {"-"}:
            continue
        english, korean, avoid, note = cells
        split = lambda text: [t.strip() for t in text.split(",") if t.strip()]  # noqa: E731
        rows.append({"english": split(english), "korean": split(korean), "avoid": split(avoid), "note": note})
    return rows


def test_glossary_has_the_terms_the_pages_use():
    rows = glossary()
    assert 40 <= len(rows) <= 120, f"the glossary has {len(rows)} rows"
    english = {term for row in rows for term in row["english"]}
    for term in ("tensor", "gradient", "backward pass", "leaf (tensor)", "hidden state", "cell state", "forget gate"):
        assert term in english, f"the glossary lacks {term!r}"
    for row in rows:
        assert row["korean"], f"no Korean term for {row['english']}"


def test_the_korean_index_links_the_glossary():
    assert "](glossary.md)" in (KO / "index.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("page", KOREAN_PAGES)
def test_korean_pages_avoid_the_words_the_glossary_replaces(page):
    text = (KO / page).read_text(encoding="utf-8")
    for row in glossary():
        for word in row["avoid"]:
            assert word not in text, f"docs/ko/{page} says {word!r}; the glossary's term is {row['korean'][0]!r}"


# Terms a reader meets on every teaching page; where the English page names the concept,
# the Korean page must name it with the glossary's word, not with a synonym of its own.
KEY_TERMS = [
    "gradient",
    "hidden state",
    "cell state",
    "forget gate",
    "input gate",
    "output gate",
    "update gate",
    "reset gate",
    "candidate",
    "conveyor belt",
    "leaf (tensor)",
    "broadcasting",
    "finite differences",
    "Jacobian",
    "vanishing gradient",
]


def _prose(text: str) -> str:
    """The page without its code (fenced blocks, inline code), line breaks joined: a term may wrap."""
    text = re.sub(r"^```.*?^```", " ", text, flags=re.S | re.M)
    text = re.sub(r"`[^`]*`", " ", text)
    return re.sub(r"\s+", " ", text)


@pytest.mark.parametrize("page", KOREAN_PAGES)
def test_korean_pages_use_the_glossary_terms_for_key_concepts(page):
    en = _prose((DOCS / page).read_text(encoding="utf-8")).lower()
    ko = _prose((KO / page).read_text(encoding="utf-8"))
    rows = {row["english"][0]: row for row in glossary()}
    checked = 0
    for key in KEY_TERMS:
        row = rows[key]
        english = re.sub(r"\s*\(.*\)", "", key).lower()  # 'leaf (tensor)' is found as 'leaf'
        if not re.search(rf"\b{re.escape(english)}", en):
            continue
        checked += 1
        assert any(term in ko for term in row["korean"]), (
            f"docs/{page} speaks of {english!r}, but docs/ko/{page} never says {' or '.join(row['korean'])!r}"
        )
    assert checked, f"docs/{page} names none of the key terms, so this test checks nothing there"
