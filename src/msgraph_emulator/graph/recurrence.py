"""`patternedRecurrence`: parsing, canonical JSON and expansion into occurrence starts.

Each pattern maps directly onto `dateutil.rrule` (spec §4.3). Expansion runs in the series'
wall-clock zone with an aware `dtstart`, so DST gaps and folds come out right, and is always
bounded by a window: an open-ended rule is never iterated past it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any, Literal

from dateutil import rrule

PATTERN_TYPES = (
    "daily",
    "weekly",
    "absoluteMonthly",
    "relativeMonthly",
    "absoluteYearly",
    "relativeYearly",
)
RANGE_TYPES = ("endDate", "noEnd", "numbered")
DAYS = ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday")
INDEXES = ("first", "second", "third", "fourth", "last")
NO_DATE = "0001-01-01"
MAX_OCCURRENCES = 5000

_WEEKDAYS = {
    "sunday": rrule.SU,
    "monday": rrule.MO,
    "tuesday": rrule.TU,
    "wednesday": rrule.WE,
    "thursday": rrule.TH,
    "friday": rrule.FR,
    "saturday": rrule.SA,
}
_SETPOS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "last": -1}


class RecurrenceError(ValueError):
    pass


@dataclass(frozen=True)
class Pattern:
    type: str
    interval: int = 1
    month: int = 0
    day_of_month: int = 0
    days_of_week: tuple[str, ...] = ()
    first_day_of_week: str = "sunday"
    index: str = "first"


@dataclass(frozen=True)
class Range:
    type: str
    start_date: date
    end_date: date | None = None
    number_of_occurrences: int = 0
    recurrence_time_zone: str = ""


@dataclass(frozen=True)
class Recurrence:
    pattern: Pattern
    range: Range

    def to_json(self) -> dict[str, Any]:
        p, r = self.pattern, self.range
        return {
            "pattern": {
                "type": p.type,
                "interval": p.interval,
                "month": p.month,
                "dayOfMonth": p.day_of_month,
                "daysOfWeek": list(p.days_of_week),
                "firstDayOfWeek": p.first_day_of_week,
                "index": p.index,
            },
            "range": {
                "type": r.type,
                "startDate": r.start_date.isoformat(),
                "endDate": r.end_date.isoformat() if r.end_date else NO_DATE,
                "recurrenceTimeZone": r.recurrence_time_zone,
                "numberOfOccurrences": r.number_of_occurrences,
            },
        }


def _folded(data: Mapping[str, Any]) -> dict[str, Any]:
    return {str(key).casefold(): value for key, value in data.items()}


def _enum(value: Any, allowed: tuple[str, ...], field: str) -> str:
    for option in allowed:
        if isinstance(value, str) and value.casefold() == option.casefold():
            return option
    raise RecurrenceError(f"Invalid value '{value}' for recurrence property '{field}'.")


def _int(value: Any, field: str, *, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise RecurrenceError(f"Invalid value '{value}' for recurrence property '{field}'.")
    return value


def _date(value: Any, field: str) -> date:
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError as exc:
        raise RecurrenceError(
            f"Invalid value '{value}' for recurrence property '{field}'."
        ) from exc


def parse_pattern(data: Mapping[str, Any]) -> Pattern:
    d = _folded(data)
    kind = _enum(d.get("type"), PATTERN_TYPES, "type")
    days = d.get("daysofweek") or []
    if not isinstance(days, list):
        raise RecurrenceError("Invalid value for recurrence property 'daysOfWeek'.")
    pattern = Pattern(
        type=kind,
        interval=_int(d.get("interval", 1), "interval", low=1, high=999),
        month=_int(d.get("month") or 0, "month", low=0, high=12),
        day_of_month=_int(d.get("dayofmonth") or 0, "dayOfMonth", low=0, high=31),
        days_of_week=tuple(_enum(day, DAYS, "daysOfWeek") for day in days),
        first_day_of_week=_enum(d.get("firstdayofweek") or "sunday", DAYS, "firstDayOfWeek"),
        index=_enum(d.get("index") or "first", INDEXES, "index"),
    )
    _check_required(pattern)
    return pattern


def _check_required(pattern: Pattern) -> None:
    needs_days = pattern.type in ("weekly", "relativeMonthly", "relativeYearly")
    needs_day_of_month = pattern.type in ("absoluteMonthly", "absoluteYearly")
    needs_month = pattern.type in ("absoluteYearly", "relativeYearly")
    if needs_days and not pattern.days_of_week:
        raise RecurrenceError(f"Recurrence pattern '{pattern.type}' requires 'daysOfWeek'.")
    if needs_day_of_month and pattern.day_of_month == 0:
        raise RecurrenceError(f"Recurrence pattern '{pattern.type}' requires 'dayOfMonth'.")
    if needs_month and pattern.month == 0:
        raise RecurrenceError(f"Recurrence pattern '{pattern.type}' requires 'month'.")


def parse_range(data: Mapping[str, Any]) -> Range:
    d = _folded(data)
    kind = _enum(d.get("type"), RANGE_TYPES, "range type")
    if "startdate" not in d:
        raise RecurrenceError("Recurrence range requires 'startDate'.")
    start = _date(d["startdate"], "startDate")
    end = None
    if kind == "endDate":
        end = _date(d.get("enddate"), "endDate")
        if end < start:
            raise RecurrenceError("The recurrence range end date is before its start date.")
    count = 0
    if kind == "numbered":
        count = _int(d.get("numberofoccurrences"), "numberOfOccurrences", low=1, high=999)
    zone = d.get("recurrencetimezone") or ""
    return Range(kind, start, end, count, str(zone))


def parse_recurrence(data: Any) -> Recurrence | None:
    if data is None:
        return None
    if not isinstance(data, Mapping):
        raise RecurrenceError("Invalid value for property 'recurrence'.")
    d = _folded(data)
    if not isinstance(d.get("pattern"), Mapping) or not isinstance(d.get("range"), Mapping):
        raise RecurrenceError("Recurrence requires a 'pattern' and a 'range'.")
    return Recurrence(parse_pattern(d["pattern"]), parse_range(d["range"]))


def build_rule(recurrence: Recurrence, *, dtstart: datetime) -> rrule.rrule:
    """The rrule of a series whose first possible occurrence is `dtstart` (aware, local zone)."""
    p, r = recurrence.pattern, recurrence.range
    options: dict[str, Any] = {"dtstart": dtstart, "interval": p.interval, "cache": False}
    weekdays = [_WEEKDAYS[day] for day in p.days_of_week]
    freq: Literal[0, 1, 2, 3, 4, 5, 6]
    if p.type == "daily":
        freq = rrule.DAILY
    elif p.type == "weekly":
        freq = rrule.WEEKLY
        options.update(byweekday=weekdays, wkst=_WEEKDAYS[p.first_day_of_week])
    elif p.type == "absoluteMonthly":
        freq = rrule.MONTHLY
        options.update(bymonthday=p.day_of_month)
    elif p.type == "relativeMonthly":
        freq = rrule.MONTHLY
        options.update(byweekday=weekdays, bysetpos=_SETPOS[p.index])
    elif p.type == "absoluteYearly":
        freq = rrule.YEARLY
        options.update(bymonth=p.month, bymonthday=p.day_of_month)
    else:
        freq = rrule.YEARLY
        options.update(bymonth=p.month, byweekday=weekdays, bysetpos=_SETPOS[p.index])
    if r.type == "numbered":
        options["count"] = r.number_of_occurrences
    elif r.type == "endDate" and r.end_date is not None:
        options["until"] = datetime.combine(r.end_date, time.max, dtstart.tzinfo)
    return rrule.rrule(freq, **options)


def series_start(recurrence: Recurrence, *, start_time: time, zone: tzinfo) -> datetime:
    return datetime.combine(recurrence.range.start_date, start_time, zone)


def _fast_forward(recurrence: Recurrence, dtstart: datetime, after: datetime) -> datetime:
    """A later dtstart giving the same occurrences from `after` on (daily/weekly, no count).

    Jumping whole intervals keeps the rule's phase, and staying one interval early keeps the
    first (partial) week out of the window, so an old series is not iterated from its start.
    """
    p, r = recurrence.pattern, recurrence.range
    if r.type == "numbered" or p.type not in ("daily", "weekly"):
        return dtstart
    step_days = p.interval * (7 if p.type == "weekly" else 1)
    gap_days = (after.astimezone(dtstart.tzinfo).date() - dtstart.date()).days
    steps = gap_days // step_days - 1
    if steps <= 0:
        return dtstart
    moved = dtstart.date() + timedelta(days=steps * step_days)
    if p.type == "weekly":
        moved -= timedelta(days=(moved.weekday() - _WEEKDAYS[p.first_day_of_week].weekday) % 7)
    return datetime.combine(moved, dtstart.timetz())


def occurrence_starts(
    recurrence: Recurrence,
    *,
    dtstart: datetime,
    window_start: datetime,
    window_end: datetime,
    duration: timedelta,
) -> list[datetime]:
    """UTC starts of the occurrences overlapping [window_start, window_end) (G19).

    At most MAX_OCCURRENCES are returned.
    """
    after = window_start - duration
    origin = _fast_forward(recurrence, dtstart, after)
    if origin != dtstart and origin > dtstart:
        rule = build_rule(recurrence, dtstart=origin)
    else:
        rule = build_rule(recurrence, dtstart=dtstart)
    found: list[datetime] = []
    for local in rule.xafter(after, count=MAX_OCCURRENCES, inc=True):
        start = local.astimezone(UTC)
        if start >= window_end:
            break
        if start < window_end and (start + duration > window_start or start == window_start):
            found.append(start)
    return found
