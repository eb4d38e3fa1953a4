"""Fakes for element unit tests: a scripted transport at the kit/http seam."""

from __future__ import annotations

import json
from typing import Any

from openelements.kit.http import HttpRequest, HttpResponse


def json_answer(status: int, body: Any, **headers: str) -> HttpResponse:
    names = {name.replace("_", "-").lower(): value for name, value in headers.items()}
    return HttpResponse(status=status, headers=names, body=json.dumps(body).encode())


class ScriptedTransport:
    def __init__(self, *script: HttpResponse | Exception) -> None:
        self.script = list(script)
        self.requests: list[HttpRequest] = []

    async def send(self, request: HttpRequest) -> HttpResponse:
        self.requests.append(request)
        step = self.script.pop(0)
        if isinstance(step, Exception):
            raise step
        return step
