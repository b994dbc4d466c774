"""The PDF loader's fast paths give exactly what the plain definitions give.

Each shortcut taken for speed (issue #3's pages-per-second goal) is checked against the
straightforward version it replaced, on random input built to hit the edge cases.
"""

from __future__ import annotations

import gc
import random
import re
import unicodedata

import pytest

from loaders import samples
from loaders.garble import garble_report
from loaders.gcpause import paused_gc
from loaders.normalize import _NOISE, _SPACES, _ZW_EDGE, normalize_text
from loaders.pdf.extract import _HYPHENATED, PAGE_FLAGS, join_lines
from loaders.pdf.tables import (
    _as_drawings,
    _grid,
    _touch,
    _touching_pairs,
    _vector_segments,
    find_tables,
    grid_regions,
)


def _join_plain(lines: list[str]) -> str:
    """join_lines as first written: one string grown line by line."""
    if len(lines) == 1:
        return lines[0]
    out = ""
    for line in lines:
        if not out:
            out = line
        elif out[-1] not in "-\u00ad\u2010":
            out = out + " " + line
        elif _HYPHENATED.search(out) and line[:1].islower():
            out = out[:-1] + line
        elif _HYPHENATED.search(out) and out[-1] == "-" and line[:1].isalnum():
            out = out + line
        elif out.endswith("\u00ad"):
            out = out[:-1] + line
        else:
            out = out + " " + line
    return out


def test_join_lines_equals_the_plain_definition() -> None:
    rng = random.Random(7)
    alphabet = ["a", "B", "1", "-", "\u00ad", "\u2010", " ", "é", "क", "x-", "COVID-"]
    for _ in range(20000):
        lines = ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 4)))
                 for _ in range(rng.randint(1, 6))]
        assert join_lines(lines) == _join_plain(lines), lines
    assert join_lines(["treat-", "ment"]) == "treatment"
    assert join_lines(["COVID-", "19 cases"]) == "COVID-19 cases"
    assert join_lines(["one", "", "two"]) == "one two"  # an empty line adds nothing


def _normalize_plain(text: str) -> str:
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
        if "\u200c" in text or "\u200d" in text:
            text = _ZW_EDGE.sub("", text)
    text = _NOISE.sub("", text)
    if "\r" in text or "\u2028" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n")
    if "\n" not in text:
        return _SPACES.sub(" ", text).strip()
    return "\n".join(_SPACES.sub(" ", line).strip() for line in text.split("\n")).strip()


def test_normalize_fast_path_equals_the_full_rules() -> None:
    rng = random.Random(11)
    pool = ([chr(c) for c in range(0x20)] + [" ", " ", "a", "Z", "\u00a0", "\u2009", "\u3000",
            "\u200b", "\u2060", "\ufeff", "\u00ad", "\u200c", "\u200d", "\u2028", "\x7f",
            "\x85", "क", "\u093f", "\u094d", "e\u0301", "ম", "\u09c7", "\u2013"])
    for _ in range(50000):
        text = "".join(rng.choice(pool) for _ in range(rng.randint(0, 9)))
        assert normalize_text(text) == _normalize_plain(text), repr(text)


def test_garble_counts_non_space_characters_like_the_regex() -> None:
    rng = random.Random(3)
    pool = ["a", " ", "\n", "\t", "\u00a0", "\u2003", "\x0c", "(cid:12)", "\ue001", "क", "ি"]
    for _ in range(3000):
        text = "".join(rng.choice(pool) for _ in range(rng.randint(0, 30)))
        body = re.sub(r"\(cid:\d+\)", "", text)
        assert garble_report(text).chars == len(body) - len(re.findall(r"\s", body))


def test_garble_quick_report_equals_the_full_count(monkeypatch) -> None:
    """Text with nothing suspect skips the rules; the full count must agree on it."""
    import loaders.garble as garble

    rng = random.Random(5)
    pool = ["a", "Z", " ", "\n", "\u2013", "é", "ß", "(", "cid", ":", "1", ")", "\ufffd", "क",
            "\u093f", "\ue001", "\x07", "।", "\u00a0"]
    texts = ["".join(rng.choice(pool) for _ in range(rng.randint(0, 25))) for _ in range(3000)]
    quick = [garble_report(t) for t in texts]
    monkeypatch.setattr(garble, "_SUSPECT", re.compile(""))  # matches everything: full count
    assert quick == [garble_report(t) for t in texts]


def _sweep_pairs(segs: list) -> set[tuple[int, int]]:
    pairs = set()
    for i in range(len(segs)):
        for j in range(len(segs)):
            if segs[i][1] and not segs[j][1] and _touch(segs[i][0], segs[j][0]):
                pairs.add((i, j))
    return pairs


@pytest.mark.parametrize("count", [6, 30, 90])
def test_touching_pairs_equal_all_pairs_test(count: int) -> None:
    """Numpy (many segments) and the sweep (few) find every touching pair, no other."""
    rng = random.Random(count)
    segs = []
    for _ in range(count):
        x, y = rng.uniform(0, 300), rng.uniform(0, 300)
        if rng.random() < 0.5:
            segs.append(((x, y, x + rng.uniform(5, 80), y), True))
        else:
            segs.append(((x, y, x, y + rng.uniform(5, 80)), False))
    segs.sort(key=lambda s: s[0][0])
    found = {(i, j) if segs[i][1] else (j, i) for i, j in _touching_pairs(segs)}
    assert found == _sweep_pairs(segs)


needs_fonts = pytest.mark.skipif(not samples.fonts_available(["en"]),
                                 reason="Noto fonts not installed (fonts-noto-core)")


@needs_fonts
def test_vector_screen_sees_the_ruled_table_and_not_plain_text() -> None:
    import pymupdf

    with pymupdf.open(stream=samples.table_pdf(), filetype="pdf") as doc:
        page = doc[0]
        page_dict = page.get_text("dict", flags=PAGE_FLAGS)
        width, height = page.rect.width, page.rect.height
        assert _grid(*_vector_segments(page_dict), width, height)
        assert grid_regions(page)
        assert find_tables(page, page_dict)
    with pymupdf.open(stream=samples.text_layer_pdf("en"), filetype="pdf") as doc:
        page_dict = doc[0].get_text("dict", flags=PAGE_FLAGS)
        assert not _grid(*_vector_segments(page_dict), width, height)


@needs_fonts
def test_drawings_made_from_cdrawings_equal_get_drawings() -> None:
    import pymupdf

    with pymupdf.open(stream=samples.table_pdf(), filetype="pdf") as doc:
        page = doc[0]
        cdrawings = page.get_cdrawings()
        ours = _as_drawings(cdrawings)
        theirs = page.get_drawings()
        assert ours == theirs and ours
        ours[0]["rect"].x0 -= 50  # the finder edits what it is given: copies, not shared
        assert _as_drawings(cdrawings) == theirs


def test_paused_gc_nests_and_restores() -> None:
    assert gc.isenabled()
    with paused_gc():
        assert not gc.isenabled()
        with paused_gc():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer pause still holds
    assert gc.isenabled()
    gc.disable()
    try:
        with paused_gc():
            pass
        assert not gc.isenabled()  # off before, off after
    finally:
        gc.enable()
    with pytest.raises(RuntimeError), paused_gc():
        raise RuntimeError("a parser failure")
    assert gc.isenabled()
