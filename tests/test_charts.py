"""Charts on the real files: stale stretches drawn as such, the legend off the data, the footer
naming what is drawn, all-history pressure aggregated, and the risk-asset lines rebased."""

from __future__ import annotations

import io
import itertools

import matplotlib.colors as mcolors
import matplotlib.dates as mdates
import numpy as np
import pandas as pd
import pytest
from matplotlib import image
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.lines import Line2D

from analytics.charts import figures as charts
from analytics.charts.frames import chart_frame, pressure_points
from commands.handlers.charts import chart_window
from tests.support import realdata, yahoo

END = "2026-10-30"  # the last market close in the files (the ECB cross)
ALL_RATES = (
    "h10",
    "ecb",
    "treasury",
    "mof",
    "decisions",
)  # the test-only Nikkei capture of 2020–2025 (tests/support/yahoo.py)


@pytest.fixture(scope="module")
def daily() -> pd.DataFrame:
    """The chart frame on what the bot reads: FRED's Nikkei copies have a 2020–2025 hole."""
    obs = realdata.observations()
    return chart_frame(realdata.computation(END), obs[obs["source"] != yahoo.SOURCE])


@pytest.fixture(scope="module")
def filled() -> pd.DataFrame:
    """The chart frame with the Nikkei hole filled from the test-only capture."""
    return chart_frame(realdata.computation(END), realdata.observations())


def figure(daily: pd.DataFrame, kind: str, window: str) -> Figure:
    frame = chart_window(daily, kind, window)
    draw = {"gap": charts.gap_figure, "pressure": charts.pressure_figure}
    return draw.get(kind, charts.markets_figure)(frame)


def line(fig: Figure, gid: str) -> Line2D:
    found = [ln for ax in fig.axes for ln in ax.get_lines() if ln.get_gid() == gid]
    assert len(found) == 1, f"{gid}: {len(found)} lines"
    return found[0]


def has_line(fig: Figure, gid: str) -> bool:
    return any(ln.get_gid() == gid for ax in fig.axes for ln in ax.get_lines())


def points(ln: Line2D) -> pd.Series:
    """A line's drawn points (NaN dropped), indexed by day."""
    x = pd.DatetimeIndex(pd.to_datetime(np.asarray(ln.get_xdata())))
    return pd.Series(np.asarray(ln.get_ydata(), dtype="float64"), index=x).dropna()


def text(fig: Figure, gid: str) -> str:
    found = [t for t in fig.texts if t.get_gid() == gid]
    assert len(found) == 1
    return found[0].get_text()


def png_size(data: bytes) -> tuple[int, int]:
    pixels = image.imread(io.BytesIO(data), format="png")
    return pixels.shape[1], pixels.shape[0]


@pytest.mark.parametrize(
    ("kind", "window"),
    [("gap", "1y"), ("pressure", "max"), ("pressure", "3m"), ("markets", "5y")],
)
def test_every_chart_is_a_1200_by_675_png(daily: pd.DataFrame, kind: str, window: str) -> None:
    data = charts.png(figure(daily, kind, window))
    assert data.startswith(b"\x89PNG")
    assert png_size(data) == (1200, 675)


# --- stale stretches --------------------------------------------------------------------------


def test_a_stale_leg_draws_the_2_year_gap_flat_dotted_and_faded(daily: pd.DataFrame) -> None:
    # The files' US 2-year yield ends on 13 Nov 2025; six days later (age limit 5) it is stale,
    # while the JGB leg keeps moving to 30 Apr 2026. The gap stays at the last day both legs
    # closed (13 Nov 2025: 3.58% − 0.932%), flat, instead of drifting with the JGB leg alone.
    fig = figure(daily, "gap", "1y")
    current, stale = points(line(fig, "gap_2y")), points(line(fig, "gap_2y:stale"))
    assert current.index[-1] == pd.Timestamp("2025-11-18")
    assert stale.index[0] == pd.Timestamp("2025-11-18")  # joined to the last current day
    assert stale.index[-1] == pd.Timestamp(END)
    assert stale.loc["2025-11-19":].to_numpy() == pytest.approx(100 * (3.58 - 0.932))
    assert (daily.loc["2025-11-19":END, "gap_2y_asof"] == pd.Timestamp("2025-11-13")).all()
    style = line(fig, "gap_2y:stale")
    assert style.get_alpha() is not None and style.get_alpha() < 1
    assert style.get_linestyle() != "-" and line(fig, "gap_2y").get_linestyle() == "-"
    labels = [t.get_text() for t in _legend(fig).get_texts()]
    assert "Stale: last value carried forward" in labels
    # Staleness is dated by the last close, not by the first day it counted as stale.
    assert "2-year gap: last day both legs closed 13 Nov 2025" in text(fig, "subtitle")
    three_months = text(figure(daily, "gap", "3m"), "subtitle")
    assert "2-year gap: last day both legs closed 13 Nov 2025" in three_months


