"""The regime state machine, evaluated once a day on the close.

| regime | enter | leave |
|---|---|---|
| UNWINDING | C ≥ 65, or a one-day USD/JPY fall ≤ −3% with C ≥ 50 | C < 45 for 5 days → RESET |
| ELEVATED | C ≥ 40 on 2 days running, or B ≥ 70 with C ≥ 30 | C < 30 for 5 days |
| UNWINDING_GRADUAL | B −15 over 8 weeks, 2y gap Δ3m ≤ −25 bp, 63-day USD/JPY return < 0 | one fails for 4 weeks |
| RESET | after UNWINDING ends | 20 days, or B < 30 |
| BUILDING | weekly (Fri): C < 40, fuel ≥ 55, B +10 over 8 weeks or (B ≥ 60 and rising) | 2 weekly readings fail |
| STABLE | otherwise | |

Severity: UNWINDING > ELEVATED > UNWINDING_GRADUAL > RESET > BUILDING > STABLE. A worse label
applies at once; a step down waits for the current label's exit rule and at least
``min_hold_days`` days in the label; it goes to the worst label whose entry then holds, and not
below RESET once an UNWINDING has ended (until RESET has run). One ``step`` function serves
the live bot and the backtest; ``run`` loops it over history. The rule that set a label is a
``Rule``: a code and its numbers, which the reply templates word in the chat's language.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date
from functools import cache
from typing import NamedTuple

import numpy as np
import pandas as pd

from analytics.signal.scores import COMPONENTS, FX_TREND_DAYS, OK

CROWDING = tuple(c for c in COMPONENTS if c.startswith("B"))  # the components of pillar B


class Regime(enum.StrEnum):
    UNWINDING = "UNWINDING"
    ELEVATED = "ELEVATED"
    UNWINDING_GRADUAL = "UNWINDING_GRADUAL"
    RESET = "RESET"
    BUILDING = "BUILDING"
    STABLE = "STABLE"


SEVERITY = {
    Regime.UNWINDING: 5,
    Regime.ELEVATED: 4,
    Regime.UNWINDING_GRADUAL: 3,
    Regime.RESET: 2,
    Regime.BUILDING: 1,
    Regime.STABLE: 0,
}
BY_SEVERITY = sorted(SEVERITY, key=SEVERITY.__getitem__, reverse=True)


@dataclass(frozen=True)
class Thresholds:
    """The regime table's numbers; a chat may override them within ``BOUNDS``."""

    unwind_c: float = 65.0
    unwind_shock_pct: float = -3.0
    unwind_shock_c: float = 50.0
    unwind_exit_c: float = 45.0
    unwind_exit_days: int = 5
    elevated_c: float = 40.0
    elevated_days: int = 2
    elevated_b: float = 70.0
    elevated_b_c: float = 30.0
    elevated_exit_c: float = 30.0
    elevated_exit_days: int = 5
    gradual_b_drop: float = 15.0
    gradual_gap_3m_bp: float = -25.0
    gradual_exit_days: int = 20
    building_c: float = 40.0
    building_fuel: float = 55.0
    building_b_rise: float = 10.0
    building_b_level: float = 60.0
    building_exit_readings: int = 2
    reset_days: int = 20
    reset_b: float = 30.0
    min_hold_days: int = 3

    def __post_init__(self) -> None:
        for item in fields(self):
            low, high = BOUNDS[item.name]
            value = getattr(self, item.name)
            if not low <= value <= high:
                raise ValueError(f"{item.name} = {value} lies outside {low}–{high}")
        if not self.unwind_exit_c < self.unwind_c or not self.elevated_exit_c < self.elevated_c:
            raise ValueError("an exit level must lie below its entry level")


