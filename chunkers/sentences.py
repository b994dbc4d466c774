"""Sentence splitting for the nine languages, by rules rather than a model.

A chunk boundary can only fall between sentences, so a wrong split here cuts a thought in
two. The rules, shared by all languages because health texts mix scripts:

- `।` and `॥` (Devanagari and Bengali dandas) always end a sentence, as does an ASCII `|`
  typed for a danda after Indic letters. `?`, `!` and `.` end one when whitespace follows.
- `.` is not an end after: a known abbreviation (Dr., Mrs., e.g., i.e., vs., Fig., Bpk.,
  dr. ...); No./p./Vol. before a number; a list marker opening a sentence (`1.`, `a.`, `iv.`);
  an initial (`J. K. Rowling`, `Dr. A. Sharma`); an Indic abbreviation or initial, meaning a
  last segment of one akshara (`டா.`, `डॉ.`, `ము.`, `कि.ग्रा.`) or a listed longer one
  (`திரு.`, `उदा.`); a word followed by a lowercase Latin word. `etc.`, `dll.`, `dsb.` and
  the like end a sentence only when a capital, a digit or another script follows.
  `Ibu` is a word (mother), not an abbreviation, so `ibu.` ends a sentence.
- Decimals (`2.5 mg`) never split: no whitespace follows their point.
- A blank line, or a newline before a bullet or a number marker, is a hard boundary; a
  single newline inside a paragraph is not (PDF lines wrap), but long sentences are cut
  there first.

`split_to_fit` cuts a sentence longer than the budget at clause punctuation, then at
whitespace, and only a single word longer than the budget at akshara boundaries, so an Indic
grapheme cluster or conjunct is never torn apart.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import regex

Span = tuple[int, int]

# A run of terminators with the closing quotes and brackets that belong to the sentence.
_TERMINATOR = regex.compile(
    r"""(?:[।॥]+|(?<=[\p{Devanagari}\p{Bengali}][\p{M}]*\s?)\||[.?!…]+)[\"'”’»)\]]*""",
    regex.VERBOSE,
)
_HARD_BREAK = regex.compile(r"\n[ \t]*\n\s*|\n(?=[ \t]*(?:[-*+•▪●◦‣]\s|\d{1,3}[.)]\s))")
_INDIC = regex.compile(r"[\p{Devanagari}\p{Bengali}\p{Tamil}\p{Telugu}\p{Kannada}]")
_LIST_MARKER = regex.compile(r"(?:\d{1,3}|[a-zA-Z]|[ivxIVX]{1,4})")
_INNER_DOTS = regex.compile(r"(?:\p{L}{1,4}\.)+\p{L}{1,4}")
_CLUSTER = regex.compile(r"\X")
_LATIN = regex.compile(r"\p{Latin}")
_LOWER_LATIN = regex.compile(r"(?=\p{Latin})\p{Ll}")
_INITIAL = regex.compile(r"\p{Lu}\.")
_OPENERS = "\"'“‘«([{"
_VIRAMAS = frozenset("\u094d\u09cd\u0bcd\u0c4d\u0ccd")

def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Never the end of a sentence: titles and abbreviations that introduce what follows.
_TITLES = _words("""
    dr mr mrs ms mx prof rev hon gen capt lt col sgt fig figs vs v e.g i.e eg ie cf viz
    approx ca dept incl govt inj tab caps
    drg bpk bp sdr sdri yth jl kec kab prov tn ny nn hj drs dra ir spt yg dgn dg utk krn
    a.n u.p s.d
""")
# Abbreviations that stand before a number: "No. 5", "p. 12", "Vol. 3".
_BEFORE_NUMBER = _words("no nos nr p pp vol ch chap sec art para ref hlm hal ps eq ed")
# Abbreviations that often end a sentence: an end only if a new sentence visibly starts.
_MAYBE_END = _words("etc dll dsb dst dkk al ltd inc co corp jr sr tsb thn")
# Indic abbreviations longer than one akshara (one-akshara ones are caught by rule).
_INDIC_ABBREVIATIONS = _words("""
    திரு திருமதி செல்வி டாக் எ.கா உதா ఉదా శ్రీమతి ಉದಾ ಶ್ರೀಮತಿ ಶ್ರೀ ಪ್ರೊ ಡಾ
    उदा श्रीमती प्रो शृ ডা মো শ্রীমতী
""")


