from __future__ import annotations

import pytest
from hub_fakes import graph_element

from openelements.hubs.routing import RESERVED_SEGMENTS, hub_segments, match_resource
from openelements.kit.errors import MethodNotAllowed, NotFound

BASE = "/elements/api-v2"
RESOURCES = graph_element().hub_resources()


@pytest.mark.parametrize("hub", ["general", "crm", "any_thing-2"])
def test_any_hub_name_gives_the_same_segments_as_the_root_alias(hub: str) -> None:
    assert hub_segments(f"{BASE}/hubs/{hub}/calendars/x/events", base_path=BASE) == (
        hub_segments(f"{BASE}/calendars/x/events", base_path=BASE)
    )


def test_a_hub_name_outside_the_allowed_characters_is_not_found() -> None:
    with pytest.raises(NotFound):
        hub_segments(f"{BASE}/hubs/gen%20eral/calendars", base_path=BASE)


def test_encoded_slashes_stay_inside_one_id_decoded_once() -> None:
    segments = hub_segments(
        f"{BASE}/hubs/general/calendars/AAMkAD%2Fx%2B%3D/events", base_path=BASE
    )
    match = match_resource(RESOURCES, segments, method="GET")
    assert match.parameters == {"calendarId": "AAMkAD/x+="}
    assert match.resource.path == "calendars/{calendarId}/events"


def test_event_delete_goes_to_the_mailbox_wide_path() -> None:  # D36
    match = match_resource(RESOURCES, ["calendars", "c", "events", "e"], method="DELETE")
    assert match.resource.vendor_paths["DELETE"] == "me/events/{eventId}"


@pytest.mark.parametrize(
    ("segments", "method", "path"),
    [
        (["calendar-view"], "GET", "calendar-view"),
        (["events", "e", "instances"], "GET", "events/{eventId}/instances"),
        (["events", "e", "tentatively-accept"], "POST", "events/{eventId}/tentatively-accept"),
        (["schedule"], "POST", "schedule"),
        (["contacts", "c"], "PATCH", "contacts/{contactId}"),
        (["ping"], "GET", "ping"),
    ],
)
def test_extension_resources_are_in_the_table(segments: list[str], method: str, path: str) -> None:
    assert match_resource(RESOURCES, segments, method=method).resource.path == path


def test_a_known_path_with_another_method_is_405_with_allow() -> None:
    with pytest.raises(MethodNotAllowed) as raised:
        match_resource(RESOURCES, ["calendar-view"], method="POST")
    assert raised.value.headers() == {"Allow": "GET"}


def test_an_unknown_path_is_404_not_implemented() -> None:
    with pytest.raises(NotFound, match="Not implemented by openelements: GET"):
        match_resource(RESOURCES, ["messages"], method="GET")


def test_no_resource_starts_with_a_reserved_segment_except_through_hubs() -> None:
    firsts = {resource.segments[0] for resource in RESOURCES}
    assert firsts & RESERVED_SEGMENTS == {"events"}  # reachable only as /hubs/{hub}/events
