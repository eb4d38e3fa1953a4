"""The Graph errors this package raises; the route layer renders them as Graph's envelope."""

from __future__ import annotations

NOT_FOUND_MESSAGE = "The specified object was not found in the store."
FILTER_NOT_SUPPORTED = "This filter query is not supported."


class RequestProblem(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def bad_request(message: str, *, code: str = "BadRequest") -> RequestProblem:
    return RequestProblem(400, code, message)


def not_found() -> RequestProblem:
    return RequestProblem(404, "ErrorItemNotFound", NOT_FOUND_MESSAGE)


def malformed_id() -> RequestProblem:
    return RequestProblem(400, "ErrorInvalidIdMalformed", "Id is malformed.")


def wrong_type(value: object, edm_type: str) -> RequestProblem:
    return RequestProblem(
        400,
        "RequestBodyRead",
        f"Cannot convert the literal '{value}' to the expected type '{edm_type}'.",
    )