def test_the_gap_chart_says_its_axis_is_us_minus_japan(daily: pd.DataFrame) -> None:
    fig = figure(daily, "gap", "1y")
    assert text(fig, "title") == "Rate gaps, US minus Japan, and USD/JPY"
    assert fig.axes[0].get_ylabel() == "US minus Japan, bp"
    assert "Japan–US" not in text(fig, "title")


def test_a_current_chart_has_no_stale_entry(daily: pd.DataFrame) -> None:
    frame = daily.loc["2015-01-01":"2015-12-31"]
    fig = charts.gap_figure(frame)
    assert not has_line(fig, "gap_2y:stale") and not has_line(fig, "usdjpy:stale")
    assert "Stale: last value carried forward" not in [
        t.get_text() for t in _legend(fig).get_texts()
    ]


def test_a_tokyo_holiday_is_passed_over_not_drawn_flat(daily: pd.DataFrame) -> None:
    # 11 Feb 2026 (National Foundation Day) has no close in NIKKEI225_2025-2026.csv.
    nikkei = points(line(figure(daily, "markets", "1y"), "nikkei225"))
    assert pd.Timestamp("2026-02-10") in nikkei.index and pd.Timestamp("2026-02-12") in nikkei.index
    assert pd.Timestamp("2026-02-11") not in nikkei.index


def test_a_stale_tail_is_drawn_flat_and_dotted_from_the_last_close(daily: pd.DataFrame) -> None:
    # CBBTCUSD.csv ends on Sunday 24 May 2026; the last business day with a close is 22 May.
    fig = figure(daily, "markets", "1y")
    current, stale = points(line(fig, "btcusd")), points(line(fig, "btcusd:stale"))
    assert current.index[-1] == pd.Timestamp("2026-05-22")
    assert stale.index[0] == pd.Timestamp("2026-05-22") and stale.index[-1] == pd.Timestamp(END)
    base = daily.loc[chart_window(daily, "markets", "1y").index[0], "btcusd"]
    assert stale.loc["2026-06-01":].eq(77078.18 / base * 100).all()  # the last close, carried


def test_a_risk_asset_without_a_current_close_is_left_out_and_named(daily: pd.DataFrame) -> None:
    fig = figure(daily, "markets", "3m")
    assert not has_line(fig, "btcusd") and not has_line(fig, "btcusd:stale")
    assert "Bitcoin: no current close (last 24 May 2026)" in text(fig, "subtitle")
    assert "Coinbase" not in text(fig, "footer")


def test_a_hole_in_the_data_starts_the_line_at_the_first_close_after_it(
    daily: pd.DataFrame, filled: pd.DataFrame
) -> None:
    # FRED's Nikkei copies end in 2020 and start again on 1 Dec 2025: nothing before is drawn.
    fig = figure(daily, "markets", "5y")
    nikkei = points(line(fig, "nikkei225"))
    assert nikkei.index[0] == pd.Timestamp("2025-12-01") and nikkei.iloc[0] == 100
    assert line(fig, "nikkei225").get_label() == "Nikkei 225, 1 Dec 2025 = 100"
    assert "Nikkei 225: closes 1 Dec 2025 – 17 Sep 2026" in text(fig, "subtitle")
    # With the hole filled, the line starts on the window's first day.
    start = chart_window(filled, "markets", "5y").index[0]
    full = points(line(figure(filled, "markets", "5y"), "nikkei225"))
    assert full.index[0] == start
    subtitle = text(figure(filled, "markets", "5y"), "subtitle")
    assert "Nikkei 225: last close 17 Sep 2026" in subtitle and "closes" not in subtitle


