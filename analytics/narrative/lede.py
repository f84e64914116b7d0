"""The headline of a reply: what the computed scores support, as claims (codes and numbers).

``lede(snapshot)`` lists the claims a reply opens with, in order. Each claim is a frozen
dataclass whose ``code`` picks the template sentence (``templates/macros.j2``, macro ``claim``)
and whose fields are the numbers and dates that sentence states. A claim is made only when
its numbers exist: no "no sign of an unwind" without an unwind-pressure score on the as-of day,
no word on positioning without a current CFTC report, no risk-asset move without a current close.

The commentary, in order: the regime; on a stress day (USD/JPY down ``STRESS_FALL_PCT`` or more,
or unwind pressure at ``STRESS_PRESSURE`` or more) the risk assets' moves of the day; the day's
largest move against its own volatility (``analytics.picture.daymoves``); the thesis line (the 2-year
gap's 3-month change and carry incentive, ``analytics.narrative.thesis``); positioning. A new kind of claim
is one more dataclass here and one more branch in that macro.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from analytics.catalogue import horizons
from analytics.narrative.claim import Claim
from analytics.narrative.decision_day import claims as decision_claims
from analytics.narrative.snapshot import Snapshot
from analytics.picture import markets
from analytics.picture.daymoves import largest

POSITIONING = ("B1", "B2")  # the CFTC components of crowding
FAST = 10.0  # crowding points over eight weeks (the regime table's building rise)
STRESS_FALL_PCT = 2.0  # USD/JPY down this much on the day, in percent
STRESS_PRESSURE = 65.0  # unwind pressure at which the lede names the risk assets' moves
NOTABLE_Z = 2.0  # a move of the day this many standard deviations or more is not a quiet day
FALL, PRESSURE = "usdjpy_fall", "pressure"  # what made a day a stress day
# The day's moves are news only while the last close is recent (a weekend, a holiday).
DAY_NEWS_DAYS = 4


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


@dataclass(frozen=True)
class AssetMove:
    """A risk asset's move from its previous close to its close of ``as_of``, in percent."""

    series: str
    change_pct: float
    as_of: date


@dataclass(frozen=True)
class RiskAssetMoves(Claim):
    """On a stress day, what the risk assets and the VIX did (``trigger``: ``usdjpy_fall`` or
    ``pressure``). ``direction`` is ``down``, ``up`` or ``mixed`` over the assets' moves;
    ``missing`` names the risk assets without a current close (never silently left out);
    ``history_starts`` those whose stored history starts after the day, with its first day;
    ``beyond_source`` those none is stored of and whose source keeps no close that old."""

    code: ClassVar[str] = "risk_asset_moves"
    trigger: str
    day: date
    usdjpy_change_pct: float | None
    pressure: float | None
    moves: tuple[AssetMove, ...]
    direction: str
    missing: tuple[str, ...]
    vix: float | None
    vix_change: float | None
    vix_as_of: date | None
    history_starts: tuple[tuple[str, date], ...] = ()
    beyond_source: tuple[str, ...] = ()


@dataclass(frozen=True)
class LargestMove(Claim):
    """The day's largest move against its own volatility: ``z`` standard deviations of the
    series' past daily moves (``notable`` from ``NOTABLE_Z``; a quiet day says so)."""

    code: ClassVar[str] = "largest_move"
    key: str
    unit: str
    move: float
    level: float
    z: float
    day: date
    notable: bool
    named: bool  # the move is already named by the lede's risk-asset moves


@dataclass(frozen=True)
class ThesisClaim(Claim):
    """The 2-year gap's 3-month change (``direction``: narrowing, widening, flat) and carry
    incentive now and on the day the change is measured from."""

    code: ClassVar[str] = "thesis"
    direction: str
    gap_bp: float
    change_bp: float
    incentive: float | None
    incentive_then: float | None


