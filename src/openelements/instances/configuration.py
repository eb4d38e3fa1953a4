"""Instance configuration rules (spec §6.3, §6.7, §6.10, §7): pure functions, no I/O.

- Input values may be JSON strings, booleans or numbers; they are kept as strings (D21).
- Keys the element does not define are accepted and kept (the original platform did so).
- Internal and element-level keys cannot be written (D25); `oauth.user.refresh_token` only on
  external authentication (D23), and it is never shown.
- Output masks `oauth.api.key`, `oauth.api.secret`, `password` and the other masked keys as
  `********`, never shows secret keys (D20), and lists element-level values from the
  deployment (D30).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from openelements.elements.base import ConfigurationDefinition
from openelements.kit.errors import BadRequest

__all__ = [
    "EXTERNAL_REFRESH_TOKEN",
    "MASK",
    "definitions_by_key",
    "is_sealed_key",
    "missing_required",
    "normalize",
    "refuse_unwritable",
    "render_configuration",
    "shown_value",
    "with_defaults",
]

MASK = "********"
EXTERNAL_REFRESH_TOKEN = "oauth.user.refresh_token"
ALWAYS_MASKED = frozenset({"password"})
MAX_KEY_LENGTH = 128  # instance_configuration.key


def definitions_by_key(
    definitions: Sequence[ConfigurationDefinition],
) -> dict[str, ConfigurationDefinition]:
    return {definition.key: definition for definition in definitions}


def normalize(raw: Mapping[str, Any]) -> dict[str, str]:
    """D21: strings, booleans and numbers become strings; anything else is refused, as are
    NUL characters (PostgreSQL cannot store them) and keys longer than their column."""
    values: dict[str, str] = {}
    problems: list[str] = []
    for key, value in raw.items():
        if "\x00" in key or len(key) > MAX_KEY_LENGTH:
            problems.append(f"configuration key {key[:64]!r}: not a valid key")
        elif isinstance(value, str) and "\x00" in value:
            problems.append(f"configuration.{key}: must not contain NUL characters")
        elif isinstance(value, bool):
            values[key] = "true" if value else "false"
        elif isinstance(value, int | float):
            values[key] = str(value)
        elif isinstance(value, str):
            values[key] = _boolean_text(value)
        else:
            problems.append(f"configuration.{key}: must be a string, boolean or number")
    if problems:
        raise BadRequest(f"Invalid request body: {'; '.join(problems)}")
    return values


def _boolean_text(value: str) -> str:
    """`TRUE`, `False`... are booleans in any case (D21)."""
    lowered = value.strip().lower()
    return lowered if lowered in {"true", "false"} else value


def refuse_unwritable(
    values: Mapping[str, str],
    definitions: Mapping[str, ConfigurationDefinition],
    *,
    external_authentication: bool = False,
) -> None:
    """D25: internal and element-level keys cannot be written (400 naming them)."""
    refused = [
        key
        for key in values
        if key in definitions
        and not definitions[key].writable
        and not (external_authentication and key == EXTERNAL_REFRESH_TOKEN)
    ]
    if refused:
        raise BadRequest(f"Configuration keys cannot be set: {', '.join(sorted(refused))}")


def missing_required(
    values: Mapping[str, str], definitions: Mapping[str, ConfigurationDefinition]
) -> list[str]:
    return [
        key
        for key, definition in definitions.items()
        if definition.required and not values.get(key, "").strip()
    ]


def with_defaults(
    values: Mapping[str, str], definitions: Mapping[str, ConfigurationDefinition]
) -> dict[str, str]:
    """Writable keys with a default get it when absent, so every entry has a row and an id."""
    merged = {
        key: definition.default
        for key, definition in definitions.items()
        if definition.default is not None and definition.writable
    }
    merged.update(values)
    return merged


def is_sealed_key(key: str, definitions: Mapping[str, ConfigurationDefinition]) -> bool:
    """Values kept encrypted at rest: passwords and client secrets."""
    definition = definitions.get(key)
    if definition is None:
        return key in ALWAYS_MASKED
    return definition.type == "PASSWORD" or definition.secret


def is_masked(key: str, definitions: Mapping[str, ConfigurationDefinition]) -> bool:
    definition = definitions.get(key)
    return key in ALWAYS_MASKED if definition is None else definition.masked


def is_hidden(key: str, definitions: Mapping[str, ConfigurationDefinition]) -> bool:
    """Never returned at all (D20)."""
    definition = definitions.get(key)
    return definition is not None and definition.secret


def shown_value(key: str, value: str, definitions: Mapping[str, ConfigurationDefinition]) -> str:
    return MASK if is_masked(key, definitions) else value


def render_configuration(
    stored: Mapping[str, str],
    definitions: Mapping[str, ConfigurationDefinition],
    deployment: Mapping[str, str],
) -> dict[str, str]:
    """The `configuration` object of an instance response (spec §6.3)."""
    shown = {
        key: shown_value(key, value, definitions)
        for key, value in stored.items()
        if not is_hidden(key, definitions)
    }
    return {**shown, **deployment}
