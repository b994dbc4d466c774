"""Loaders: files in, `Document`s made of `Block`s out, with language and provenance.

`import loaders` stays light: PyMuPDF, unstructured and the language models are imported
only when a file that needs them is loaded.
"""

from loaders.errors import LoadError, UnsupportedFormat
from loaders.files import discover, document_id, load, load_all, supported_extensions
from loaders.language import LANGUAGES, detect_language
from loaders.model import BBox, Block, BlockKind, Document
from loaders.normalize import normalize_text

__all__ = [
    "LANGUAGES", "BBox", "Block", "BlockKind", "Document", "LoadError", "UnsupportedFormat",
    "detect_language", "discover", "document_id", "load", "load_all", "normalize_text",
    "supported_extensions",
]