# --- legend, footer ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "window"),
    [
        ("gap", "3m"),
        ("gap", "max"),
        ("pressure", "1y"),
        ("pressure", "max"),
        ("markets", "1y"),
        ("markets", "5y"),
    ],
)
def test_the_legend_never_covers_data(daily: pd.DataFrame, kind: str, window: str) -> None:
    fig = figure(daily, kind, window)
    fig.canvas.draw()
    legend = _legend(fig).get_window_extent()
    for ax in fig.axes:
        assert not legend.overlaps(ax.get_window_extent()), ax
    for gid in ("title", "subtitle", "footer"):
        box = next(t for t in fig.texts if t.get_gid() == gid).get_window_extent()
        assert not legend.overlaps(box), gid
    width, height = fig.canvas.get_width_height()
    assert legend.x0 >= 0 and legend.x1 <= width and legend.y0 >= 0 and legend.y1 <= height


@pytest.mark.parametrize(
    ("kind", "start", "end", "codes"),
    [
        ("gap", "2025-10-31", END, ("h10", "ecb", "treasury", "mof", "decisions")),
        # Before the euro there is no ECB cross: USD/JPY is H.10 alone.
        ("gap", "1995-01-01", "1995-12-31", ("h10", "treasury", "mof", "decisions")),
        # CFTC reports end in April 2025: a 2026 pressure chart reads no positions.
        ("pressure", "2025-10-31", END, ("h10", "ecb", "treasury", "mof", "decisions", "cboe")),
        # In 2019 the TFF reports are current, and the ECB cross fills H.10's US holidays.
        ("pressure", "2019-01-01", "2019-12-31", (*ALL_RATES, "cboe", "cftc")),
        ("markets", "2026-07-31", END, ("h10", "ecb", "nikkei")),
        ("markets", "2025-10-31", END, ("h10", "ecb", "nikkei", "coinbase")),
    ],
)
def test_the_footer_names_only_the_sources_drawn(
    daily: pd.DataFrame, kind: str, start: str, end: str, codes: tuple[str, ...]
) -> None:
    frame = daily.loc[start:end]
    assert charts.sources_drawn(kind, frame) == codes
    draw = {"gap": charts.gap_figure, "pressure": charts.pressure_figure}
    fig = draw.get(kind, charts.markets_figure)(frame)
    assert text(fig, "footer").replace("\n", " · ") == charts.footer_text(codes)


def test_the_footer_words_usdjpy_by_its_source() -> None:
    assert charts.footer_text(("h10", "mof")) == (
        "Sources: USD/JPY: Fed H.10 noon rate (FRED) · Japan MoF JGB yields · chart: carrybot"
    )
    assert charts.footer_text(("h10", "ecb", "nikkei")) == (
        "Sources: USD/JPY: Fed H.10 noon rate (FRED), ECB reference cross · "
        "Nikkei 225 (Nikkei Inc., via FRED) · chart: carrybot"
    )


# --- pressure over long windows ---------------------------------------------------------------


def test_all_history_pressure_is_drawn_as_monthly_highs(daily: pd.DataFrame) -> None:
    frame = chart_window(daily, "pressure", "max")
    monthly, step = pressure_points(frame)
    years = (frame.index[-1] - frame.index[0]).days / 365.25
    assert step == "month" and len(monthly) <= 12 * years + 2 and len(monthly) < len(frame) / 15
    august = frame.loc["2024-08-01":"2024-08-31"]
    assert monthly.loc["2024-08-01", "unwind_pressure"] == august["unwind_pressure"].max()
    assert monthly.loc["2024-08-01", "regime"] == "UNWINDING"
    fig = charts.pressure_figure(frame)
    bars = {c.get_gid(): c for c in fig.axes[0].collections if str(c.get_gid()).startswith("bars:")}
    assert set(bars) == {f"bars:{r}" for r in monthly["regime"].unique()}
    assert all(c.get_facecolor().shape[0] == 1 for c in bars.values())  # one colour each
    unwinding = bars["bars:UNWINDING"]
    assert mcolors.same_color(unwinding.get_facecolor()[0], charts.REGIME_COLOURS["UNWINDING"])
    # Each month is a bar of its regime's colour as high as the month's highest day.
    ends = [*monthly.index[1:], pd.Timestamp(END) + pd.Timedelta(days=1)]
    for (start, row), end in zip(monthly.iterrows(), ends, strict=True):
        path = bars[f"bars:{row['regime']}"].get_paths()[0]
        middle = mdates.date2num(start + (end - start) / 2)
        high = row["unwind_pressure"]
        assert path.contains_point((middle, high - 0.2)), start
        assert not path.contains_point((middle, high + 0.2)), start
    assert "monthly" not in text(fig, "title") and "each month's highest" in text(fig, "subtitle")