BOUNDS: dict[str, tuple[float, float]] = {
    "unwind_c": (50, 90),
    "unwind_shock_pct": (-6, -1.5),
    "unwind_shock_c": (30, 80),
    "unwind_exit_c": (25, 70),
    "unwind_exit_days": (1, 20),
    "elevated_c": (25, 60),
    "elevated_days": (1, 5),
    "elevated_b": (50, 95),
    "elevated_b_c": (15, 50),
    "elevated_exit_c": (10, 50),
    "elevated_exit_days": (1, 20),
    "gradual_b_drop": (5, 40),
    "gradual_gap_3m_bp": (-100, -5),
    "gradual_exit_days": (5, 60),
    "building_c": (20, 60),
    "building_fuel": (30, 80),
    "building_b_rise": (3, 30),
    "building_b_level": (40, 90),
    "building_exit_readings": (1, 6),
    "reset_days": (5, 60),
    "reset_b": (0, 60),
    "min_hold_days": (1, 10),
}
EIGHT_WEEKS = 40  # business days
ONE_WEEK = 5


@dataclass(frozen=True)
class Rule:
    """The rule that set a regime: a code (``c_at_least``, ``gradual``, …) and its numbers."""

    code: str
    numbers: tuple[tuple[str, float], ...] = ()

    @classmethod
    def of(cls, code: str, **numbers: float) -> Rule:
        return cls(code, tuple(numbers.items()))

    @property
    def params(self) -> Mapping[str, float]:
        """The numbers by name (``rule.params["c"]``)."""
        return dict(self.numbers)

    def __str__(self) -> str:
        """``c_at_least c=65``: compact and unambiguous, for the backtest CSV and report."""
        text = " ".join(f"{name}={value:g}" for name, value in self.numbers)
        return f"{self.code} {text}".strip()


START = Rule("start")


@dataclass(frozen=True)
class Rules:
    """Every rule of one set of thresholds, made once (the machine runs daily over decades)."""

    c_at_least: Rule
    fx_shock: Rule
    c_on_days: Rule
    b_with_c: Rule
    gradual: Rule
    building: Rule
    unwind_exit: Rule
    elevated_exit: Rule
    gradual_failed: Rule
    building_failed: Rule
    reset_over: Rule


@cache
def rules(t: Thresholds) -> Rules:
    """The rules of ``t`` with their numbers."""
    return Rules(
        c_at_least=Rule.of("c_at_least", c=t.unwind_c),
        fx_shock=Rule.of("fx_shock", fall_pct=t.unwind_shock_pct, c=t.unwind_shock_c),
        c_on_days=Rule.of("c_on_days", c=t.elevated_c, days=t.elevated_days),
        b_with_c=Rule.of("b_with_c", b=t.elevated_b, c=t.elevated_b_c),
        gradual=Rule.of(
            "gradual",
            b_drop=t.gradual_b_drop,
            weeks=EIGHT_WEEKS / ONE_WEEK,
            gap_3m_bp=t.gradual_gap_3m_bp,
            days=FX_TREND_DAYS,
        ),
        building=Rule.of("building", fuel=t.building_fuel, c=t.building_c),
        unwind_exit=Rule.of("c_below", c=t.unwind_exit_c, days=t.unwind_exit_days),
        elevated_exit=Rule.of("c_below", c=t.elevated_exit_c, days=t.elevated_exit_days),
        gradual_failed=Rule.of("gradual_failed", days=t.gradual_exit_days),
        building_failed=Rule.of("building_failed", readings=t.building_exit_readings),
        reset_over=Rule.of("reset_over", days=t.reset_days, b=t.reset_b),
    )


class DayInputs(NamedTuple):
    """What the machine reads on one close (NaN where unknown; NaN never satisfies a rule)."""

    day: np.datetime64
    c: float
    b: float
    fuel: float
    fx_ret_1d_pct: float
    fx_ret_63d_pct: float
    b_change_8w: float
    b_change_1w: float
    gap_2y_3m_bp: float
    weekly: bool


