"""A request as the fake PSA's provider modules see it, and the reply they give."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from email.message import Message
from typing import Any
from urllib.parse import parse_qs


@dataclass
class FakeRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: Message
    body: bytes
    base_url: str  # how clients reach this server, e.g. http://127.0.0.1:8765

    def param(self, name: str, default: str = "") -> str:
        values = self.query.get(name)
        return values[0] if values else default

    def header(self, name: str) -> str:
        return self.headers.get(name, "") or ""

    def json(self, *, error: Any) -> Any:
        """The JSON body, or the provider's 400 (`error` is its error body) when it is not JSON."""
        if "json" not in self.header("Content-Type"):
            raise HttpError(415, error)
        try:
            return json.loads(self.body)
        except ValueError:
            raise HttpError(400, error) from None

    def form(self) -> dict[str, str]:
        return {key: values[0] for key, values in parse_qs(self.body.decode("utf-8", "replace")).items()}


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    html: str | None = None

    def encoded(self) -> tuple[bytes, str]:
        if self.html is not None:
            return self.html.encode("utf-8"), "text/html; charset=utf-8"
        if self.body is None:
            return b"", "application/json"
        return json.dumps(self.body).encode("utf-8"), "application/json; charset=utf-8"


class HttpError(Exception):
    """Raised by a provider module to answer `status` with `body` (that provider's error shape)."""

    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None):
        super().__init__(status)
        self.reply = Reply(status=status, body=body, headers=headers or {})
