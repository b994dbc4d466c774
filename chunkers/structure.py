"""The structure-aware chunker: sections, sentences and tables, sized in the model's tokens.

Rules, in the order they apply:

1. A chunk never crosses a section boundary (a change of heading trail). Headings are not
   chunk text: they travel as the chunk's `section` and `Chunk.context_text` puts them
   first. A heading with no text under it becomes text of its parent section.
2. Tiny sibling sections (under `min_tokens`) under one parent, with the parent's own short
   intro, are merged into one chunk of the parent while they fit; their headings become
   lines of the chunk so nothing is lost.
3. Running text is cut between sentences; chunks of a section are balanced in size, and the
   last `overlap_sentences` sentences of a chunk open the next one.
4. Tables are cut by rows (see tables.py); a caption just before a table goes with it.
   A curriculum step (STEP) is one chunk, cut by sentences only if it exceeds the budget.
   Code is cut between lines.
5. Every chunk is re-counted as the model will see it (prompt + heading trail + text +
   special tokens); one over the budget is cut again, so none is truncated by the model.
"""

from __future__ import annotations

import math
from collections import Counter as Tally
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from chunkers.config import ChunkerConfig
from chunkers.model import Chunk, chunk_id
from chunkers.sentences import sentence_spans, split_to_fit
from chunkers.tables import split_table
from chunkers.tokens import TokenCounter
from loaders import Block, BlockKind, Document

_FLOW = {BlockKind.PARAGRAPH, BlockKind.LIST_ITEM, BlockKind.CAPTION, BlockKind.OTHER,
         BlockKind.HEADING}
_MAX_REFITS = 8


@dataclass
class _Unit:
    """A sentence (or a piece of one, a heading line, a code line) with its token count."""

    text: str
    tokens: int
    sep: str  # joins it to the unit before it in a chunk
    block: int  # index in doc.blocks
    sentence: bool = True  # may be repeated as overlap


@dataclass
class _Run:
    """Consecutive blocks of one section and one treatment (flow text, table, step, code)."""

    trail: tuple[str, ...]
    kind: str
    blocks: list[int] = field(default_factory=list)
    units: list[_Unit] = field(default_factory=list)
    merged: list[str] = field(default_factory=list)
    caption: int | None = None  # a caption block carried into a table run

    @property
    def tokens(self) -> int:
        return sum(u.tokens for u in self.units)


@dataclass
class _Draft:
    """A chunk before ids: the units it holds and what to record about it."""

    trail: tuple[str, ...]
    units: list[_Unit]
    metadata: dict[str, Any] = field(default_factory=dict)
    splittable: bool = True
    part_key: str | None = None  # "table_part" / "step_part": numbered once cutting is done
    run: int = -1

    @property
    def text(self) -> str:
        parts: list[str] = []
        for u in self.units:
            if parts:
                parts.append(u.sep)
            parts.append(u.text)
        return "".join(parts)


