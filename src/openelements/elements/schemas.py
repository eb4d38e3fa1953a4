"""Request bodies of the catalog routes."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["OAuthUrlRequest", "OAuthUrlResponse"]


class OAuthUrlRequest(BaseModel):
    """`POST /elements/{keyOrId}/oauth/url` (spec §5.4); unknown fields ignored (D02)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    api_key: str | None = Field(default=None, alias="apiKey")
    api_secret: str | None = Field(default=None, alias="apiSecret", repr=False)
    callback_url: str | None = Field(default=None, alias="callbackUrl")
    scope: str | None = None
    state: str | None = None
    site_address: str | None = Field(default=None, alias="siteAddress")


class OAuthUrlResponse(BaseModel):
    oauthUrl: str
    element: str
