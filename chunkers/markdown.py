"""Markdown or plain text to Blocks, for text that arrives without a loader (LlamaIndex nodes).

The loaders own Markdown parsing (`loaders.markdown`); this adds what a file's loader also
adds, a language per block judged with the whole text as context, so a LlamaIndex document
and the same `.md` file are cut the same way.
"""

from __future__ import annotations

from loaders import Block, BlockKind
from loaders.language import assign_languages
from loaders.markdown import parse_markdown


def parse_markdown_blocks(text: str, language: str | None = None) -> list[Block]:
    """Blocks with heading trails; `language` is used where detection finds nothing."""
    blocks = [b for b in parse_markdown(text) if b.text.strip()]
    prose = [i for i, b in enumerate(blocks) if b.kind != BlockKind.CODE]
    detected = assign_languages([blocks[i].text for i in prose])
    for i, lang in zip(prose, detected, strict=True):
        blocks[i].language = lang or language
    return blocks
