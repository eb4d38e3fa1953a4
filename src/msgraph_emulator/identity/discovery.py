"""OpenID configuration, signing keys and instance discovery (spec §15.7, G38)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from msgraph_emulator.directory import MULTI_TENANT_ALIASES
from msgraph_emulator.identity.tenant import emulator_of, known_tenant


def openid_configuration(origin: str, tenant: str, *, tenant_id: str) -> dict[str, Any]:
    """Every URL on the emulator's origin, keeping the tenant segment of the request; the
    multi-tenant aliases keep the literal `{tenantid}` in `issuer`, like the real documents."""
    base = f"{origin}/{tenant}"
    issuer_tenant = "{tenantid}" if tenant.casefold() in MULTI_TENANT_ALIASES else tenant_id
    return {
        "issuer": f"{origin}/{issuer_tenant}/v2.0",
        "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
        "token_endpoint": f"{base}/oauth2/v2.0/token",
        "jwks_uri": f"{base}/discovery/v2.0/keys",
        "token_endpoint_auth_methods_supported": [
            "client_secret_post",
            "client_secret_basic",
            "private_key_jwt",
        ],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "response_modes_supported": ["query", "fragment", "form_post"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "claims_supported": [
            "sub",
            "iss",
            "aud",
            "exp",
            "iat",
            "nbf",
            "nonce",
            "name",
            "preferred_username",
            "oid",
            "tid",
            "ver",
            "email",
        ],
        "request_uri_parameter_supported": False,
        "tenant_region_scope": None,
        "cloud_instance_name": "microsoftonline.com",
    }


def id_token_issuer(origin: str, *, tenant_id: str) -> str:
    """ID tokens name the concrete tenant, whatever alias the request used."""
    return f"{origin}/{tenant_id}/v2.0"


async def openid_configuration_endpoint(request: Request) -> Response:
    tenant = known_tenant(request)
    emulator = emulator_of(request)
    origin = emulator.origin_for(request.url.scheme)
    document = openid_configuration(origin, tenant, tenant_id=emulator.directory.tenant_id)
    return JSONResponse(document)


async def keys_endpoint(request: Request) -> Response:
    known_tenant(request)
    return JSONResponse({"keys": [emulator_of(request).directory.signing_key.jwk()]})


async def instance_discovery_endpoint(request: Request) -> Response:
    """What msal asks when `instance_discovery` points here instead of the public cloud."""
    known_tenant(request)
    emulator = emulator_of(request)
    origin = emulator.origin_for(request.url.scheme)
    host = origin.split("://", 1)[-1]
    endpoint = urlsplit(request.query_params.get("authorization_endpoint", ""))
    tenant = endpoint.path.strip("/").split("/", 1)[0] or "common"
    return JSONResponse(
        {
            "tenant_discovery_endpoint": (
                f"{origin}/{tenant}/v2.0/.well-known/openid-configuration"
            ),
            "api-version": "1.1",
            "metadata": [{"preferred_network": host, "preferred_cache": host, "aliases": [host]}],
        }
    )
