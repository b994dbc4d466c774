"""From paths to Documents: find files, pick a parser by extension, keep provenance.

Each format's parser turns bytes into `Parsed` (blocks plus what it learned about the file);
this module owns what every format shares: size and emptiness checks, ids, checksums,
language per block and per document, and turning any failure into a `LoadError` that
names the file.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from loaders.errors import LoadError, UnsupportedFormat
from loaders.extras import require_for_file
from loaders.language import assign_languages, majority_language
from loaders.model import BlockKind, Document
from loaders.parsed import Parsed
from loaders.settings import settings

Parser = Callable[[Path, bytes], Parsed]

DEFAULT_MAX_FILE_BYTES = 200 * 1024 * 1024
# Pages judged together by the language classifier where the script is shared (Latin,
# Devanagari): one call per window keeps long PDFs fast; mixing Hindi and Marathi, or
# English and Indonesian, within a few pages is rare, while Hindi beside English is
# told apart by script, block by block.
PAGES_PER_LANGUAGE_CALL = 8


def _pdf(path: Path, data: bytes) -> Parsed:
    require_for_file(path, "pymupdf", "pdf", "reading PDF files")
    from loaders.pdf import parse_pdf

    return parse_pdf(path, data)


def _office(path: Path, data: bytes) -> Parsed:
    require_for_file(path, "unstructured", "office", "reading office and HTML files")
    from loaders.office import parse_office

    return parse_office(path, data)


def _decode_or_fail(path: Path, data: bytes) -> tuple[str, str]:
    from loaders.text import DecodeError, decode

    try:
        return decode(data)
    except DecodeError as exc:
        raise LoadError(path, str(exc)) from None


def _text(path: Path, data: bytes) -> Parsed:
    from loaders.text import parse_text

    text, encoding = _decode_or_fail(path, data)
    return _decoded(parse_text(text), encoding)


def _markdown(path: Path, data: bytes) -> Parsed:
    from loaders.markdown import parse_markdown

    text, encoding = _decode_or_fail(path, data)
    return _decoded(parse_markdown(text), encoding)


def _decoded(blocks: list, encoding: str) -> Parsed:
    parsed = Parsed(blocks=blocks, metadata={"encoding": encoding})
    if encoding == "cp1252":
        parsed.warnings.append("not valid UTF-8: decoded as Windows-1252 (Latin-1)")
    return parsed


def _curriculum(path: Path, data: bytes) -> Parsed:
    from loaders.curriculum import parse_curriculum_file

    return parse_curriculum_file(path, data)


PARSERS: dict[str, Parser] = {
    ".pdf": _pdf,
    ".docx": _office, ".pptx": _office, ".html": _office, ".htm": _office,
    ".md": _markdown, ".markdown": _markdown,
    ".txt": _text, ".text": _text,
    ".yaml": _curriculum, ".yml": _curriculum, ".json": _curriculum, ".csv": _curriculum,
}


def supported_extensions() -> list[str]:
    return sorted(PARSERS)


def max_file_bytes() -> int:
    """Files above this are refused before reading (env LOADERS_MAX_BYTES overrides)."""
    limit = settings().max_bytes
    return DEFAULT_MAX_FILE_BYTES if limit is None else limit


def document_id(path: Path, root: Path | None) -> str:
    """The path relative to the ingest root, with forward slashes: stable across machines."""
    path = Path(path).resolve()
    if root is not None:
        try:
            return path.relative_to(Path(root).resolve()).as_posix()
        except ValueError:
            pass
    return path.name


def _read(path: Path) -> tuple[Parser, bytes]:
    parser = PARSERS.get(path.suffix.lower())
    if parser is None:
        raise UnsupportedFormat(path, f"unsupported file type {path.suffix or '(none)'!r}; "
                                      f"supported: {' '.join(supported_extensions())}")
    if not path.is_file():
        raise LoadError(path, "no such file")
    size = path.stat().st_size
    if size == 0:
        raise LoadError(path, "empty file (0 bytes)")
    limit = max_file_bytes()
    if size > limit:
        raise LoadError(path, f"file too large ({size} bytes > {limit}; "
                              "raise LOADERS_MAX_BYTES to allow it)")
    try:
        return parser, path.read_bytes()
    except OSError as exc:
        raise LoadError(path, f"cannot read: {exc.strerror or exc}") from None


def _parse(path: Path) -> tuple[Parsed, bytes]:
    parser, data = _read(path)
    try:
        parsed = parser(path, data)
    except LoadError:
        raise
    except (MemoryError, RecursionError) as exc:
        raise LoadError(path, f"too large or deeply nested to load ({type(exc).__name__})"
                        ) from exc
    except Exception as exc:  # noqa: BLE001 - a parser bug must not sink a batch
        raise LoadError(path, f"{path.suffix.lstrip('.').upper()} loader failed: "
                              f"{type(exc).__name__}: {exc}") from exc
    return parsed, data


def _document(path: Path, root: Path | None, data: bytes, parsed: Parsed,
              doc_id: str | None = None) -> Document:
    blocks = [b for b in parsed.blocks if b.text.strip()]
    if not blocks:
        reason = parsed.empty_reason or "no text found"
        raise LoadError(path, reason)
    texts = [b.text for b in blocks]
    todo = [i for i, b in enumerate(blocks) if b.language is None]
    groups = ([(blocks[i].page or 1) // PAGES_PER_LANGUAGE_CALL for i in todo]
              if parsed.group_by_page else None)
    detected = assign_languages([texts[i] for i in todo], groups=groups)
    for i, lang in zip(todo, detected, strict=True):
        blocks[i].language = lang
    language = parsed.language or majority_language(texts, [b.language for b in blocks])
    title = parsed.title or next(
        (b.text for b in blocks if b.kind == BlockKind.HEADING), None) or path.stem
    metadata = {"format": path.suffix.lower().lstrip("."), "bytes": len(data),
                **parsed.metadata}
    if parsed.warnings:
        metadata["warnings"] = list(parsed.warnings)
    return Document(
        id=doc_id or document_id(path, root),
        source=str(path.resolve()),
        checksum=hashlib.sha256(data).hexdigest(),
        title=title,
        language=language,
        metadata=metadata,
        blocks=blocks,
    )


def load(path: str | Path, root: str | Path | None = None) -> Document:
    """Load one file into a Document, or raise LoadError naming the file and the reason.

    A curriculum file comes back as one Document for the whole course (every step, each
    with its course/module/lesson path); `load_all` gives one Document per lesson, which
    is what ingest wants.
    """
    path = Path(path)
    parsed, data = _parse(path)
    return _document(path, Path(root) if root is not None else None, data, parsed)


def load_all(path: str | Path, root: str | Path | None = None) -> list[Document]:
    """Every Document in a file: one per lesson for a curriculum, else `[load(path)]`.

    Lesson documents have the id `<file id>#<lesson id>`.
    """
    path = Path(path)
    parsed, data = _parse(path)
    root_path = Path(root) if root is not None else None
    if not parsed.parts:
        return [_document(path, root_path, data, parsed)]
    file_id = document_id(path, root_path)
    return [_document(path, root_path, data, part, doc_id=f"{file_id}#{part_id}")
            for part_id, part in parsed.parts]


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
