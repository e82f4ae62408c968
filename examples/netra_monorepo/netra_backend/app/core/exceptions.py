"""Backend error hierarchy; each error knows its HTTP status and error code."""
from __future__ import annotations


class NetraError(Exception):
    status_code = 500
    code = "internal_error"

    def __init__(self, message: str = "", **details: object) -> None:
        super().__init__(message or self.code)
        self.message = message or self.code
        self.details = details

    def to_dict(self) -> dict[str, object]:
        body: dict[str, object] = {"error": self.code, "message": self.message}
        if self.details:
            body["details"] = dict(self.details)
        return body


class AuthenticationError(NetraError):
    status_code = 401
    code = "unauthenticated"


class AuthorizationError(NetraError):
    status_code = 403
    code = "forbidden"


class NotFoundError(NetraError):
    status_code = 404
    code = "not_found"


class ConflictError(NetraError):
    status_code = 409
    code = "conflict"


class ValidationError(NetraError):
    status_code = 422
    code = "invalid_request"
