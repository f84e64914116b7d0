"""The carry-unwind signal: components → pillars A (carry incentive), B (crowding), C (unwind pressure).

Every component is a plain market quantity mapped to 0–100 through the published anchors
(``analytics/signal/anchors.py``). A pillar is the weighted mean of its components that are present
and fresh; a missing or stale component is dropped, the weights renormalised, and its status
column says why. Headline: unwind pressure = C; carry fuel = 0.4·A + 0.6·B (A alone, flagged,
when B is entirely missing). One vectorised pass serves live and backtest: every rolling window
looks back only, and the panel is point in time.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from analytics.signal import anchors as anchor_table
from analytics.signal import gaps
from analytics.signal.panel import Panel

OK, MISSING, STALE = 0, 1, 2
STATUS_NAMES = {OK: "ok", MISSING: "missing", STALE: "stale"}
COMPONENTS = ("A1", "A2", "A3", "B1", "B2", "B3", "B4", "C1", "C2", "C3", "C4", "C5")
PILLARS = ("A", "B", "C")
FUEL_WEIGHTS = {"A": 0.4, "B": 0.6}

VOL_SHORT, VOL_MID, VOL_LONG = 20, 63, 252  # business days
HIGH_WINDOW = 60
SPEED_DAYS = 20
TREND_DAYS = 126
GAP_CHANGE = "3m"  # A3: the 2-year gap's calendar 3-month change, between same-day pairs
FX_TREND_DAYS = 63  # the 63-day USD/JPY return the gradual-unwind rule reads
COMPLACENCY_MEDIAN = 756  # 3 years
SURPRISE_MEDIAN = 252
VIX_DAYS = 5
C4_GATE = 0.3  # risk-off with a weakening yen (an oil shock) is not a carry unwind
C5_START_BELOW = -10.0  # a flush counts only from a net short of more than 10% of open interest
# The longest look-back any last-day value needs (3-year median of a 63-day vol, plus margin).
LOOKBACK_DAYS = COMPLACENCY_MEDIAN + VOL_MID + 41

# Panel columns each component reads: their dates are the component's as-of date, and a stale
# one drops the component, except the 2-year legs of the components in POLICY_FALLBACK, which
# then read the policy-rate gap instead.
INPUTS: dict[str, tuple[str, ...]] = {
    "A1": ("us_2y", "jp_2y"),
    "A2": ("us_2y", "jp_2y", "usdjpy"),
    "A3": ("us_2y", "jp_2y"),
    "B1": ("cftc_net_pct_oi",),
    "B2": ("lev_pctile",),
    "B3": ("usdjpy",),
    "B4": ("usdjpy",),
    "C1": ("usdjpy",),
    "C2": ("usdjpy",),
    "C3": ("usdjpy",),
    "C4": ("vix", "usdjpy"),
    "C5": ("cftc_flush_pp",),
}
TWO_YEAR_LEGS = ("us_2y", "jp_2y")
POLICY_LEGS = ("us_policy", "jp_policy")
POLICY_FALLBACK = frozenset({"A1", "A2"})


def inputs_of(component: str, policy_gap: bool = False) -> tuple[str, ...]:
    """The panel columns a component reads (the policy legs when it fell back to that gap)."""
    columns = INPUTS[component]
    if policy_gap and component in POLICY_FALLBACK:
        return (*POLICY_LEGS, *(c for c in columns if c not in TWO_YEAR_LEGS))
    return columns


def drop_inputs(component: str) -> tuple[str, ...]:
    """The columns whose staleness drops a component (a fallback's 2-year legs do not)."""
    columns = INPUTS[component]
    if component in POLICY_FALLBACK:
        return tuple(c for c in columns if c not in TWO_YEAR_LEGS)
    return columns


def compute(panel: Panel, table: anchor_table.AnchorTable | None = None) -> pd.DataFrame:
    """Raw value, score and status of every component, the pillars and carry fuel, per day."""
    table = table or anchor_table.load()
    v = {name: panel.values[name].to_numpy(dtype="float64") for name in panel.values.columns}
    stale_all = panel.stale.to_numpy()
    stale = {name: stale_all[:, i] for i, name in enumerate(panel.stale.columns)}
    # Every gap from closes of one day (``analytics.signal.gaps``), with that day and staleness.
    pair_columns = gaps.daily(panel.values, panel.asof)
    gap = {key: pair_columns[gaps.column(key)] for key in gaps.KEYS}
    gap_stale = {key: pair_columns[f"gap_{key}_stale"] for key in gaps.KEYS}
    fx = v["usdjpy"]
    log_fx = np.log(fx)
    returns = log_fx - _shift(log_fx, 1)
    vol_short = _rolling(returns, VOL_SHORT).std().to_numpy() * np.sqrt(252) * 100
    vol_mid = _rolling(returns, VOL_MID).std().to_numpy() * np.sqrt(252) * 100
    sigma_long = _rolling(returns, VOL_LONG).std().to_numpy()

    two_year_ok = ~np.isnan(gap["2y"]) & ~(stale["us_2y"] | stale["jp_2y"] | gap_stale["2y"])
    gap_used = np.where(two_year_ok, gap["2y"], gap["policy"])
    vix = v["vix"]
    dvix = vix - _shift(vix, VIX_DAYS)
    with np.errstate(invalid="ignore"):
        gate = np.where(fx < _shift(fx, VIX_DAYS), 1.0, C4_GATE)
        counted = v["cftc_flush_start_pct"] < C5_START_BELOW
    c4 = (
        table["C4.vix"].weight * table["C4.vix"].score(vix)
        + table["C4.dvix"].weight * table["C4.dvix"].score(dvix)
    ) * gate

    raw = {
        "A1": gap_used,
        "A2": (gap_used / 100) / vol_mid,
        "A3": gaps.daily_change(gaps.spec("2y"), panel.values, panel.asof, GAP_CHANGE).value,
        "B1": v["cftc_net_pct_oi"],
        "B2": v["lev_pctile"],
        "B3": (log_fx - _shift(log_fx, TREND_DAYS)) * 100,
        "B4": vol_mid / _rolling(vol_mid, COMPLACENCY_MEDIAN).median().to_numpy(),
        "C1": (fx / _rolling(fx, HIGH_WINDOW).max().to_numpy() - 1) * 100,
        "C2": (log_fx - _shift(log_fx, SPEED_DAYS)) / (sigma_long * np.sqrt(SPEED_DAYS)),
        "C3": vol_short / _rolling(vol_short, SURPRISE_MEDIAN).median().to_numpy(),
        "C4": c4,
        "C5": v["cftc_flush_pp"],
    }
    columns: dict[str, np.ndarray] = dict(pair_columns)
    never = np.zeros(len(fx), dtype=bool)
    for name in COMPONENTS:
        x = raw[name]
        score = table[name].score(x)
        if name == "C5":
            score = np.where(counted, score, 0.0)
        is_stale = never
        for column in drop_inputs(name):
            is_stale = is_stale | stale[column]
        if name == "A3":  # the gap's latest same-day pair can be old while each leg is not
            is_stale = is_stale | gap_stale["2y"]
        status = np.where(np.isnan(x), MISSING, np.where(is_stale, STALE, OK)).astype("int8")
        columns[f"{name}_raw"] = x
        columns[f"{name}_score"] = np.where(status == OK, score, np.nan)
        columns[f"{name}_status"] = status
    for pillar in PILLARS:
        columns[pillar] = _pillar(table, pillar, columns)
    a, b = columns["A"], columns["B"]
    columns["fuel"] = np.where(
        np.isnan(b), a, np.where(np.isnan(a), b, FUEL_WEIGHTS["A"] * a + FUEL_WEIGHTS["B"] * b)
    )
    columns["fuel_without_b"] = np.isnan(b) & ~np.isnan(a)
    columns["a1_policy_gap"] = ~two_year_ok & ~np.isnan(gap_used)
    columns["usdjpy"] = fx
    # Regime-rule inputs: NaN where USD/JPY is stale, so an old rate can neither enter nor hold.
    fx_current = ~stale["usdjpy"]
    columns["fx_ret_1d_pct"] = np.where(fx_current, (fx / _shift(fx, 1) - 1) * 100, np.nan)
    columns["fx_ret_63d_pct"] = np.where(
        fx_current, (log_fx - _shift(log_fx, FX_TREND_DAYS)) * 100, np.nan
    )
    columns["vol_20d_pct"] = vol_short
    columns["vol_63d_pct"] = vol_mid
    columns["vix"] = vix
    columns["vix_5d_change"] = dvix
    columns["c4_gate"] = gate
    return pd.DataFrame(columns, index=panel.values.index)


def _shift(values: np.ndarray, periods: int) -> np.ndarray:
    """``values`` moved ``periods`` rows later (NaN in front)."""
    out = np.full(len(values), np.nan)
    if periods < len(values):
        out[periods:] = values[: len(values) - periods]
    return out


def _rolling(values: np.ndarray, window: int) -> Any:
    """A full-window rolling view (NaN until ``window`` values are in)."""
    return pd.Series(values).rolling(window)


def _pillar(
    table: anchor_table.AnchorTable, pillar: str, columns: dict[str, np.ndarray]
) -> np.ndarray:
    """Weighted mean of the pillar's components that are present and fresh (NaN if none)."""
    members = table.pillar(pillar)
    scores = np.column_stack([np.asarray(columns[f"{a.component}_score"]) for a in members])
    weights = np.array([a.weight for a in members])
    present = ~np.isnan(scores)
    total = (present * weights).sum(axis=1)
    weighted = (np.where(present, scores, 0.0) * weights).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, weighted / total, np.nan)


def dropped(row: pd.Series) -> dict[str, str]:
    """The components dropped on one day of the signal frame and why (``missing``/``stale``)."""
    return {
        name: STATUS_NAMES[int(row[f"{name}_status"])]
        for name in COMPONENTS
        if int(row[f"{name}_status"]) != OK
    }
