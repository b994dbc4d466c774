"""The exceptions that mean "the user asked for something that cannot be done", as opposed
to bugs: the CLI prints these as one line and exits non-zero."""

from __future__ import annotations


def user_errors() -> tuple[type[BaseException], ...]:
    from indexer.manifest import IndexError_
    from indexer.pipeline import IngestError
    from loaders import LoadError

    errors: list[type[BaseException]] = [IndexError_, IngestError, LoadError, ValueError,
                                         FileNotFoundError, PermissionError]
    try:
        from indexer.models import ModelNotInstalledError

        errors.append(ModelNotInstalledError)
    except ImportError:  # pragma: no cover - models package always present
        pass
    return tuple(errors)
