"""Curricula: course → module → lesson → step, from YAML, JSON or CSV.

Each lesson becomes a Document (id `<file id>#<lesson id>`) and each step a STEP block
whose section is [course, module, lesson]. Language and audience tags may sit on any
level; the nearest one wins. The format is documented in corpora/curricula/README.md.
A .yaml/.json/.csv file that is not a curriculum raises UnsupportedFormat, so ingest
reports it as skipped rather than failed.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from pathlib import Path
from typing import Any

from loaders.errors import LoadError, UnsupportedFormat
from loaders.language import LANGUAGES
from loaders.model import Block, BlockKind
from loaders.normalize import collapse_lines, normalize_text
from loaders.parsed import Parsed

CSV_REQUIRED = ("course", "module", "lesson", "step")
_SLUG = re.compile(r"[^\w\u0900-\u0dff]+")


def slug(text: str) -> str:
    """A readable id from a title: lower case, words joined by '-', Indic letters kept."""
    return _SLUG.sub("-", unicodedata.normalize("NFC", text).lower()).strip("-")[:60]


class _Spec:
    """Reads one node of the tree, with the path to it for error messages."""

    def __init__(self, path: Path, node: Any, where: str) -> None:
        if not isinstance(node, dict):
            raise LoadError(path, f"{where}: expected a mapping, got {type(node).__name__}")
        self.path, self.node, self.where = path, node, where

    def text(self, key: str, required: bool = True) -> str | None:
        value = self.node.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                raise LoadError(self.path, f"{self.where}: missing '{key}'")
            return None
        if not isinstance(value, str | int | float):
            raise LoadError(self.path, f"{self.where}: '{key}' must be text")
        return collapse_lines(str(value))

    def items(self, key: str) -> list[Any]:
        value = self.node.get(key)
        if not isinstance(value, list) or not value:
            raise LoadError(self.path, f"{self.where}: '{key}' must be a non-empty list")
        return value

    def tags(self, inherited: dict[str, Any]) -> dict[str, Any]:
        """language / audience / tags of this level, falling back to the parent's."""
        out = dict(inherited)
        lang = self.node.get("language")
        if lang is not None:
            if lang not in LANGUAGES:
                raise LoadError(self.path, f"{self.where}: language {lang!r} is not one of "
                                           f"{', '.join(LANGUAGES)}")
            out["language"] = lang
        for key in ("audience", "tags"):
            value = self.node.get(key)
            if value is not None:
                out[key] = _as_list(value)
        return out


def _as_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [v.strip() for v in re.split(r"[;,]", value) if v.strip()]
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [str(value)]


def _unique(path: Path, ids: list[str], what: str) -> None:
    seen: set[str] = set()
    for i in ids:
        if i in seen:
            raise LoadError(path, f"two {what}s have the id {i!r}: ids must be unique")
        seen.add(i)


def from_tree(path: Path, tree: Any) -> Parsed:
    """A curriculum from parsed YAML/JSON: {'course': {...}} or the course mapping itself."""
    if isinstance(tree, dict) and isinstance(tree.get("course"), dict):
        tree = tree["course"]
    if not isinstance(tree, dict) or "modules" not in tree:
        raise UnsupportedFormat(path, "not a curriculum (no 'course' with 'modules'; see "
                                      "corpora/curricula/README.md)")
    course = _Spec(path, tree, "course")
    course_title = course.text("title")
    course_id = course.text("id", required=False) or slug(course_title or "")
    tags = course.tags({"audience": [], "tags": []})
    lessons: list[tuple[str, Parsed]] = []
    for m, m_node in enumerate(course.items("modules"), 1):
        module = _Spec(path, m_node, f"module {m}")
        m_title = module.text("title")
        m_id = module.text("id", required=False) or slug(m_title or "") or f"m{m}"
        m_tags = module.tags(tags)
        for n, l_node in enumerate(module.items("lessons"), 1):
            lesson = _Spec(path, l_node, f"module {m_id!r} lesson {n}")
            l_title = lesson.text("title")
            l_id = lesson.text("id", required=False) or slug(l_title or "") or f"{m_id}-l{n}"
            l_tags = lesson.tags(m_tags)
            section = [course_title or "", m_title or "", l_title or ""]
            blocks: list[Block] = []
            summary = lesson.text("summary", required=False)
            if summary:
                blocks.append(Block(kind=BlockKind.PARAGRAPH, text=summary, section=section,
                                    language=l_tags.get("language"),
                                    metadata={"role": "summary"}))
            for s, s_node in enumerate(lesson.items("steps"), 1):
                if isinstance(s_node, str | int | float):
                    s_node = {"text": str(s_node)}
                step = _Spec(path, s_node, f"lesson {l_id!r} step {s}")
                blocks.append(_step(step.text("text") or "", step.text("title", False),
                                    step.tags(l_tags), section, course_id, m_id, l_id, s))
            lessons.append((l_id, _lesson(blocks, l_title, l_tags, course_id, course_title,
                                          m_id, m_title)))
    return _course(path, lessons, course_title, tags)


def _step(text: str, title: str | None, tags: dict[str, Any], section: list[str],
          course_id: str, module_id: str, lesson_id: str, number: int) -> Block:
    body = normalize_text(f"{title}\n{text}" if title else text)
    meta: dict[str, Any] = {"course_id": course_id, "module_id": module_id,
                            "lesson_id": lesson_id, "step": number}
    if title:
        meta["title"] = title
    for key in ("audience", "tags"):
        if tags.get(key):
            meta[key] = list(tags[key])
    return Block(kind=BlockKind.STEP, text=body, section=list(section),
                 language=tags.get("language"), metadata=meta)


