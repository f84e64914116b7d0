"""The headline of a reply: what the computed scores support, as claims (codes and numbers).

``lede(snapshot)`` lists the claims a reply opens with, in order. Each claim is a frozen
dataclass whose ``code`` picks the template sentence (``templates/macros.j2``, macro ``claim``)
and whose fields are the numbers and dates that sentence states. A claim is made only when
its numbers exist: no "no sign of an unwind" without an unwind-pressure score on the as-of day,
no word on positioning without a current CFTC report, no risk-asset move without a current close.
Every verdict a claim carries (a quiet day, a notable move, no sign of an unwind, crowding
building or reducing, risk assets up or down) comes from the rule table of
``analytics.narrative.verdicts``.

The commentary, in order: how old the latest close is when it is older than the normal lag
(``analytics.narrative.age``); the regime, and whether it hangs on a left-out input
(``analytics.narrative.provisional``); on a stress day (USD/JPY down 2% or more, or unwind
pressure at 65 or more) the risk assets' moves of the day; the day's largest move against its own
volatility (``analytics.picture.daymoves``); the thesis line (the 2-year gap's 3-month change and
carry incentive, ``analytics.narrative.thesis``); positioning. A new kind of claim is one more
dataclass here and one more branch in that macro.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from analytics.catalogue import horizons
from analytics.ingest.seed import is_seed_source
from analytics.narrative import verdicts
from analytics.narrative.age import Age, age_of, behind
from analytics.narrative.claim import Claim
from analytics.narrative.decision_day import claims as decision_claims
from analytics.narrative.provisional import Reach, provisional
from analytics.narrative.snapshot import Snapshot
from analytics.picture import markets
from analytics.picture.daymoves import largest
from analytics.signal.panel import CLOSE_SERIES

POSITIONING = ("B1", "B2")  # the CFTC components of crowding
FALL, PRESSURE = verdicts.FALL, verdicts.PRESSURE  # what made a day a stress day
SEED, OFFLINE, SOURCES = "seed", "offline", "sources"  # why the latest close is old
# The day's moves are news only while the last close is recent (a weekend, a holiday).
DAY_NEWS_DAYS = 4


@dataclass(frozen=True)
class NoCloseToday(Claim):
    """``today`` has no market close (yet): every figure is as of ``as_of`` or earlier."""

    code: ClassVar[str] = "no_close_today"
    today: date
    as_of: date


@dataclass(frozen=True)
class StoreAge(Claim):
    """The latest close stored (``latest``) is older than the normal lag before ``today``: how
    old (``age``) and why (``reason``: ``seed``, the bundled history; ``offline``, live sources
    unreachable; ``sources``, no newer close from ``sources``)."""

    code: ClassVar[str] = "store_age"
    latest: date
    today: date
    age: Age
    reason: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class RegimeClaim(Claim):
    """The regime in plain words, with the numbers its rule reads on the as-of day;
    ``no_sign`` whether "no sign of an unwind" holds (``verdicts.no_sign_of_unwind``) and
    ``crowding_measured`` whether crowding rests on a current CFTC report (B1 or B2)."""

    code: ClassVar[str] = "regime"
    regime: str
    pressure: float
    drawdown_pct: float | None
    fuel: float | None
    crowding_change_8w: float | None
    gap_2y_change_3m_bp: float | None
    fx_change_63d_pct: float | None
    no_sign: bool = False
    crowding_measured: bool = True


@dataclass(frozen=True)
class ProvisionalClaim(Claim):
    """The regime hangs on left-out inputs (``groups``: ``vix``, ``cftc``, ``gap_2y``,
    ``usdjpy``): with them anywhere in their range, unwind pressure (``pressure``) or carry fuel
    (``fuel``) could lie on either side of a regime threshold."""

    code: ClassVar[str] = "provisional"
    groups: tuple[str, ...]
    pressure: Reach | None
    fuel: Reach | None


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
    ``building`` or ``reducing`` (``verdicts.crowding_trend``), else ``steady``."""

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
    series' past daily moves (``notable`` and ``quiet`` from ``verdicts.largest_move``)."""

    code: ClassVar[str] = "largest_move"
    key: str
    unit: str
    move: float
    level: float
    z: float
    day: date
    notable: bool
    named: bool  # the move is already named by the lede's risk-asset moves
    quiet: bool = False


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
    if behind(s.as_of, s.today):
        claims.append(_store_age(s))
    elif s.as_of < s.today:
        claims.append(NoCloseToday(s.today, s.as_of))
    claims.append(_regime(s))
    hanging = _provisional(s)
    if hanging is not None:
        claims.append(hanging)
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
    day = next((c.value for c in s.fx.changes if c.horizon == "1d"), None)
    return verdicts.stress(day, s.unwind_pressure)


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
    direction = verdicts.risk_assets(m.change_pct for m in moves) or verdicts.MIXED
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
    verdict = verdicts.largest_move(move.z, s.regime.regime, stress_trigger(s))
    notable, quiet = verdict == verdicts.NOTABLE, verdict == verdicts.QUIET
    return LargestMove(
        move.key,
        move.unit,
        move.move,
        move.level,
        move.z,
        move.day,
        notable,
        move.key in named,
        quiet,
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
    stress = stress_trigger(s) if _day_is_news(s) else None
    fx_move = next((m for m in s.day_moves if m.key == "usdjpy"), None)
    fx_z = fx_move.z if fx_move is not None and _day_is_news(s) else None
    return RegimeClaim(
        regime=reading.regime,
        pressure=s.unwind_pressure,
        drawdown_pct=s.fx.drawdown_60d_pct,
        fuel=s.carry_fuel,
        crowding_change_8w=inputs.b_change_8w,
        gap_2y_change_3m_bp=inputs.gap_2y_3m_bp,
        fx_change_63d_pct=inputs.fx_ret_63d_pct,
        no_sign=verdicts.no_sign_of_unwind(s.unwind_pressure, reading.regime, stress, fx_z),
        crowding_measured=positioning_current(s),
    )


def positioning_current(s: Snapshot) -> bool:
    """Whether crowding rests on a current CFTC report (B1 or B2 current)."""
    return any(c.key in POSITIONING and c.status == "ok" for c in s.pillar("B").components)


def _provisional(s: Snapshot) -> ProvisionalClaim | None:
    components = [c for p in s.pillars for c in p.components]
    found = provisional(components, s.regime.regime, s.unwind_pressure)
    if found is None:
        return None
    return ProvisionalClaim(found.groups, found.pressure, found.fuel)


def _store_age(s: Snapshot) -> StoreAge:
    """How old the latest close is and why: the seed, offline, or the sources behind."""
    closes = [f for f in s.freshness if f.series in CLOSE_SERIES and f.as_of is not None]
    latest = [f for f in closes if f.as_of is not None and f.as_of >= s.as_of]
    reason, sources = SOURCES, tuple(dict.fromkeys(f.source for f in closes if f.stale))
    if latest and all(is_seed_source(f.source) for f in latest):
        reason, sources = SEED, ()
    elif any(n.code == "offline" for n in s.notes):
        reason, sources = OFFLINE, ()
    return StoreAge(s.as_of, s.today, age_of(s.as_of, s.today), reason, sources)


def _positioning(s: Snapshot) -> Claim:
    crowding = s.pillar("B")
    current = [c for c in crowding.components if c.key in POSITIONING and c.status == "ok"]
    if not current or crowding.score is None:
        reports = [
            d for d in (s.positioning.noncomm_report_date, s.positioning.lev_report_date) if d
        ]
        return PositioningOutOfDate(max(reports) if reports else None)
    change = s.regime.inputs.b_change_8w
    trend = verdicts.crowding_trend(change, True) or verdicts.STEADY
    return PositioningClaim(crowding.score, change, trend)
