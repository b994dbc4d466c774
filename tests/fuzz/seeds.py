"""Seed inputs, built by code: small valid files of every format, and a small index.

Nothing binary is checked in; each seed is made from the sample corpus and the loaders'
sample texts, so it stays in step with them.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "corpora" / "sample"
CURRICULA = ROOT / "corpora" / "curricula"

HTML = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>ORS at home</title></head>
<body><h1>Oral rehydration at home</h1>
<p>Give ORS after every loose stool. Mix one packet in one litre of clean water.</p>
<h2>Danger signs</h2><ul><li>Blood in stool</li><li>Not able to drink</li></ul>
<table><tr><th>Age</th><th>ORS after each stool</th></tr>
<tr><td>Under 2 years</td><td>50 to 100 ml</td></tr></table>
<p lang="hi">हर पतले दस्त के बाद ओआरएस का घोल दें।</p></body></html>
"""


def pdf_seeds() -> list[bytes]:
    import pymupdf

    from loaders import samples

    out: list[bytes] = []
    if samples.fonts_available(("en", "hi")):
        out += [samples.text_layer_pdf("en", pages=2), samples.text_layer_pdf("hi"),
                samples.table_pdf(), samples.two_column_pdf("en")]
    doc = pymupdf.open()  # base-14 font only: works without the Noto fonts
    page = doc.new_page()
    page.insert_text((72, 72), "Hand washing", fontsize=18)
    page.insert_text((72, 110), "Wash your hands with soap for twenty seconds.", fontsize=11)
    out.append(doc.tobytes())
    out.append(doc.tobytes(encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="secret",
                           owner_pw="owner"))
    return out


def docx_seed() -> bytes:
    import docx

    d = docx.Document()
    d.add_heading("Newborn care", level=1)
    d.add_paragraph("Keep the baby warm and dry. Wash your hands before touching the baby.")
    d.add_heading("Danger signs", level=2)
    d.add_paragraph("Poor feeding", style="List Bullet")
    d.add_paragraph("नवजात शिशु को गर्म रखें।")
    table = d.add_table(rows=2, cols=2)
    for i, row in enumerate([("Sign", "Action"), ("Fever", "Go to the clinic")]):
        for j, text in enumerate(row):
            table.cell(i, j).text = text
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def pptx_seed() -> bytes:
    import pptx

    prs = pptx.Presentation()
    for title, body in [("Hand washing", "Use soap and water for twenty seconds."),
                        ("ORS", "Give ORS after every loose stool.")]:
        slide = prs.slides.add_slide(prs.slide_layouts[1])
        slide.shapes.title.text = title
        slide.placeholders[1].text = body
    buf = io.BytesIO()
    prs.save(buf)
    return buf.getvalue()


def _sample(*names: str) -> list[bytes]:
    return [(SAMPLE / n).read_bytes() for n in names if (SAMPLE / n).is_file()]


def curriculum_seeds() -> dict[str, list[bytes]]:
    import yaml

    yml = (CURRICULA / "newborn-home-care.en.yaml").read_bytes()
    data = yaml.safe_load(yml)
    return {
        "yaml": [yml],
        "json": [json.dumps(data, ensure_ascii=False).encode()],
        "csv": [(CURRICULA / "diarrhoea-home-care.hi.csv").read_bytes()],
    }


def file_seeds() -> dict[str, list[bytes]]:
    """Format (the file extension) → seed files."""
    seeds: dict[str, list[bytes]] = {
        "pdf": pdf_seeds(),
        "docx": [docx_seed()],
        "pptx": [pptx_seed()],
        "html": [HTML.encode(), HTML.encode("utf-16")],
        "md": _sample("en/hand-washing.md", "hi/oral-rehydration.md", "ta/diabetes-diet.md"),
        "txt": _sample("en/tuberculosis-medicine.txt", "en/dengue-prevention.txt"),
    }
    seeds.update(curriculum_seeds())
    return seeds


def build_index(path: Path, embedder: object | None = None,
                files: tuple[str, ...] = ("en/hand-washing.md", "hi/oral-rehydration.md",
                                          "en/dengue-prevention.txt")) -> Path:
    """A small committed index at `path`, with the stub embedder (fast, no torch)."""
    import loaders
    from indexer.index import Index
    from tests.fuzz.stub import StubEmbedder

    embedder = embedder or StubEmbedder()
    index = Index.create(path, embedder=embedder)
    docs = [loaders.load(SAMPLE / f, root=SAMPLE) for f in files]
    index.add(docs)
    index.close()
    return path