def aksharas(text: str) -> list[str]:
    """Grapheme clusters, with a cluster ending in a virama joined to the next one.

    Unicode's clusters keep Devanagari, Bengali and Telugu conjuncts whole but split Tamil
    and Kannada ones after the virama; splitting there would tear a conjunct.
    """
    out: list[str] = []
    for cluster in _CLUSTER.findall(text):
        if out and out[-1][-1] in _VIRAMAS and not cluster[0].isspace():
            out[-1] += cluster
        else:
            out.append(cluster)
    return out


def _starts_sentence(token: str) -> bool:
    """Does this word visibly open a sentence: a capital, a digit or a non-Latin letter?"""
    token = token.lstrip(_OPENERS)
    if not token:
        return False
    ch = token[0]
    if ch.isdigit() or ch.isupper():
        return True
    return ch.isalpha() and not _LATIN.match(ch)


def _period_ends(token: str, nxt: str, prev: str, at_start: bool) -> bool:
    """Whether a single `.` after `token` ends the sentence, given the words around it."""
    token = token.lstrip(_OPENERS)
    if not token or not nxt:
        return True
    low = token.lower()
    if at_start and _LIST_MARKER.fullmatch(token):
        return False
    if low in _TITLES:
        return False
    if low in _BEFORE_NUMBER and nxt.lstrip(_OPENERS)[:1].isdigit():
        return False
    if low in _MAYBE_END:  # "et al. (2019)": a bracket after it continues the sentence
        return nxt[0] not in "([" and _starts_sentence(nxt)
    last = token.rsplit(".", 1)[-1]
    if last and _INDIC.match(last):
        return not (len(aksharas(last)) <= 1 or token in _INDIC_ABBREVIATIONS)
    if len(token) == 1 and token.isupper() and token.isalpha():
        prev_low = prev.lower().rstrip(".")
        initial_before = len(prev) == 2 and prev[0].isupper() and prev[1] == "."
        if prev_low in _TITLES or initial_before or _INITIAL.match(nxt):
            return False
    if _LOWER_LATIN.match(nxt.lstrip(_OPENERS)):
        return False  # "approx. five", "tab. paracetamol": an unknown abbreviation
    # "S.Kep.", "U.S.": dotted abbreviations end a sentence only before a visible start
    return not _INNER_DOTS.fullmatch(token) or _starts_sentence(nxt)


def _word_before(text: str, end: int) -> tuple[str, int]:
    start = end
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    return text[start:end], start


def _word_after(text: str, pos: int, n: int) -> str:
    while pos < n and text[pos].isspace():
        pos += 1
    end = pos
    while end < n and not text[end].isspace():
        end += 1
    return text[pos:end]


def _is_boundary(text: str, m: regex.Match[str], sent_start: int, stop: int) -> bool:
    """Is this terminator run a sentence end? `stop` is where the paragraph ends."""
    run = m.group().rstrip("\"'”’»)]")
    end = m.end()
    if run[0] in "।॥":
        return True
    if end < stop and not text[end].isspace():
        return False
    if "?" in run or "!" in run or run == "|":
        return True
    nxt = _word_after(text, end, stop)
    if run != ".":  # an ellipsis: an end only before a visible sentence start
        return not nxt or _starts_sentence(nxt)
    token, tok_start = _word_before(text, m.start())
    prev, _ = _word_before(text, max(tok_start - 1, 0)) if tok_start > 0 else ("", 0)
    at_start = not text[sent_start:tok_start].strip()
    return _period_ends(token, nxt, prev.strip(), at_start)


def _strip_span(text: str, start: int, end: int) -> Span | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