class StructureChunker:
    """Chunks one document; holds the per-document state so the steps stay small."""

    def __init__(self, doc: Document, config: ChunkerConfig, counter: TokenCounter) -> None:
        self.doc = doc
        self.cfg = config
        self.counter = counter
        prompt = config.prompt.strip()
        self.fixed = config.special_tokens + (counter.count(prompt) if prompt else 0)
        self.additive = bool(getattr(counter, "additive", False))
        self._trails: dict[tuple[str, ...], tuple[tuple[str, ...], int]] = {}
        self._rooms: dict[tuple[str, ...], int] = {}

    # --- budget ------------------------------------------------------------------------

    def count(self, texts: Sequence[str]) -> list[int]:
        return self.counter.count_batch(texts)

    def trail_for(self, trail: tuple[str, ...]) -> tuple[tuple[str, ...], int]:
        """The trail a chunk carries (title when empty, outer headings dropped when too long)
        and its cost in tokens."""
        if trail in self._trails:
            return self._trails[trail]
        shown = trail
        if not shown and self.cfg.title_as_context and self.doc.title:
            shown = (self.doc.title,)
        cost = self._trail_cost(shown)
        while cost > self.cfg.context_cap and len(shown) > 1:
            shown = shown[1:]
            cost = self._trail_cost(shown)
        if cost > self.cfg.context_cap:
            head = split_to_fit(shown[0], self.cfg.context_cap, self.count)
            shown = (head[0],) if head else ()
            cost = self._trail_cost(shown)
        self._trails[trail] = (shown, cost)
        return shown, cost

    def _trail_cost(self, trail: tuple[str, ...]) -> int:
        return self.count([" > ".join(trail)])[0] if trail else 0

    def room(self, trail: tuple[str, ...]) -> int:
        """Tokens left for chunk text under this trail."""
        room = self._rooms.get(trail)
        if room is None:
            room = max(1, self.cfg.max_tokens - self.fixed - self.trail_for(trail)[1])
            self._rooms[trail] = room
        return room

    # --- steps -------------------------------------------------------------------------

    def run(self) -> list[Chunk]:
        runs = self.make_runs()
        if not runs:
            return []
        self.fill_units(runs)
        runs = self.merge_tiny(runs)
        drafts: list[_Draft] = []
        for n, run in enumerate(runs):
            for d in self.draft(run):
                d.run = n
                drafts.append(d)
        drafts = self.enforce_budget(drafts)
        _number_parts(drafts)
        return self.finish(drafts)

    def make_runs(self) -> list[_Run]:
        blocks = self.doc.blocks
        covered = self._covered_headings()
        runs: list[_Run] = []
        for i, block in enumerate(blocks):
            if not block.text.strip():
                continue
            trail = tuple(block.section)
            if block.kind == BlockKind.HEADING and _is_covered(trail, block.text, covered):
                continue
            kind = _kind_of(block.kind)
            last = runs[-1] if runs else None
            if kind == "flow" and last and last.kind == "flow" and last.trail == trail:
                last.blocks.append(i)
                continue
            run = _Run(trail, kind, [i])
            if (kind == "table" and last and last.kind == "flow" and last.trail == trail
                    and blocks[last.blocks[-1]].kind == BlockKind.CAPTION
                    and len(blocks[last.blocks[-1]].text) <= 300):
                run.caption = last.blocks.pop()
                if not last.blocks:
                    runs.pop()
            runs.append(run)
        return runs

    def _covered_headings(self) -> set[tuple[tuple[str, ...], str]]:
        """Headings that some later block (text or a deeper heading) sits under: those live
        on in the trails; the others become text."""
        covered: set[tuple[tuple[str, ...], str]] = set()
        for block in self.doc.blocks:
            if not block.text.strip():
                continue
            sec = tuple(block.section)
            for depth in range(len(sec)):
                covered.add((sec[:depth], sec[depth]))
        return covered

    def fill_units(self, runs: list[_Run]) -> None:
        """Split flow blocks into sentences and count them all in one batch."""
        blocks = self.doc.blocks
        pending: list[tuple[_Run, _Unit]] = []
        for run in runs:
            if run.kind != "flow":
                continue
            for bi in run.blocks:
                text = blocks[bi].text
                spans = sentence_spans(text)
                for k, (s, e) in enumerate(spans):
                    sep = "\n" if k == 0 or "\n" in text[spans[k - 1][1]:s] else " "
                    unit = _Unit(text[s:e], 0, sep, bi,
                                 sentence=blocks[bi].kind != BlockKind.HEADING)
                    pending.append((run, unit))
        sizes = self.count([u.text for _, u in pending])
        for (run, unit), size in zip(pending, sizes, strict=True):
            unit.tokens = size
            room = self.room(run.trail)
            if size <= room:
                run.units.append(unit)
                continue
            for k, piece in enumerate(split_to_fit(unit.text, room, self.count)):
                run.units.append(_Unit(piece, self.count([piece])[0],
                                       unit.sep if k == 0 else " ", unit.block))

    def merge_tiny(self, runs: list[_Run]) -> list[_Run]:
        """Merge tiny sibling sections (and their parent's tiny intro) while they fit."""
        small = self.cfg.min_tokens
        out: list[_Run] = []
        i = 0
        while i < len(runs):
            first = runs[i]
            if first.kind != "flow" or first.tokens >= small:
                out.append(first)
                i += 1
                continue
            group, parent = [first], None
            j = i + 1
            while j < len(runs):
                nxt = runs[j]
                if nxt.kind != "flow" or nxt.tokens >= small or not nxt.trail:
                    break
                if parent is None:
                    if nxt.trail[:-1] == first.trail:
                        parent = first.trail
                    elif first.trail and nxt.trail[:-1] == first.trail[:-1]:
                        parent = first.trail[:-1]
                    else:
                        break
                elif nxt.trail[:-1] != parent:
                    break
                if self._merged_size([*group, nxt], parent) > self.room(parent):
                    break
                group.append(nxt)
                j += 1
            if len(group) == 1 or parent is None:
                out.append(first)
                i += 1
                continue
            out.append(self._merge(group, parent))
            i = j
        return out

    def _merged_size(self, group: list[_Run], parent: tuple[str, ...]) -> int:
        titles = [r.trail[-1] for r in group if r.trail != parent]
        return sum(r.tokens for r in group) + (sum(self.count(titles)) if titles else 0)

    def _merge(self, group: list[_Run], parent: tuple[str, ...]) -> _Run:
        merged = _Run(parent, "flow")
        for run in group:
            merged.blocks.extend(run.blocks)
            units = [_Unit(u.text, u.tokens, u.sep, u.block, u.sentence) for u in run.units]
            if run.trail != parent:
                title = run.trail[-1]
                merged.merged.append(title)
                merged.units.append(_Unit(title, self.count([title])[0], "\n",
                                          run.blocks[0], sentence=False))
                if units:
                    units[0].sep = "\n"
            merged.units.extend(units)
        return merged

    # --- drafting chunks ---------------------------------------------------------------

    def draft(self, run: _Run) -> list[_Draft]:
        if run.kind == "flow":
            meta = {"merged_sections": list(run.merged)} if run.merged else {}
            return [_Draft(run.trail, units, {**meta, "overlap": ov})
                    for units, ov in self.pack(run.units, self.room(run.trail),
                                               self.cfg.overlap_sentences)]
        block = self.doc.blocks[run.blocks[0]]
        if run.kind == "table":
            return self._draft_table(run, block)
        if run.kind == "step":
            units = self._text_units(block.text, run.blocks[0], self.room(run.trail))
            return [_Draft(run.trail, u, part_key="step_part")
                    for u, _ in self.pack(units, self.room(run.trail), 0)]
        lines = [ln for ln in block.text.split("\n") if ln.strip()]
        units = self._line_units(lines, run.blocks[0], self.room(run.trail))
        return [_Draft(run.trail, u) for u, _ in self.pack(units, self.room(run.trail), 0)]

    def _draft_table(self, run: _Run, block: Block) -> list[_Draft]:
        text = block.text.strip()
        if run.caption is not None:
            text = self.doc.blocks[run.caption].text.strip() + "\n" + text
        pieces = split_table(text, self.room(run.trail), self.count, self.cfg.oversize_rows)
        drafts = []
        for piece, size in zip(pieces, self.count([p.text for p in pieces]), strict=True):
            unit = _Unit(piece.text, size, "\n", run.blocks[0], sentence=False)
            meta = {"table": True, **piece.metadata}
            drafts.append(_Draft(run.trail, [unit], meta, splittable=False, part_key="table_part"))
        return drafts

    def _text_units(self, text: str, block: int, room: int) -> list[_Unit]:
        spans = sentence_spans(text)
        texts = [text[s:e] for s, e in spans]
        units: list[_Unit] = []
        for k, (piece, size) in enumerate(zip(texts, self.count(texts), strict=True)):
            sep = "\n" if k and "\n" in text[spans[k - 1][1]:spans[k][0]] else " "
            if size <= room:
                units.append(_Unit(piece, size, sep, block))
            else:
                units.extend(_Unit(p, self.count([p])[0], sep, block)
                             for p in split_to_fit(piece, room, self.count))
        return units

    def _line_units(self, lines: list[str], block: int, room: int) -> list[_Unit]:
        units: list[_Unit] = []
        for line, size in zip(lines, self.count(lines), strict=True):
            if size <= room:
                units.append(_Unit(line, size, "\n", block, sentence=False))
            else:
                units.extend(_Unit(p, self.count([p])[0], "\n", block, sentence=False)
                             for p in split_to_fit(line, room, self.count))
        return units

    @staticmethod
    def pack(units: list[_Unit], room: int, overlap: int) -> list[tuple[list[_Unit], int]]:
        """Greedy packing toward equal sizes; returns (units, how many open as overlap)."""
        total = sum(u.tokens for u in units)
        if total <= room:
            return [(units, 0)] if units else []
        target = total / math.ceil(total / room)
        out: list[tuple[list[_Unit], int]] = []
        cur: list[_Unit] = []
        size = 0
        n_over = 0
        for unit in units:
            full = size + unit.tokens > room or size + unit.tokens / 2 > target
            if cur and len(cur) > n_over and full:
                out.append((cur, n_over))
                carry = [u for u in cur[-overlap:] if u.sentence] if overlap else []
                while carry and (sum(u.tokens for u in carry) > room // 4
                                 or sum(u.tokens for u in carry) + unit.tokens > room):
                    carry = carry[1:]
                cur, size, n_over = list(carry), sum(u.tokens for u in carry), len(carry)
            elif cur and len(cur) == n_over and size + unit.tokens > room:
                cur, size, n_over = [], 0, 0  # the overlap leaves no room: drop it
            cur.append(unit)
            size += unit.tokens
        if cur and len(cur) > n_over:
            out.append((cur, n_over))
        return out

    # --- budget check and output -------------------------------------------------------

    def full_texts(self, drafts: list[_Draft]) -> list[str]:
        """What the model will see for each draft, without the special tokens."""
        out = []
        for d in drafts:
            shown, _ = self.trail_for(d.trail)
            context = (" > ".join(shown) + "\n" if shown else "") + d.text
            out.append(self.cfg.prompt + context)
        return out

    def sizes(self, drafts: list[_Draft]) -> list[int]:
        """Tokens the model will see per draft: summed from the parts when the counter is
        additive (exact for XLM-R, and no second tokenizer pass), else counted whole."""
        if self.additive:
            return [self.fixed + self.trail_for(d.trail)[1] + sum(u.tokens for u in d.units)
                    for d in drafts]
        return [n + self.cfg.special_tokens for n in self.count(self.full_texts(drafts))]

    def enforce_budget(self, drafts: list[_Draft]) -> list[_Draft]:
        """Re-count every chunk whole; cut again any that would be truncated by the model."""
        for _ in range(_MAX_REFITS):
            sizes = self.sizes(drafts)
            over = [i for i, n in enumerate(sizes) if n > self.cfg.max_tokens
                    and not drafts[i].metadata.get("oversize")]
            for i, n in enumerate(sizes):
                drafts[i].metadata["tokens"] = n
            if not over:
                return drafts
            fixed: list[_Draft] = []
            for i, d in enumerate(drafts):
                if i not in over:
                    fixed.append(d)
                    continue
                excess = sizes[i] - self.cfg.max_tokens
                fixed.extend(self._refit(d, self.room(d.trail) - excess))
            drafts = fixed
        for d in drafts:
            if d.metadata.get("tokens", 0) > self.cfg.max_tokens:
                d.metadata["oversize"] = True
        return drafts

    def _refit(self, draft: _Draft, room: int) -> list[_Draft]:
        """Cut a draft whose whole-text count exceeds the budget (counts of the parts did not
        add up): re-pack into less room, or halve when that changes nothing."""
        room = max(1, room)
        if not draft.splittable:
            draft.metadata["oversize"] = True
            return [draft]
        if len(draft.units) > 1:
            groups = [units for units, _ in self.pack(draft.units, room, 0)]
            if len(groups) < 2:
                mid = len(draft.units) // 2
                groups = [draft.units[:mid], draft.units[mid:]]
            return [_Draft(draft.trail, units, dict(draft.metadata, overlap=0),
                           part_key=draft.part_key, run=draft.run) for units in groups]
        unit = draft.units[0]
        pieces = split_to_fit(unit.text, room, self.count)
        return [_Draft(draft.trail, [_Unit(p, n, unit.sep, unit.block, unit.sentence)],
                       dict(draft.metadata), part_key=draft.part_key, run=draft.run)
                for p, n in zip(pieces, self.count(pieces), strict=True)]

    def finish(self, drafts: list[_Draft]) -> list[Chunk]:
        doc = self.doc
        chunks: list[Chunk] = []
        seen: Tally[tuple[str, tuple[str, ...]]] = Tally()
        for d in drafts:
            text = d.text.strip()
            if not text:
                continue
            shown, _ = self.trail_for(d.trail)
            section = list(shown)
            key = (text, shown)
            ordinal = seen[key]
            seen[key] += 1
            blocks = [doc.blocks[i] for i in dict.fromkeys(u.block for u in d.units)]
            pages = [b.page for b in blocks if b.page is not None]
            meta: dict[str, Any] = {
                "kinds": sorted({str(b.kind) for b in blocks}),
                **{k: v for k, v in d.metadata.items() if v not in (None, [], 0, False)
                   or k == "tokens"},
            }
            if shown != d.trail and d.trail:
                meta["full_section"] = list(d.trail)
            if not self.counter.exact:
                meta["tokens_approximate"] = True
            chunks.append(Chunk(
                id=chunk_id(doc.id, text, section, ordinal),
                text=text,
                doc_id=doc.id,
                section=section,
                page_start=min(pages) if pages else None,
                page_end=max(pages) if pages else None,
                language=_language(blocks) or doc.language,
                source=doc.source,
                metadata=meta,
            ))
        return chunks