def _lesson(blocks: list[Block], title: str | None, tags: dict[str, Any], course_id: str,
            course_title: str | None, module_id: str, module_title: str | None) -> Parsed:
    meta: dict[str, Any] = {"course_id": course_id, "course": course_title,
                            "module_id": module_id, "module": module_title,
                            "steps": sum(b.kind == BlockKind.STEP for b in blocks)}
    for key in ("audience", "tags"):
        if tags.get(key):
            meta[key] = list(tags[key])
    return Parsed(blocks=blocks, title=title, language=tags.get("language"), metadata=meta)


def _course(path: Path, lessons: list[tuple[str, Parsed]], title: str | None,
            tags: dict[str, Any]) -> Parsed:
    _unique(path, [i for i, _ in lessons], "lesson")
    blocks = [b for _, part in lessons for b in part.blocks]
    meta: dict[str, Any] = {"lessons": [i for i, _ in lessons]}
    if tags.get("audience"):
        meta["audience"] = list(tags["audience"])
    return Parsed(blocks=blocks, title=title, language=tags.get("language"), metadata=meta,
                  parts=lessons)


def from_csv(path: Path, text: str) -> Parsed:
    """One row per step, in order; columns course, module, lesson, step (required) and
    course_id, module_id, lesson_id, step_title, language, audience, tags (optional)."""
    sample = text[:4096]
    try:
        dialect: Any = csv.Sniffer().sniff(sample.splitlines()[0], delimiters=",;\t")
    except (csv.Error, IndexError):
        dialect = csv.excel
    # newline="" hands line endings to csv untranslated: quoted fields keep their line breaks,
    # and a bare \r (Excel for Mac's line ending) ends a record instead of raising.
    reader = csv.DictReader(io.StringIO(text, newline=""), dialect=dialect)
    try:
        return _csv_rows(path, reader)
    except csv.Error as exc:
        raise LoadError(path, f"line {reader.line_num}: malformed CSV ({exc})") from None


def _csv_rows(path: Path, reader: csv.DictReader) -> Parsed:
    header = [h.strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in CSV_REQUIRED if c not in header]
    if missing:
        raise UnsupportedFormat(path, f"not a curriculum CSV (missing column(s) "
                                      f"{', '.join(missing)}; see corpora/curricula/README.md)")
    courses: dict[str, dict[str, Any]] = {}
    for line_no, raw in enumerate(reader, 2):
        if None in raw:
            raise LoadError(path, f"line {line_no}: more fields than columns (put text that "
                                  "contains the delimiter in double quotes)")
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()
               if isinstance(v, str)}
        if not any(row.values()):
            continue
        for col in CSV_REQUIRED:
            if not row.get(col):
                raise LoadError(path, f"line {line_no}: empty '{col}'")
        course = courses.setdefault(row["course"], {
            "title": row["course"], "id": row.get("course_id") or None, "modules": {}})
        module = course["modules"].setdefault(row["module"], {
            "title": row["module"], "id": row.get("module_id") or None, "lessons": {}})
        lesson = module["lessons"].setdefault(row["lesson"], {
            "title": row["lesson"], "id": row.get("lesson_id") or None, "steps": []})
        step: dict[str, Any] = {"text": row["step"]}
        for key in ("language", "audience", "tags"):
            if row.get(key):
                step[key] = row[key]
        if row.get("step_title"):
            step["title"] = row["step_title"]
        lesson["steps"].append(step)
    if len(courses) != 1:
        raise LoadError(path, f"a curriculum CSV holds one course; found {len(courses)}")
    course = next(iter(courses.values()))
    tree = {**{k: v for k, v in course.items() if k != "modules" and v},
            "modules": [{**{k: v for k, v in m.items() if k != "lessons" and v},
                         "lessons": [{k: v for k, v in les.items() if v}
                                     for les in m["lessons"].values()]}
                        for m in course["modules"].values()]}
    parsed = from_tree(path, tree)
    for _, lesson_parsed in parsed.parts:  # CSV tags sit on steps: lift a shared one
        langs = {b.language for b in lesson_parsed.blocks}
        if len(langs) == 1 and None not in langs:
            lesson_parsed.language = langs.pop()
    return parsed


def parse_curriculum_file(path: Path, data: bytes) -> Parsed:
    """Dispatch on the extension; YAML needs PyYAML (safe loader only)."""
    from loaders.text import DecodeError, decode

    try:
        text, _ = decode(data)
    except DecodeError as exc:
        raise LoadError(path, str(exc)) from None
    ext = path.suffix.lower()
    if ext == ".csv":
        return from_csv(path, text)
    if ext == ".json":
        try:
            tree = json.loads(text)
        except json.JSONDecodeError as exc:
            raise LoadError(path, f"invalid JSON ({exc})") from None
        return from_tree(path, tree)
    try:
        import yaml
    except ImportError:
        raise LoadError(path, "YAML curricula need PyYAML (pip install PyYAML)") from None
    try:
        tree = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise LoadError(path, f"invalid YAML ({exc})".replace("\n", " ")) from None
    return from_tree(path, tree)