def sentence_spans(text: str) -> list[Span]:
    """(start, end) of each sentence, whitespace trimmed, in order."""
    spans: list[Span] = []
    para_start = 0
    breaks = [(b.start(), b.end()) for b in _HARD_BREAK.finditer(text)]
    for b_start, b_end in [*breaks, (len(text), len(text))]:
        start = para_start
        for m in _TERMINATOR.finditer(text, para_start, b_start):
            if _is_boundary(text, m, start, b_start):
                span = _strip_span(text, start, m.end())
                if span:
                    spans.append(span)
                start = m.end()
        span = _strip_span(text, start, b_start)
        if span:
            spans.append(span)
        para_start = b_end
    return spans


def split_sentences(text: str) -> list[str]:
    """The sentences of a text, whitespace trimmed."""
    return [text[s:e] for s, e in sentence_spans(text)]


# --- cutting a sentence that is longer than the budget ---------------------------------

_CLAUSE_LEVELS: tuple[regex.Pattern[str], ...] = (
    regex.compile(r"\n"),
    regex.compile(r"[;:؛]\s|\s[—–-]\s|—"),
    regex.compile(r"[,،、]\s|\)\s"),
    regex.compile(r"\s+"),
)

Counter = Callable[[Sequence[str]], list[int]]


def _pieces(text: str, span: Span, level: int) -> list[Span]:
    """Cut a span after each separator of a level (the separator stays on the left)."""
    start, end = span
    if level >= len(_CLAUSE_LEVELS):
        out: list[Span] = []
        pos = start
        for a in aksharas(text[start:end]):
            out.append((pos, pos + len(a)))
            pos += len(a)
        return out
    out = []
    pos = start
    for m in _CLAUSE_LEVELS[level].finditer(text, start, end):
        if m.end() < end and _strip_span(text, pos, m.end()):
            out.append((pos, m.end()))
            pos = m.end()
    out.append((pos, end))
    return out


def split_to_fit(text: str, limit: int, count: Counter) -> list[str]:
    """Cut `text` into pieces of at most `limit` tokens, at the coarsest separator that works.

    `count` is a batch counter. Pieces are packed greedily, then re-counted as joined text:
    a group that still exceeds (subword counts are not quite additive) is halved.
    """
    if limit < 1:
        raise ValueError("limit must be positive")
    spans = _fit(text, (0, len(text)), limit, count, 0)
    out = []
    for s, e in spans:
        span = _strip_span(text, s, e)
        if span:
            out.append(text[span[0]:span[1]])
    return out


def _fit(text: str, span: Span, limit: int, count: Counter, level: int) -> list[Span]:
    if count([text[span[0]:span[1]]])[0] <= limit:
        return [span]
    if level > len(_CLAUSE_LEVELS):
        return [span]  # one akshara over the budget: nothing left to cut
    pieces = _pieces(text, span, level)
    if len(pieces) == 1:
        return _fit(text, span, limit, count, level + 1)
    sizes = count([text[s:e].strip() or text[s:e] for s, e in pieces])
    groups: list[Span] = []
    cur: Span | None = None
    cur_size = 0
    for piece, size in zip(pieces, sizes, strict=True):
        if cur is not None and cur_size + size <= limit:
            cur = (cur[0], piece[1])
            cur_size += size
            continue
        if cur is not None:
            groups.append(cur)
        cur, cur_size = piece, size
    if cur is not None:
        groups.append(cur)
    out: list[Span] = []
    for group in groups:
        out.extend(_fit(text, group, limit, count, level + 1)
                   if group in pieces else _halve(text, group, pieces, limit, count, level))
    return out


def _halve(text: str, group: Span, pieces: list[Span], limit: int, count: Counter,
           level: int) -> list[Span]:
    """A packed group: keep it if its real count fits, else split it at its middle piece."""
    if count([text[group[0]:group[1]]])[0] <= limit:
        return [group]
    inner = [p for p in pieces if group[0] <= p[0] and p[1] <= group[1]]
    mid = len(inner) // 2
    left, right = (group[0], inner[mid - 1][1]), (inner[mid][0], group[1])
    return (_halve(text, left, pieces, limit, count, level) if mid > 1
            else _fit(text, left, limit, count, level + 1)) + (
        _halve(text, right, pieces, limit, count, level) if len(inner) - mid > 1
        else _fit(text, right, limit, count, level + 1))
