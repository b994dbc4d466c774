"""Retrieval quality of tokenizer variants: `python -m indexer.harness.measure.bm25`.

Reads the shared data sets in place (never copies them):
  xquad-hi, xquad-en, mediqa-dev   BEIR layout; graded nDCG@10 (linear gain, as trec_eval)
  flores-nb-<lang>                 derived from flores-xling for all nine languages: the 1,004
      FLORES sentences of one language form the corpus; each sentence is a query whose relevant
      documents are the sentences within two positions of it in the same FLORES article
      (same SIB category), the query itself excluded by the search filter. A pseudo-relevance
      task: it measures lexical matching of the same entities in differently inflected forms,
      which is what stemming and suffix stripping are for, in languages with no other data.
Variants: (a) bm25s's default tokenizer (\\b\\w\\w+\\b, lowercase, English stopwords), scored by
bm25s with the same BM25 parameters; (b)-(e) and the extra rows are TokenizerConfigs run
through BM25Index. Results are in MEASUREMENTS.md.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

import bm25s
import numpy as np

from indexer.bm25.config import LANGUAGES, BM25Params, TokenizerConfig
from indexer.bm25.index import BM25Index
from indexer.paths import shared_datasets
from indexer.settings import settings

_DEFAULT_DATA = shared_datasets()
DATA = settings().path("datasets") or _DEFAULT_DATA
K = 10

# Variants (b)-(e) start from plain Unicode tokens; nukta folding and ZWNJ splitting, which
# the defaults switch on, are measured separately.
BASE = TokenizerConfig(stem=False, suffix_strip=False, stopwords=False, fold_nukta=False,
                       zero_width="drop")
VARIANTS: dict[str, TokenizerConfig | None] = {
    "a bm25s default": None,
    "b unicode tokens": BASE,
    "c +stopwords": replace(BASE, stopwords=True),
    "d +stem": replace(BASE, stopwords=True, stem=True),
    "e +suffix strip": replace(BASE, stopwords=True, stem=True, suffix_strip=True),
    "e' strip, no stopwords": replace(BASE, stem=True, suffix_strip=True),
    "d +1-letter latin": replace(BASE, stopwords=True, stem=True, keep_single_latin=True),
    "d +nukta fold": replace(BASE, stopwords=True, stem=True, fold_nukta=True),
    "d ZWNJ splits": replace(BASE, stopwords=True, stem=True, zero_width="split"),
    "d no digit fold": replace(BASE, stopwords=True, stem=True, fold_digits=False),
    "d auto-detect": replace(BASE, stopwords=True, stem=True),
    "d auto-union": replace(BASE, stopwords=True, stem=True, auto_devanagari="union"),
    "e +nukta fold": replace(BASE, stopwords=True, stem=True, suffix_strip=True, fold_nukta=True),
    "e +ZWNJ splits": replace(BASE, stopwords=True, stem=True, suffix_strip=True,
                              zero_width="split"),
    "f defaults (e +nukta +ZWNJ)": TokenizerConfig(),
    "f defaults, auto-detect": TokenizerConfig(),
}
AUTO = {"d auto-detect", "d auto-union", "f defaults, auto-detect"}  # languages not given: detected per text


@dataclass
class Task:
    name: str
    doc_ids: list[str]
    doc_texts: list[str]
    doc_langs: list[str | None]
    queries: dict[str, tuple[str, str | None]]  # qid -> (text, language)
    qrels: dict[str, dict[str, int]]
    exclude_self: bool = False


def _jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def beir_task(name: str) -> Task:
    root = DATA / name
    docs = _jsonl(root / "corpus.jsonl")
    qrels: dict[str, dict[str, int]] = {}
    lines = (root / "qrels" / "test.tsv").read_text(encoding="utf-8").splitlines()[1:]
    for line in lines:
        qid, did, grade = line.split("\t")
        qrels.setdefault(qid, {})[did] = int(grade)
    queries = {q["_id"]: (q["text"], q.get("lang")) for q in _jsonl(root / "queries.jsonl")
               if q["_id"] in qrels}
    texts = [(d.get("title", "") + "\n" + d["text"]).strip() for d in docs]
    return Task(name, [d["_id"] for d in docs], texts, [d.get("lang") for d in docs],
                queries, qrels)


def flores_tasks(languages: tuple[str, ...]) -> list[Task]:
    root = DATA / "flores-xling"
    rows = _jsonl(root / "corpus.jsonl") + _jsonl(root / "queries.jsonl")
    tasks = []
    for lang in languages:
        sents = [r for r in rows if r["_id"].startswith(lang + "-")]
        num = {r["_id"]: int(r["_id"].split("-")[1]) for r in sents}
        by_num = {num[r["_id"]]: r for r in sents}
        cat = {r["_id"]: r.get("category") for r in sents}
        if not by_num:
            continue
        qrels = {}
        for r in sents:
            n = num[r["_id"]]
            rel = {by_num[n + d]["_id"]: 1 for d in (-2, -1, 1, 2)
                   if n + d in by_num and cat[by_num[n + d]["_id"]] == cat[r["_id"]]}
            if rel:
                qrels[r["_id"]] = rel
        tasks.append(Task(f"flores-nb-{lang}", [r["_id"] for r in sents],
                          [r["text"] for r in sents], [lang] * len(sents),
                          {q: (by_num[num[q]]["text"], lang) for q in qrels}, qrels,
                          exclude_self=True))
    return tasks


def run_index(task: Task, config: TokenizerConfig, auto: bool) -> dict[str, dict[str, float]]:
    config = replace(config, language="auto")
    langs = None if auto else task.doc_langs
    index = BM25Index(config, BM25Params()).build(task.doc_texts, range(len(task.doc_ids)), langs)
    pos = {d: i for i, d in enumerate(task.doc_ids)}
    mask = np.ones(len(task.doc_ids), bool)
    run = {}
    for qid, (text, lang) in task.queries.items():
        allowed = None
        if task.exclude_self:
            mask[pos[qid]] = False
            allowed = mask
        ids, scores = index.search(text, K, allowed=allowed, language=None if auto else lang)
        if task.exclude_self:
            mask[pos[qid]] = True
        run[qid] = {task.doc_ids[i]: float(s) for i, s in zip(ids, scores, strict=True)}
    return run


def run_bm25s_default(task: Task) -> dict[str, dict[str, float]]:
    p = BM25Params()
    retriever = bm25s.BM25(k1=p.k1, b=p.b, method=p.method)
    retriever.index(bm25s.tokenize(task.doc_texts, show_progress=False), show_progress=False)
    qids = list(task.queries)
    q_tokens = bm25s.tokenize([task.queries[q][0] for q in qids], show_progress=False)
    k = min(K + 1, len(task.doc_ids))
    docs, scores = retriever.retrieve(q_tokens, k=k, show_progress=False)
    pos = {d: i for i, d in enumerate(task.doc_ids)}
    run = {}
    for qi, qid in enumerate(qids):
        hits = [(task.doc_ids[d], float(s)) for d, s in zip(docs[qi], scores[qi], strict=True)
                if s > 0 and not (task.exclude_self and d == pos[qid])]
        run[qid] = dict(hits[:K])
    return run


def evaluate(task: Task, run: dict[str, dict[str, float]]) -> tuple[float, float]:
    """Mean nDCG@10 and Recall@10 over the task's queries (a query with no hits scores 0)."""
    import pytrec_eval

    run = {q: (r if r else {"__none__": 0.0}) for q, r in run.items()}
    evaluator = pytrec_eval.RelevanceEvaluator(task.qrels, {"ndcg_cut.10", "recall.10"})
    res = evaluator.evaluate(run)
    n = len(task.qrels)
    ndcg = sum(res.get(q, {}).get("ndcg_cut_10", 0.0) for q in task.qrels) / n
    recall = sum(res.get(q, {}).get("recall_10", 0.0) for q in task.qrels) / n
    return ndcg, recall


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--variants", nargs="*", help="variant names (default: all)")
    ap.add_argument("--flores", nargs="*", default=list(LANGUAGES), help="flores languages")
    ap.add_argument("--no-beir", action="store_true", help="skip xquad/mediqa")
    ap.add_argument("--json", type=Path, help="also write results as JSON here")
    args = ap.parse_args(argv)
    if not DATA.is_dir():
        print(f"no data sets at {DATA}", file=sys.stderr)
        return 1
    tasks = [] if args.no_beir else [beir_task(n) for n in ("xquad-hi", "xquad-en", "mediqa-dev")]
    tasks += flores_tasks(tuple(args.flores))
    names = args.variants or list(VARIANTS)
    results: dict[str, dict[str, tuple[float, float]]] = {}
    for name in names:
        t0 = time.perf_counter()
        config = VARIANTS[name]
        results[name] = {}
        for task in tasks:
            run = run_bm25s_default(task) if config is None else run_index(
                task, config, auto=name in AUTO)
            results[name][task.name] = evaluate(task, run)
        print(f"# {name}: {time.perf_counter() - t0:.1f}s", file=sys.stderr)
    cols = [t.name for t in tasks]
    print("nDCG@10 / Recall@10\n")
    print("| variant | " + " | ".join(cols) + " |")
    print("|---|" + "---|" * len(cols))
    for name in names:
        cells = [f"{results[name][c][0]:.3f} / {results[name][c][1]:.3f}" for c in cols]
        print(f"| {name} | " + " | ".join(cells) + " |")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
