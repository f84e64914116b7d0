"""Observations → panel → signal → regimes, in full or one new day at a time.

``compute`` runs the whole history in one vectorised pass plus the regime loop; ``advance``
extends a previous computation by one business day, recomputing the rolling components on a
trailing window only and stepping the regime machine once. Both give the same last day.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.signal import anchors, regime
from analytics.signal import scores as signal
from analytics.signal.panel import Panel, PolicyRate, append_day, build_panel

# Trailing business days enough for every rolling window of the last day and of the regime
# inputs (B eight weeks ago needs its own 3-year window).
WINDOW = signal.LOOKBACK_DAYS + regime.EIGHT_WEEKS + 100
KEEP = WINDOW + 300


@dataclass(frozen=True)
class Computation:
    """Everything computed up to a day: panel, signal frame, regimes and the machine's state."""

    panel: Panel
    signal: pd.DataFrame
    regimes: pd.DataFrame
    state: regime.RegimeState
    thresholds: regime.Thresholds

    @property
    def day(self) -> pd.Timestamp:
        return pd.Timestamp(self.panel.index[-1])

    def daily(self) -> pd.DataFrame:
        """The headline columns per business day, as the backtest CSV and the charts use them.

        ``usdjpy_asof`` is the date of the rate each day shows, ``gap_*_asof`` the day both legs
        of a gap closed that its value comes from (``analytics.signal.gaps``); ``*_stale`` flag
        the days a value rests on an input older than its age limit (a gap: its last same-day
        pair); ``a1_policy_gap`` the days carry incentive read the policy-rate gap.
        """
        s = self.signal
        stale = self.panel.stale.reindex(s.index, fill_value=False)
        frame = pd.DataFrame(
            {
                "regime": self.regimes["regime"],
                "unwind_pressure": s["C"],
                "carry_fuel": s["fuel"],
                "carry_incentive": s["A"],
                "crowding": s["B"],
                "usdjpy": s["usdjpy"],
                "usdjpy_source": self.panel.fx_source.reindex(s.index),
                "gap_2y_bp": s["gap_2y_bp"],
                "gap_policy_bp": s["gap_policy_bp"],
                "gap_10y_bp": s["gap_10y_bp"],
                "usdjpy_asof": self.panel.asof["usdjpy"].reindex(s.index),
                "usdjpy_stale": stale["usdjpy"],
                **{f"gap_{key}_stale": s[f"gap_{key}_stale"].astype(bool) for key in ("2y", "10y")},
                **{f"gap_{key}_asof": s[f"gap_{key}_on"] for key in ("2y", "10y")},
                "a1_policy_gap": s["a1_policy_gap"].astype(bool),
                **{f"{c}_score": s[f"{c}_score"] for c in signal.COMPONENTS},
                "dropped": _dropped_text(s),
                "regime_trigger": self.regimes["regime_trigger"],
            },
            index=s.index,
        )
        frame.index.name = "date"
        return frame


def compute(
    obs: pd.DataFrame,
    start: pd.Timestamp | None = None,
    end: pd.Timestamp | None = None,
    thresholds: regime.Thresholds | None = None,
    policy_rate: PolicyRate | None = None,
    table: anchors.AnchorTable | None = None,
) -> Computation:
    """The full computation over the panel's days (``end``: only what was available by then)."""
    thresholds = thresholds or regime.Thresholds()
    panel = build_panel(obs, start=start, end=end, policy_rate=policy_rate)
    frame = signal.compute(panel, table)
    result = regime.run(regime.inputs_frame(frame), thresholds)
    return Computation(panel, frame, result.frame, result.state, thresholds)


def advance(
    previous: Computation,
    obs: pd.DataFrame,
    day: pd.Timestamp,
    policy_rate: PolicyRate | None = None,
    table: anchors.AnchorTable | None = None,
) -> Computation:
    """``previous`` extended by one business day from the observations available on ``day``.

    Keeps the last ``KEEP`` days of history. Raises ``panel.NeedsFullRecompute`` when ``obs``
    reaches back before the last day (an H.10 batch, a revision): then call ``compute``.
    """
    panel = append_day(previous.panel.tail(KEEP), obs, day, policy_rate)
    window = signal.compute(panel.tail(WINDOW), table)
    inputs = regime.inputs_frame(window).iloc[-1:]
    state = regime.step(previous.state, regime.day_inputs(inputs)[0], previous.thresholds)
    row = pd.DataFrame(
        {
            "regime": [state.regime.value],
            "regime_since": [pd.Timestamp(state.since) if state.since is not None else pd.NaT],
            "regime_trigger": [state.trigger],
        },
        index=window.index[-1:],
    )
    return Computation(
        panel,
        pd.concat([previous.signal.iloc[-KEEP:], window.iloc[-1:]]),
        pd.concat([previous.regimes.iloc[-KEEP:], row]),
        state,
        previous.thresholds,
    )


def _dropped_text(s: pd.DataFrame) -> pd.Series:
    """Per day, the dropped components separated by spaces ('' when none)."""
    names = np.array([f"{c} " for c in signal.COMPONENTS], dtype=object)
    status = s[[f"{c}_status" for c in signal.COMPONENTS]].to_numpy()
    text = [("".join(names[row != signal.OK])).strip() for row in status]
    return pd.Series(text, index=s.index, dtype=object)
