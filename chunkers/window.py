"""A document's lead window: its title and opening text cut to a token budget.

The index embeds this beside the chunks so that a chunk can be scored with the evidence of
its whole document (issue 15: on mediqa-dev, whole documents outrank best-chunk retrieval).
The window is cut at a word boundary, counted like a chunk (prompt and special tokens
included), and written exactly as `Chunk.context_text` writes a one-chunk document (title,
newline, text), so a document that fits in one chunk costs no second embedding: the
embedding cache already holds that text.

Windows are cut in batches: a binary search per document costs ~8 single-text tokenizer
calls, which at a million documents took 7.7 minutes (issue 17). With an additive counter
(XLM-R's: the count of words joined by whitespace is the sum of their counts) one batched
count of the words gives each cut from a prefix sum, and one batched count checks it; a
document whose check fails (or any document, with a counter that is not additive) is cut by
the binary search, so the result is the same either way.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import accumulate

from chunkers.tokens import TokenCounter
from loaders import Document


class _Cut:
    """One document's pieces: the text before the words and the words themselves."""

    __slots__ = ("head", "words", "body")

    def __init__(self, doc: Document) -> None:
        title = (doc.title or "").strip()
        self.head = f"{title}\n" if title else ""
        self.body = doc.text
        self.words = self.body.split(" ")

    def text(self, n: int) -> str:
        return self.head + " ".join(self.words[:n])

    def window(self, n: int) -> str:
        if n >= len(self.words):
            return (self.head + self.body).strip()
        return self.text(n).strip()


def lead_windows(docs: Sequence[Document], counter: TokenCounter, max_tokens: int, *,
                 prompt: str = "", special_tokens: int = 2) -> list[str]:
    """Title + each document's text, the longest word prefix that fits `max_tokens`."""
    cuts = [_Cut(d) for d in docs]
    room = max_tokens - special_tokens
    chosen: dict[int, int] = {}
    if getattr(counter, "additive", False):
        guess = _prefix_guesses(cuts, counter, room, prompt)
        # a guess is checked exactly: n words fit and, unless n is all of them, n + 1 do not
        texts, spans = [], []
        for c, n in zip(cuts, guess, strict=True):
            spans.append(len(texts))
            texts += [c.text(n)] if n >= len(c.words) else [c.text(n), c.text(n + 1)]
        counts = counter.count_batch([prompt + t for t in texts])
        for i, (c, n, at) in enumerate(zip(cuts, guess, spans, strict=True)):
            whole = n >= len(c.words)
            if counts[at] <= room and (whole or counts[at + 1] > room):
                chosen[i] = n
    else:
        whole = counter.count_batch([prompt + c.head + c.body for c in cuts])
        chosen = {i: len(cuts[i].words) for i, n in enumerate(whole) if n <= room}
    for i, c in enumerate(cuts):
        if i not in chosen:
            chosen[i] = _search(c, counter, room, prompt, max_tokens)
    return [c.window(chosen[i]) for i, c in enumerate(cuts)]


def _prefix_guesses(cuts: list[_Cut], counter: TokenCounter, room: int, prompt: str
                    ) -> list[int]:
    """Each cut's word count from summed word counts (a word costs at least one token unless
    it is empty, so past the first `room + 1` words the check fails and the search decides)."""
    heads = counter.count_batch([(prompt + c.head).strip() for c in cuts])
    lead = [c.words[:room + 1] for c in cuts]
    flat = counter.count_batch([w for ws in lead for w in ws])
    out, at = [], 0
    for base, ws in zip(heads, lead, strict=True):
        sums = accumulate(flat[at:at + len(ws)], initial=base)
        at += len(ws)
        n = sum(1 for s in sums if s <= room) - 1  # prefix sums only grow
        out.append(max(0, n))
    return out


def _search(cut: _Cut, counter: TokenCounter, room: int, prompt: str, max_tokens: int) -> int:
    """The largest word count that fits, by binary search (any counter)."""
    def fits(n: int) -> bool:
        return counter.count(prompt + cut.text(n)) <= room

    lo, hi = 0, min(len(cut.words), max_tokens)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if fits(mid):
            lo = mid
        else:
            hi = mid - 1
    return lo


def lead_window(doc: Document, counter: TokenCounter, max_tokens: int, *, prompt: str = "",
                special_tokens: int = 2) -> str:
    """One document's lead window (see `lead_windows`)."""
    return lead_windows([doc], counter, max_tokens, prompt=prompt,
                        special_tokens=special_tokens)[0]
