"""Curricula: the sample courses, the format's rules, and its error messages."""

from __future__ import annotations

import json

import pytest

import loaders
from loaders import BlockKind, LoadError, UnsupportedFormat
from tests.paths import ROOT

CURRICULA = ROOT / "corpora" / "curricula"


def test_english_yaml_sample() -> None:
    pytest.importorskip("yaml")
    path = CURRICULA / "newborn-home-care.en.yaml"
    docs = loaders.load_all(path, root=CURRICULA.parent)
    assert len(docs) == 9
    first = docs[0]
    assert first.id == "curricula/newborn-home-care.en.yaml#skin-to-skin"
    assert first.title == "Skin-to-skin contact after birth" and first.language == "en"
    assert first.blocks[0].metadata["role"] == "summary"
    steps = [b for b in first.blocks if b.kind == BlockKind.STEP]
    assert len(steps) == 4
    assert steps[0].section == ["Home care for newborns", "Keeping the baby warm",
                                "Skin-to-skin contact after birth"]
    assert steps[0].metadata["step"] == 1 and steps[0].metadata["lesson_id"] == "skin-to-skin"
    assert steps[0].metadata["audience"] == ["parents", "caregivers", "community-health-workers"]
    attach = next(d for d in docs if d.id.endswith("#good-attachment"))
    assert attach.metadata["audience"] == ["parents", "community-health-workers"]
    assert len({d.id for d in docs}) == len(docs)
    whole = loaders.load(path, root=CURRICULA.parent)
    assert whole.id == "curricula/newborn-home-care.en.yaml"
    assert whole.title == "Home care for newborns"
    assert len(whole.blocks) == sum(len(d.blocks) for d in docs)


def test_hindi_csv_sample() -> None:
    docs = loaders.load_all(CURRICULA / "diarrhoea-home-care.hi.csv", root=CURRICULA.parent)
    assert [d.id.split("#")[1] for d in docs] == ["make-ors", "give-ors", "feeding", "zinc",
                                                   "when-to-go"]
    assert all(d.language == "hi" for d in docs)
    give = docs[1]
    assert [b.language for b in give.blocks] == ["hi", "hi", "hi", "en"]
    assert give.blocks[-1].text.startswith("In English\nGive ORS")
    assert give.blocks[0].metadata["audience"] == ["माता-पिता"]
    assert give.blocks[0].section[0] == "बच्चों में दस्त: घर पर देखभाल"


def test_json_tree_with_inheritance_and_default_ids(tmp_path) -> None:
    tree = {"title": "Cours", "language": "id", "audience": "kader; ibu", "modules": [
        {"title": "Air bersih", "lessons": [
            {"title": "Merebus air", "steps": ["Rebus air sampai mendidih.",
                                               {"text": "Wash hands.", "language": "en"}]},
        ]}]}
    path = tmp_path / "c.json"
    path.write_text(json.dumps(tree), encoding="utf-8")
    (doc,) = loaders.load_all(path, root=tmp_path)
    assert doc.id == "c.json#merebus-air" and doc.language == "id"
    assert [b.language for b in doc.blocks] == ["id", "en"]
    assert doc.blocks[0].metadata["audience"] == ["kader", "ibu"]
    assert doc.blocks[0].metadata["module_id"] == "air-bersih"


@pytest.mark.parametrize("tree, message", [
    ({"course": {"title": "T", "modules": []}}, "'modules' must be a non-empty list"),
    ({"course": {"title": "T", "modules": [{"title": "M", "lessons": [{"title": "L"}]}]}},
     "module 'm' lesson 1: 'steps' must be a non-empty list"),
    ({"course": {"modules": [{"title": "M"}]}}, "course: missing 'title'"),
    ({"course": {"title": "T", "language": "fr", "modules": [
        {"title": "M", "lessons": [{"title": "L", "steps": ["s"]}]}]}}, "language 'fr'"),
    ({"course": {"title": "T", "modules": [{"title": "M", "lessons": [
        {"id": "x", "title": "A", "steps": ["s"]}, {"id": "x", "title": "B", "steps": ["s"]}]}]}},
     "two lessons have the id 'x'"),
])
def test_invalid_curricula_name_the_problem(tmp_path, tree, message) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(tree), encoding="utf-8")
    with pytest.raises(LoadError, match=message):
        loaders.load_all(path)


def test_other_json_csv_yaml_are_skipped_not_failed(tmp_path) -> None:
    (tmp_path / "data.json").write_text('{"name": "not a course"}', encoding="utf-8")
    (tmp_path / "table.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    (tmp_path / "conf.yaml").write_text("key: value\n", encoding="utf-8")
    for name in ("data.json", "table.csv", "conf.yaml"):
        with pytest.raises(UnsupportedFormat, match="not a curriculum"):
            loaders.load_all(tmp_path / name)


def test_csv_errors(tmp_path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("course,module,lesson,step\nC,M,L,one, two\n", encoding="utf-8")
    with pytest.raises(LoadError, match="line 2: more fields than columns"):
        loaders.load_all(path)
    path.write_text("course,module,lesson,step\nC,M,,text\n", encoding="utf-8")
    with pytest.raises(LoadError, match="line 2: empty 'lesson'"):
        loaders.load_all(path)


def test_csv_semicolons_and_excel_bom(tmp_path) -> None:
    path = tmp_path / "c.csv"
    path.write_bytes("course;module;lesson;step\nC;M;L;Wash hands, then dry them.\n"
                     .encode("utf-8-sig"))
    (doc,) = loaders.load_all(path)
    assert doc.blocks[0].text == "Wash hands, then dry them." and doc.id == "c.csv#l"
