"""The headline of a reply: what the computed scores support, as claims (codes and numbers).

``lede(snapshot)`` lists the claims a reply opens with, in order. Each claim is a frozen
dataclass whose ``code`` picks the template sentence (``templates/macros.j2``, macro ``claim``)
and whose fields are the numbers and dates that sentence states. A claim is made only when
its numbers exist: no "no sign of an unwind" without an unwind-pressure score on the as-of day,
no word on positioning without a current CFTC report. A new kind of claim (risk assets, the JGB
long end, a commentary line) is one more dataclass here and one more branch in that macro.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from analytics.snapshot import Snapshot

POSITIONING = ("B1", "B2")  # the CFTC components of crowding
FAST = 10.0  # crowding points over eight weeks (the regime table's building rise)


@dataclass(frozen=True)
class Claim:
    """Base of every claim: ``code`` says which sentence the templates write."""

    code: ClassVar[str] = ""


@dataclass(frozen=True)
class NoCloseToday(Claim):
    """``today`` has no market close (yet): every figure is as of ``as_of`` or earlier."""

    code: ClassVar[str] = "no_close_today"
    today: date
    as_of: date


@dataclass(frozen=True)
class RegimeClaim(Claim):
    """The regime in plain words, with the numbers its rule reads on the as-of day."""

    code: ClassVar[str] = "regime"
    regime: str
    pressure: float
    drawdown_pct: float | None
    fuel: float | None
    crowding_change_8w: float | None
    gap_2y_change_3m_bp: float | None
    fx_change_63d_pct: float | None


@dataclass(frozen=True)
class PressureUnavailable(Claim):
    """Unwind pressure has no score on the as-of day; the regime is the last one computed."""

    code: ClassVar[str] = "pressure_unavailable"
    fx_as_of: date | None
    computed_on: date | None
    regime: str


@dataclass(frozen=True)
class PositioningClaim(Claim):
    """Crowding with a current CFTC report behind it, and its eight-week ``trend``:
    ``building`` or ``reducing`` (by ``FAST`` points or more), else ``steady``."""

    code: ClassVar[str] = "positioning"
    crowding: float
    change_8w: float | None
    trend: str


@dataclass(frozen=True)
class PositioningOutOfDate(Claim):
    """No current CFTC report: positioning is not described (``last_report`` None: never any)."""

    code: ClassVar[str] = "positioning_out_of_date"
    last_report: date | None


def lede(s: Snapshot) -> tuple[Claim, ...]:
    """The claims a reply opens with, in order."""
    claims: list[Claim] = []
    if s.as_of < s.today:
        claims.append(NoCloseToday(s.today, s.as_of))
    claims.append(_regime(s))
    claims.append(_positioning(s))
    return tuple(claims)


def _regime(s: Snapshot) -> Claim:
    reading = s.regime
    if s.unwind_pressure is None:
        return PressureUnavailable(s.fx.as_of, reading.computed_on, reading.regime)
    inputs = reading.inputs
    return RegimeClaim(
        regime=reading.regime,
        pressure=s.unwind_pressure,
        drawdown_pct=s.fx.drawdown_60d_pct,
        fuel=s.carry_fuel,
        crowding_change_8w=inputs.b_change_8w,
        gap_2y_change_3m_bp=inputs.gap_2y_3m_bp,
        fx_change_63d_pct=inputs.fx_ret_63d_pct,
    )


def _positioning(s: Snapshot) -> Claim:
    crowding = s.pillar("B")
    current = [c for c in crowding.components if c.key in POSITIONING and c.status == "ok"]
    if not current or crowding.score is None:
        reports = [
            d for d in (s.positioning.noncomm_report_date, s.positioning.lev_report_date) if d
        ]
        return PositioningOutOfDate(max(reports) if reports else None)
    change = s.regime.inputs.b_change_8w
    trend = "steady"
    if change is not None and abs(change) >= FAST:
        trend = "building" if change > 0 else "reducing"
    return PositioningClaim(crowding.score, change, trend)
