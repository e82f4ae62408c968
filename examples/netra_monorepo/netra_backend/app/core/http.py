"""A deliberately small request/response model used by routes and middleware."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from netra_backend.app.core.exceptions import NetraError, ValidationError


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    json: dict[str, Any] | None = None
    state: dict[str, Any] = field(default_factory=dict)

    def header(self, name: str, default: str | None = None) -> str | None:
        wanted = name.lower()
        for key, value in self.headers.items():
            if key.lower() == wanted:
                return value
        return default

    def require_fields(self, *names: str) -> dict[str, Any]:
        body = self.json or {}
        missing = [name for name in names if body.get(name) in (None, "")]
        if missing:
            raise ValidationError("missing required fields", fields=missing)
        return body


@dataclass
class Response:
    status: int
    body: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def ok(cls, body: dict[str, Any] | None = None, status: int = 200) -> "Response":
        return cls(status, body or {})

    @classmethod
    def from_error(cls, error: NetraError) -> "Response":
        return cls(error.status_code, error.to_dict())


Handler = Callable[[Request], Response]


def handle_errors(handler: Handler) -> Handler:
    """Turn ``NetraError`` raised by ``handler`` into an error response."""
    def wrapper(request: Request) -> Response:
        try:
            return handler(request)
        except NetraError as error:
            return Response.from_error(error)
    wrapper.__name__ = getattr(handler, "__name__", "handler")
    wrapper.__doc__ = handler.__doc__
    return wrapper
