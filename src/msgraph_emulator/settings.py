"""Run-time settings of the emulator, changeable through `PUT /_emulator/settings` (G41).

The JSON form uses the camelCase of each field name, nested for `throttle`; owners of other
parts add their fields to `EmulatorSettings` and get the JSON mapping for free.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

DEFAULT_ACCESS_TOKEN_LIFETIME_SECONDS = 3599  # G34
DEFAULT_REFRESH_TOKEN_INACTIVITY_SECONDS = 90 * 24 * 3600  # G35
DEFAULT_AUTHORIZATION_CODE_LIFETIME_SECONDS = 600  # G33
# A page of 0 items would never end (`$top` has the same minimum).
_MINIMUMS: dict[str, float] = {"default_page_size": 1}
_CHOICES: dict[str, tuple[str, ...]] = {"delta_expired_answer": ("gone", "syncStateNotFound")}


@dataclass
class ThrottleSettings:
    """G29: per (application id, mailbox)."""

    concurrent_per_mailbox: int = 4
    requests_per_window: int = 10_000
    window_seconds: float = 600.0


@dataclass
class EmulatorSettings:
    auto_consent: bool = False
    access_token_lifetime_seconds: int = DEFAULT_ACCESS_TOKEN_LIFETIME_SECONDS
    default_page_size: int = 10
    throttle: ThrottleSettings = field(default_factory=ThrottleSettings)
    notification_timeout_seconds: float = 3.0
    # Identity platform switches (G33, G35).
    authorization_code_lifetime_seconds: int = DEFAULT_AUTHORIZATION_CODE_LIFETIME_SECONDS
    refresh_token_inactivity_seconds: int = DEFAULT_REFRESH_TOKEN_INACTIVITY_SECONDS
    strict_refresh_rotation: bool = False
    # Delta, subscriptions and notification delivery (E3; G20, G22, G24, G25, G26, G27).
    delta_token_lifetime_seconds: float = 0.0  # 0: delta and skip tokens never age out
    delta_expired_answer: str = "gone"  # "gone" (410 + Location) or "syncStateNotFound" (400)
    subscription_max_lifetime_minutes: float = 10_080.0
    subscription_validation_timeout_seconds: float = 10.0
    subscriptions_per_mailbox: int = 1000
    notification_allow_http: bool = False  # any http:// URL, not only loopback (demo mode)
    notification_time_compression: float = 1.0  # multiplies retry delays and the retry period
    notification_retry_period_seconds: float = 14_400.0
    notification_batch_window_ms: float = 0.0  # 0: one POST per change
    lifecycle_auto: bool = False  # reauthorizationRequired on the docs' schedule (G27)
    # Graph data switches (E2; G05 duplicate names, G31, the calendarView filter Quirk of §5).
    if_match_conflict_status: int = 412  # a stale If-Match: 412, or 409 as some reports show
    refuse_duplicate_calendar_names: bool = True
    calendar_view_subject_filter_quirk: bool = False  # 500 on contains/startswith, no subject

    def to_json(self) -> dict[str, Any]:
        return _dataclass_to_json(self)

    def update_from_json(self, document: dict[str, Any]) -> None:
        """Apply a partial update; raises `ValueError` naming the first bad key or value,
        and changes nothing in that case."""
        staged = dataclasses.replace(self, throttle=dataclasses.replace(self.throttle))
        _apply(staged, document, prefix="")
        # Applied in place, so holders of `self.throttle` see the change.
        _apply(self, document, prefix="")


def camel_case(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def _dataclass_to_json(instance: Any) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for item in dataclasses.fields(instance):
        value = getattr(instance, item.name)
        is_nested = dataclasses.is_dataclass(value) and not isinstance(value, type)
        result[camel_case(item.name)] = _dataclass_to_json(value) if is_nested else value
    return result


def _apply(target: Any, document: dict[str, Any], *, prefix: str) -> None:
    if not isinstance(document, dict):
        raise ValueError(f"{prefix or 'settings'} must be a JSON object")
    by_key = {camel_case(item.name): item.name for item in dataclasses.fields(target)}
    for key, value in document.items():
        name = by_key.get(key)
        if name is None:
            raise ValueError(f"unknown setting {prefix}{key}")
        current = getattr(target, name)
        if dataclasses.is_dataclass(current) and not isinstance(current, type):
            _apply(current, value, prefix=f"{prefix}{key}.")
        else:
            coerced = _coerce(current, value, key=f"{prefix}{key}")
            _check_range(name, coerced, key=f"{prefix}{key}")
            setattr(target, name, coerced)


def _check_range(name: str, value: Any, *, key: str) -> None:
    minimum = _MINIMUMS.get(name)
    if minimum is not None and value < minimum:
        raise ValueError(f"{key} must be at least {minimum:g}")
    choices = _CHOICES.get(name)
    if choices is not None and value not in choices:
        raise ValueError(f"{key} must be one of {', '.join(choices)}")


def _coerce(current: Any, value: Any, *, key: str) -> Any:
    if isinstance(current, bool):
        if not isinstance(value, bool):
            raise ValueError(f"{key} must be true or false")
        return value
    if isinstance(current, int | float):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"{key} must be a non-negative number")
        if not math.isfinite(value) or value < 0:  # NaN would also break GET /settings
            raise ValueError(f"{key} must be a non-negative number")
        if isinstance(current, int) and not float(value).is_integer():
            raise ValueError(f"{key} must be a whole number")
        return type(current)(value)
    if current is None or isinstance(value, type(current)):
        return value
    raise ValueError(f"{key} has the wrong type")
