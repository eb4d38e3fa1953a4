"""The one error tree of openelements.

Every failure a caller may see is one of these; `kit.error_responses` maps them to HTTP in one
place (body `{"requestId", "message"[, "providerMessage"]}`, spec §13).

    ElementsError                 500  base; never raised directly
    ├── BadRequest                400  bad bodies, parameters, CEQL, tokens; Graph 400
    ├── Unauthorized              401  credentials missing, wrong or not belonging together
    ├── Forbidden                 403  disabled instance; Graph 403
    ├── NotFound                  404  unknown ids and routes; unimplemented routes (D04)
    ├── MethodNotAllowed          405  known path, wrong method (sends `Allow`)
    ├── NotAcceptable             406  `Accept` cannot be satisfied (D63)
    ├── Conflict                  409  duplicates; Graph 409/412
    ├── PayloadTooLarge           413  request body over the configured limit
    ├── UnsupportedMediaType      415  non-JSON body on a JSON route (spec §2)
    ├── TooManyRequests           429  Graph throttling after retries (sends `Retry-After`, D78)
    ├── InternalError             500  unexpected failure; the message leaks no internals
    └── ProviderError             502  Graph / identity platform 5xx, network errors, timeouts (D79)

`message` is ours and safe to show; `provider_message` carries the provider's own words (D79)
and is shown as `providerMessage`. Neither may contain a secret, token or stack trace (D80).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

__all__ = [
    "BadRequest",
    "Conflict",
    "ElementsError",
    "Forbidden",
    "InternalError",
    "MethodNotAllowed",
    "NotAcceptable",
    "NotFound",
    "PayloadTooLarge",
    "ProviderError",
    "TooManyRequests",
    "Unauthorized",
    "UnsupportedMediaType",
]


class ElementsError(Exception):
    """Base of every error a caller may see. `status` is the HTTP status it maps to."""

    status: int = 500

    def __init__(self, message: str, *, provider_message: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.provider_message = provider_message

    def headers(self) -> Mapping[str, str]:
        """Extra response headers this error requires (e.g. `Allow`, `Retry-After`)."""
        return {}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


class BadRequest(ElementsError):
    status = 400


class Unauthorized(ElementsError):
    status = 401


class Forbidden(ElementsError):
    status = 403


class NotFound(ElementsError):
    status = 404


class MethodNotAllowed(ElementsError):
    status = 405

    def __init__(
        self, message: str, *, allow: Iterable[str] = (), provider_message: str | None = None
    ) -> None:
        super().__init__(message, provider_message=provider_message)
        self.allow = tuple(sorted(set(allow)))

    def headers(self) -> Mapping[str, str]:
        return {"Allow": ", ".join(self.allow)} if self.allow else {}


class NotAcceptable(ElementsError):
    status = 406


class Conflict(ElementsError):
    status = 409


class PayloadTooLarge(ElementsError):
    status = 413


class UnsupportedMediaType(ElementsError):
    status = 415


class TooManyRequests(ElementsError):
    status = 429

    def __init__(
        self,
        message: str,
        *,
        retry_after_seconds: int | None = None,
        provider_message: str | None = None,
    ) -> None:
        super().__init__(message, provider_message=provider_message)
        self.retry_after_seconds = retry_after_seconds

    def headers(self) -> Mapping[str, str]:
        if self.retry_after_seconds is None:
            return {}
        return {"Retry-After": str(self.retry_after_seconds)}


class InternalError(ElementsError):
    status = 500


class ProviderError(ElementsError):
    status = 502
