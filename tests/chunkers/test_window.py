"""Lead windows cut in batches (issue 17): the same cut as a per-document binary search, for
every kind of counter, including one that claims additivity it does not have."""

from __future__ import annotations

import random

import pytest
from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers

from chunkers import (
    ApproximateCounter,
    TokenCounter,
    TokenizersCounter,
    default_counter,
    lead_windows,
    window,
)
from loaders import Block, BlockKind, Document

WORDS = ["wash", "hands", "with", "soap", "मधुमेह", "है।", "ಡಾ.", "(x)", "2.5mg", "a-b/c",
         "", "\n", "বাচ্চা", "துணி", "oral rehydration", "ORS", "litre,"]


def _reference(doc: Document, counter: TokenCounter, max_tokens: int, prompt: str) -> str:
    """The per-document search the batch replaces: longest word prefix that fits."""
    title = (doc.title or "").strip()
    head = f"{title}\n" if title else ""
    words = doc.text.split(" ")

    def fits(n: int) -> bool:
        return counter.count(prompt + head + " ".join(words[:n])) + 2 <= max_tokens

    if fits(len(words)):
        return (head + doc.text).strip()
    lo, hi = 0, min(len(words), max_tokens)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        lo, hi = (mid, hi) if fits(mid) else (lo, mid - 1)
    return (head + " ".join(words[:lo])).strip()


CLEAN = [w for w in WORDS if w.strip()]  # no empty words, no bare newlines


def _docs(n: int, seed: int, words: list[str] = WORDS) -> list[Document]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        text = " ".join(rng.choice(words) for _ in range(rng.randint(1, 300)))
        title = rng.choice([None, "", "Hand washing", " नाल की देखभाल "])
        out.append(Document(id=f"d{i}", source="s", checksum=str(i), title=title,
                            blocks=[Block(BlockKind.PARAGRAPH, text)]))
    return out


def _newline_sensitive() -> TokenizersCounter:
    """A real subword tokenizer whose counts do not add up across newlines."""
    tok = Tokenizer(models.BPE(unk_token="<unk>"))
    tok.normalizer = normalizers.NFKC()
    tok.pre_tokenizer = pre_tokenizers.Metaspace()
    trainer = trainers.BpeTrainer(vocab_size=300, special_tokens=["<unk>"])
    tok.train_from_iterator([" ".join(WORDS)] * 50, trainer)
    return TokenizersCounter(tok, owned=True)


def _counters() -> dict[str, TokenCounter]:
    xlmr = default_counter()
    recount = _newline_sensitive()
    liar = _newline_sensitive()
    assert not liar.additive
    liar.additive = True  # claims what its counts do not do: the exact check must catch it
    return {"xlm-r": xlmr, "approx": ApproximateCounter(), "recounted": recount, "liar": liar}


@pytest.mark.parametrize("name", ["xlm-r", "approx", "recounted", "liar"])
@pytest.mark.parametrize("budget", [16, 64, 256])
def test_batched_cut_equals_the_search(name: str, budget: int,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    counter = _counters()[name]
    docs = _docs(150, seed=budget)
    searched: list[int] = []
    search = window._search
    monkeypatch.setattr(window, "_search", lambda *a: searched.append(1) or search(*a))
    got = lead_windows(docs, counter, budget, prompt="passage: ")
    assert got == [_reference(d, counter, budget, "passage: ") for d in docs]
    whole = [_reference(d, counter, 10**6, "passage: ") for d in docs]
    assert 0 < sum(g != w for g, w in zip(got, whole, strict=True)) < len(docs)  # some cut
    if name in ("xlm-r", "approx"):  # additive: on plain text every cut comes from the
        searched.clear()               # prefix sums, checked once, with no search
        clean = _docs(100, seed=budget + 1, words=CLEAN)
        assert lead_windows(clean, counter, budget, prompt="passage: ") \
            == [_reference(d, counter, budget, "passage: ") for d in clean]
        assert not searched
    if name == "liar":
        assert searched  # its wrong guesses failed the check and were searched
