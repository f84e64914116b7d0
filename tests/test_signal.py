"""Anchors, components, renormalised pillars, the C4 gate and what is reported as dropped."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from analytics.narrative import snapshot
from analytics.signal import anchors, panel
from analytics.signal import scores as signal
from tests.support import market

TABLE = anchors.load()


def compute(series: dict[str, pd.Series], **frame_options: object) -> pd.DataFrame:
    obs = market.long_frame(series, **frame_options)  # type: ignore[arg-type]
    return signal.compute(panel.build_panel(obs, policy_rate=market.policy_rate))


# --- anchors ---------------------------------------------------------------------------------


def test_anchor_points_map_exactly_and_flat_beyond_the_ends() -> None:
    for anchor in TABLE.anchors.values():
        np.testing.assert_allclose(anchor.score(np.array(anchor.xs)), anchor.scores)
        low, high = anchor.xs[0] - 1e6, anchor.xs[-1] + 1e6
        assert anchor.score(low) == anchor.scores[0]
        assert anchor.score(high) == anchor.scores[-1]


def test_between_anchors_the_map_is_linear_and_nan_stays_nan() -> None:
    a1 = TABLE["A1"]
    mid = (a1.xs[1] + a1.xs[2]) / 2
    assert a1.score(mid) == pytest.approx((a1.scores[1] + a1.scores[2]) / 2)
    assert np.isnan(a1.score(np.array([np.nan]))[0])


def test_every_map_is_monotone_and_every_pillar_weighs_one() -> None:
    for anchor in TABLE.anchors.values():
        steps = np.diff(anchor.scores)
        assert (steps >= 0).all() or (steps <= 0).all()
        assert min(anchor.scores) >= 0 and max(anchor.scores) <= 100
    for pillar in ("A", "B", "C", "C4"):
        assert sum(a.weight for a in TABLE.pillar(pillar)) == pytest.approx(1.0)


def test_a_non_monotone_or_unbalanced_table_is_rejected() -> None:
    header = "component,pillar,weight,quantity,unit,points\n"
    with pytest.raises(ValueError, match="not monotone"):
        anchors.parse(header + "X1,X,1.0,q,u,0:0 1:50 2:20\n")
    with pytest.raises(ValueError, match="sum to"):
        anchors.parse(header + "X1,X,0.6,q,u,0:0 1:100\n")
    with pytest.raises(ValueError, match="0–100"):
        anchors.parse(header + "X1,X,1.0,q,u,0:0 1:120\n")


# --- components and pillars ------------------------------------------------------------------


def test_drawdown_component_reads_the_sixty_day_high() -> None:
    series = market.calm()
    market.crash(series, at=1000, fall_pct=6.0, days_=10)
    s = compute(series)
    day = s.index[1009]
    fx = s["usdjpy"]
    expected = 100 * (fx.loc[day] / fx.iloc[1009 - 59 : 1010].max() - 1)
    assert s.loc[day, "C1_raw"] == pytest.approx(expected)
    assert s.loc[day, "C1_score"] == pytest.approx(float(TABLE["C1"].score(expected)))


def test_pillar_is_the_weighted_mean_of_the_components_present() -> None:
    series = market.calm()
    market.crash(series, at=1000, fall_pct=5.0, days_=8)
    s = compute(series)
    row = s.iloc[1010]
    assert int(row["C5_status"]) == signal.MISSING  # no CFTC data
    weights = {a.component: a.weight for a in TABLE.pillar("C")}
    present = [c for c in weights if not np.isnan(row[f"{c}_score"])]
    assert present == ["C1", "C2", "C3", "C4"]
    expected = sum(weights[c] * row[f"{c}_score"] for c in present) / sum(
        weights[c] for c in present
    )
    assert row["C"] == pytest.approx(expected)
    assert row["C"] > 0


def test_a_stale_vix_drops_c4_and_the_pillar_renormalises() -> None:
    series = market.calm()
    series["vix"] = series["vix"].iloc[:900]
    s = compute(series)
    row = s.iloc[-1]
    assert int(row["C4_status"]) == signal.STALE
    assert np.isnan(row["C4_score"])
    weights = {a.component: a.weight for a in TABLE.pillar("C")}
    expected = sum(weights[c] * row[f"{c}_score"] for c in ("C1", "C2", "C3")) / 0.7
    assert row["C"] == pytest.approx(expected)
    assert signal.dropped(row) == {"C4": "stale", "C5": "missing", "B1": "missing", "B2": "missing"}


def test_c4_is_gated_when_the_yen_does_not_rise() -> None:
    falling, rising = market.calm(), market.calm()
    spike = np.array([14, 14, 18, 24, 30, 36.0])
    for series in (falling, rising):
        vix = series["vix"].to_numpy().copy()
        vix[-6:] = spike
        series["vix"] = pd.Series(vix, series["vix"].index)
    for series, step in ((falling, -0.01), (rising, +0.01)):
        fx = series["fx.usdjpy.h10"].to_numpy().copy()
        fx[-5:] = fx[-6] * np.exp(step * np.arange(1, 6))
        series["fx.usdjpy.h10"] = pd.Series(fx, series["fx.usdjpy.h10"].index)
    crash_row, oil_shock_row = compute(falling).iloc[-2], compute(rising).iloc[-2]
    assert crash_row["c4_gate"] == 1.0 and oil_shock_row["c4_gate"] == signal.C4_GATE
    assert crash_row["C4_raw"] > 50
    assert oil_shock_row["C4_raw"] == pytest.approx(signal.C4_GATE * crash_row["C4_raw"])


def test_flush_counts_only_from_a_net_short_below_minus_ten_percent() -> None:
    series = market.calm()
    reports = pd.bdate_range(series["vix"].index[-60], periods=60, freq="W-TUE")[:6]
    net_pct = {"short": [-30, -28, -20, -14, -12, -10], "long": [10, 12, 20, 26, 28, 30]}
    rows = {}
    for case, values in net_pct.items():
        oi = pd.Series(100_000.0, reports)
        long = pd.Series(50_000.0, reports)
        short = long - np.array(values) * 1_000.0
        frame = dict(series)
        frame.update(
            {"cftc.jpy.noncomm_long": long, "cftc.jpy.noncomm_short": short, "cftc.jpy.oi": oi}
        )
        s = compute(frame)
        rows[case] = s.loc[reports[-1] + pd.Timedelta(days=3)]
    assert rows["short"]["C5_raw"] == pytest.approx(4.0)
    assert rows["short"]["C5_score"] == pytest.approx(float(TABLE["C5"].score(4.0)))
    assert rows["long"]["C5_raw"] == pytest.approx(4.0)
    assert rows["long"]["C5_score"] == 0.0


def test_without_any_crowding_component_fuel_is_carry_incentive_and_says_so() -> None:
    series = market.calm(120)  # shorter than the B3/B4 windows, and no CFTC data
    s = compute(series)
    row = s.iloc[-1]
    assert np.isnan(row["B"])
    assert bool(row["fuel_without_b"])
    assert row["fuel"] == pytest.approx(row["A"])


def test_a1_falls_back_to_the_policy_gap_when_the_two_year_gap_is_stale() -> None:
    series = market.calm()
    series["jp.2y"] = series["jp.2y"].iloc[:-20]
    row = compute(series).iloc[-1]
    assert bool(row["a1_policy_gap"])
    assert row["A1_raw"] == pytest.approx(490.0)
    assert int(row["A3_status"]) == signal.STALE


def test_snapshot_names_dropped_components_and_why() -> None:
    series = market.calm()
    series["vix"] = series["vix"].iloc[:900]
    obs = market.long_frame(series)
    today = series["fx.usdjpy.h10"].index[-1].date()
    from analytics.signal import pipeline

    run = pipeline.compute(obs, end=pd.Timestamp(today), policy_rate=market.policy_rate)
    snap = snapshot.build_snapshot(obs, today, computation=run)
    c4 = next(c for c in snap.pillar("C").components if c.key == "C4")
    assert c4.status == "stale" and c4.score is None and c4.effective_weight is None
    last_vix = series["vix"].index[-1].date()
    assert [(i.column, i.as_of) for i in c4.stale_inputs] == [("vix", last_vix)]
    assert c4.stale_inputs[0].age_days == (today - last_vix).days
    c5 = next(c for c in snap.pillar("C").components if c.key == "C5")
    assert c5.status == "missing" and c5.missing_inputs == ("cftc_flush_pp",)
    used = [c for c in snap.pillar("C").components if c.effective_weight]
    assert sum(c.effective_weight or 0 for c in used) == pytest.approx(1.0)
    assert snap.pillar("C").dropped == ("C4", "C5")
    assert isinstance(snap.as_of, date)
