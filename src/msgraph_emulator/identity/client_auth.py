"""Who is calling the token endpoint: `client_id` plus a secret in the body or HTTP Basic
(G34), checked against the registered apps (errors of §15.6, `invalid_client` → 401, G36)."""

from __future__ import annotations

import base64
import binascii
import hmac
from urllib.parse import unquote_plus

from msgraph_emulator.directory import App, Directory
from msgraph_emulator.identity.errors import IdentityError, invalid_client, missing_parameter


def _basic_credentials(authorization: str | None) -> tuple[str, str] | None:
    if not authorization:
        return None
    scheme, _, encoded = authorization.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise invalid_client(7000215, "Invalid client secret provided.") from exc
    client_id, _, secret = decoded.partition(":")
    # RFC 6749 §2.3.1: both parts are form-encoded before joining.
    return unquote_plus(client_id), unquote_plus(secret)


def authenticate_client(
    directory: Directory, form: dict[str, str], *, authorization: str | None, tenant: str
) -> App:
    basic = _basic_credentials(authorization)
    client_id = form.get("client_id") or (basic[0] if basic else None)
    if not client_id:
        raise missing_parameter("client_id")
    if basic and basic[0] != client_id:
        raise invalid_client(7000215, "The client id in the Basic header and body differ.")
    secret = form.get("client_secret") or (basic[1] if basic else None)
    app = directory.app(client_id)
    if app is None:
        raise IdentityError(
            "unauthorized_client",
            700016,
            f"Application with identifier '{client_id}' was not found in the directory "
            f"'{tenant}'. This can happen if the application has not been installed by the "
            "administrator of the tenant or consented to by any user in the tenant.",
        )
    _check_secret(app, secret)
    return app


def _check_secret(app: App, secret: str | None) -> None:
    if app.client_secret is None:
        if secret:
            raise invalid_client(
                700025,
                "Client is public so neither 'client_assertion' nor 'client_secret' "
                "should be presented.",
            )
        return
    if not secret:
        raise invalid_client(
            7000218,
            "The request body must contain the following parameter: "
            "'client_assertion' or 'client_secret'.",
        )
    if not hmac.compare_digest(secret.encode(), app.client_secret.encode()):
        raise invalid_client(
            7000215,
            "Invalid client secret provided. Ensure the secret being sent in the request is "
            f"the client secret value, not the client secret ID, for a secret added to app "
            f"'{app.client_id}'.",
        )
