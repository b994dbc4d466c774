"""The house's import contract, read from the source (AST), so CI fails when it breaks.

Imports run one way: loaders ← chunkers ← indexer → rerankers, benchmarks. `loaders` imports
no other package of the project, `chunkers` only `loaders`, and `rerankers` and `benchmarks`
nothing of the project (they work on plain data). No module imports another module's private
name (`from x import _y`); tests may.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("loaders", "chunkers", "indexer", "rerankers", "benchmarks")
ALLOWED = {
    "loaders": set(),
    "chunkers": {"loaders"},
    "indexer": {"loaders", "chunkers", "rerankers", "benchmarks"},
    "rerankers": set(),
    "benchmarks": set(),
}


def _imports(path: Path) -> list[tuple[int, str, list[str]]]:
    """(line, module, imported names) for every import in a file, lazy ones included."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name, []) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append((node.lineno, node.module, [a.name for a in node.names]))
    return out


def _files(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", PACKAGES)
def test_imports_run_one_way(package: str) -> None:
    broken = []
    for path in _files(package):
        for line, module, _ in _imports(path):
            top = module.split(".")[0]
            if top in PACKAGES and top != package and top not in ALLOWED[package]:
                broken.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert not broken, "\n".join(broken)


def test_no_private_names_across_modules() -> None:
    broken = []
    for package in PACKAGES:
        for path in _files(package):
            own = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            for line, module, names in _imports(path):
                if module.split(".")[0] not in PACKAGES or module == own:
                    continue
                private = [n for n in names if n.startswith("_") and not n.startswith("__")]
                if private:
                    broken.append(f"{path.relative_to(ROOT)}:{line} imports {private} "
                                  f"from {module}")
    assert not broken, "\n".join(broken)


def test_contract_catches_a_violation(tmp_path: Path) -> None:
    """The checker itself can fail: a file that imports the index from benchmarks."""
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from indexer.index import Index, _hit\n")
    [(line, module, names)] = _imports(bad)
    assert module == "indexer.index" and "_hit" in names and line == 2


def test_public_api_exports_errors() -> None:
    import indexer
    from indexer.storage.manifest import IndexError_

    assert issubclass(indexer.IndexOpenError, indexer.IndexerError)
    assert IndexError_ is indexer.IndexOpenError  # the old name keeps working
    assert issubclass(indexer.IngestError, indexer.IndexerError)
    with pytest.raises(indexer.IndexOpenError, match="no such index"):
        indexer.Index.open(ROOT / "no-such-index")
    assert set(indexer.__all__) >= {"Index", "IndexOpenError", "DocumentScoring", "Candidates"}


# Inside `indexer`: the top layer runs the system and judges it (harness), or faces people
# and other programs (cli, server); the core under it never imports them.
TOP_LAYER = ("indexer.harness", "indexer.cli", "indexer.server")


def _module(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _in(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def test_core_never_imports_the_top_layer() -> None:
    broken = []
    for path in _files("indexer"):
        own = _module(path)
        if _in(own, TOP_LAYER) or own in ("indexer", "indexer.__main__"):
            continue
        for line, module, _ in _imports(path):
            if _in(module, TOP_LAYER):
                broken.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert not broken, "\n".join(broken)


def _module_level_imports(path: Path) -> set[str]:
    """Imports that run when the module is imported (not lazy ones, not TYPE_CHECKING)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
            out |= {f"{node.module}.{a.name}" for a in node.names}
    return out


@pytest.mark.parametrize("package", PACKAGES)
def test_no_import_cycles(package: str) -> None:
    modules = {_module(p): p for p in _files(package)}
    graph = {m: sorted(i for i in _module_level_imports(p) if i in modules and i != m)
             for m, p in modules.items()}
    # a package's __init__ importing its own submodules is how registries are built
    graph = {m: [i for i in deps if not i.startswith(m + ".")] for m, deps in graph.items()}
    state: dict[str, int] = {}
    cycles: list[str] = []

    def visit(m: str, stack: list[str]) -> None:
        state[m] = 1
        for n in graph[m]:
            if state.get(n) == 1:
                cycles.append(" -> ".join([*stack[stack.index(n):], n]))
            elif n not in state:
                visit(n, [*stack, n])
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m, [m])
    assert not cycles, "\n".join(cycles)


def test_old_module_paths_still_import_with_a_warning() -> None:
    import importlib
    import sys

    from indexer.deprecated import MOVED

    for old, new in MOVED.items():
        sys.modules.pop(old, None)
        with pytest.warns(DeprecationWarning, match="moved to"):
            mod = importlib.import_module(old)
        assert mod is importlib.import_module(new)


# Configuration: each package reads its environment variables in one settings module.
SETTINGS_MODULES = {"indexer/settings.py", "loaders/settings.py", "indexer/server/settings.py",
                    # where models are installed: the layout's one home, below indexer
                    "chunkers/tokens.py", "rerankers/device.py"}
# Set by an ingest for the isolated worker it spawns, never by a user.
INTERNAL_VARIABLES = {"INDEXER_WORKER_PARENT", "LOADERS_MAX_BYTES"}
# a read: environ.get("X"), getenv("X"), environ["X"] not being assigned
_ENV_READ = re.compile(r"""(?:(?:environ\.get|getenv)\s*\(\s*["']((?:INDEXER|LOADERS)_\w+)"""
                       r"""|environ\s*\[\s*["']((?:INDEXER|LOADERS)_\w+)["']\s*\](?!\s*=[^=]))""")


def test_environment_is_read_only_in_settings_modules() -> None:
    broken = []
    for package in PACKAGES:
        for path in _files(package):
            rel = path.relative_to(ROOT).as_posix()
            if rel in SETTINGS_MODULES:
                continue
            for found in _ENV_READ.findall(path.read_text(encoding="utf-8")):
                name = found[0] or found[1]
                if name not in INTERNAL_VARIABLES:
                    broken.append(f"{rel} reads {name}: declare it in a settings module")
    assert not broken, "\n".join(broken)


def test_every_setting_is_in_the_readme() -> None:
    import indexer.settings
    import loaders.settings
    from loaders.settings import documented

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    names = [v for cls in (indexer.settings.Settings, loaders.settings.Settings)
             for v, _, _ in documented(cls)]
    assert names and not [n for n in names if f"`{n}`" not in readme]


def test_the_environment_check_sees_reads_not_writes() -> None:
    assert _ENV_READ.findall('x = os.environ.get("INDEXER_X", "")')
    assert _ENV_READ.findall("if os.environ['LOADERS_Y'] == '1':")
    assert not _ENV_READ.findall('os.environ["LOADERS_Y"] = "0"')


def test_the_default_model_is_named_once_per_side_of_the_import_line() -> None:
    """chunkers cannot import indexer, so it keeps the name too: they must agree."""
    import chunkers.tokens
    import indexer.defaults

    assert chunkers.tokens.DEFAULT_MODEL == indexer.defaults.DEFAULT_MODEL
