"""Make `unstructured` safe to import here: no telemetry, no notice, no model download.

unstructured 0.27.32 pings a telemetry endpoint on import unless DO_NOT_TRACK or
SCARF_NO_ANALYTICS is set, prints a commercial notice unless UNSTRUCTURED_DISABLE_NOTICE
is set, and on the first element it classifies (DOCX, PPTX and HTML partitioners call
`is_possible_narrative_text`) it loads spaCy's `en_core_web_sm`, downloading and
pip-installing the wheel from GitHub when it is missing (`unstructured.nlp.tokenize.
_load_spacy_model`). We set the opt-outs before the import and replace its model getter
with a blank multilingual spaCy pipeline that has only a rule-based sentencizer: sentence
splitting works in all nine languages (the sentencizer knows "।"), and the POS-based verb
test, which only ever made sense for English, finds no verbs. The cost: short one-sentence
paragraphs in "Normal" style come back as `Text` instead of `NarrativeText`, which we map
to the same paragraph kind anyway.
"""

from __future__ import annotations

import os
import threading
from typing import Any

_OPT_OUTS = {"DO_NOT_TRACK": "1", "SCARF_NO_ANALYTICS": "1", "UNSTRUCTURED_DISABLE_NOTICE": "1"}
_lock = threading.Lock()
_ready = False


def blank_pipeline() -> Any:
    """spaCy's blank multi-language pipeline plus a sentencizer: no weights, no download."""
    import spacy

    nlp = spacy.blank("xx")
    nlp.add_pipe("sentencizer")
    return nlp


def prepare() -> None:
    """Set the opt-outs and install the offline pipeline before any partitioner runs."""
    global _ready
    with _lock:
        if _ready:
            return
        for key, value in _OPT_OUTS.items():
            if not (os.environ.get(key) or "").strip():
                os.environ[key] = value
        from unstructured.nlp import tokenize

        nlp = blank_pipeline()
        tokenize._get_nlp = lambda: nlp  # the module's callers look it up at call time
        _ready = True
