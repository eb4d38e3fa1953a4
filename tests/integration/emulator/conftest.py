"""The emulator served by a real uvicorn on a free loopback port, in a background thread.

`running_emulator` yields `RunningEmulator(base_url, emulator)`: `base_url` is the origin
(`http://127.0.0.1:<port>`, Graph at `base_url + "/v1.0"`), `emulator` the live `Emulator`
object, so tests can seed state directly (`emulator.create_user(...)`); `running_tls_emulator`
the same over TLS. Serving is `serve_asgi_on_loopback` and `emulator_signing_key` one key per
run (both in tests/conftest.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from kiota_abstractions.authentication import (
    AccessTokenProvider,
    AllowedHostsValidator,
    BaseBearerTokenAuthenticationProvider,
)

from msgraph_emulator.app import create_app
from msgraph_emulator.emulator import Emulator
from msgraph_emulator.identity.jwt import SigningKey

if TYPE_CHECKING:
    from msgraph import GraphServiceClient


@dataclass(frozen=True)
class RunningEmulator:
    base_url: str
    emulator: Emulator

    @property
    def graph_url(self) -> str:
        return f"{self.base_url}/v1.0"


@dataclass(frozen=True)
class TlsFiles:
    certfile: Path
    keyfile: Path
    ca_bundle: Path


def _serve(
    serve_asgi_on_loopback: Any, emulator: Emulator, *, tls: TlsFiles | None = None
) -> RunningEmulator:
    """Serve `emulator` for the test and set `emulator.origin` (read per request, so setting
    it once the port is known is in time)."""
    emulator.origin = serve_asgi_on_loopback(
        create_app(emulator=emulator),
        ssl_certfile=tls.certfile if tls else None,
        ssl_keyfile=tls.keyfile if tls else None,
    )
    return RunningEmulator(base_url=emulator.origin, emulator=emulator)


@pytest.fixture
def running_emulator(
    emulator_signing_key: SigningKey, serve_asgi_on_loopback: Any
) -> RunningEmulator:
    return _serve(serve_asgi_on_loopback, Emulator(signing_key=emulator_signing_key))


@pytest.fixture(scope="session")
def emulator_tls(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    """A local CA and a certificate for 127.0.0.1 (msal only talks https, spec §17)."""
    import trustme

    folder = tmp_path_factory.mktemp("emulator-tls")
    authority = trustme.CA()
    issued = authority.issue_cert("127.0.0.1", "localhost")
    files = TlsFiles(
        certfile=folder / "cert.pem", keyfile=folder / "key.pem", ca_bundle=folder / "ca.pem"
    )
    issued.cert_chain_pems[0].write_to_path(str(files.certfile))
    for extra in issued.cert_chain_pems[1:]:
        extra.write_to_path(str(files.certfile), append=True)
    issued.private_key_pem.write_to_path(str(files.keyfile))
    authority.cert_pem.write_to_path(str(files.ca_bundle))
    return files


@pytest.fixture
def running_tls_emulator(
    emulator_signing_key: SigningKey, emulator_tls: TlsFiles, serve_asgi_on_loopback: Any
) -> RunningEmulator:
    emulator = Emulator(signing_key=emulator_signing_key)
    return _serve(serve_asgi_on_loopback, emulator, tls=emulator_tls)


class FixedTokenProvider(AccessTokenProvider):
    """Hands msgraph-sdk one bearer token, for the emulator's loopback host only."""

    def __init__(self, token: str) -> None:
        self._token = token
        self._hosts = AllowedHostsValidator(["127.0.0.1"])

    async def get_authorization_token(
        self, uri: str, additional_authentication_context: dict[str, Any] | None = None
    ) -> str:
        return self._token if self._hosts.is_url_host_valid(uri) else ""

    def get_allowed_hosts_validator(self) -> AllowedHostsValidator:
        return self._hosts


@pytest.fixture
async def graph_sdk(running_emulator: RunningEmulator) -> AsyncIterator[GraphServiceClient]:
    """msgraph-sdk with its default middleware against `running_emulator`, acting as
    `dana@acme.example` ("Dana Swope", created through the control API) with a token issued
    for her; the SDK's own HTTP client is closed after the test."""
    import httpx2
    from msgraph import GraphRequestAdapter, GraphServiceClient

    base_url, upn = running_emulator.base_url, "dana@acme.example"
    with httpx2.Client(base_url=base_url) as control:
        created = control.post(
            "/_emulator/users", json={"userPrincipalName": upn, "displayName": "Dana Swope"}
        )
        assert created.status_code == 201
        token = control.post(f"/_emulator/users/{upn}/token").json()["access_token"]
    adapter = GraphRequestAdapter(BaseBearerTokenAuthenticationProvider(FixedTokenProvider(token)))
    adapter.base_url = f"{base_url}/v1.0"
    try:
        yield GraphServiceClient(request_adapter=adapter)
    finally:
        http = adapter._http_client
        await http.aclose()
        # msgraph-core's transport wrapper has no `aclose`: close the pool it wraps too, or
        # its sockets are left to the garbage collector (a ResourceWarning in a later test).
        inner = getattr(http._transport, "transport", None)
        if inner is not None:
            await inner.aclose()
