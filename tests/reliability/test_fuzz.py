"""Small fuzz runs (the 10,000-input campaign is `python -m tests.fuzz.run_fuzz`), and the
crashers earlier campaigns found, kept as regression tests."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import loaders
from loaders import LoadError
from tests.fuzz import run_fuzz, seeds
from tests.fuzz.mutate import mutate


def _outcome(path: Path) -> str:
    """ok, or the clear error; raises AssertionError for anything a loader did not mean."""
    try:
        loaders.load_all(path, root=path.parent)
    except LoadError as exc:
        assert exc.reason, path
        cause = exc.__cause__
        if cause is not None and not isinstance(cause, LoadError | RecursionError |
                                                MemoryError):
            raise AssertionError(f"loader bug behind {exc.reason!r}") from cause
        return "error"
    return "ok"


@pytest.fixture(scope="module")
def file_seeds() -> dict[str, list[bytes]]:
    return seeds.file_seeds()


@pytest.mark.parametrize("fmt", ["md", "txt", "yaml", "json", "csv"])
def test_mutated_text_formats_load_or_fail_clearly(fmt, file_seeds, tmp_path) -> None:
    """In-process (fast), 40 seeded mutations per format."""
    rng = random.Random(f"regress-{fmt}")
    for i in range(40):
        data = mutate(rng, fmt, rng.choice(file_seeds[fmt]))
        path = tmp_path / f"in{i}.{fmt}"
        path.write_bytes(data)
        _outcome(path)


_bytes = st.binary(max_size=3000)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(ext=st.sampled_from(["md", "txt", "yaml", "json"]), data=_bytes)
def test_arbitrary_bytes_load_or_fail_clearly(tmp_path, ext, data) -> None:
    path = tmp_path / f"x.{ext}"
    path.write_bytes(data)
    _outcome(path)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(st.text(st.characters(exclude_characters="\r\x00",
                                                   exclude_categories=("Cs",)), max_size=30),
                         min_size=1, max_size=6), max_size=8))
def test_arbitrary_csv_tables(tmp_path, rows) -> None:
    import csv
    import io

    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["course", "module", "lesson", "step"])
    writer.writerows(rows)
    path = tmp_path / "c.csv"
    path.write_text(buf.getvalue(), encoding="utf-8")
    _outcome(path)


def test_regression_csv_bare_carriage_return(tmp_path) -> None:
    """Found by the fuzz campaign (6 inputs in 600): a bare \\r inside an unquoted field made
    csv raise past the loader. Now it ends a record, as in Excel for Mac's CSV files."""
    path = tmp_path / "course.csv"
    path.write_bytes(b"course,module,lesson,step\nC,M,L,Wash your\rhands\n")
    with pytest.raises(LoadError, match="line 3: empty 'module'"):
        loaders.load_all(path, root=path.parent)
    mac = tmp_path / "mac.csv"  # \r line endings throughout load as rows
    mac.write_bytes(b"course,module,lesson,step\rC,M,L,Wash your hands\rC,M,L,Dry them\r")
    docs = loaders.load_all(mac, root=tmp_path)
    assert [b.text for d in docs for b in d.blocks if "hands" in b.text or "Dry" in b.text]


@pytest.mark.slow
def test_harness_smoke(tmp_path, capsys) -> None:
    """The campaign runner end to end, on a few inputs of two formats and indexes."""
    code = run_fuzz.main(["--n", "12", "--formats", "md,pdf,index", "--timeout", "60",
                          "--out", str(tmp_path / "out")])
    summary = json.loads(capsys.readouterr().out)
    totals = summary["totals"]
    assert totals["inputs"] == 12
    assert totals["ok"] + totals["clear_error"] + totals.get("skipped", 0) + \
        totals.get("bug", 0) == 12
    assert set(summary["per_format"]) == {"md", "pdf", "index"}
    assert code == (1 if totals.get("bug") else 0)
