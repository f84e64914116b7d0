"""What a reader must know about the data, as codes with parameters: the templates word them.

Every note is a small frozen dataclass with a ``code`` (the template's key) and the dates and
numbers its sentence needs; nothing here is English text, so a reply speaks the chat's language.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import ClassVar


@dataclass(frozen=True)
class InputAge:
    """One panel input (``us_2y``, ``usdjpy``, ``vix``, …): its last observation and its age."""

    column: str
    as_of: date | None
    age_days: int | None


@dataclass(frozen=True)
class Note:
    """Base of every note: ``code`` says which sentence the templates write."""

    code: ClassVar[str] = ""


@dataclass(frozen=True)
class Offline(Note):
    """Live sources could not be reached: the figures are the last stored data."""

    code: ClassVar[str] = "offline"


@dataclass(frozen=True)
class LiveRateUsed(Note):
    """The live series (``series``: ``us.fed.range`` or ``jp.call``) shows a rate the decision
    tables do not give: the live rate (``lower``–``upper`` since ``since``, decided on ``decided``
    or between meetings) is the one shown; the tables' own latest decision (of
    ``table_decided``) sets ``table_lower``–``table_upper``."""

    code: ClassVar[str] = "live_rate_used"
    bank: str
    series: str
    lower: float
    upper: float
    since: date
    decided: date
    between_meetings: bool
    table_lower: float
    table_upper: float
    table_decided: date


@dataclass(frozen=True)
class PolicyTableBehind(Note):
    """Meetings were held after the last decision known (tables, stored decisions and live
    rates; ``recorded``): their decisions may be missing."""

    code: ClassVar[str] = "policy_table_behind"
    bank: str
    recorded: date
    lower: float
    upper: float
    meetings: int
    last_meeting: date


@dataclass(frozen=True)
class LiveCheckUnavailable(Note):
    """A decision table could not be checked against its live series (``series``: ``us.fed.range``,
    ``us.fed.target`` or ``jp.call``): none stored, or the last one (``last_seen``) is too old."""

    code: ClassVar[str] = "live_check_unavailable"
    bank: str
    series: str
    last_seen: date | None