def test_a_period_is_coloured_by_its_most_severe_regime() -> None:
    days = pd.bdate_range("2020-01-01", "2023-12-29")
    regime = np.where(days == pd.Timestamp("2021-03-10"), "ELEVATED", "STABLE")
    frame = pd.DataFrame({"unwind_pressure": 10.0, "regime": regime}, index=days)
    frame.loc["2021-03-12", "unwind_pressure"] = 55.0
    weekly, step = pressure_points(frame)
    assert step == "week" and len(weekly) <= 53 * 4 + 1
    week = weekly.loc["2021-03-08"]
    assert (week["regime"], week["unwind_pressure"]) == ("ELEVATED", 55.0)
    assert (weekly["regime"] == "ELEVATED").sum() == 1


def test_five_years_of_pressure_are_weekly_and_a_year_daily(daily: pd.DataFrame) -> None:
    assert pressure_points(chart_window(daily, "pressure", "5y"))[1] == "week"
    one_year = chart_window(daily, "pressure", "1y")
    frame, step = pressure_points(one_year)
    assert step == "day" and len(frame) == len(one_year)


def test_days_without_a_score_are_hatched_not_joined(daily: pd.DataFrame) -> None:
    frame = chart_window(daily, "pressure", "1y").copy()
    frame.loc["2026-03-02":"2026-03-31", "unwind_pressure"] = np.nan
    fig = charts.pressure_figure(frame)
    drawn = points(line(fig, "pressure"))
    assert drawn.loc["2026-03-02":"2026-03-31"].empty
    hatched = [p for p in fig.axes[0].patches if p.get_gid() == "no_score"]
    assert len(hatched) == 1 and hatched[0].get_hatch() == "//"
    assert "No score (stale)" in [t.get_text() for t in _legend(fig).get_texts()]


# --- helpers that must hold ---------------------------------------------------------------------


def test_regime_periods_cover_every_run_in_order(daily: pd.DataFrame) -> None:
    regimes = daily.loc["2024-06-03":"2024-12-31", "regime"]
    periods = charts.regime_periods(regimes)
    assert [p[0] for p in periods][:2] == [regimes.iloc[0], periods[1][0]]
    assert periods[0][1] == regimes.index[0]
    # Each band ends where the next begins, so bands tile the window with no gap.
    assert all(a[2] == b[1] for a, b in itertools.pairwise(periods))
    assert sum(1 for _ in itertools.groupby(regimes)) == len(periods)


def test_missing_column_is_a_clear_error(daily: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="usdjpy"):
        charts.gap_chart(daily.drop(columns="usdjpy"))


def test_a_gap_inside_the_window_stays_a_gap(daily: pd.DataFrame) -> None:
    frame = daily.loc["2026-01-01":END].copy()
    frame.loc["2026-03-02":"2026-03-31", "unwind_pressure"] = np.nan
    kept = chart_window(frame, "pressure", "max")
    assert len(kept) == len(frame)  # interior days without a score are not dropped
    frame.loc["2026-10-01":, "unwind_pressure"] = np.nan
    assert chart_window(frame, "pressure", "max").index[-1] == pd.Timestamp("2026-09-30")


def _legend(fig: Figure) -> Legend:
    [legend] = fig.legends
    return legend
