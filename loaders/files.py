"""From paths to Documents: find files, pick a loader by extension, keep provenance."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from loaders.errors import LoadError, UnsupportedFormat
from loaders.language import detect_language
from loaders.model import Block, BlockKind, Document
from loaders.text import decode, parse_markdown, parse_text

Parser = Callable[[bytes, Path], list[Block]]


def _text_parser(parse: Callable[[str], list[Block]]) -> Parser:
    def run(data: bytes, path: Path) -> list[Block]:
        try:
            text = decode(data)
        except UnicodeDecodeError as exc:
            raise LoadError(path, f"not valid UTF-8 or UTF-16 text ({exc.reason} at byte "
                                  f"{exc.start})") from None
        return parse(text)
    return run


PARSERS: dict[str, Parser] = {
    ".md": _text_parser(parse_markdown),
    ".markdown": _text_parser(parse_markdown),
    ".txt": _text_parser(parse_text),
}

MAX_FILE_BYTES = 200 * 1024 * 1024


def supported_extensions() -> list[str]:
    return sorted(PARSERS)


def document_id(path: Path, root: Path | None) -> str:
    """The path relative to the ingest root, with forward slashes: stable across machines."""
    path = path.resolve()
    if root is not None:
        try:
            return path.relative_to(root.resolve()).as_posix()
        except ValueError:
            pass
    return path.name


def load(path: str | Path, root: str | Path | None = None) -> Document:
    """Load one file into a Document, or raise LoadError naming the file and the reason."""
    path = Path(path)
    parser = PARSERS.get(path.suffix.lower())
    if parser is None:
        raise UnsupportedFormat(path, f"unsupported file type {path.suffix or '(none)'!r}")
    if not path.is_file():
        raise LoadError(path, "no such file")
    size = path.stat().st_size
    if size == 0:
        raise LoadError(path, "empty file")
    if size > MAX_FILE_BYTES:
        raise LoadError(path, f"file too large ({size} bytes > {MAX_FILE_BYTES})")
    data = path.read_bytes()
    blocks = parser(data, path)
    if not any(b.text.strip() for b in blocks):
        raise LoadError(path, "no text found")
    languages = Counter(b.language for b in blocks if b.language)
    doc_lang = detect_language(" ".join(b.text for b in blocks[:50]))
    if doc_lang is None and languages:
        doc_lang = languages.most_common(1)[0][0]
    title = next((b.text for b in blocks if b.kind == BlockKind.HEADING), None)
    return Document(
        id=document_id(path, Path(root) if root is not None else None),
        source=str(path.resolve()),
        checksum=hashlib.sha256(data).hexdigest(),
        title=title or path.stem,
        language=doc_lang,
        metadata={"format": path.suffix.lower().lstrip("."), "bytes": size},
        blocks=blocks,
    )


def discover(paths: Iterable[str | Path]) -> Iterator[tuple[Path, Path | None]]:
    """Yield (file, root) for every file under the given paths, in a stable order.

    Missing paths raise LoadError at once: a typo in a command should not look like an
    empty corpus. Hidden files and folders are skipped.
    """
    for raw in paths:
        p = Path(raw)
        if not p.exists():
            raise LoadError(p, "no such file or directory")
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                rel = f.relative_to(p).parts
                if f.is_file() and not any(part.startswith(".") for part in rel):
                    yield f, p
        else:
            yield p, p.parent
