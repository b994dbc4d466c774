"""One error envelope for every failure: `{"error": {"code", "message"}}`."""

from __future__ import annotations

from typing import Any

CODES = {400: "bad_request", 401: "unauthorized", 404: "not_found", 413: "too_large",
         422: "invalid", 429: "overloaded", 500: "internal", 503: "unavailable"}


class ApiError(Exception):
    def __init__(self, status: int, message: str, code: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message = status, message
        self.code = code or CODES.get(status, "error")
        self.headers = headers or {}


def envelope(status: int, message: str, code: str | None = None) -> dict[str, Any]:
    return {"error": {"code": code or CODES.get(status, "error"), "message": message}}