@dataclass(frozen=True, slots=True)
class RegimeState:
    """The machine after a close: label, its first day, and the counters its rules need."""

    regime: Regime = Regime.STABLE
    since: np.datetime64 | None = None
    held: int = 0
    trigger: Rule = START
    high_c_days: int = 0
    exit_days: int = 0
    failed_readings: int = 0
    pending_reset: bool = False

    @property
    def since_date(self) -> date | None:
        return None if self.since is None else pd.Timestamp(self.since).date()


def inputs_frame(signal: pd.DataFrame) -> pd.DataFrame:
    """The machine's daily inputs from a signal frame (see ``analytics.signal.scores.compute``).

    Only current inputs: the 2-year gap's 3-month change only where its component (A3) is
    current, USD/JPY returns only where USD/JPY is (the signal masks them), and a change of
    crowding only between two days whose crowding rests on the same current components, so a
    component that goes stale or returns cannot move B by dropping out of or into its mean.
    """
    b = signal["B"]
    members = signal[[f"{c}_status" for c in CROWDING]].to_numpy() == OK
    basis = pd.Series((members * (1 << np.arange(len(CROWDING)))).sum(axis=1), index=b.index)

    def change(days: int) -> pd.Series:
        return (b - b.shift(days)).where(basis == basis.shift(days))

    gap_change = signal["A3_raw"].where(signal["A3_status"] == OK)
    return pd.DataFrame(
        {
            "c": signal["C"],
            "b": b,
            "fuel": signal["fuel"],
            "fx_ret_1d_pct": signal["fx_ret_1d_pct"],
            "fx_ret_63d_pct": signal["fx_ret_63d_pct"],
            "b_change_8w": change(EIGHT_WEEKS),
            "b_change_1w": change(ONE_WEEK),
            "gap_2y_3m_bp": gap_change,
            "weekly": signal.index.day_of_week == 4,
        },
        index=signal.index,
    )


def entries(x: DayInputs, high_c_days: int, t: Thresholds) -> dict[Regime, Rule]:
    """The labels whose entry rule holds today, with the rule that fired."""
    r = rules(t)
    found: dict[Regime, Rule] = {}
    if x.c >= t.unwind_c:
        found[Regime.UNWINDING] = r.c_at_least
    elif x.fx_ret_1d_pct <= t.unwind_shock_pct and x.c >= t.unwind_shock_c:
        found[Regime.UNWINDING] = r.fx_shock
    if high_c_days >= t.elevated_days:
        found[Regime.ELEVATED] = r.c_on_days
    elif x.b >= t.elevated_b and x.c >= t.elevated_b_c:
        found[Regime.ELEVATED] = r.b_with_c
    if gradual_holds(x, t):
        found[Regime.UNWINDING_GRADUAL] = r.gradual
    if x.weekly and building_holds(x, t):
        found[Regime.BUILDING] = r.building
    return found


def gradual_holds(x: DayInputs, t: Thresholds) -> bool:
    return bool(
        x.b_change_8w <= -t.gradual_b_drop
        and x.gap_2y_3m_bp <= t.gradual_gap_3m_bp
        and x.fx_ret_63d_pct < 0
    )


def building_holds(x: DayInputs, t: Thresholds) -> bool:
    rising = x.b_change_8w >= t.building_b_rise or (x.b >= t.building_b_level and x.b_change_1w > 0)
    return bool(x.c < t.building_c and x.fuel >= t.building_fuel and rising)


