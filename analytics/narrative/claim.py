"""The base of every claim a reply opens with (``analytics.narrative.lede`` and
``analytics.narrative.decision_day``): a ``code`` the templates word, and its numbers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True)
class Claim:
    """Base of every claim: ``code`` says which sentence the templates write."""

    code: ClassVar[str] = ""
