"""`Prefer` headers (§7, G18)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from msgraph_emulator.graph.prefer import read_preferences


def test_several_preferences_in_one_header_are_all_read_and_echoed() -> None:
    prefs = read_preferences(
        [
            'outlook.timezone="Eastern Standard Time", outlook.body-content-type="text"',
            "odata.maxpagesize=25",
        ]
    )
    assert prefs.zone == ZoneInfo("America/New_York")
    assert prefs.zone_name == "Eastern Standard Time"
    assert prefs.body_type == "text"
    assert prefs.max_page_size == 25
    echoed = 'outlook.timezone="Eastern Standard Time", outlook.body-content-type="text"'
    assert prefs.applied_header() == {"Preference-Applied": echoed}


def test_iana_zone_names_are_honoured() -> None:
    assert read_preferences(['outlook.timezone="Europe/Paris"']).zone == ZoneInfo("Europe/Paris")


def test_an_unknown_zone_is_ignored_without_an_echo() -> None:
    prefs = read_preferences(['outlook.timezone="Mars Standard Time"'])
    assert prefs.zone_name == "UTC"
    assert prefs.applied_header() == {}


def test_immutable_id_preference_is_echoed() -> None:
    assert read_preferences(['IdType="ImmutableId"']).applied_header() == {
        "Preference-Applied": 'IdType="ImmutableId"'
    }
