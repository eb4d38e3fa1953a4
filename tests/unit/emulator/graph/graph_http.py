"""A TestClient wrapper that talks to `/v1.0` with a bearer token."""

from __future__ import annotations

from dataclasses import dataclass

import httpx2
from starlette.testclient import TestClient


@dataclass
class Graph:
    """A TestClient speaking to `/v1.0` with the user's bearer token."""

    client: TestClient
    token: str

    def _headers(self, extra: dict[str, str] | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", **(extra or {})}

    def get(self, path: str, headers: dict[str, str] | None = None) -> httpx2.Response:
        return self.client.get(f"/v1.0{path}", headers=self._headers(headers))

    def post(
        self, path: str, body: object = None, headers: dict[str, str] | None = None
    ) -> httpx2.Response:
        return self.client.post(f"/v1.0{path}", json=body, headers=self._headers(headers))

    def patch(
        self, path: str, body: object, headers: dict[str, str] | None = None
    ) -> httpx2.Response:
        return self.client.patch(f"/v1.0{path}", json=body, headers=self._headers(headers))

    def delete(self, path: str, headers: dict[str, str] | None = None) -> httpx2.Response:
        return self.client.delete(f"/v1.0{path}", headers=self._headers(headers))
