"""Snapshots built from the observation store: every block, dates on numbers, version, notes."""

from __future__ import annotations

import dataclasses
from datetime import date

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import Engine

from analytics.catalogue import observations
from analytics.catalogue.notes import LiveRateUsed
from analytics.ingest.store import ObservationStore
from analytics.narrative import snapshot
from analytics.signal import pipeline
from tests.support import market

TODAY = date(2019, 3, 24)  # a Sunday: the last close is Friday 22 March
LAST_CLOSE = date(2019, 3, 22)


@pytest.fixture
def obs() -> pd.DataFrame:
    series = market.calm(1100, seed=4)
    market.crash(series, at=1080, fall_pct=7.0, days_=6)
    return market.long_frame(series)


@pytest.fixture
def store(engine: Engine, obs: pd.DataFrame) -> ObservationStore:
    store = ObservationStore(engine)
    store.upsert(obs.drop(columns="source"), source="fred")
    return store


def test_snapshot_from_the_store_carries_every_block_with_dates(store: ObservationStore) -> None:
    snap = snapshot.snapshot_from_store(store, TODAY)
    assert snap.as_of == LAST_CLOSE and snap.today == TODAY
    assert snap.fx.as_of == LAST_CLOSE
    assert [g.key for g in snap.differentials] == ["policy", "2y", "10y"]
    two = snap.gap("2y")
    assert two.level_bp is not None and two.change("3m") is not None
    assert two.us.as_of is not None and two.jp.as_of is not None
    assert snap.fx.level is not None and snap.fx.as_of is not None
    assert snap.fx.source == "h10"
    assert snap.fx.drawdown_60d_pct is not None and snap.fx.drawdown_60d_pct < -5
    assert [p.key for p in snap.pillars] == ["A", "B", "C"]
    for pillar in snap.pillars:
        for component in pillar.components:
            assert component.status in {"ok", "missing", "stale"}
            assert (component.score is None) == (component.status != "ok")
    assert snap.unwind_pressure == snap.pillar("C").score
    assert snap.positioning.noncomm_net_pct_oi is None
    assert snap.positioning.noncomm_report_date is None
    assert {f.series for f in snap.freshness} >= {"us.2y", "jp.2y", "fx.usdjpy.h10", "vix"}
    assert [p.bank for p in snap.policy] == ["fed", "boj"]
    assert all(p.decided is not None and p.decided <= TODAY for p in snap.policy)


def test_regime_reading_names_the_regime_its_start_and_the_strongest_components(
    store: ObservationStore,
) -> None:
    snap = snapshot.snapshot_from_store(store, TODAY)
    reading = snap.regime
    assert reading.regime in {"UNWINDING", "ELEVATED"}
    assert reading.since is not None and reading.since <= TODAY
    assert reading.drivers and all(d.startswith("C") for d in reading.drivers)
    assert reading.rule.code in {"c_at_least", "fx_shock", "c_on_days", "b_with_c"}
    assert reading.computed_on == snap.as_of
    assert reading.inputs.c == snap.unwind_pressure


def test_the_snapshot_stops_at_the_last_market_close_not_at_today(obs: pd.DataFrame) -> None:
    monday = date(2019, 3, 25)
    snap = snapshot.build_snapshot(obs, monday)
    assert snap.as_of == LAST_CLOSE
    h10 = next(f for f in snap.freshness if f.series == "fx.usdjpy.h10")
    assert h10.as_of == LAST_CLOSE and h10.age_days == 3 and not h10.stale


def test_snapshot_is_frozen(store: ObservationStore) -> None:
    snap = snapshot.snapshot_from_store(store, TODAY)
    with pytest.raises(dataclasses.FrozenInstanceError):
        snap.unwind_pressure = 0.0  # type: ignore[misc]


def test_version_changes_only_with_the_inputs(obs: pd.DataFrame) -> None:
    first = snapshot.inputs_version(obs, TODAY)
    assert snapshot.inputs_version(obs.sample(frac=1.0, random_state=1), TODAY) == first
    revised = obs.copy()
    revised.loc[revised.index[-1], "value"] += 0.01
    assert snapshot.inputs_version(revised, TODAY) != first
    assert snapshot.inputs_version(obs, date(2019, 3, 25)) != first


