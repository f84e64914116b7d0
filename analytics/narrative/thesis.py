"""The thesis line: the 2-year gap's three-month change and what it did to the carry incentive.

The carry argument runs on the rate gap: a narrowing US–Japan 2-year gap pays less for borrowing
yen, so the carry incentive (pillar A) falls with it. The reading compares the gap's 3-month
calendar change between same-day pairs (``analytics.catalogue.pairs``) with carry incentive now
and on the day of the base pair that change is measured from. ``direction`` is ``narrowing`` or ``widening`` when the gap moved at least
``MOVE_BP``, else ``flat``; a stale gap or one without a base has no change and no direction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from analytics.catalogue.values import number_or_none
from analytics.picture.differential import GapBlock

HORIZON = "3m"
MOVE_BP = 10.0
NARROWING, WIDENING, FLAT = "narrowing", "widening", "flat"


@dataclass(frozen=True)
class Thesis:
    """The 2-year gap now, its 3-month change (from ``base``), carry incentive now and then."""

    gap_bp: float | None
    gap_as_of: date | None
    change_bp: float | None
    base: date | None
    direction: str | None
    incentive: float | None
    incentive_then: float | None


def thesis(gap: GapBlock, signal: pd.DataFrame) -> Thesis:
    """The thesis reading from the 2-year gap block and the signal frame (column ``A``)."""
    change = next((c for c in gap.changes if c.horizon == HORIZON), None)
    value = None if change is None else change.value
    # Carry incentive then: on the day of the gap's base pair, the day the change runs from.
    base = None if change is None or value is None else change.base
    incentive = number_or_none(signal["A"].iloc[-1]) if len(signal) else None
    then = None
    if base is not None:
        earlier = signal["A"].loc[: pd.Timestamp(base)]
        then = number_or_none(earlier.iloc[-1]) if len(earlier) else None
    direction = None
    if value is not None:
        direction = NARROWING if value <= -MOVE_BP else WIDENING if value >= MOVE_BP else FLAT
    return Thesis(
        gap_bp=gap.level_bp,
        gap_as_of=gap.as_of,
        change_bp=value,
        base=None if change is None or value is None else change.base,
        direction=direction,
        incentive=incentive,
        incentive_then=then,
    )
