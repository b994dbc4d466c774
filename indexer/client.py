"""A Python client for `indexer serve`: the same `Hit` objects as `Index.search`.

    from indexer.client import IndexerClient
    client = IndexerClient("http://127.0.0.1:8000", api_key=None)
    hits = client.search("how do I keep the cord stump clean?", k=5)

Uses httpx (in the core). Errors carry the server's envelope code and message.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from indexer.hits import Hit


class ServerError(RuntimeError):
    """The server answered with an error envelope (or not at all)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message = status, code, message


class IndexerClient:
    def __init__(self, base_url: str, api_key: str | None = None, timeout: float = 30.0,
                 transport: Any = None) -> None:
        import httpx

        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._http = httpx.Client(base_url=base_url.rstrip("/"), headers=headers,
                                  timeout=timeout, transport=transport)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> IndexerClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        import httpx

        try:
            response = self._http.request(method, path, json=body)
        except httpx.HTTPError as exc:
            raise ServerError(0, "unreachable", str(exc)) from None
        data = response.json() if response.content else {}
        if response.status_code >= 400:
            err = data.get("error", {}) if isinstance(data, dict) else {}
            raise ServerError(response.status_code, err.get("code", "error"),
                              err.get("message", response.text[:200]))
        return data

    def search(self, query: str, k: int = 10, mode: str = "hybrid", *,
               filters: Mapping[str, Any] | None = None, rerank: str | None = None,
               min_score: float | None = None, index: str | None = None,
               feedback: bool | None = None) -> list[Hit]:
        """`feedback=False` turns query-vector feedback off (None: the server's default)."""
        return [Hit(**h) for h in self.search_raw(query, k, mode, filters=filters,
                                                  rerank=rerank, min_score=min_score,
                                                  index=index, feedback=feedback)["hits"]]

    def search_raw(self, query: str, k: int = 10, mode: str = "hybrid", **options: Any
                   ) -> dict[str, Any]:
        """The whole response: hits, the index and generation that answered, took_ms."""
        body = {"query": query, "k": k, "mode": mode,
                **{key: v for key, v in options.items() if v is not None}}
        return self._call("POST", "/v1/search", body)

    def search_batch(self, queries: Sequence[str | Mapping[str, Any]], **common: Any
                     ) -> list[list[Hit]]:
        items = [{"query": q, **common} if isinstance(q, str) else {**common, **q}
                 for q in queries]
        data = self._call("POST", "/v1/search/batch", {"queries": items})
        return [[Hit(**h) for h in r["hits"]] for r in data["results"]]

    def indexes(self) -> list[dict[str, Any]]:
        return self._call("GET", "/v1/indexes")["indexes"]

    def ready(self) -> bool:
        import httpx

        try:
            return self._http.get("/readyz").status_code == 200
        except httpx.HTTPError:
            return False
