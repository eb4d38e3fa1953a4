"""Structured JSON logs (structlog), with secrets redacted before anything is written.

Every log line passes `redact`: values under sensitive keys (secret, token, password,
authorization, ...) are replaced, and credential-looking substrings in any string
(`User <secret>`, `Bearer <token>`, `access_token=...`) are masked. stdlib loggers (uvicorn,
alembic) go through the same chain. The request id is bound per request by the middleware.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Mapping
from typing import Any, Literal, TextIO

import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

__all__ = ["REDACTED", "configure_logging", "redact", "redact_text"]

REDACTED = "[REDACTED]"
_SENSITIVE_KEY = re.compile(
    r"secret|token|passw|authorization|api[-_]?key|cookie|pepper|encryption[-_]?key"
    r"|credential|assertion|code[-_]?verifier|signature|private[-_]?key",
    re.IGNORECASE,
)
_CREDENTIAL_IN_TEXT = re.compile(
    r"\b(User|Organization|Element|Bearer|Basic)(\s+)[A-Za-z0-9+/=._~-]{16,}", re.IGNORECASE
)
_SECRET_PARAMETER = re.compile(
    r"\b((?:access_token|refresh_token|id_token|client_secret|code|password|token|secret)=)"
    r"[^&\s\"']+",
    re.IGNORECASE,
)


def redact_text(text: str) -> str:
    text = _CREDENTIAL_IN_TEXT.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", text)
    return _SECRET_PARAMETER.sub(lambda m: f"{m.group(1)}{REDACTED}", text)


def _redact_value(key: str | None, value: Any) -> Any:
    if key is not None and _SENSITIVE_KEY.search(key) and value is not None:
        return REDACTED
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, Mapping):
        return {k: _redact_value(str(k), v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_redact_value(None, item) for item in value]
    return value


def redact(_logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
    """structlog processor: mask secrets in keys and values (see module docstring)."""
    for key, value in list(event_dict.items()):
        if key.startswith("_"):
            continue
        event_dict[key] = _redact_value(None if key == "event" else key, value)
    return event_dict


def _shared_processors() -> list[Processor]:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.StackInfoRenderer(),
        structlog.processors.format_exc_info,
        redact,
    ]


def configure_logging(
    *,
    level: str = "INFO",
    log_format: Literal["json", "console"] = "json",
    stream: TextIO | None = None,
) -> None:
    """Send structlog and stdlib logging, redacted, to `stream` (stderr by default)."""
    renderer: Processor = (
        structlog.processors.JSONRenderer()
        if log_format == "json"
        else structlog.dev.ConsoleRenderer(
            colors=False, exception_formatter=structlog.dev.plain_traceback
        )
    )
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=_shared_processors(),
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    structlog.configure(
        processors=[*_shared_processors(), structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        # Below `level` a log call returns at once: the processors (timestamp, redaction) would
        # otherwise run for every debug line only for the stdlib handler to drop it.
        wrapper_class=structlog.make_filtering_bound_logger(root.level),
        cache_logger_on_first_use=False,
    )
