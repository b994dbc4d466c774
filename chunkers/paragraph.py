"""The simplest chunker: one chunk per paragraph, list items of a section kept together.

It is the baseline the structure-aware chunker is measured against.
"""

from __future__ import annotations

from chunkers.model import Chunk, chunk_id
from loaders import Block, BlockKind, Document


def chunk_paragraphs(doc: Document) -> list[Chunk]:
    """Paragraph blocks become chunks; consecutive list items in one section are joined."""
    groups: list[list[Block]] = []
    for block in doc.blocks:
        if block.kind == BlockKind.HEADING or not block.text.strip():
            continue
        prev = groups[-1][-1] if groups else None
        if (prev is not None and block.kind == BlockKind.LIST_ITEM
                and prev.kind == BlockKind.LIST_ITEM and prev.section == block.section):
            groups[-1].append(block)
        else:
            groups.append([block])
    chunks: list[Chunk] = []
    seen: dict[str, int] = {}
    for group in groups:
        text = "\n".join(b.text for b in group)
        section = group[0].section or ([doc.title] if doc.title else [])
        ordinal = seen.get(text, 0)
        seen[text] = ordinal + 1
        pages = [b.page for b in group if b.page is not None]
        chunks.append(Chunk(
            id=chunk_id(doc.id, text, section, ordinal),
            text=text,
            doc_id=doc.id,
            section=list(section),
            page_start=min(pages) if pages else None,
            page_end=max(pages) if pages else None,
            language=group[0].language or doc.language,
            source=doc.source,
        ))
    return chunks
