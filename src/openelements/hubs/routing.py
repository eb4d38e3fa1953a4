"""Which element resource a hub path names (spec §8.1, D31, D34).

The hub segment is ignored: `/hubs/{anyHub}/calendars` and the root alias `/calendars` name the
same resource. Path segments are taken from the raw (still percent-encoded) request path and
decoded once, so a Graph id holding an encoded `/` stays one segment (D34).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import unquote

from openelements.elements.base import HubResource
from openelements.kit.errors import MethodNotAllowed, NotFound

__all__ = [
    "HUB_NAME",
    "RESERVED_SEGMENTS",
    "ResourceMatch",
    "hub_segments",
    "is_known_path",
    "match_resource",
]

HUB_NAME = re.compile(r"[A-Za-z0-9_-]+")  # D31

RESERVED_SEGMENTS = frozenset(  # D31: the platform's own first segments never alias a resource
    {
        "accounts", "audit-logs", "authentication", "common-resources", "customers", "docs",
        "elements", "events", "formulas", "hubs", "instances", "jobs", "metrics",
        "notifications", "organizations", "transformations", "usage", "users", "vdrs",
    }
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class ResourceMatch:
    resource: HubResource
    parameters: Mapping[str, str]

    @property
    def concrete_path(self) -> str:
        """The hub path with its parameters filled in (for cursors and messages)."""
        segments = [
            self.parameters[s[1:-1]] if _is_placeholder(s) else s for s in self.resource.segments
        ]
        return "/".join(segments)


def hub_segments(raw_path: str, *, base_path: str) -> list[str]:
    """Decoded segments after `{base}/hubs/{hub}/` or after `{base}/` for a root alias."""
    tail = raw_path[len(base_path) :].strip("/").split("/")
    if tail[0] == "hubs":
        hub = unquote(tail[1]) if len(tail) > 1 else ""
        if not HUB_NAME.fullmatch(hub):
            raise NotFound(f"No hub named '{hub}'")
        tail = tail[2:]
    return [unquote(segment) for segment in tail]


def match_resource(
    resources: Sequence[HubResource], segments: Sequence[str], *, method: str
) -> ResourceMatch:
    """The resource for `method` on `segments`; 404 for an unknown path, 405 with `Allow`.

    D74 step 1: the element's own resources always win. Common-resource names (transformations,
    a later issue) are to be resolved where this raises `NotFound`, and `is_known_path`'s check
    before authentication must then accept those names too."""
    allowed: set[str] = set()
    for resource in resources:
        parameters = _bind(resource, segments)
        if parameters is None:
            continue
        if method in resource.methods:
            return ResourceMatch(resource, parameters)
        allowed |= resource.methods
    path = "/".join(segments)
    if allowed:
        raise MethodNotAllowed(f"{method} is not allowed on /hubs/general/{path}", allow=allowed)
    raise NotFound(f"Not implemented by openelements: {method} /hubs/general/{path}")  # D04


def is_known_path(resources: Iterable[HubResource], segments: Sequence[str]) -> bool:
    """Whether any resource has this path, whatever the method (checked before credentials)."""
    return any(_bind(resource, segments) is not None for resource in resources)


def _bind(resource: HubResource, segments: Sequence[str]) -> dict[str, str] | None:
    template = resource.segments
    if len(template) != len(segments):
        return None
    parameters: dict[str, str] = {}
    for expected, actual in zip(template, segments, strict=True):
        if _is_placeholder(expected):
            if not actual:
                return None
            parameters[expected[1:-1]] = actual
        elif expected != actual:
            return None
    return parameters


def _is_placeholder(segment: str) -> bool:
    return segment.startswith("{") and segment.endswith("}")
