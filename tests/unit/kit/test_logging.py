from __future__ import annotations

import io
import json
import logging
from collections.abc import ItemsView, Iterator

import pytest
import structlog

from openelements.kit.logging import REDACTED, configure_logging, redact_text

USER_SECRET = "7OpR4MRo7wnPoVKkKFXHhHBUPRzqutoem/d+WEnR1kY="
ORG_SECRET = "ce7f1f9be0d2a8b1f37bcfa6d71eda20"


@pytest.fixture
def log_stream() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    configure_logging(level="DEBUG", log_format="json", stream=stream)
    yield stream
    configure_logging(level="INFO", log_format="json")


def _lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_sensitive_keys_are_redacted(log_stream: io.StringIO) -> None:
    structlog.get_logger("t").info(
        "created",
        user_secret=USER_SECRET,
        headers={"Authorization": f"User {USER_SECRET}", "Accept": "application/json"},
        password="hunter2",
        refresh_token="0.AXo-refresh",
    )
    text = log_stream.getvalue()
    for secret in (USER_SECRET, "hunter2", "0.AXo-refresh"):
        assert secret not in text
    (line,) = _lines(log_stream)
    assert line["user_secret"] == REDACTED
    assert line["headers"] == {"Authorization": REDACTED, "Accept": "application/json"}


def test_credentials_inside_messages_are_masked(log_stream: io.StringIO) -> None:
    log = structlog.get_logger("t")
    log.info(f"header was User {USER_SECRET}, Organization {ORG_SECRET}")
    log.info("url", url="https://login.example/token?code=abc123&client_secret=xyz&state=ok")
    text = log_stream.getvalue()
    for secret in (USER_SECRET, ORG_SECRET, "abc123", "xyz"):
        assert secret not in text
    assert "state=ok" in text


def test_exceptions_are_masked_too(log_stream: io.StringIO) -> None:
    try:
        raise ValueError(f"bad header Bearer {USER_SECRET}")
    except ValueError:
        structlog.get_logger("t").exception("failed")
    assert USER_SECRET not in log_stream.getvalue()
    assert "ValueError" in log_stream.getvalue()


def test_stdlib_loggers_go_through_the_same_redaction(log_stream: io.StringIO) -> None:
    logging.getLogger("thirdparty.lib").warning("client sent Element %s", USER_SECRET)
    (line,) = _lines(log_stream)
    assert USER_SECRET not in json.dumps(line)
    assert line["logger"] == "thirdparty.lib"


def test_request_id_bound_in_context_appears_on_every_line(log_stream: io.StringIO) -> None:
    with structlog.contextvars.bound_contextvars(request_id="53dbca9430045c016b46566c"):
        structlog.get_logger("t").info("one")
    assert _lines(log_stream)[0]["request_id"] == "53dbca9430045c016b46566c"


def test_ordinary_words_are_left_alone() -> None:
    assert redact_text("User 12 joined Organization 3") == "User 12 joined Organization 3"


class _CountingMapping(dict[str, str]):
    """Counts how often the redaction processor walks it."""

    walks = 0

    def items(self) -> ItemsView[str, str]:  # type: ignore[override]
        type(self).walks += 1
        return super().items()


def test_messages_below_the_level_skip_the_processors() -> None:
    stream = io.StringIO()
    configure_logging(level="WARNING", log_format="json", stream=stream)
    try:
        logger = structlog.get_logger("t")
        logger.info("quiet", payload=_CountingMapping(a="b"))
        logger.debug("quieter", payload=_CountingMapping(a="b"))
        assert _CountingMapping.walks == 0
        logger.warning("loud", payload=_CountingMapping(a="b"))
        assert _CountingMapping.walks == 1
        assert [line["event"] for line in _lines(stream)] == ["loud"]
    finally:
        configure_logging(level="INFO", log_format="json")


def test_exceptions_and_bound_context_still_render_through_the_filtering_logger(
    log_stream: io.StringIO,
) -> None:
    logger = structlog.get_logger("t").bind(job_id=7)
    try:
        raise ValueError("boom")
    except ValueError:
        logger.exception("failed")
    (line,) = _lines(log_stream)
    assert line["job_id"] == 7
    assert line["level"] == "error"
    assert "ValueError: boom" in str(line["exception"])
