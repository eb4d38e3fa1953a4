from __future__ import annotations

import pytest

from openelements.kit import errors
from openelements.kit.errors import ElementsError, MethodNotAllowed, TooManyRequests


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (errors.BadRequest, 400),
        (errors.Unauthorized, 401),
        (errors.Forbidden, 403),
        (errors.NotFound, 404),
        (errors.MethodNotAllowed, 405),
        (errors.NotAcceptable, 406),
        (errors.Conflict, 409),
        (errors.PayloadTooLarge, 413),
        (errors.UnsupportedMediaType, 415),
        (errors.TooManyRequests, 429),
        (errors.InternalError, 500),
        (errors.ProviderError, 502),
    ],
)
def test_each_error_has_its_http_status(error: type[ElementsError], status: int) -> None:
    assert issubclass(error, ElementsError)
    assert error.status == status
    assert f" {status} " in errors.__doc__  # the drawn tree names it


def test_provider_message_is_kept_apart_from_our_message() -> None:
    error = errors.ProviderError("Provider server error", provider_message="ErrorX: down")
    assert (error.message, error.provider_message) == ("Provider server error", "ErrorX: down")
    assert str(error) == "Provider server error"


def test_method_not_allowed_names_the_allowed_methods() -> None:
    assert MethodNotAllowed("no", allow=["POST", "GET", "GET"]).headers() == {"Allow": "GET, POST"}


def test_too_many_requests_passes_retry_after_on() -> None:
    assert TooManyRequests("Too Many Requests", retry_after_seconds=7).headers() == {
        "Retry-After": "7"
    }
    assert TooManyRequests("Too Many Requests").headers() == {}
