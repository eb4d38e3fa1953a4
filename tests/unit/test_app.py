"""The wire conventions of every response, through the real ASGI app (spec §2, §13, D01)."""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
from fastapi import APIRouter, Depends, Request, Response
from fastapi.testclient import TestClient
from pydantic import BaseModel

from openelements import migrations
from openelements.app import EXPOSED_HEADERS, create_app
from openelements.container import Container
from openelements.jobs.runtime import JobsRuntime
from openelements.kit.errors import Conflict, ProviderError
from openelements.kit.logging import configure_logging
from openelements.kit.negotiation import negotiates_own_content
from openelements.kit.openapi import requires_authorization
from openelements.settings import API_BASE_PATH, Settings

REQUEST_ID = re.compile(r"[0-9a-f]{24}")
JSON_TYPE = "application/json;charset=UTF-8"


class Widget(BaseModel):
    name: str
    tags: list[str] = []


@requires_authorization
def _credentials(request: Request) -> str:
    return request.headers.get("Authorization", "")


def _caller(credentials: str = Depends(_credentials)) -> str:
    return credentials


def _probe_router() -> APIRouter:
    router = APIRouter(prefix=f"{API_BASE_PATH}/probe")

    @router.get("/secured")
    async def secured(caller: str = Depends(_caller)) -> dict[str, bool]:
        return {"authorized": bool(caller)}

    @router.post("/widgets")
    async def create_widget(widget: Widget) -> Widget:
        return widget

    @router.post("/duplicate")
    async def duplicate() -> None:
        raise Conflict("Widget already exists")

    @router.get("/provider")
    async def provider() -> None:
        raise ProviderError("Provider server error", provider_message="ServiceUnavailable: busy")

    @router.get("/crash")
    async def crash() -> None:
        raise RuntimeError("boom at /srv/app.py password=hunter2")

    @router.delete("/widgets/{widget_id}")
    async def delete_widget(widget_id: int) -> dict[str, int]:
        return {"deleted": widget_id}

    @router.get("/file")
    @negotiates_own_content
    async def file() -> Response:
        return Response("a,b\n", media_type="text/csv")

    return router


def _settings(database_url: str, **overrides: object) -> Settings:
    key = base64.b64encode(b"k" * 32).decode()
    values: dict[str, object] = {
        "database_url": database_url,
        "encryption_keys": f"k1:{key}",
        "hmac_pepper": base64.b64encode(b"p" * 32).decode(),
        **overrides,
    }
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """One app for the module: these tests share no state but the request counters."""
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('app') / 'app.db'}"
    migrations.upgrade(url)
    app = create_app(_settings(url, max_body_bytes=1024), start_worker=False)
    app.include_router(_probe_router())
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def _assert_error(response: httpx2.Response, status: int) -> dict[str, str]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == JSON_TYPE
    body: dict[str, str] = response.json()
    assert REQUEST_ID.fullmatch(body["requestId"])
    assert response.headers["Elements-Request-Id"] == body["requestId"]
    assert set(body) <= {"requestId", "message", "providerMessage"}
    return body


def test_success_carries_a_request_id_and_the_documented_content_type(client: TestClient) -> None:
    response = client.post(f"{API_BASE_PATH}/probe/widgets", json={"name": "a"})
    assert response.status_code == 200
    assert response.headers["content-type"] == JSON_TYPE
    assert REQUEST_ID.fullmatch(response.headers["Elements-Request-Id"])


def test_each_request_gets_its_own_request_id(client: TestClient) -> None:
    ids = {client.get(API_BASE_PATH).headers["Elements-Request-Id"] for _ in range(3)}
    assert len(ids) == 3


def test_malformed_json_is_400_naming_the_problem(client: TestClient) -> None:
    response = client.post(
        f"{API_BASE_PATH}/probe/widgets",
        content=b'{"name": ',
        headers={"Content-Type": "application/json"},
    )
    assert "malformed JSON" in _assert_error(response, 400)["message"]


def test_validation_failure_is_400_listing_every_field(client: TestClient) -> None:
    response = client.post(f"{API_BASE_PATH}/probe/widgets", json={"tags": ["x", 3]})
    message = _assert_error(response, 400)["message"]
    assert message.startswith("Invalid request body: ")
    assert "name: required" in message
    assert "tags[1]: " in message


