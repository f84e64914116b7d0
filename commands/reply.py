"""The neutral answer of a command: a template and its data, maybe an image; adapters ship it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from commands.sanitize import echo


@dataclass(frozen=True)
class Reply:
    """What to say, not how: ``template`` names a file under ``templates/replies`` (no suffix).

    ``context`` holds raw values (numbers, dates, codes); templates format them per format and
    locale. ``image`` is PNG bytes to attach under ``filename``. ``ok`` is False for refusals
    and errors; ``ephemeral`` asks platforms that can (Discord) to show it only to the user.
    ``locale`` is the chat's language (``en``, ``ja``, ``zh``).
    """

    template: str
    context: Mapping[str, Any] = field(default_factory=dict)
    ok: bool = True
    ephemeral: bool = False
    image: bytes | None = None
    filename: str | None = None
    locale: str = "en"

    @classmethod
    def error(cls, code: str, locale: str = "en", **params: Any) -> Reply:
        """An error or refusal explained by the ``error`` template's entry for ``code``.

        Text parameters (often what the user typed) are quoted as ``echo`` makes them: clean,
        one line, at most 64 characters, so an error reply never grows with its input.
        """
        quoted = {name: _quoted(value) for name, value in params.items()}
        return cls("error", {"code": code, **quoted}, ok=False, ephemeral=True, locale=locale)


def _quoted(value: Any) -> Any:
    if isinstance(value, str):
        return echo(value)
    if isinstance(value, Mapping):
        return {key: _quoted(item) for key, item in value.items()}
    return value
