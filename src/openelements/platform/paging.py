"""Query parameters shared by the platform's list routes (spec §4.2: `pageSize` default 200)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from openelements.platform.runtime import MAX_PAGE_SIZE

Offset = Annotated[int, Query(ge=0, le=2**31 - 1)]
PageSize = Annotated[int, Query(alias="pageSize", ge=1, le=MAX_PAGE_SIZE)]