def test_validation_message_never_echoes_the_input(client: TestClient) -> None:
    response = client.post(f"{API_BASE_PATH}/probe/widgets", json={"name": ["s3cr3t-value"]})
    assert "s3cr3t-value" not in response.text
    _assert_error(response, 400)


def test_bad_path_parameter_is_400(client: TestClient) -> None:
    response = client.delete(f"{API_BASE_PATH}/probe/widgets/abc")
    assert "widget_id" in _assert_error(response, 400)["message"]


def test_unknown_route_is_404(client: TestClient) -> None:
    body = _assert_error(client.get(f"{API_BASE_PATH}/no/such/thing"), 404)
    assert body["message"] == f"No resource at GET {API_BASE_PATH}/no/such/thing"


def test_wrong_method_is_405_with_allow(client: TestClient) -> None:
    response = client.put(f"{API_BASE_PATH}/probe/widgets", json={"name": "a"})
    _assert_error(response, 405)
    assert response.headers["Allow"] == "POST"


def test_accept_without_json_is_406(client: TestClient) -> None:
    response = client.get(API_BASE_PATH, headers={"Accept": "text/csv"})
    _assert_error(response, 406)


def test_accept_with_json_among_others_is_fine(client: TestClient) -> None:
    response = client.get(API_BASE_PATH, headers={"Accept": "text/html, application/json;q=0.5"})
    assert response.status_code == 200


def test_endpoint_negotiating_its_own_content_skips_the_accept_check(client: TestClient) -> None:
    response = client.get(f"{API_BASE_PATH}/probe/file", headers={"Accept": "text/csv"})
    assert response.status_code == 200
    assert response.text == "a,b\n"


def test_service_conflict_is_409(client: TestClient) -> None:
    body = _assert_error(client.post(f"{API_BASE_PATH}/probe/duplicate"), 409)
    assert body["message"] == "Widget already exists"
    assert "providerMessage" not in body


def test_provider_error_is_502_with_the_provider_message(client: TestClient) -> None:
    body = _assert_error(client.get(f"{API_BASE_PATH}/probe/provider"), 502)
    assert body["providerMessage"] == "ServiceUnavailable: busy"


def test_body_over_the_limit_is_413(client: TestClient) -> None:
    response = client.post(f"{API_BASE_PATH}/probe/widgets", json={"name": "x" * 2000})
    _assert_error(response, 413)


