"""The mailbox model: change tracking for delta, series rules (G15), state-file round trip."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from msgraph_emulator.changes import ChangeEvent
from msgraph_emulator.clock import Clock
from msgraph_emulator.graph import mailbox as mailbox_module
from msgraph_emulator.graph.calendar_view import calendar_view, instances
from msgraph_emulator.graph.mailbox import DuplicateCalendarName, EventDraft, Mailbox
from msgraph_emulator.graph.recurrence import parse_recurrence

T0 = datetime(2026, 4, 6, 9, tzinfo=UTC)


class _Owner:
    id = "user-1"
    display_name = "Dana Swope"
    user_principal_name = "dana@acme.example"
    mail = "dana@acme.example"


@pytest.fixture
def box() -> Mailbox:
    return Mailbox.create(user=_Owner(), clock=Clock(start=datetime(2026, 3, 1, tzinfo=UTC)))


def _single(box: Mailbox, subject: str = "one") -> str:
    draft = EventDraft(
        props={"subject": subject},
        start=T0,
        end=T0 + timedelta(hours=1),
        start_zone="UTC",
        end_zone="UTC",
    )
    return box.create_event(box.default_calendar.id, draft, props={}).id


def _daily(box: Mailbox, count: int = 5) -> str:
    rec = parse_recurrence(
        {
            "pattern": {"type": "daily", "interval": 1},
            "range": {"type": "numbered", "startDate": "2026-04-06", "numberOfOccurrences": count},
        }
    )
    draft = EventDraft(
        props={"subject": "daily"},
        start=T0,
        end=T0 + timedelta(hours=1),
        start_zone="UTC",
        end_zone="UTC",
        recurrence=rec,
        recurrence_given=True,
    )
    return box.create_event(box.default_calendar.id, draft, props={}).id


def _window(box: Mailbox) -> list:
    return calendar_view(
        box, start=T0 - timedelta(days=1), end=T0 + timedelta(days=30), calendar_id=None
    )


def test_a_new_mailbox_has_the_undeletable_default_calendar_named_calendar(box: Mailbox) -> None:
    assert [c.name for c in box.calendars.values()] == ["Calendar"]
    assert box.default_calendar.is_default
    assert box.owner_address == "dana@acme.example"


def test_every_write_bumps_seq_stamps_the_item_and_tells_the_listeners(box: Mailbox) -> None:
    heard: list[ChangeEvent] = []
    box.listeners.append(heard.append)
    before = box.seq
    event_id = _single(box)
    event = box.events[event_id]
    assert event.seq == box.seq == before + 1
    box.update_event(event, EventDraft(props={"subject": "two"}))
    assert event.seq == box.seq == before + 2
    box.delete_event(event)
    assert [(h.kind, h.change_type, h.item_id) for h in heard] == [
        ("event", "created", event_id),
        ("event", "updated", event_id),
        ("event", "deleted", event_id),
    ]
    assert [h.seq for h in heard] == [before + 1, before + 2, before + 3]
    stone = box.tombstones[event_id]
    assert (stone.kind, stone.seq, stone.start, stone.calendar_id) == (
        "event",
        before + 3,
        T0,
        box.default_calendar.id,
    )


def test_updates_change_the_change_key(box: Mailbox) -> None:
    event = box.events[_single(box)]
    key = event.change_key
    box.update_event(event, EventDraft(props={"subject": "x"}))
    assert event.change_key != key


def test_calendar_names_are_unique_ignoring_case(box: Mailbox) -> None:
    box.create_calendar("Work")
    with pytest.raises(DuplicateCalendarName):
        box.create_calendar("WORK")


def test_deleting_a_calendar_buries_its_events(box: Mailbox) -> None:
    work = box.create_calendar("Work")
    draft = EventDraft(start=T0, end=T0, start_zone="UTC", end_zone="UTC")
    event = box.create_event(work.id, draft, props={})
    box.delete_calendar(work)
    assert event.id not in box.events
    assert box.tombstones[event.id].kind == "event"
    assert box.tombstones[work.id].kind == "calendar"


def test_occurrence_ids_are_deterministic_and_resolve_back(box: Mailbox) -> None:
    _daily(box)
    first = [o.id for o in _window(box)]
    second = [o.id for o in _window(box)]
    assert first == second
    assert len(first) == 5
    found = box.find_event(first[2])
    assert found is not None
    assert found.type == "occurrence"
    assert found.start == T0 + timedelta(days=2)


def test_editing_an_occurrence_makes_an_exception_listed_on_the_master(box: Mailbox) -> None:
    master_id = _daily(box)
    occurrence = _window(box)[1]
    exception = box.edit_occurrence(
        occurrence,
        EventDraft(
            props={"subject": "moved"},
            start=T0 + timedelta(days=1, hours=3),
            end=T0 + timedelta(days=1, hours=4),
        ),
    )
    assert exception.id == occurrence.id
    assert exception.type == "exception"
    assert box.events[master_id].exceptions == {T0 + timedelta(days=1): exception.id}
    view = _window(box)
    assert [(o.type, o.props["subject"]) for o in view][1] == ("exception", "moved")
    assert len(view) == 5


def test_deleting_an_occurrence_cancels_it_everywhere(box: Mailbox) -> None:
    master_id = _daily(box)
    occurrence = _window(box)[3]
    box.delete_event(occurrence)
    master = box.events[master_id]
    assert master.cancelled == {occurrence.start}
    assert occurrence.id not in [o.id for o in _window(box)]
    assert box.find_event(occurrence.id) is None
    assert len(instances(box, master, start=T0, end=T0 + timedelta(days=10))) == 4
    assert box.tombstones[occurrence.id].start == occurrence.start


def test_changing_the_series_pattern_drops_exceptions_that_no_longer_match(box: Mailbox) -> None:
    master_id = _daily(box, count=10)
    view = _window(box)
    box.edit_occurrence(view[1], EventDraft(props={"subject": "kept"}))
    box.edit_occurrence(view[8], EventDraft(props={"subject": "dropped"}))
    master = box.events[master_id]
    shorter = parse_recurrence(
        {
            "pattern": {"type": "daily", "interval": 1},
            "range": {"type": "numbered", "startDate": "2026-04-06", "numberOfOccurrences": 4},
        }
    )
    box.update_event(master, EventDraft(recurrence=shorter, recurrence_given=True))
    assert list(master.exceptions.values()) == [view[1].id]
    assert view[8].id not in box.events
    assert view[8].id in box.tombstones


def test_a_mailbox_survives_a_json_round_trip(box: Mailbox) -> None:
    master_id = _daily(box)
    view = _window(box)
    box.edit_occurrence(view[0], EventDraft(props={"subject": "edited"}))
    box.delete_event(view[2])
    box.create_contact({"displayName": "Sam"})
    box.delete_event(box.events[_single(box)])
    restored = Mailbox.from_json(json.loads(json.dumps(box.to_json())), clock=box.clock)
    assert restored.to_json() == box.to_json()
    assert [(o.id, o.type, o.start) for o in _window(restored)] == [
        (o.id, o.type, o.start) for o in _window(box)
    ]
    assert restored.events[master_id].recurrence == box.events[master_id].recurrence


def test_tombstones_are_bounded_and_the_horizon_remembers_what_was_forgotten(
    box: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(mailbox_module, "MAX_TOMBSTONES", 3)
    contacts = [box.create_contact({"displayName": f"c{n}"}) for n in range(5)]
    deleted_seqs = []
    for contact in contacts:
        box.delete_contact(contact)
        deleted_seqs.append(box.seq)
    assert list(box.tombstones) == [c.id for c in contacts[2:]]
    assert box.tombstone_horizon == deleted_seqs[1]
    restored = Mailbox.from_json(json.loads(json.dumps(box.to_json())), clock=box.clock)
    assert restored.tombstone_horizon == box.tombstone_horizon
    assert list(restored.tombstones) == list(box.tombstones)


def test_old_series_shapes_survive_a_json_round_trip(box: Mailbox) -> None:
    master = box.events[_daily(box)]
    later = master.start + timedelta(hours=2)
    box.update_event(master, EventDraft(start=later, end=later + timedelta(hours=1)))
    box.delete_event(master)
    shapes = [t.series for t in box.tombstones.values() if t.series is not None]
    assert len(shapes) == 2  # as reshaped from, and as deleted
    restored = Mailbox.from_json(json.loads(json.dumps(box.to_json())), clock=box.clock)
    assert restored.to_json() == box.to_json()
