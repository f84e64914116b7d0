"""User-supplied text made safe to show: the characters removed, the length of an echo.

Users can type (or name their chat) anything: control characters that forge structure or
corrupt a terminal, lone surrogates that no platform can encode, bidi controls that make a
reply read backwards, and arguments of any length. ``clean`` removes the dangerous characters
in every output format; ``echo`` also puts a typed value on one line and cuts it, so an error
that quotes it stays one short message.
"""

from __future__ import annotations

import re

ECHO_LIMIT = 64
ELLIPSIS = "…"

# C0 controls except tab and newline, DEL and the C1 controls; every UTF-16 surrogate (in a
# Python string a surrogate is always unpaired); the bidi embedding, override, isolate and mark
# characters (the "Trojan Source" set).
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)


def clean(value: str) -> str:
    """``value`` without control characters, lone surrogates and bidi controls (CRLF → LF)."""
    return _UNSAFE.sub("", value.replace("\r\n", "\n"))


def echo(value: object, limit: int = ECHO_LIMIT) -> str:
    """A user's value as a reply may quote it: clean, on one line, at most ``limit`` characters
    (the last an ellipsis when it was cut)."""
    text = " ".join(clean(str(value)).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + ELLIPSIS
