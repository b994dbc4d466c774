"""Commands that show what the loaders and chunkers make of one file: load, chunk."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from indexer.cli.root import handle_errors, main, print_json


@main.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the Document(s) as JSON.")
@handle_errors
def load(file: Path, as_json: bool) -> None:
    """Show how FILE loads: its blocks, languages and sections, before ingesting it."""
    docs = _load_file(file)
    if as_json:
        data = [d.to_dict() for d in docs]
        print_json(data[0] if len(data) == 1 else data)
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
        print_json([c.to_dict() for c in chunks])
        return
    for c in chunks:
        pages = f"p.{c.page_start}" if c.page_start else ""
        click.echo(f"{c.id}  [{c.language or '?'}] {pages} {' > '.join(c.section)}")
        click.echo("    " + " ".join(c.text.split())[:200])


def _load_file(file: Path) -> list[Any]:
    from loaders.pdf.mupdf import skip_layout_model

    skip_layout_model()  # this process only loads: no layout model (~0.5 s, ~50 MB)
    import loaders

    load_all = getattr(loaders, "load_all", None)
    return load_all(file, root=file.parent) if load_all else [loaders.load(file,
                                                                           root=file.parent)]

