"""A document's lead window: its title and opening text cut to a token budget.

The index embeds this beside the chunks so that a chunk can be scored with the evidence of
its whole document (issue 15: on mediqa-dev, whole documents outrank best-chunk retrieval).
The window is cut at a word boundary, counted like a chunk (prompt and special tokens
included), and written exactly as `Chunk.context_text` writes a one-chunk document (title,
newline, text), so a document that fits in one chunk costs no second embedding: the
embedding cache already holds that text.
"""

from __future__ import annotations

from chunkers.tokens import TokenCounter
from loaders import Document


def lead_window(doc: Document, counter: TokenCounter, max_tokens: int, *, prompt: str = "",
                special_tokens: int = 2) -> str:
    """Title + the document's text, the longest word prefix that fits `max_tokens`."""
    title = (doc.title or "").strip()
    head = f"{title}\n" if title else ""
    body = doc.text
    words = body.split(" ")

    def fits(n: int) -> bool:
        text = head + " ".join(words[:n])
        return counter.count(prompt + text) + special_tokens <= max_tokens

    if fits(len(words)):
        return (head + body).strip()
    lo, hi = 0, min(len(words), max_tokens)  # every word costs at least one token
    while lo < hi:  # the largest n with fits(n)
        mid = (lo + hi + 1) // 2
        if fits(mid):
            lo = mid
        else:
            hi = mid - 1
    return (head + " ".join(words[:lo])).strip()
