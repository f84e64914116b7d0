"""The verdicts a briefing states about its day, from one table of rules over the day's numbers.

Each rule is a row: its name, the inputs it reads and its threshold. The lede
(``analytics.narrative.lede``) and the briefing's long-end line take their wording from the codes
these rules return, so two sentences of one post never judge the same day differently: a day is
"quiet" only when no move reaches the notable threshold *as shown* (one decimal), no stress
regime or stress fall is stated beside it, and "no sign of an unwind" is never said beside a
USD/JPY fall the same post calls a stress fall or a notable move.

Numbers are judged as the reply shows them: a z-score at its one decimal, a percent change at its
two decimals, basis points whole.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from analytics.signal.regime import Regime


@dataclass(frozen=True)
class VerdictRule:
    """One row of the table: the verdict's name, what it reads and its threshold."""

    name: str
    reads: tuple[str, ...]
    threshold: float


NOTABLE_MOVE = VerdictRule("notable_move", ("the day's largest |z|, shown to one decimal",), 2.0)
QUIET_DAY = VerdictRule(
    "quiet_day",
    ("the day's largest |z|, shown to one decimal", "regime", "stress trigger"),
    2.0,
)
STRESS_FALL = VerdictRule("stress_fall", ("USD/JPY 1d change %, shown to two decimals",), -2.0)
STRESS_PRESSURE = VerdictRule("stress_pressure", ("unwind pressure",), 65.0)
NO_SIGN_OF_UNWIND = VerdictRule(
    "no_sign_of_unwind",
    ("unwind pressure", "regime", "stress trigger", "USD/JPY's z of the day"),
    25.0,
)
CROWDING_TREND = VerdictRule(
    "crowding_trend", ("crowding's 8-week change", "B1 and B2 current"), 10.0
)
LONG_END_YEAR = VerdictRule("long_end_year", ("30-year JGB 12m change, bp",), 25.0)
LONG_END_MONTH = VerdictRule("long_end_month", ("30-year JGB 1m change, bp",), 10.0)
RISK_ASSETS = VerdictRule("risk_assets", ("risk assets' 1d changes %",), 0.0)

RULES = (
    NOTABLE_MOVE,
    QUIET_DAY,
    STRESS_FALL,
    STRESS_PRESSURE,
    NO_SIGN_OF_UNWIND,
    CROWDING_TREND,
    LONG_END_YEAR,
    LONG_END_MONTH,
    RISK_ASSETS,
)

# Regimes whose sentence names stress or an unwind: never beside "a quiet day".
STRESS_REGIMES = frozenset({Regime.UNWINDING, Regime.ELEVATED})
FALL, PRESSURE = "usdjpy_fall", "pressure"  # what made a day a stress day
NOTABLE, QUIET, ORDINARY = "notable", "quiet", "ordinary"  # the day's largest move
BUILDING, REDUCING, STEADY = "building", "reducing", "steady"  # crowding over 8 weeks
RISING, FALLING_BACK, EASING = "rising", "falling_back", "easing"  # the long end
UP, DOWN, MIXED = "up", "down", "mixed"  # risk assets on the day


def notable(z: float) -> bool:
    """A move of ``z`` standard deviations is notable when it reaches the threshold as shown."""
    return round(abs(z), 1) >= NOTABLE_MOVE.threshold


def largest_move(z: float, regime: str, stress: str | None) -> str:
    """``notable``, ``quiet`` (nothing notable on a day the post calls calm) or ``ordinary``."""
    if notable(z):
        return NOTABLE
    if stress is None and regime not in STRESS_REGIMES:
        return QUIET
    return ORDINARY


def stress(fx_1d_pct: float | None, pressure: float | None) -> str | None:
    """``usdjpy_fall`` or ``pressure`` when the day is a stress day, else None."""
    if fx_1d_pct is not None and round(fx_1d_pct, 2) <= STRESS_FALL.threshold:
        return FALL
    if pressure is not None and pressure >= STRESS_PRESSURE.threshold:
        return PRESSURE
    return None


def no_sign_of_unwind(
    pressure: float, regime: str, stress_day: str | None, fx_z: float | None
) -> bool:
    """Whether "no sign of an unwind" is true: low pressure in a calm regime, no stress fall and
    no notable USD/JPY fall on the day."""
    if regime != Regime.STABLE or stress_day is not None:
        return False
    if fx_z is not None and fx_z < 0 and notable(fx_z):
        return False
    return pressure < NO_SIGN_OF_UNWIND.threshold


def crowding_trend(change_8w: float | None, positioning_current: bool) -> str | None:
    """``building``/``reducing`` by the threshold or more over 8 weeks, else ``steady``; None
    when neither positioning input (B1, B2) is current: crowding is then not described."""
    if not positioning_current:
        return None
    if change_8w is None or abs(round(change_8w)) < CROWDING_TREND.threshold:
        return STEADY
    return BUILDING if change_8w > 0 else REDUCING


def long_end(month_bp: float | None, year_bp: float | None) -> str | None:
    """The 30-year's direction: ``rising`` (up over 12 months and not falling over the month),
    ``falling_back`` (up over 12 months, down over the month), ``easing`` or ``steady``."""
    if year_bp is None:
        return None
    year, month = round(year_bp), None if month_bp is None else round(month_bp)
    if year >= LONG_END_YEAR.threshold:
        falling = month is not None and month <= -LONG_END_MONTH.threshold
        return FALLING_BACK if falling else RISING
    return EASING if year <= -LONG_END_YEAR.threshold else STEADY


def risk_assets(changes_pct: Iterable[float]) -> str | None:
    """``up``, ``down`` or ``mixed`` over the risk assets' moves of the day (None without)."""
    signs = {round(c, 2) > RISK_ASSETS.threshold for c in changes_pct}
    if not signs:
        return None
    return MIXED if len(signs) != 1 else UP if signs == {True} else DOWN
