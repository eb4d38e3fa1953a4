"""The `microsoftgraph` element as the catalog shows it: object, metadata, configuration keys."""

from __future__ import annotations

from typing import Any

from openelements.elements.base import ConfigurationDefinition

__all__ = [
    "CONFIGURATION",
    "DEFAULT_SCOPE",
    "DESCRIPTION",
    "ELEMENT_ID",
    "ELEMENT_KEY",
    "ELEMENT_NAME",
    "HUB",
    "catalog_entry",
    "metadata",
]

ELEMENT_ID = 5836  # D14: the same id on every install
ELEMENT_KEY = "microsoftgraph"
ELEMENT_NAME = "Microsoft Graph"
HUB = "general"
DEFAULT_SCOPE = "Calendars.Read Calendars.ReadWrite offline_access"
DESCRIPTION = (  # D14: our own wording
    "Connect a Microsoft 365 or Outlook.com account to read and write its calendars and events."
)
POLL_URL = "/hubs/general/events?where=lastModifiedDateTime>='${gmtDate:yyyy-MM-dd'T'HH:mm:ss'Z'}'"


def catalog_entry() -> dict[str, Any]:
    """Spec §5.2."""
    return {
        "id": ELEMENT_ID,
        "name": ELEMENT_NAME,
        "key": ELEMENT_KEY,
        "description": DESCRIPTION,
        "image": "/elements/images/microsoftgraph.png",
        "active": True,
        "deleted": False,
        "typeOauth": False,
        "trialAccount": False,
        "resources": [],
        "transformationsEnabled": True,
        "bulkDownloadEnabled": True,
        "bulkUploadEnabled": True,
        "cloneable": False,
        "extendable": False,
        "beta": False,
        "authentication": {"type": "oauth2"},
        "extended": False,
        "hub": HUB,
        "protocolType": "http",
        "parameters": [],
    }


def metadata() -> dict[str, Any]:
    """Spec §5.3, D15: events by webhook and by polling."""
    return {
        "id": ELEMENT_ID,
        "name": ELEMENT_NAME,
        "key": ELEMENT_KEY,
        "description": DESCRIPTION,
        "events": {
            "supported": True,
            "methods": ["webhook", "polling"],
            "webhook": {"events": {"eventTypes": ["created", "updated", "deleted"]}},
            "polling": {"events": {"eventTypes": ["created", "updated"], "pollUrl": POLL_URL}},
        },
        "authentication": {"type": "oauth2"},
        "bulk": {"upload": True, "download": True},
        "transformations": {"supported": True},
    }


def _text(key: str, name: str, description: str, **options: Any) -> ConfigurationDefinition:
    return ConfigurationDefinition(
        key=key, name=name, description=description, type="TEXTFIELD_128", **options
    )


def _flag(key: str, name: str, description: str, default: str) -> ConfigurationDefinition:
    return ConfigurationDefinition(
        key=key, name=name, description=description, type="BOOLEAN", default=default
    )


def _secret(key: str, name: str, description: str, **options: Any) -> ConfigurationDefinition:
    return ConfigurationDefinition(
        key=key, name=name, description=description, type="PASSWORD", masked=True, **options
    )


def _element_level(key: str, name: str, kind: str = "TEXTFIELD_128") -> ConfigurationDefinition:
    return ConfigurationDefinition(
        key=key,
        name=name,
        description=f"{name} (deployment setting)",
        type=kind,
        element_level=True,
    )


def _internal(key: str, name: str, *, secret: bool) -> ConfigurationDefinition:
    return ConfigurationDefinition(
        key=key, name=name, description=name, type="TEXTAREA", internal=True, secret=secret
    )


CONFIGURATION: tuple[ConfigurationDefinition, ...] = (
    # Spec §7. Masking: D20; element-level keys: D30; internal keys: D25/D28.
    _text("oauth.api.key", "API Key", "Azure application (client) id", required=True, masked=True),
    _secret("oauth.api.secret", "API Secret", "Azure application client secret", required=True),
    _text(
        "oauth.callback.url", "Callback URL", "Redirect URI registered with the app", required=True
    ),
    _text("oauth.scope", "Scope", "OAuth scopes requested", default=DEFAULT_SCOPE),
    _flag(
        "filter.response.nulls",
        "Filter null values from the response",
        "Remove fields whose value is null from hub responses",
        "true",
    ),
    _flag("event.notification.enabled", "Events enabled", "Deliver change events", "false"),
    ConfigurationDefinition(
        key="event.vendor.type",
        name="Event type",
        description="webhooks or polling",
        type="SELECTION",
        default="webhooks",
    ),
    ConfigurationDefinition(
        key="event.notification.type",
        name="Notification type",
        description="How events are delivered",
        type="SELECTION",
        default="webhook",
    ),
    _text(
        "event.notification.callback.url",
        "Event callback URL",
        "Where event notifications are sent",
    ),
    _secret(
        "event.notification.signature.key",
        "Event signature key",
        "Signs event notifications and bulk callbacks",
    ),
    _text(
        "event.notification.basic.username",
        "Callback basic username",
        "HTTP Basic user for event deliveries",
    ),
    _secret(
        "event.notification.basic.password",
        "Callback basic password",
        "HTTP Basic password for event deliveries",
    ),
    ConfigurationDefinition(
        key="event.notification.callback.headers",
        name="Callback headers",
        description="JSON object of extra delivery headers",
        type="TEXTAREA",
    ),
    ConfigurationDefinition(
        key="event.poller.refresh_interval",
        name="Polling interval",
        description="Minutes between polls",
        type="TEXTFIELD_32",
        default="15",
    ),
    ConfigurationDefinition(
        key="event.poller.configuration",
        name="Poller configuration",
        description="Polling configuration (JSON)",
        type="TEXTAREA",
    ),
    ConfigurationDefinition(
        key="subscriptionId",
        name="Graph subscription id",
        description="Set by openelements",
        type="TEXTFIELD_128",
        internal=True,
    ),
    _element_level("base.url", "Graph base URL"),
    _element_level("oauth.authorization.url", "Authorization URL"),
    _element_level("oauth.token.url", "Token URL"),
    _element_level("oauth.token.refresh_url", "Token refresh URL"),
    _element_level("oauth.basic.header", "Client credentials as HTTP Basic", "BOOLEAN"),
    _internal("oauth.user.token", "Access token", secret=True),
    _internal("oauth.user.refresh_token", "Refresh token", secret=True),
    _internal("oauth.user.refresh_time", "Token refresh time", secret=True),
)
