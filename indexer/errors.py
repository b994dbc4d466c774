"""The exceptions that mean "the user asked for something that cannot be done", as opposed
to bugs: the CLI prints these as one line and exits non-zero."""

from __future__ import annotations


class IndexerError(Exception):
    """Base of the project's own errors: catch this to catch any of them."""


class IndexOpenError(IndexerError):
    """An index directory that cannot be opened or written as asked (missing, damaged, built
    with another model, inconsistent); the message names the file and says why."""


def user_errors() -> tuple[type[BaseException], ...]:
    from indexer.ingestion.pipeline import IngestError
    from loaders import LoadError

    errors: list[type[BaseException]] = [IndexerError, IngestError, LoadError, ValueError,
                                         FileNotFoundError, PermissionError]
    try:
        from indexer.models import ModelNotInstalledError

        errors.append(ModelNotInstalledError)
    except ImportError:  # pragma: no cover - models package always present
        pass
    return tuple(errors)
