from __future__ import annotations

from openelements.kit.error_responses import error_response, validation_message


def test_validation_message_lists_every_problem_d80() -> None:
    errors = [
        {"type": "missing", "loc": ("body", "name"), "msg": "Field required"},
        {"type": "string_type", "loc": ("body", "tags", 1), "msg": "Input should be a string"},
    ]
    assert validation_message(errors) == (
        "Invalid request body: name: required; tags[1]: input should be a string"
    )


def test_validation_message_for_query_parameters() -> None:
    errors = [{"type": "int_parsing", "loc": ("query", "page"), "msg": "Input should be int"}]
    assert validation_message(errors) == "Invalid query parameters: page: input should be int"


def test_validation_message_for_a_missing_body() -> None:
    errors = [{"type": "missing", "loc": ("body",), "msg": "Field required"}]
    assert validation_message(errors) == "Invalid request body: body: required"


def test_error_response_sets_request_id_header_and_body() -> None:
    response = error_response(
        status=409, message="exists", request_id="53dbca9430045c016b46566c", provider_message="x"
    )
    assert response.status_code == 409
    assert response.headers["Elements-Request-Id"] == "53dbca9430045c016b46566c"
    assert response.body == (
        b'{"requestId":"53dbca9430045c016b46566c","message":"exists","providerMessage":"x"}'
    )
