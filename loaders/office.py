"""DOCX, PPTX and HTML through `unstructured`, mapped onto the same Block kinds as PDFs.

unstructured is imported here only, when such a file is loaded (its import takes seconds),
and only after `unstructured_offline.prepare()` has made it network-free.
"""

from __future__ import annotations

import io
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from loaders.errors import LoadError
from loaders.markdown import table_markdown
from loaders.model import Block, BlockKind
from loaders.normalize import collapse_lines, normalize_text
from loaders.parsed import Parsed

_KINDS = {
    "Title": BlockKind.HEADING,
    "NarrativeText": BlockKind.PARAGRAPH,
    "Text": BlockKind.PARAGRAPH,
    "UncategorizedText": BlockKind.PARAGRAPH,
    "Address": BlockKind.PARAGRAPH,
    "EmailAddress": BlockKind.PARAGRAPH,
    "Formula": BlockKind.PARAGRAPH,
    "ListItem": BlockKind.LIST_ITEM,
    "Table": BlockKind.TABLE,
    "FigureCaption": BlockKind.CAPTION,
    "CodeSnippet": BlockKind.CODE,
}
# Page furniture and non-text: dropped, as for PDFs.
_SKIP = {"Header", "Footer", "PageNumber", "PageBreak", "Image", "Picture"}


class _TableRows(HTMLParser):
    """Rows of cell texts from the `text_as_html` unstructured gives for tables."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            if not self.rows:
                self.rows.append([])
            self.rows[-1].append(collapse_lines("".join(self._cell)).replace("|", "\\|"))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def html_table_rows(html: str) -> list[list[str]]:
    parser = _TableRows()
    parser.feed(html)
    return [r for r in parser.rows if any(c.strip() for c in r)]


def _partition(path: Path, data: bytes) -> list[Any]:
    from loaders import unstructured_offline

    unstructured_offline.prepare()
    ext = path.suffix.lower()
    if ext == ".docx":
        from unstructured.partition.docx import partition_docx

        return partition_docx(file=io.BytesIO(data), infer_table_structure=True)
    if ext == ".pptx":
        from unstructured.partition.pptx import partition_pptx

        return partition_pptx(file=io.BytesIO(data), infer_table_structure=True)
    from unstructured.partition.html import partition_html

    from loaders.text import DecodeError, decode

    try:
        text, _ = decode(data)
    except DecodeError as exc:
        raise LoadError(path, str(exc)) from None
    return partition_html(text=text, infer_table_structure=True)


def parse_office(path: Path, data: bytes) -> Parsed:
    """Blocks from a DOCX, PPTX or HTML file, with heading trails and slide numbers."""
    try:
        elements = _partition(path, data)
    except LoadError:
        raise
    except Exception as exc:  # noqa: BLE001 - zip, XML and lxml errors for broken files
        kind = path.suffix.lstrip(".").upper()
        raise LoadError(path, f"corrupt or unreadable {kind} ({type(exc).__name__}: {exc})"
                        ) from None
    blocks: list[Block] = []
    trail: list[tuple[int, str]] = []
    for el in elements:
        category = getattr(el, "category", type(el).__name__)
        if category in _SKIP:
            continue
        kind = _KINDS.get(category, BlockKind.OTHER)
        meta = el.metadata
        if (kind == BlockKind.HEADING and path.suffix.lower() == ".pptx"
                and (getattr(meta, "category_depth", 0) or 0) > 0):
            # Only the title placeholder makes a slide heading; body text unstructured
            # guesses to be a title (short, no verb found) is slide text.
            kind = BlockKind.PARAGRAPH
        page = getattr(meta, "page_number", None)
        if kind == BlockKind.TABLE:
            html = getattr(meta, "text_as_html", None)
            rows = html_table_rows(html) if html else []
            if len(rows) >= 1 and max(len(r) for r in rows) >= 2:
                text = table_markdown(rows)
                extra = {"rows": len(rows), "columns": max(len(r) for r in rows)}
            else:
                text, extra, kind = normalize_text(el.text or ""), {}, BlockKind.PARAGRAPH
        else:
            text = (collapse_lines if kind == BlockKind.HEADING else normalize_text)(el.text or "")
            extra = {}
        if not text:
            continue
        level = None
        if kind == BlockKind.HEADING:
            depth = getattr(meta, "category_depth", None)
            level = min(int(depth) + 1, 6) if isinstance(depth, int) and depth >= 0 else 1
            trail[:] = [(lv, t) for lv, t in trail if lv < level]
        blocks.append(Block(kind=kind, text=text, page=page, level=level,
                            section=[t for _, t in trail],
                            metadata={"element": category, **extra}))
        if kind == BlockKind.HEADING and level is not None:
            trail.append((level, text))
    return Parsed(blocks=blocks, metadata={"elements": len(elements)},
                  empty_reason=f"no text found in the {path.suffix.lstrip('.').upper()}")
