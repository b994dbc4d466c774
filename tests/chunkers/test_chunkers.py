"""The structure-aware chunker: budgets, sections, tables, steps, ids, config and counters."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest
from test_chunkers_sentences import SENTENCES
from tokenizers import Regex, Tokenizer, models, normalizers, pre_tokenizers, trainers

import chunkers
from chunkers import (
    ApproximateCounter,
    Chunk,
    ChunkerConfig,
    HFTokenizerCounter,
    TokenizersCounter,
    chunk_document,
    split_sentences,
)
from chunkers import tokens as tokens_mod
from chunkers.tables import parse_table, split_table
from loaders import Block, BlockKind, Document

LANGS = sorted(SENTENCES)


def _train_tokenizer(path: Path, newline_to_space: bool) -> Path:
    """A small subword tokenizer trained on the test sentences, saved as tokenizer.json.

    It has XLM-R's pre-tokenizer (Metaspace) and a truncation setting the counter must
    ignore; unseen characters cost a token each, so counts are realistic for all scripts.
    With `newline_to_space` its counts add up over whitespace joins, as XLM-R's do.
    """
    tok = Tokenizer(models.BPE(unk_token="<unk>"))
    steps = [normalizers.NFKC()]
    if newline_to_space:
        steps.append(normalizers.Replace(Regex(r"\s"), " "))
    tok.normalizer = normalizers.Sequence(steps)
    tok.pre_tokenizer = pre_tokenizers.Metaspace()
    trainer = trainers.BpeTrainer(vocab_size=600, special_tokens=["<s>", "</s>", "<unk>"])
    extra = ["| Name | Value | Note |\n|---|:---:|---|\n| row 1 | some text 1 | more 1 |",
             "Section sentence number of the step is here about washing hands detail word",
             "Heading level Part Table Caption Doses Drug Dose Notes Insulin Metformin mg IU"]
    tok.train_from_iterator([" ".join(s) for s in SENTENCES.values()] * 20 + extra * 20, trainer)
    tok.enable_truncation(16)
    tok.save(str(path))
    return path


@pytest.fixture(scope="module")
def tokenizer_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _train_tokenizer(tmp_path_factory.mktemp("tok") / "tokenizer.json", False)


@pytest.fixture(scope="module", params=["recounted", "additive"])
def counter(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
            ) -> TokenizersCounter:
    """Both paths of the budget check: chunks re-counted whole, and sizes summed from parts."""
    additive = request.param == "additive"
    path = _train_tokenizer(tmp_path_factory.mktemp("tok") / "tokenizer.json", additive)
    counter = TokenizersCounter.from_file(path)
    assert counter.additive == additive
    return counter


def _doc(blocks: list[Block], doc_id: str = "doc.md", title: str | None = "Title",
         language: str | None = None) -> Document:
    return Document(id=doc_id, source=f"/x/{doc_id}", checksum="0", title=title,
                    language=language, blocks=blocks)


def _b(kind: BlockKind, text: str, section: list[str], lang: str | None = None,
       page: int | None = None, level: int | None = None) -> Block:
    return Block(kind=kind, text=text, section=section, language=lang, page=page, level=level)


def _long_doc(lang: str) -> Document:
    """Title, a long section, a list section, tiny subsections, a table: in one language."""
    s = SENTENCES[lang]
    t = "T"
    blocks = [_b(BlockKind.HEADING, t, [], lang, level=1),
              _b(BlockKind.PARAGRAPH, " ".join(s), [t], lang, page=1),
              _b(BlockKind.HEADING, "Long", [t], lang, level=2)]
    for i in range(6):
        blocks.append(_b(BlockKind.PARAGRAPH, " ".join(s * 2), [t, "Long"], lang, page=2 + i))
    blocks.append(_b(BlockKind.HEADING, "List", [t], lang, level=2))
    blocks += [_b(BlockKind.LIST_ITEM, x, [t, "List"], lang, page=9) for x in s * 3]
    blocks.append(_b(BlockKind.HEADING, "Tiny", [t], lang, level=2))
    for name, sentence in zip("abc", s, strict=False):
        blocks.append(_b(BlockKind.HEADING, name, [t, "Tiny"], lang, level=3))
        blocks.append(_b(BlockKind.PARAGRAPH, sentence, [t, "Tiny", name], lang, page=10))
    rows = "\n".join(f"| {i} | {s[i % 4]} |" for i in range(12))
    blocks.append(_b(BlockKind.TABLE, f"| n | text |\n|---|---|\n{rows}", [t, "Table"], lang))
    return _doc(blocks, doc_id=f"{lang}.md", language=lang)


def _model_tokens(ch: Chunk, cfg: ChunkerConfig, counter: TokenizersCounter) -> int:
    return counter.count(cfg.prompt + ch.context_text) + cfg.special_tokens


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("budget", [48, 96])
def test_budget_sections_and_sentences_per_language(lang: str, budget: int,
                                                    counter: TokenizersCounter) -> None:
    cfg = ChunkerConfig(max_tokens=budget, min_tokens=64, overlap_sentences=1)
    doc = _long_doc(lang)
    chunks = chunk_document(doc, config=cfg, counter=counter)
    assert chunks
    known = set(SENTENCES[lang])
    for ch in chunks:
        assert ch.text.strip(), "empty chunk"
        assert _model_tokens(ch, cfg, counter) <= budget
        assert ch.metadata["tokens"] == _model_tokens(ch, cfg, counter)
        assert ch.language == lang
        assert ch.section[0] == "T"
        if "table" in ch.metadata:
            continue
        # chunk edges fall on sentence boundaries: a sentence is cut only when it alone is
        # over the budget, and then at a clause or a word
        for line in ch.text.split("\n"):
            for sentence in split_sentences(line):
                if sentence not in known | {"a", "b", "c"}:
                    whole = next(k for k in known if sentence in k)
                    assert counter.count(whole) > budget // 2, (sentence, whole)
    if budget >= 96:  # tiny subsections are merged under their parent while they fit
        merged = [ch for ch in chunks if ch.section == ["T", "Tiny"]]
        assert merged and merged[0].metadata["merged_sections"][:2] == ["a", "b"]
        assert merged[0].text.startswith("a\n" + SENTENCES[lang][0] + "\nb\n")
    long_chunks = [ch for ch in chunks if ch.section == ["T", "Long"]]
    assert len(long_chunks) >= 2
    assert long_chunks[0].page_start == 2
    assert long_chunks[-1].page_end == 7


def test_chunks_never_cross_sections(counter: TokenizersCounter) -> None:
    blocks = []
    for name in ("A", "B", "C"):
        blocks.append(_b(BlockKind.HEADING, name, ["T"], "en", level=2))
        text = " ".join(f"Section {name} sentence {i} is about washing hands." for i in range(9))
        blocks.append(_b(BlockKind.PARAGRAPH, text, ["T", name], "en"))
    chunks = chunk_document(_doc(blocks), config=ChunkerConfig(max_tokens=200), counter=counter)
    for ch in chunks:
        names = set(re.findall(r"Section (\w)", ch.text))
        assert names == {ch.section[-1]}


def test_overlap_repeats_last_sentence(counter: TokenizersCounter) -> None:
    text = " ".join(f"Sentence number {i} is here." for i in range(30))
    doc = _doc([_b(BlockKind.PARAGRAPH, text, ["T"], "en")])
    with_overlap = chunk_document(doc, max_tokens=128, overlap_sentences=1, counter=counter)
    without = chunk_document(doc, max_tokens=128, overlap_sentences=0, counter=counter)
    assert len(with_overlap) >= len(without) > 1
    for a, b in zip(with_overlap, with_overlap[1:], strict=False):
        assert split_sentences(a.text)[-1] == split_sentences(b.text)[0]
        assert b.metadata["overlap"] == 1
    joined = " ".join(ch.text for ch in without)
    assert joined == text


def test_empty_and_heading_only_documents(counter: TokenizersCounter) -> None:
    assert chunk_document(_doc([]), counter=counter) == []
    assert chunk_document(_doc([_b(BlockKind.PARAGRAPH, "  \n ", [])]), counter=counter) == []
    only_headings = _doc([_b(BlockKind.HEADING, "Danger signs", [], level=1),
                          _b(BlockKind.HEADING, "Call a doctor", ["Danger signs"], level=2)])
    chunks = chunk_document(only_headings, counter=counter)
    assert [ch.text for ch in chunks] == ["Call a doctor"]
    assert chunks[0].section == ["Danger signs"]


def test_title_is_context_outside_headings(counter: TokenizersCounter) -> None:
    doc = _doc([_b(BlockKind.PARAGRAPH, "Wash your hands.", [])], title="Hygiene")
    (ch,) = chunk_document(doc, counter=counter)
    assert ch.section == ["Hygiene"]
    assert ch.context_text == "Hygiene\nWash your hands."
    (bare,) = chunk_document(doc, counter=counter, title_as_context=False)
    assert bare.section == []


def test_huge_sentence_is_cut_at_words(counter: TokenizersCounter) -> None:
    words = [f"word{i}" for i in range(400)]
    doc = _doc([_b(BlockKind.PARAGRAPH, " ".join(words), ["T"], "en")])
    cfg = ChunkerConfig(max_tokens=64)
    chunks = chunk_document(doc, config=cfg, counter=counter)
    assert len(chunks) > 3
    assert " ".join(ch.text for ch in chunks).split() == words
    assert all(_model_tokens(ch, cfg, counter) <= 64 for ch in chunks)


def test_long_heading_trail_is_capped(counter: TokenizersCounter) -> None:
    trail = [f"Part {i}" for i in range(30)]
    doc = _doc([_b(BlockKind.PARAGRAPH, "Wash your hands.", trail, "en")])
    cfg = ChunkerConfig(max_tokens=64, max_context_tokens=24)
    (ch,) = chunk_document(doc, config=cfg, counter=counter)
    assert ch.section == trail[-len(ch.section):]  # outer headings dropped first
    assert counter.count(" > ".join(ch.section)) <= 24
    assert ch.metadata["full_section"] == trail
    assert _model_tokens(ch, cfg, counter) <= 64


# --- tables ----------------------------------------------------------------------------

def _table(n_rows: int, cell: str = "some text") -> str:
    rows = [f"| row {i} | {cell} {i} | more {i} |" for i in range(n_rows)]
    return "\n".join(["| Name | Value | Note |", "|---|:---:|---|", *rows])


def test_small_table_is_one_chunk(counter: TokenizersCounter) -> None:
    doc = _doc([_b(BlockKind.CAPTION, "Table 1: Doses", ["T"], "en"),
                _b(BlockKind.TABLE, _table(3), ["T"], "en")])
    (ch,) = chunk_document(doc, counter=counter)
    assert ch.text.startswith("Table 1: Doses\n| Name |")  # the caption goes with it
    assert ch.metadata["table"] is True


def test_large_table_split_by_rows_with_header(counter: TokenizersCounter) -> None:
    table = _table(40)
    rows = set(table.split("\n"))
    doc = _doc([_b(BlockKind.TABLE, table, ["T"], "en")])
    cfg = ChunkerConfig(max_tokens=96)
    chunks = chunk_document(doc, config=cfg, counter=counter)
    assert len(chunks) > 2
    body = []
    for ch in chunks:
        lines = ch.text.split("\n")
        assert lines[:2] == ["| Name | Value | Note |", "|---|:---:|---|"]
        assert set(lines) <= rows  # whole rows only: no piece ends inside a row
        assert _model_tokens(ch, cfg, counter) <= 96
        body += lines[2:]
    assert body == table.split("\n")[2:]
    assert chunks[0].metadata["table_part"] == f"1/{len(chunks)}"


def test_oversize_row_split_into_cell_groups_or_kept(counter: TokenizersCounter) -> None:
    long_cell = " ".join(f"detail{i}" for i in range(60))
    table = "\n".join(["| Drug | Dose | Notes |", "|---|---|---|", "| Insulin | 10 IU | ok |",
                       f"| Metformin | 500 mg | {long_cell} |"])
    doc = _doc([_b(BlockKind.TABLE, table, ["T"], "en")])
    cfg = ChunkerConfig(max_tokens=64)
    chunks = chunk_document(doc, config=cfg, counter=counter)
    assert all(_model_tokens(ch, cfg, counter) <= 64 for ch in chunks)
    parts = [ch for ch in chunks if ch.metadata.get("row_part")]
    assert parts and all("| Metformin |" in ch.text for ch in parts)  # the row label repeats
    assert " ".join(ch.text for ch in parts).count("detail59") == 1

    kept = chunk_document(doc, config=cfg.replace(oversize_rows="keep"), counter=counter)
    flagged = [ch for ch in kept if ch.metadata.get("oversize")]
    assert len(flagged) == 1 and long_cell in flagged[0].text


def test_parse_table_without_separator() -> None:
    parsed = parse_table("Caption line\n| a | b |\n| 1 | 2 |")
    assert parsed.caption == ["Caption line"]
    assert parsed.header == ["| a | b |"]
    assert parsed.rows == ["| 1 | 2 |"]
    pieces = split_table("| a | b |\n| 1 | 2 |", 100, lambda ts: [len(t) for t in ts])
    assert [p.text for p in pieces] == ["| a | b |\n| 1 | 2 |"]


# --- curricula, code, ids, strategies ----------------------------------------------------

def test_step_stays_whole_with_lesson_context(counter: TokenizersCounter) -> None:
    trail = ["Caregiver course", "Module 2: Nutrition", "Lesson 3: Iron"]
    steps = [_b(BlockKind.STEP, f"Step {i}: " + " ".join(SENTENCES["en"][:3]), trail, "en")
             for i in range(3)]
    chunks = chunk_document(_doc(steps), counter=counter)
    assert [ch.text for ch in chunks] == [b.text for b in steps]
    assert all(ch.section == trail for ch in chunks)
    assert chunks[0].context_text.startswith("Caregiver course > Module 2: Nutrition > Lesson 3")


def test_oversize_step_is_cut_between_sentences(counter: TokenizersCounter) -> None:
    text = " ".join(f"Sentence {i} of the step." for i in range(40))
    chunks = chunk_document(_doc([_b(BlockKind.STEP, text, ["C", "M", "L"], "en")]),
                            max_tokens=64, counter=counter)
    assert len(chunks) > 1
    assert chunks[0].metadata["step_part"] == f"1/{len(chunks)}"
    assert " ".join(ch.text for ch in chunks) == text


def test_ids_are_stable_and_local(counter: TokenizersCounter) -> None:
    doc = _long_doc("en")
    first = chunk_document(doc, max_tokens=96, counter=counter)
    again = chunk_document(_long_doc("en"), max_tokens=96, counter=counter)
    assert [ch.id for ch in first] == [ch.id for ch in again]
    assert len({ch.id for ch in first}) == len(first)  # repeated texts get distinct ids
    changed = _long_doc("en")
    changed.blocks[1] = _b(BlockKind.PARAGRAPH, "A new intro.", ["T"], "en")
    after = chunk_document(changed, max_tokens=96, counter=counter)
    assert [ch.id for ch in first if ch.section != ["T"]] == [
        ch.id for ch in after if ch.section != ["T"]]  # other sections keep their ids
    assert {ch.id for ch in first if ch.section == ["T"]}.isdisjoint(ch.id for ch in after)


def test_paragraph_strategy_and_config_round_trip(counter: TokenizersCounter) -> None:
    cfg = ChunkerConfig(max_tokens=128, overlap_sentences=0, strategy="paragraph")
    assert ChunkerConfig.from_dict({**cfg.to_dict(), "future_option": 1}) == cfg
    doc = _long_doc("hi")
    assert [c.id for c in chunk_document(doc, config=cfg.to_dict())] == [
        c.id for c in chunkers.chunk_paragraphs(doc)]
    with pytest.raises(TypeError):
        chunk_document(doc, counter=counter, max_token=3)
    with pytest.raises(ValueError):
        ChunkerConfig(max_tokens=8)


def test_chunk_json_round_trip(counter: TokenizersCounter) -> None:
    for ch in chunk_document(_long_doc("ta"), counter=counter):
        assert Chunk.from_json(ch.to_json()) == ch


# --- counters ------------------------------------------------------------------------------

def test_tokenizers_counter_ignores_truncation_and_caches(tokenizer_file: Path) -> None:
    counter = TokenizersCounter.from_file(tokenizer_file)
    text = " ".join(SENTENCES["en"] * 5)
    raw = Tokenizer.from_file(str(tokenizer_file))
    raw.no_truncation()
    assert counter.count(text) == len(raw.encode(text, add_special_tokens=False).ids) > 16
    assert counter.count_batch(["", text, text]) == [0, counter.count(text), counter.count(text)]
    assert counter.exact


def test_hf_tokenizer_counters(tokenizer_file: Path) -> None:
    backend = Tokenizer.from_file(str(tokenizer_file))

    class FastLike:  # the shape of transformers' PreTrainedTokenizerFast
        backend_tokenizer = backend
        name_or_path = "fake-fast"

    class SlowLike:  # a slow tokenizer: only callable
        def __call__(self, texts: list[str], add_special_tokens: bool = True) -> dict:
            return {"input_ids": [t.split() for t in texts]}

    class SentenceTransformerLike:
        tokenizer = FastLike()

        def encode(self, texts: list[str]) -> None: ...

    exact = TokenizersCounter(backend)
    text = "Wash your hands with soap."
    assert HFTokenizerCounter(FastLike()).count(text) == exact.count(text)
    assert HFTokenizerCounter(SlowLike()).count_batch([text, "a b"]) == [5, 2]
    assert chunkers.counter_from(SentenceTransformerLike()).count(text) == exact.count(text)
    assert chunkers.counter_from(str(tokenizer_file)).count(text) == exact.count(text)


def test_approximate_counter_is_marked_and_conservative(counter: TokenizersCounter) -> None:
    approx = ApproximateCounter()
    assert not approx.exact and approx.name.startswith("approx")
    assert approx.count("") == 0
    assert approx.count("Wash your hands, please!") == 1 + 1 + 2 + 1 + 2 + 1
    doc = _long_doc("te")
    chunks = chunk_document(doc, max_tokens=96, counter=approx)
    assert chunks and all(ch.metadata["tokens_approximate"] for ch in chunks)
    assert all(approx.count("passage: " + ch.context_text) + 2 <= 96 for ch in chunks)


def test_default_counter_uses_installed_tokenizer_or_warns(
        tmp_path: Path, tokenizer_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tokens_mod, "_counters", {})
    monkeypatch.setattr(tokens_mod, "_warned", False)
    monkeypatch.setenv("INDEXER_MODELS_DIR", str(tmp_path))
    doc = _doc([_b(BlockKind.PARAGRAPH, "Wash your hands.", [], "en")])
    with pytest.warns(RuntimeWarning, match="APPROXIMATE"):
        first = chunk_document(doc)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # warned once only
        chunk_document(doc)
    assert first[0].metadata["tokens_approximate"] is True

    model_dir = tmp_path / "multilingual-e5-small"
    model_dir.mkdir()
    (model_dir / "tokenizer.json").write_bytes(tokenizer_file.read_bytes())
    assert chunkers.default_tokenizer_path() == model_dir / "tokenizer.json"
    (ch,) = chunk_document(doc)
    assert "tokens_approximate" not in ch.metadata

    monkeypatch.delenv("INDEXER_MODELS_DIR")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert chunkers.default_tokenizer_path() == (
        tmp_path / "xdg" / "indexer" / "models" / "multilingual-e5-small" / "tokenizer.json")


def test_real_model_tokenizer_budget_when_installed() -> None:
    """With the real XLM-R tokenizer: a Hindi and an English chunk hold similar meaning."""
    path = chunkers.default_tokenizer_path()
    if not path.is_file():
        pytest.skip(f"default model not installed at {path}")
    counter = tokens_mod.default_counter()
    cfg = ChunkerConfig()
    for lang in ("en", "hi"):
        chunks = chunk_document(_long_doc(lang), config=cfg, counter=counter)
        assert all(_model_tokens(ch, cfg, counter) <= cfg.max_tokens for ch in chunks)
    en = counter.count("Wash your hands with soap and water before you feed the baby.")
    hi = counter.count("बच्चे को खिलाने से पहले साबुन और पानी से हाथ धोएँ।")
    assert 0.5 < hi / en < 2.0


def test_counts_are_encoded_in_bounded_slices(monkeypatch: pytest.MonkeyPatch) -> None:
    """A large batch is tokenized a slice at a time (a million texts at once held ~10 GB of
    encodings), with the same counts as one text at a time, across slice edges."""
    import chunkers.tokens as tokens

    monkeypatch.setattr(tokens, "_ENCODE_SLICE", 7)
    counter = tokens.default_counter()
    assert isinstance(counter, tokens.TokenizersCounter)
    texts = [f"मधुमेह {'word ' * i}है।" for i in range(30)]
    calls: list[int] = []
    encode = counter._encode
    monkeypatch.setattr(counter, "_encode", lambda t, **k: calls.append(len(t)) or encode(t, **k))
    got = counter._count_uncached(texts)
    assert calls == [7, 7, 7, 7, 2]
    assert got == [len(e.ids) for t in texts for e in encode([t], add_special_tokens=False)]
