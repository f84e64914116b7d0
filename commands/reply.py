"""The neutral answer of a command: a template and its data, maybe an image; adapters ship it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


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
        """An error or refusal explained by the ``error`` template's entry for ``code``."""
        return cls("error", {"code": code, **params}, ok=False, ephemeral=True, locale=locale)
