"""`indexer serve`: the retrieval service over HTTP (FastAPI + uvicorn, Prometheus metrics).

    from indexer.server import ServerSettings, create_app

FastAPI, uvicorn and prometheus-client are in the core; the index never imports this package.
"""

from indexer.server.settings import ServerSettings

__all__ = ["ServerSettings", "create_app"]


def create_app(settings: ServerSettings):  # noqa: ANN201 - FastAPI is an optional import
    from indexer.server.app import create_app as build

    return build(settings)