@dataclass(frozen=True)
class ThesisUnavailable(Claim):
    """No thesis line: the 2-year gap has no current 3-month change (a stale leg, too little
    history); ``us_as_of``/``jp_as_of`` are its legs' dates, ``stale`` whether a leg is stale."""

    code: ClassVar[str] = "thesis_unavailable"
    us_as_of: date | None
    jp_as_of: date | None
    stale: bool


def lede(s: Snapshot) -> tuple[Claim, ...]:
    """The claims a reply opens with, in order."""
    claims: list[Claim] = [*decision_claims(s.decisions)]
    if s.as_of < s.today:
        claims.append(NoCloseToday(s.today, s.as_of))
    claims.append(_regime(s))
    moves = _risk_assets(s)
    named: set[str] = set()
    if moves is not None:
        named = {m.series for m in moves.moves} | ({"usdjpy"} if moves.trigger == FALL else set())
    for claim in (moves, _largest(s, named), _thesis(s)):
        if claim is not None:
            claims.append(claim)
    claims.append(_positioning(s))
    return tuple(claims)


def stress_trigger(s: Snapshot) -> str | None:
    """``usdjpy_fall`` or ``pressure`` when the day calls for the risk assets' moves, else None."""
    day = next((c for c in s.fx.changes if c.horizon == "1d"), None)
    if day is not None and day.value is not None and day.value <= -STRESS_FALL_PCT:
        return FALL
    if s.unwind_pressure is not None and s.unwind_pressure >= STRESS_PRESSURE:
        return PRESSURE
    return None


def _risk_assets(s: Snapshot) -> RiskAssetMoves | None:
    trigger = stress_trigger(s) if _day_is_news(s) else None
    if trigger is None:
        return None
    moves, missing, starts, beyond = [], [], [], []
    for asset in s.markets.assets:
        day = asset.move("1d")
        if asset.status == horizons.OK and day is not None and asset.as_of is not None:
            moves.append(AssetMove(asset.series, day.change_pct, asset.as_of))
        elif asset.absence == markets.BEFORE_COPY and asset.since is not None:
            starts.append((asset.series, asset.since))
        elif asset.absence == markets.BEYOND_SOURCE:
            beyond.append(asset.series)
        elif asset.absence != markets.BEFORE_INCEPTION:  # one that did not exist is not missing
            missing.append(asset.series)
    signs = {m.change_pct > 0 for m in moves}
    direction = "mixed" if len(signs) != 1 else "up" if signs == {True} else "down"
    fx_day = next((c.value for c in s.fx.changes if c.horizon == "1d"), None)
    vix_day = next((c.value for c in s.vix.changes if c.horizon == "1d"), None)
    current_vix = s.vix.level is not None and not s.vix.stale
    return RiskAssetMoves(
        trigger=trigger,
        day=s.as_of,
        usdjpy_change_pct=fx_day,
        pressure=s.unwind_pressure,
        moves=tuple(moves),
        direction=direction,
        missing=tuple(missing),
        vix=s.vix.level if current_vix else None,
        vix_change=vix_day if current_vix else None,
        vix_as_of=s.vix.as_of if current_vix else None,
        history_starts=tuple(starts),
        beyond_source=tuple(beyond),
    )


def _day_is_news(s: Snapshot) -> bool:
    """Whether the last computed day's moves are today's news: USD/JPY current, the day recent."""
    return not s.fx.stale and (s.today - s.as_of).days <= DAY_NEWS_DAYS


def _largest(s: Snapshot, named: set[str]) -> Claim | None:
    move = largest(s.day_moves)
    if move is None or move.z is None or not _day_is_news(s):
        return None
    notable = abs(move.z) >= NOTABLE_Z
    return LargestMove(
        move.key, move.unit, move.move, move.level, move.z, move.day, notable, move.key in named
    )


def _thesis(s: Snapshot) -> Claim | None:
    t = s.thesis
    if t.direction is None or t.gap_bp is None or t.change_bp is None:
        gap = s.gap("2y")
        return ThesisUnavailable(gap.us.as_of, gap.jp.as_of, gap.stale)
    return ThesisClaim(t.direction, t.gap_bp, t.change_bp, t.incentive, t.incentive_then)


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
