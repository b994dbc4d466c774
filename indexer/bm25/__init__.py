"""BM25 with language-aware tokens for the nine languages (en hi bn mr ta te kn ne id).

The function `tokenize(text, language, config)` lives in `indexer.bm25.tokenize` (not re-exported
here, so the module of that name stays importable as `indexer.bm25.tokenize`).
"""

from indexer.bm25.config import LANGUAGES, BM25Params, TokenizerConfig
from indexer.bm25.index import BM25Index
from indexer.bm25.tokenize import Tokenizer, get_tokenizer

__all__ = [
    "LANGUAGES",
    "BM25Index",
    "BM25Params",
    "TokenizerConfig",
    "Tokenizer",
    "get_tokenizer",
]
