"""The object the hub integration fixtures hand to tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient

from msgraph_emulator.emulator import Emulator


@dataclass(frozen=True)
class Connected:
    client: TestClient
    emulator: Emulator
    organization_secret: str
    user_secret: str
    instance: dict[str, Any]

    def hub_headers(self, **extra: str) -> dict[str, str]:
        return {
            "Authorization": f"User {self.user_secret}, Element {self.instance['token']}",
            **extra,
        }

    def platform_headers(self) -> dict[str, str]:
        return {
            "Authorization": f"User {self.user_secret}, Organization {self.organization_secret}"
        }