def test_streamed_body_over_the_limit_is_413(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"name": "'
        yield b"x" * 2000
        yield b'"}'

    response = client.post(
        f"{API_BASE_PATH}/probe/widgets",
        content=chunks(),
        headers={"Content-Type": "application/json"},
    )
    _assert_error(response, 413)


def test_non_json_body_on_a_json_route_is_415(client: TestClient) -> None:
    response = client.post(
        f"{API_BASE_PATH}/probe/widgets",
        content=b"name=a",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    _assert_error(response, 415)


def test_json_with_charset_is_accepted(client: TestClient) -> None:
    response = client.post(
        f"{API_BASE_PATH}/probe/widgets",
        content=b'{"name": "a"}',
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    assert response.status_code == 200


def test_unexpected_exception_is_500_without_internals(client: TestClient) -> None:
    response = client.get(f"{API_BASE_PATH}/probe/crash")
    body = _assert_error(response, 500)
    assert body["message"] == "Internal server error"
    for leak in ("boom", "hunter2", "/srv/app.py", "RuntimeError", "Traceback"):
        assert leak not in response.text


def test_delete_with_json_null_body_is_accepted(client: TestClient) -> None:
    response = client.request(
        "DELETE",
        f"{API_BASE_PATH}/probe/widgets/7",
        content=b"null",
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 200
    assert response.json() == {"deleted": 7}


def test_cors_exposes_exactly_the_documented_headers(client: TestClient) -> None:
    response = client.get(API_BASE_PATH, headers={"Origin": "https://app.example"})
    assert response.headers["Access-Control-Expose-Headers"] == (
        "Elements-Returned-Count, Elements-Total-Count, Elements-Request-Id, "
        "Elements-Next-Page-Token, Elements-Trace-Id, Elements-Error, Content-Disposition"
    )
    assert ", ".join(EXPOSED_HEADERS) == response.headers["Access-Control-Expose-Headers"]


def test_cors_preflight_allows_the_authorization_header(client: TestClient) -> None:
    response = client.options(
        f"{API_BASE_PATH}/probe/widgets",
        headers={
            "Origin": "https://app.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "Authorization, Content-Type",
        },
    )
    assert response.status_code == 200
    assert "authorization" in response.headers["Access-Control-Allow-Headers"].lower()
    assert REQUEST_ID.fullmatch(response.headers["Elements-Request-Id"])


def test_error_answers_carry_cors_headers(client: TestClient) -> None:
    response = client.get(f"{API_BASE_PATH}/probe/crash", headers={"Origin": "https://a.example"})
    assert response.status_code == 500
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_no_blanket_frame_options_header(client: TestClient) -> None:
    assert "X-Frame-Options" not in client.get(API_BASE_PATH).headers


def test_openapi_declares_the_authorization_scheme_and_error_body(client: TestClient) -> None:
    document = client.get(f"{API_BASE_PATH}/openapi.json").json()
    scheme = document["components"]["securitySchemes"]["ElementsAuthorization"]
    assert scheme == {**scheme, "type": "apiKey", "in": "header", "name": "Authorization"}
    operation = document["paths"][f"{API_BASE_PATH}/probe/widgets"]["post"]
    error_ref = {"$ref": "#/components/schemas/ErrorBody"}
    assert operation["responses"]["4XX"]["content"]["application/json"]["schema"] == error_ref
    assert operation["responses"]["5XX"]["content"]["application/json"]["schema"] == error_ref
    assert "422" not in operation["responses"]
    assert "security" not in operation
    secured = document["paths"][f"{API_BASE_PATH}/probe/secured"]["get"]
    assert secured["security"] == [{"ElementsAuthorization": []}]
    assert set(document["components"]["schemas"]["ErrorBody"]["properties"]) == {
        "requestId",
        "message",
        "providerMessage",
    }


def test_metrics_are_served_at_the_root_and_count_requests(client: TestClient) -> None:
    client.get(f"{API_BASE_PATH}/no/such/thing")
    text = client.get("/metrics").text
    assert 'openelements_http_requests_total{method="GET",route="<unmatched>",status="404"}' in text


def test_made_up_methods_share_one_metrics_label(client: TestClient) -> None:
    """The method is the client's text: one series per made-up method would grow without end."""
    for index in range(3):
        client.request(f"XMETHOD{index}", f"{API_BASE_PATH}/no/such/thing")
    text = client.get("/metrics").text
    assert "XMETHOD" not in text
    assert 'openelements_http_requests_total{method="OTHER",route="<unmatched>"' in text


def test_health_checks_the_database(client: TestClient) -> None:
    assert client.get("/health").json() == {"status": "ok"}


def test_secrets_in_requests_and_failures_never_reach_the_log(client: TestClient) -> None:
    stream = io.StringIO()
    configure_logging(level="DEBUG", log_format="json", stream=stream)
    user_secret = "7OpR4MRo7wnPoVKkKFXHhHBUPRzqutoem/d+WEnR1kY="
    try:
        client.get(
            f"{API_BASE_PATH}/probe/crash?code=oauth-code-123",
            headers={"Authorization": f"User {user_secret}, Organization {'c' * 32}"},
        )
    finally:
        configure_logging(level="INFO", log_format="json")
    logged = stream.getvalue()
    assert '"event": "unhandled_error"' in logged
    assert "RuntimeError" in logged  # the details are in the log, just not the secrets
    for secret in (user_secret, "c" * 32, "hunter2", "oauth-code-123"):
        assert secret not in logged


def test_a_failed_jobs_start_still_stops_the_jobs_and_closes_the_container(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    closed: list[str] = []

    async def failing_start(self: JobsRuntime, **_: object) -> None:
        raise RuntimeError("worker cannot start")

    real_stop, real_close = JobsRuntime.stop, Container.aclose

    async def record_stop(self: JobsRuntime) -> None:
        closed.append("jobs")
        await real_stop(self)

    async def record_close(self: Container) -> None:
        closed.append("container")
        await real_close(self)

    monkeypatch.setattr(JobsRuntime, "start", failing_start)
    monkeypatch.setattr(JobsRuntime, "stop", record_stop)
    monkeypatch.setattr(Container, "aclose", record_close)
    app = create_app(_settings(f"sqlite+aiosqlite:///{tmp_path}/app.db"), start_worker=False)
    with pytest.raises(RuntimeError, match="worker cannot start"), TestClient(app):
        pass
    assert closed == ["jobs", "container"]