def _number_parts(drafts: list[_Draft]) -> None:
    """'k/n' on each piece of a table or step that was cut, counted after all cutting."""
    sizes = Tally(d.run for d in drafts if d.part_key)
    seen: Tally[int] = Tally()
    for d in drafts:
        if d.part_key and sizes[d.run] > 1:
            seen[d.run] += 1
            d.metadata[d.part_key] = f"{seen[d.run]}/{sizes[d.run]}"


def _is_covered(trail: tuple[str, ...], text: str,
                covered: set[tuple[tuple[str, ...], str]]) -> bool:
    """Some text sits under this heading (whether or not the loader put the heading in its
    own trail)."""
    if (trail, text) in covered:
        return True
    return bool(trail) and trail[-1] == text and (trail[:-1], text) in covered


def _kind_of(kind: BlockKind) -> str:
    if kind == BlockKind.TABLE:
        return "table"
    if kind == BlockKind.STEP:
        return "step"
    if kind == BlockKind.CODE:
        return "code"
    return "flow"


def _language(blocks: list[Block]) -> str | None:
    """The language holding most of the chunk's characters."""
    weights: Tally[str] = Tally()
    for b in blocks:
        if b.language:
            weights[b.language] += len(b.text)
    return weights.most_common(1)[0][0] if weights else None


def chunk_structure(doc: Document, config: ChunkerConfig, counter: TokenCounter) -> list[Chunk]:
    """Structure-aware chunks of one document (see the module docstring for the rules)."""
    return StructureChunker(doc, config, counter).run()