def step(state: RegimeState, x: DayInputs, t: Thresholds) -> RegimeState:
    """The state after one more close.

    A close without unwind pressure (no current USD/JPY) leaves the state as it was: no rule
    can enter, hold or leave a label on it, and the reply names the last day it was computed.
    """
    if np.isnan(x.c):
        return state
    high_c_days = state.high_c_days + 1 if x.c >= t.elevated_c else 0
    found = entries(x, high_c_days, t)
    current = state.regime
    worst = next((r for r in BY_SEVERITY if r in found), Regime.STABLE)
    if SEVERITY[worst] > SEVERITY[current]:
        return _enter(state, worst, found[worst], x.day, high_c_days, state.pending_reset)
    exit_days, failed, leave, why = _exit_rule(state, x, t)
    if leave and state.held >= t.min_hold_days:
        floor = (
            Regime.RESET if current is Regime.UNWINDING or state.pending_reset else Regime.STABLE
        )
        lower = [r for r in found if SEVERITY[r] < SEVERITY[current]]
        target = max([*lower, floor], key=SEVERITY.__getitem__)
        pending = floor is Regime.RESET and SEVERITY[target] > SEVERITY[Regime.RESET]
        reason = found.get(target, why)
        return _enter(state, target, reason, x.day, high_c_days, pending)
    return RegimeState(
        current,
        state.since,
        state.held + 1,
        state.trigger,
        high_c_days,
        exit_days,
        failed,
        state.pending_reset,
    )


def _enter(
    state: RegimeState, regime: Regime, why: Rule, day: np.datetime64, high_c: int, pending: bool
) -> RegimeState:
    pending = pending and regime is not Regime.RESET
    return RegimeState(regime, day, 1, why, high_c, 0, 0, pending)


def _exit_rule(state: RegimeState, x: DayInputs, t: Thresholds) -> tuple[int, int, bool, Rule]:
    """Updated exit counters, whether the current label's exit rule is met, and why."""
    r = rules(t)
    regime, days, failed = state.regime, state.exit_days, state.failed_readings
    if regime is Regime.UNWINDING:
        days = days + 1 if x.c < t.unwind_exit_c else 0
        return days, failed, days >= t.unwind_exit_days, r.unwind_exit
    if regime is Regime.ELEVATED:
        days = days + 1 if x.c < t.elevated_exit_c else 0
        return days, failed, days >= t.elevated_exit_days, r.elevated_exit
    if regime is Regime.UNWINDING_GRADUAL:
        days = 0 if gradual_holds(x, t) else days + 1
        return days, failed, days >= t.gradual_exit_days, r.gradual_failed
    if regime is Regime.BUILDING:
        if x.weekly:
            failed = 0 if building_holds(x, t) else failed + 1
        return days, failed, failed >= t.building_exit_readings, r.building_failed
    if regime is Regime.RESET:
        done = state.held >= t.reset_days or x.b < t.reset_b
        return days, failed, done, r.reset_over
    return days, failed, False, START


@dataclass(frozen=True)
class RegimeRun:
    """Labels per day (with first day and the rule that set them) and the final state."""

    frame: pd.DataFrame
    state: RegimeState


def day_inputs(frame: pd.DataFrame) -> list[DayInputs]:
    """Rows of an inputs frame as ``DayInputs``."""
    numbers = frame[list(DayInputs._fields[1:-1])].to_numpy(dtype="float64").tolist()
    days = frame.index.to_numpy()
    weekly = frame["weekly"].to_numpy(dtype=bool).tolist()
    return [DayInputs._make((days[i], *numbers[i], weekly[i])) for i in range(len(days))]


def run(
    inputs: pd.DataFrame, thresholds: Thresholds | None = None, state: RegimeState | None = None
) -> RegimeRun:
    """Step the machine through every day of an inputs frame (from ``state`` if given)."""
    t = thresholds or Thresholds()
    current = state or RegimeState()
    labels, since, triggers = [], [], []
    for x in day_inputs(inputs):
        current = step(current, x, t)
        labels.append(current.regime.value)
        since.append(current.since)
        triggers.append(current.trigger)
    frame = pd.DataFrame(
        {
            "regime": pd.Series(labels, index=inputs.index, dtype=object),
            "regime_since": pd.to_datetime(pd.Series(since, index=inputs.index, dtype=object)),
            "regime_trigger": pd.Series(triggers, index=inputs.index, dtype=object),
        }
    )
    return RegimeRun(frame, current)
