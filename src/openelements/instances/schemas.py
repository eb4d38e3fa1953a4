"""Request bodies of the instance routes. Loose on purpose: the service checks them in the
order and with the messages of spec §6.4; unknown fields are ignored (D02)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["ConfigurationValue", "ElementRef", "InstanceBody"]


class ElementRef(BaseModel):
    model_config = ConfigDict(extra="ignore")

    key: str | None = None
    id: int | str | None = None

    @property
    def key_or_id(self) -> str | None:
        if self.key:
            return self.key
        return None if self.id is None else str(self.id)


class InstanceBody(BaseModel):
    """`POST /instances`, `PUT|PATCH /instances/{id}` (spec §6.1, §6.7)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    element: ElementRef | None = None
    provider_data: dict[str, Any] | None = Field(default=None, alias="providerData")
    configuration: dict[str, Any] | None = None
    name: str | None = None
    tags: list[str] | None = None
    external_authentication: str | None = Field(default=None, alias="externalAuthentication")

    @property
    def code(self) -> str | None:
        code = (self.provider_data or {}).get("code")
        return code if isinstance(code, str) and code else None


class ConfigurationValue(BaseModel):
    """`PATCH /instances/{id}/configuration/{configId}`: only `propertyValue` counts."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    property_value: str | bool | int | float = Field(alias="propertyValue")