def test_a_live_fed_range_the_table_lacks_is_shown_and_named_once(obs: pd.DataFrame) -> None:
    days = pd.date_range("2019-03-04", TODAY, freq="D")  # FRED's 7-day series
    frames = [
        observations.frame([series] * len(days), days, np.full(len(days), value))
        for series, value in (("us.fed.upper", 2.0), ("us.fed.lower", 1.75))
    ]
    with_live = pd.concat([obs, *(f.assign(source="fred") for f in frames)], ignore_index=True)
    snap = snapshot.build_snapshot(with_live, TODAY, offline=True)
    codes = {n.code: n for n in snap.notes}
    # The BoJ's call rate is read as its guideline only from March 2024: no check in 2019.
    assert set(codes) == {"live_rate_used", "offline"}
    note = codes["live_rate_used"]
    assert isinstance(note, LiveRateUsed)
    assert (note.bank, note.lower, note.upper, note.table_lower, note.table_upper) == (
        "fed",
        1.75,
        2.0,
        2.25,
        2.5,
    )
    fed = next(p for p in snap.policy if p.bank == "fed")
    assert (fed.lower, fed.origin, fed.source) == (1.75, "live", "us.fed.range")
    assert snap.gap("policy").us.value_pct == 1.875  # the live midpoint, not the table's 2.375
    b1 = next(c for c in snap.pillar("B").components if c.key == "B1")
    assert b1.status == "missing" and b1.missing_inputs == ("cftc_net_pct_oi",)


def test_a_precomputed_run_gives_the_same_snapshot(obs: pd.DataFrame) -> None:
    run = pipeline.compute(obs, end=pd.Timestamp(LAST_CLOSE))
    assert snapshot.build_snapshot(obs, TODAY, computation=run) == snapshot.build_snapshot(
        obs, TODAY
    )
    daily = run.daily()
    assert {"regime", "unwind_pressure", "gap_2y_bp", "gap_policy_bp", "usdjpy"} <= set(daily)


def test_without_a_current_usd_jpy_the_lede_says_pressure_cannot_be_computed() -> None:
    from analytics.narrative.lede import PressureUnavailable, RegimeClaim, lede
    from commands.handlers.views import view
    from commands.presentation.render import render_text
    from commands.reply import Reply

    series = market.calm(1100, seed=4)
    series["fx.usdjpy.h10"] = series["fx.usdjpy.h10"].iloc[:-15]  # US yields go on 3 weeks
    obs = market.long_frame(series)
    last_fx = series["fx.usdjpy.h10"].index[-1].date()
    snap = snapshot.build_snapshot(obs, TODAY)
    assert snap.as_of == LAST_CLOSE and snap.unwind_pressure is None and snap.fx.stale
    claims = lede(snap)
    assert not any(isinstance(c, RegimeClaim) for c in claims)
    unavailable = next(c for c in claims if isinstance(c, PressureUnavailable))
    assert unavailable.fx_as_of == last_fx
    text = render_text(Reply("brief", {"v": view(snap)}))
    assert "Unwind pressure cannot be computed: USD/JPY has no new close since" in text
    assert "Carry is stable" not in text and "no sign of an unwind" not in text
    assert "Moves:" not in text


@pytest.fixture(scope="module")
def real() -> pd.DataFrame:
    from analytics.ingest import rawfiles
    from tests.support.paths import raw_path

    return rawfiles.read_directory(raw_path("VIX_cboe_daily.csv").parent)


def test_the_vix_and_usd_jpy_carry_their_date_and_source(real: pd.DataFrame) -> None:
    from commands.handlers.views import view
    from commands.presentation.render import render_text
    from commands.reply import Reply

    snap = snapshot.build_snapshot(real, date(2024, 8, 5))
    assert (snap.vix.level, snap.vix.as_of, snap.vix.source) == (38.57, date(2024, 8, 5), "cboe")
    assert snap.fx.source == "h10" and snap.fx.level == 143.95
    text = render_text(Reply("carry", {"v": view(snap)}))
    assert "38.57 on 5 Aug 2024 (Cboe)" in text
    assert "143.95 on 5 Aug 2024 (Fed H.10 noon rate, via FRED" in text
    brief = render_text(Reply("brief", {"v": view(snap)}))
    assert "USD/JPY 143.95 on 5 Aug 2024 (Fed H.10)" in brief
    assert "VIX 38.57 (5 Aug 2024, Cboe, +15.18 1d)" in brief  # no risk assets here: no stress list


def test_the_ecb_cross_is_the_published_rate_and_its_moves_compare_ecb_with_ecb(
    real: pd.DataFrame,
) -> None:
    snap = snapshot.build_snapshot(real, date(2026, 10, 30))
    assert snap.fx.source == "ecb" and snap.fx.as_of == date(2026, 10, 30)
    assert snap.fx.level == pytest.approx(175.68 / 1.1172, abs=5e-5)  # the cross, to 4 dp
    week = next(c for c in snap.fx.changes if c.horizon == "1w")
    assert week.base == date(2026, 10, 23)
    assert week.value == pytest.approx(100 * ((175.68 / 1.1172) / (175.51 / 1.1193) - 1), abs=1e-4)
