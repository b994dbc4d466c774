"""Commands on an index: ingest, search, info, check, delete."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from indexer.cli.root import handle_errors, main, print_json, progress_default
from indexer.defaults import DEFAULT_MODEL, MODES


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--index", "index_dir", required=True, type=click.Path(path_type=Path),
              help="Index directory (created if missing).")
@click.option("--model", default=DEFAULT_MODEL, show_default=True,
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
@click.option("--engine", type=click.Choice(["local", "ray"]), default="local",
              show_default=True,
              help="ray: parse and embed on a Ray Data cluster (pip install 'indexer[ray]'); "
                   "this process builds and commits the index.")
@click.option("--ray-address", default=None,
              help="Ray cluster to join (e.g. 10.0.0.5:6379, or auto); default: a private "
                   "local Ray on 127.0.0.1 for this ingest.")
@click.option("--progress/--no-progress", default=None, help="Show progress bars.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@handle_errors
def ingest(paths: tuple[Path, ...], index_dir: Path, model: str, prune: bool, pii: str,
           max_file_mb: float | None, max_pages: int | None, timeout: float | None,
           memory_mb: int | None, workers: int | None, commit_every: int | None,
           commit_seconds: float | None, engine: str, ray_address: str | None,
           progress: bool | None, as_json: bool) -> None:
    """Load, chunk, embed and index PATHS (files or folders) into --index."""
    from indexer.ingestion.limits import IngestLimits
    from indexer.ingestion.pipeline import COMMIT_EVERY, COMMIT_SECONDS
    from indexer.ingestion.pipeline import ingest as run_ingest

    progress = (progress_default() if progress is None else progress) and not as_json
    limits = IngestLimits.from_dict({"max_file_mb": max_file_mb, "max_pages": max_pages,
                                     "timeout_s": timeout, "memory_mb": memory_mb,
                                     "workers": workers})
    if ray_address and engine != "ray":
        raise click.UsageError("--ray-address needs --engine ray")
    if engine == "ray":
        from indexer.ingestion.ray_engine import ingest_ray

        report = ingest_ray(paths, index_dir, model=model, prune=prune, progress=progress,
                            limits=limits, pii=pii, commit_every=commit_every or COMMIT_EVERY,
                            address=ray_address)
    else:
        report = run_ingest(paths, index_dir, model=model, prune=prune, progress=progress,
                            limits=limits, pii=pii, commit_every=commit_every or COMMIT_EVERY,
                            commit_seconds=commit_seconds or COMMIT_SECONDS)
    if as_json:
        print_json(report.to_dict())
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
@click.option("--mode", type=click.Choice(MODES), default="hybrid",
              show_default=True)
@click.option("--lang", "languages", multiple=True, help="Only chunks in this language.")
@click.option("--doc", "doc_ids", multiple=True, help="Only chunks of this document id.")
@click.option("--section", default=None, help="Only chunks under this heading trail (A > B).")
@click.option("--tag", "tags", multiple=True, help="Only chunks with one of these tags.")
@click.option("--rerank", default=None, help="Rerank with this reranker (name or path).")
@click.option("--feedback/--no-feedback", default=True, show_default=True,
              help="Hybrid only: search dense again with the query moved toward the first "
                   "ranking's top passages.")
@click.option("--json", "as_json", is_flag=True, help="Print hits as a JSON list.")
@handle_errors
def search(index_dir: Path, query: str, k: int, mode: str, languages: tuple[str, ...],
           doc_ids: tuple[str, ...], section: str | None, tags: tuple[str, ...],
           rerank: str | None, feedback: bool, as_json: bool) -> None:
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
    hits = index.search(query, k=k, mode=mode, filters=filters or None, rerank=rerank,
                        feedback=feedback)
    if as_json:
        print_json([{key: h.to_dict()[key] for key in (
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
        print_json(data)
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
    from indexer.storage.check import check_index, format_report

    report = check_index(index_dir)
    if as_json:
        print_json(report.to_dict())
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
        print_json({**report.to_dict(), "not_found": missing})
    else:
        click.echo(f"removed {len(report.deleted)} documents ({report.chunks_removed} chunks)")
        for m in missing:
            click.echo(f"not found: {m}", err=True)
    if missing and not report.deleted:
        sys.exit(1)

