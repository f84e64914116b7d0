"""Keep bot tokens out of logs.

The Bot API puts the token in every URL (``/bot<token>/sendMessage``). httpx logs each request
URL at INFO, so its loggers are raised to WARNING; a filter on the root handlers replaces any
known secret that still reaches a log line (a library's debug message, an exception text).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

NOISY_LOGGERS = ("httpx", "httpcore")
MASK = "<redacted>"


class SecretFilter(logging.Filter):
    """Replaces secrets in a record's message and exception text."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = tuple(s for s in secrets if s)

    def _clean(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = self._clean(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and record.exc_info[0] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            cleaned = self._clean(text)
            if cleaned != text:
                record.exc_info, record.exc_text = None, cleaned
        return True


def quiet_url_loggers() -> None:
    """Raise the loggers that print request URLs (with the token in them) to WARNING."""
    for name in NOISY_LOGGERS:
        noisy = logging.getLogger(name)
        if noisy.getEffectiveLevel() < logging.WARNING:
            noisy.setLevel(logging.WARNING)


def protect(secrets: Iterable[str], logger: logging.Logger | None = None) -> SecretFilter:
    """Quiet the URL-logging libraries and filter ``secrets`` out of every handler of
    ``logger`` (default: the root logger)."""
    quiet_url_loggers()
    secret_filter = SecretFilter(secrets)
    for handler in (logger or logging.getLogger()).handlers:
        handler.addFilter(secret_filter)
    return secret_filter
