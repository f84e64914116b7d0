"""The regime state machine, evaluated once a day on the close, and the per-chat alert budget.

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
the live bot and the backtest; ``run`` loops it over history.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta
from typing import NamedTuple

import numpy as np
import pandas as pd


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
    trigger: str = "start"
    high_c_days: int = 0
    exit_days: int = 0
    failed_readings: int = 0
    pending_reset: bool = False

    @property
    def since_date(self) -> date | None:
        return None if self.since is None else pd.Timestamp(self.since).date()


def inputs_frame(signal: pd.DataFrame) -> pd.DataFrame:
    """The machine's daily inputs from a signal frame (see ``analytics.signal.compute``)."""
    b = signal["B"]
    return pd.DataFrame(
        {
            "c": signal["C"],
            "b": b,
            "fuel": signal["fuel"],
            "fx_ret_1d_pct": signal["fx_ret_1d_pct"],
            "fx_ret_63d_pct": signal["fx_ret_63d_pct"],
            "b_change_8w": b - b.shift(EIGHT_WEEKS),
            "b_change_1w": b - b.shift(ONE_WEEK),
            "gap_2y_3m_bp": signal["A3_raw"],
            "weekly": signal.index.day_of_week == 4,
        },
        index=signal.index,
    )


def entries(x: DayInputs, high_c_days: int, t: Thresholds) -> dict[Regime, str]:
    """The labels whose entry rule holds today, with the rule that fired."""
    found: dict[Regime, str] = {}
    if x.c >= t.unwind_c:
        found[Regime.UNWINDING] = f"C ≥ {t.unwind_c:g}"
    elif x.fx_ret_1d_pct <= t.unwind_shock_pct and x.c >= t.unwind_shock_c:
        found[Regime.UNWINDING] = (
            f"one-day USD/JPY fall ≤ {t.unwind_shock_pct:g}% with C ≥ {t.unwind_shock_c:g}"
        )
    if high_c_days >= t.elevated_days:
        found[Regime.ELEVATED] = f"C ≥ {t.elevated_c:g} on {t.elevated_days} days"
    elif x.b >= t.elevated_b and x.c >= t.elevated_b_c:
        found[Regime.ELEVATED] = f"B ≥ {t.elevated_b:g} with C ≥ {t.elevated_b_c:g}"
    if gradual_holds(x, t):
        found[Regime.UNWINDING_GRADUAL] = "B falling, 2y gap narrowing, USD/JPY down over 63 days"
    if x.weekly and building_holds(x, t):
        found[Regime.BUILDING] = "carry fuel high and crowding rising"
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
    """The state after one more close."""
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
    state: RegimeState, regime: Regime, why: str, day: np.datetime64, high_c: int, pending: bool
) -> RegimeState:
    pending = pending and regime is not Regime.RESET
    return RegimeState(regime, day, 1, why, high_c, 0, 0, pending)


def _exit_rule(state: RegimeState, x: DayInputs, t: Thresholds) -> tuple[int, int, bool, str]:
    """Updated exit counters, whether the current label's exit rule is met, and why."""
    regime, days, failed = state.regime, state.exit_days, state.failed_readings
    if regime is Regime.UNWINDING:
        days = days + 1 if x.c < t.unwind_exit_c else 0
        why = f"C < {t.unwind_exit_c:g} for {t.unwind_exit_days} days"
        return days, failed, days >= t.unwind_exit_days, why
    if regime is Regime.ELEVATED:
        days = days + 1 if x.c < t.elevated_exit_c else 0
        why = f"C < {t.elevated_exit_c:g} for {t.elevated_exit_days} days"
        return days, failed, days >= t.elevated_exit_days, why
    if regime is Regime.UNWINDING_GRADUAL:
        days = 0 if gradual_holds(x, t) else days + 1
        why = f"gradual-unwind conditions failed for {t.gradual_exit_days} days"
        return days, failed, days >= t.gradual_exit_days, why
    if regime is Regime.BUILDING:
        if x.weekly:
            failed = 0 if building_holds(x, t) else failed + 1
        why = f"{t.building_exit_readings} weekly readings without building"
        return days, failed, failed >= t.building_exit_readings, why
    if regime is Regime.RESET:
        done = state.held >= t.reset_days or x.b < t.reset_b
        return days, failed, done, f"reset over ({t.reset_days} days or B < {t.reset_b:g})"
    return days, failed, False, ""


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


# --- alert budget ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SentAlert:
    """An alert already posted to a chat: when (chat-local time), what kind, C at that time."""

    at: datetime
    kind: str
    c: float | None


@dataclass(frozen=True)
class AlertDecision:
    post: bool
    kind: str | None
    reason: str


@dataclass(frozen=True)
class AlertBudget:
    """At most ``per_day`` alerts a day and ``per_week`` in 7 days per chat; a regime change
    posts within that budget, otherwise only a move of C by ``c_move`` points since the last
    alert does. Pure: the caller passes the chat's past alerts."""

    per_day: int = 1
    per_week: int = 3
    c_move: float = 15.0

    def decide(
        self,
        sent: Sequence[SentAlert],
        now: datetime,
        regime_changed: bool,
        c: float | None,
        reference_c: float | None = None,
    ) -> AlertDecision:
        today = sum(1 for a in sent if a.at.date() == now.date())
        week = sum(1 for a in sent if timedelta(0) <= now - a.at < timedelta(days=7))
        if today >= self.per_day:
            return AlertDecision(False, None, f"already {today} alert(s) today")
        if week >= self.per_week:
            return AlertDecision(False, None, f"already {week} alerts in the last 7 days")
        if regime_changed:
            return AlertDecision(True, "regime", "the regime changed")
        last = max(sent, key=lambda a: a.at) if sent else None
        base = reference_c if reference_c is not None else (last.c if last else None)
        if c is not None and base is not None and abs(c - base) >= self.c_move:
            return AlertDecision(True, "move", f"unwind pressure moved {c - base:+.0f} points")
        return AlertDecision(False, None, "no regime change and no large move")
