"""OpenID configuration, JWKS and instance discovery (G32, G38)."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from starlette.testclient import TestClient
from token_flows import TENANT, authorize, redeem

from msgraph_emulator.app import create_app
from msgraph_emulator.emulator import Emulator
from msgraph_emulator.identity.jwt import b64url_decode


def test_tenant_document_names_the_tenant_in_every_url(
    client: TestClient, emulator: Emulator
) -> None:
    document = client.get(f"/{TENANT}/v2.0/.well-known/openid-configuration").json()
    origin = emulator.origin
    assert document["issuer"] == f"{origin}/{TENANT}/v2.0"
    assert document["authorization_endpoint"] == f"{origin}/{TENANT}/oauth2/v2.0/authorize"
    assert document["token_endpoint"] == f"{origin}/{TENANT}/oauth2/v2.0/token"
    assert document["jwks_uri"] == f"{origin}/{TENANT}/discovery/v2.0/keys"
    assert document["id_token_signing_alg_values_supported"] == ["RS256"]
    assert "client_secret_basic" in document["token_endpoint_auth_methods_supported"]
    assert "userinfo_endpoint" not in document


@pytest.mark.parametrize("alias", ["common", "organizations", "consumers"])
def test_multi_tenant_documents_keep_the_tenantid_placeholder(
    client: TestClient, emulator: Emulator, alias: str
) -> None:
    document = client.get(f"/{alias}/v2.0/.well-known/openid-configuration").json()
    assert document["issuer"] == f"{emulator.origin}/{{tenantid}}/v2.0"
    assert document["token_endpoint"] == f"{emulator.origin}/{alias}/oauth2/v2.0/token"


def test_the_seed_domain_is_a_known_tenant(client: TestClient, emulator: Emulator) -> None:
    domain = emulator.directory.tenant_domain
    answer = client.get(f"/{domain}/v2.0/.well-known/openid-configuration")
    assert answer.status_code == 200


def test_unknown_tenant_document_is_aadsts90002(client: TestClient) -> None:
    answer = client.get("/contoso.example/v2.0/.well-known/openid-configuration")
    assert answer.status_code == 400
    assert answer.json()["error_codes"] == [90002]


def test_jwks_verifies_the_tokens_the_emulator_signs(client: TestClient) -> None:
    tokens = redeem(client, authorize(client)["code"]).json()
    keys = client.get("/common/discovery/v2.0/keys").json()["keys"]
    assert keys == client.get(f"/{TENANT}/discovery/v2.0/keys").json()["keys"]
    key = keys[0]
    public = rsa.RSAPublicNumbers(
        int.from_bytes(b64url_decode(key["e"]), "big"),
        int.from_bytes(b64url_decode(key["n"]), "big"),
    ).public_key()
    for token in (tokens["access_token"], tokens["id_token"]):
        head, body, signature = token.split(".")
        public.verify(
            b64url_decode(signature),
            f"{head}.{body}".encode(),
            padding.PKCS1v15(),
            hashes.SHA256(),
        )
    assert key["kty"] == "RSA"
    assert key["use"] == "sig"
    assert key["kid"] == key["x5t"]


def test_instance_discovery_points_at_the_tenant_document(
    client: TestClient, emulator: Emulator
) -> None:
    host = emulator.origin.split("://")[1]
    answer = client.get(
        "/common/discovery/instance",
        params={"authorization_endpoint": f"https://{host}/{TENANT}/oauth2/v2.0/authorize"},
    ).json()
    assert answer["tenant_discovery_endpoint"] == (
        f"{emulator.origin}/{TENANT}/v2.0/.well-known/openid-configuration"
    )


def test_error_uri_of_an_error_answer_resolves(client: TestClient, emulator: Emulator) -> None:
    answer = client.post(f"/{TENANT}/oauth2/v2.0/token", data={})
    error_uri = answer.json()["error_uri"]
    assert error_uri.startswith(emulator.origin)
    page = client.get(error_uri.removeprefix(emulator.origin))
    assert page.status_code == 200
    assert "AADSTS900144" in page.text


def test_https_clients_see_the_tls_origin(emulator: Emulator) -> None:
    emulator.tls_origin = "https://127.0.0.1:8766"
    secure = TestClient(create_app(emulator=emulator), base_url="https://testserver")
    document = secure.get(f"/{TENANT}/v2.0/.well-known/openid-configuration").json()
    assert document["token_endpoint"] == f"https://127.0.0.1:8766/{TENANT}/oauth2/v2.0/token"
    plain = TestClient(create_app(emulator=emulator))
    document = plain.get(f"/{TENANT}/v2.0/.well-known/openid-configuration").json()
    assert document["token_endpoint"].startswith(emulator.origin)
