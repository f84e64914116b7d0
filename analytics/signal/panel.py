"""Long observations → the business-day (Mon–Fri) panel the signal reads, point in time.

Each day holds the last value *available* that day and the observation date it came from.
A day's row is taken after that day's US close (about 06:00–07:00 Tokyo time the next
morning), so it holds everything published by then: US yields, VIX and USD/JPY of the day, the
ECB cross fixed at 14:15 CET, and the JGB yields of the same day, which Japan's MoF publishes
that Tokyo evening, before the US close. CFTC positions count from their release date, policy
rates from the decision date (the decision tables of ``analytics.policy.decisions``). USD/JPY comes from
``analytics.signal.usdjpy``. Values are carried forward without limit; a value older than its series'
maximum age is flagged stale (``Panel.stale``) and the signal drops it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.catalogue.align import align
from analytics.catalogue.series import spec
from analytics.signal import positioning, usdjpy

HISTORY_START = pd.Timestamp("1985-01-01")
PolicyRate = Callable[[str, pd.DatetimeIndex], pd.Series]


@dataclass(frozen=True)
class PriceColumn:
    """A panel column fed by one observed series, usable on its own observation date."""

    name: str
    series: str


PRICE_COLUMNS = (
    PriceColumn("us_2y", "us.2y"),
    PriceColumn("jp_2y", "jp.2y"),
    PriceColumn("us_10y", "us.10y"),
    PriceColumn("jp_10y", "jp.10y"),
    PriceColumn("vix", "vix"),
)
# Series closing in New York or fixed that European afternoon: a day with one of them has a
# market close to report (JGB yields alone, on a US holiday, do not make a new snapshot day).
CLOSE_SERIES = frozenset({"us.2y", "us.10y", "vix", usdjpy.H10, usdjpy.ECB})
POLICY_COLUMNS = {"us_policy": "fed", "jp_policy": "boj"}
# Daily panel column → per-report column of analytics.signal.positioning, and the series whose
# catalogue age limit applies (legacy report vs. TFF report).
CFTC_COLUMNS = {
    "cftc_net_pct_oi": ("noncomm_net_pct_oi", "cftc.jpy.oi"),
    "cftc_flush_start_pct": ("noncomm_flush_start_pct", "cftc.jpy.oi"),
    "cftc_flush_pp": ("noncomm_flush_pp", "cftc.jpy.oi"),
    "lev_net": ("lev_net", "cftc.jpy.lev_long"),
    "lev_net_pct_oi": ("lev_net_pct_oi", "cftc.jpy.lev_long"),
    "lev_pctile": ("lev_shortness_pctile", "cftc.jpy.lev_long"),
}
COLUMNS = [
    *POLICY_COLUMNS,
    *(c.name for c in PRICE_COLUMNS),
    "usdjpy",
    *CFTC_COLUMNS,
]
PANEL_SERIES = frozenset(
    {c.series for c in PRICE_COLUMNS} | {usdjpy.H10, usdjpy.ECB} | set(positioning.SERIES)
)


class NeedsFullRecompute(ValueError):
    """New observations reach back before the panel's last day (a batch, a revision)."""


@dataclass(frozen=True)
class Panel:
    """Values, their observation dates and staleness per business day, plus the CFTC reports."""

    values: pd.DataFrame
    asof: pd.DataFrame
    stale: pd.DataFrame
    fx_source: pd.Series
    reports: pd.DataFrame
    splice: usdjpy.SpliceInfo

    @property
    def index(self) -> pd.DatetimeIndex:
        return pd.DatetimeIndex(self.values.index)

    def tail(self, rows: int) -> Panel:
        """The last ``rows`` days (reports and splice state kept whole)."""
        return Panel(
            self.values.iloc[-rows:],
            self.asof.iloc[-rows:],
            self.stale.iloc[-rows:],
            self.fx_source.iloc[-rows:],
            self.reports,
            self.splice,
        )


def default_policy_rate(bank: str, index: pd.DatetimeIndex) -> pd.Series:
    """The policy rate in force each day (midpoint of a range), from the decision tables."""
    from analytics.policy import decisions as policy

    return policy.daily_rate(bank, index)


def availability(obs: pd.DataFrame) -> pd.Series:
    """The day each observation became usable: its own date for prices, release for CFTC."""
    series = obs["series"].to_numpy()
    dates = obs["date"].to_numpy(dtype="datetime64[ns]")
    out = dates.copy()
    cftc = np.isin(series, list(positioning.SERIES))
    if cftc.any():
        released = obs["released"].to_numpy(dtype="datetime64[ns]")[cftc]
        fallback = dates[cftc] + positioning.DEFAULT_RELEASE_LAG.to_timedelta64()
        out[cftc] = np.where(np.isnat(released), fallback, released)
    return pd.Series(out, index=obs.index)


def last_market_day(obs: pd.DataFrame, today: pd.Timestamp | None = None) -> pd.Timestamp:
    """The last business day with a same-day market close (USD/JPY, US yields, VIX), ≤ ``today``.

    The live bot computes up to this day, not up to ``today``: a row carried forward from
    yesterday would count yesterday's close twice in the regime rules.
    """
    dates = obs.loc[obs["series"].isin(CLOSE_SERIES), "date"]
    if today is not None:
        dates = dates[dates <= pd.Timestamp(today)]
    if dates.empty:
        return pd.Timestamp(today) if today is not None else HISTORY_START
    last = pd.Timestamp(dates.max())
    return last if last.weekday() < 5 else last - pd.offsets.BDay(1)


def available_by(obs: pd.DataFrame, day: pd.Timestamp) -> pd.DataFrame:
    """The observations a bot running on ``day`` would have had."""
    return obs[availability(obs) <= day]


def build_panel(
    obs: pd.DataFrame,
    start: pd.Timestamp | None = None,
    end: pd.Timestamp | None = None,
    policy_rate: PolicyRate | None = None,
) -> Panel:
    """The panel over the business days from ``start`` to ``end`` (default: the last available day)."""
    obs = obs[obs["series"].isin(PANEL_SERIES)]
    avail = availability(obs)
    if end is not None:
        obs, avail = obs[avail <= end], avail[avail <= end]
    first = obs["date"].min() if len(obs) else HISTORY_START
    start = pd.Timestamp(start) if start is not None else max(HISTORY_START, first)
    end = pd.Timestamp(end) if end is not None else avail.max()
    index = pd.bdate_range(start, end)
    values: dict[str, np.ndarray] = {}
    asof: dict[str, np.ndarray] = {}
    rate = policy_rate or default_policy_rate
    for name, bank in POLICY_COLUMNS.items():
        values[name] = rate(bank, index).reindex(index).to_numpy(dtype="float64")
        asof[name] = np.where(np.isnan(values[name]), np.datetime64("NaT"), index.to_numpy())
    for column in PRICE_COLUMNS:
        rows = (obs["series"] == column.series).to_numpy()
        part = pd.DataFrame({"a": avail[rows], "d": obs["date"][rows], "v": obs["value"][rows]})
        part = part.sort_values(["a", "d"], kind="stable")
        values[column.name], asof[column.name] = align(
            part["a"].to_numpy(), part["d"].to_numpy(), part["v"].to_numpy(), index
        )
    fx = usdjpy.splice(_series(obs, usdjpy.H10), _series(obs, usdjpy.ECB), index)
    values["usdjpy"] = fx.values.to_numpy()
    asof["usdjpy"] = fx.as_of.to_numpy()
    reports = positioning.reports(positioning.raw_reports(obs))
    _cftc_columns(reports, index, values, asof)
    return _assemble(index, values, asof, fx.source, reports, fx.info)


def append_day(
    panel: Panel, obs: pd.DataFrame, day: pd.Timestamp, policy_rate: PolicyRate | None = None
) -> Panel:
    """The panel extended by one business day from the observations that became available on it.

    Gives the same last row as ``build_panel`` on all observations; raises NeedsFullRecompute
    when ``obs`` holds something available earlier (an H.10 batch, a revision, a late report).
    """
    day = pd.Timestamp(day)
    last_day = panel.index[-1]
    if day <= last_day or day.weekday() >= 5:
        raise ValueError(f"{day:%Y-%m-%d} is not a business day after {last_day:%Y-%m-%d}")
    obs = obs[obs["series"].isin(PANEL_SERIES)]
    avail = availability(obs)
    if (avail <= last_day).any() or (avail > day).any():
        raise NeedsFullRecompute("observations outside the new day; recompute the panel in full")
    index = pd.DatetimeIndex([day])
    row = dict(zip(COLUMNS, panel.values.to_numpy()[-1], strict=True))
    row_asof = dict(zip(COLUMNS, panel.asof.to_numpy(dtype="datetime64[ns]")[-1], strict=True))
    values: dict[str, np.ndarray] = {}
    asof: dict[str, np.ndarray] = {}
    rate = policy_rate or default_policy_rate
    for name, bank in POLICY_COLUMNS.items():
        values[name] = rate(bank, index).reindex(index).to_numpy(dtype="float64")
        asof[name] = np.where(np.isnan(values[name]), np.datetime64("NaT"), index.to_numpy())
    series = obs["series"].to_numpy()
    dates = obs["date"].to_numpy(dtype="datetime64[ns]")
    numbers = obs["value"].to_numpy(dtype="float64")
    for column in PRICE_COLUMNS:
        rows = np.flatnonzero(series == column.series)
        if len(rows):
            last = rows[np.argmax(dates[rows])]
            values[column.name] = numbers[last : last + 1]
            asof[column.name] = dates[last : last + 1]
        else:
            values[column.name] = np.array([row[column.name]])
            asof[column.name] = np.array([row_asof[column.name]], dtype="datetime64[ns]")
    source, splice = _append_fx(panel, obs, day, row, row_asof, values, asof)
    reports = panel.reports
    if np.isin(series, list(positioning.SERIES)).any():
        new_reports = positioning.raw_reports(obs)
        if len(reports) and new_reports.index.min() <= reports.index.max():
            raise NeedsFullRecompute("a CFTC report older than the latest one arrived")
        reports = positioning.reports(pd.concat([reports[positioning.RAW_COLUMNS], new_reports]))
        _cftc_columns(reports, index, values, asof)
    else:
        for name in CFTC_COLUMNS:
            values[name] = np.array([row[name]])
            asof[name] = np.array([row_asof[name]], dtype="datetime64[ns]")
    new_panel = _assemble(index, values, asof, pd.Series([source], index=index), reports, splice)
    return Panel(
        pd.concat([panel.values, new_panel.values]),
        pd.concat([panel.asof, new_panel.asof]),
        pd.concat([panel.stale, new_panel.stale]),
        pd.concat([panel.fx_source, new_panel.fx_source]),
        reports,
        splice,
    )


def _append_fx(
    panel: Panel,
    obs: pd.DataFrame,
    day: pd.Timestamp,
    row: dict[str, float],
    row_asof: dict[str, np.datetime64],
    values: dict[str, np.ndarray],
    asof: dict[str, np.ndarray],
) -> tuple[str, usdjpy.SpliceInfo]:
    h10 = _series(obs, usdjpy.H10)
    ecb = _series(obs, usdjpy.ECB)
    splice = panel.splice
    if len(h10) > 1 or len(ecb) > 1:
        raise NeedsFullRecompute("several USD/JPY values on one day")
    if len(h10):
        splice = usdjpy.SpliceInfo(h10.index[0])
        values["usdjpy"], asof["usdjpy"], source = h10.to_numpy(), h10.index.to_numpy(), "h10"
    elif len(ecb):
        values["usdjpy"], asof["usdjpy"], source = ecb.to_numpy(), ecb.index.to_numpy(), "ecb"
    else:
        values["usdjpy"] = np.array([row["usdjpy"]])
        asof["usdjpy"] = np.array([row_asof["usdjpy"]], dtype="datetime64[ns]")
        source = str(panel.fx_source.iloc[-1])
    return source, splice


def _cftc_columns(
    reports: pd.DataFrame,
    index: pd.DatetimeIndex,
    values: dict[str, np.ndarray],
    asof: dict[str, np.ndarray],
) -> None:
    for name, (column, _) in CFTC_COLUMNS.items():
        part = reports[["released", column]].dropna().sort_values("released", kind="stable")
        values[name], asof[name] = align(
            part["released"].to_numpy(), part.index.to_numpy(), part[column].to_numpy(), index
        )


def _assemble(
    index: pd.DatetimeIndex,
    values: dict[str, np.ndarray],
    asof: dict[str, np.ndarray],
    fx_source: pd.Series,
    reports: pd.DataFrame,
    splice: usdjpy.SpliceInfo,
) -> Panel:
    value_frame = pd.DataFrame({c: values[c] for c in COLUMNS}, index=index, dtype="float64")
    asof_frame = pd.DataFrame(
        {c: np.asarray(asof[c], dtype="datetime64[ns]") for c in COLUMNS}, index=index
    )
    fx_source = pd.Series(fx_source.to_numpy(), index=index, dtype=object, name="usdjpy_source")
    return Panel(value_frame, asof_frame, _stale(asof_frame, fx_source), fx_source, reports, splice)


def max_age_days(column: str, fx_source: str = "") -> float:
    """How many calendar days a column's value may age before it is stale (inf for policy)."""
    if column in POLICY_COLUMNS:
        return float("inf")
    if column == "usdjpy":
        return float(spec(usdjpy.ECB if fx_source == "ecb" else usdjpy.H10).max_age_days)
    if column in CFTC_COLUMNS:
        return float(spec(CFTC_COLUMNS[column][1]).max_age_days)
    return float(spec(next(c.series for c in PRICE_COLUMNS if c.name == column)).max_age_days)


def _stale(asof: pd.DataFrame, fx_source: pd.Series) -> pd.DataFrame:
    days = asof.index.to_numpy()[:, None]
    age = (days - asof.to_numpy()) / np.timedelta64(1, "D")
    limits = np.array([max_age_days(c) for c in asof.columns])
    fx = asof.columns.get_loc("usdjpy")
    fx_limits = np.where(
        fx_source.to_numpy() == "ecb", max_age_days("usdjpy", "ecb"), max_age_days("usdjpy")
    )
    limit = np.broadcast_to(limits, age.shape).copy()
    limit[:, fx] = fx_limits
    with np.errstate(invalid="ignore"):
        stale = age > limit
    return pd.DataFrame(stale, index=asof.index, columns=asof.columns)


def _series(obs: pd.DataFrame, series: str) -> pd.Series:
    rows = obs[obs["series"] == series]
    return pd.Series(rows["value"].to_numpy(), index=pd.DatetimeIndex(rows["date"]), name=series)


def with_provisional_fx(panel: Panel, day: pd.Timestamp, level: float) -> Panel:
    """The panel with USD/JPY at ``level`` on ``day`` (an intraday reading), every other input
    carried forward as it stands: the business days after the panel's last one up to ``day``
    are appended (USD/JPY carried forward on the days before ``day``), or, when ``day`` is the
    panel's last day, that day's USD/JPY is replaced. Staleness is judged as for any day."""
    day = pd.Timestamp(day).normalize()
    last_day = panel.index[-1]
    if day < last_day:
        raise ValueError(f"{day:%Y-%m-%d} is before the panel's last day {last_day:%Y-%m-%d}")
    values, asof = panel.values.copy(), panel.asof.copy()
    source = panel.fx_source.copy()
    new_days = pd.bdate_range(last_day + pd.Timedelta(days=1), day)
    if len(new_days):
        values = pd.concat(
            [values, pd.DataFrame([values.iloc[-1]] * len(new_days), index=new_days)]
        )
        asof = pd.concat([asof, pd.DataFrame([asof.iloc[-1]] * len(new_days), index=new_days)])
        source = pd.concat([source, pd.Series(source.iloc[-1], index=new_days, dtype=object)])
    at = values.index[-1]
    values.loc[at, "usdjpy"] = float(level)
    asof.loc[at, "usdjpy"] = at
    source.loc[at] = "intraday"
    source = source.rename("usdjpy_source")
    return Panel(values, asof, _stale(asof, source), source, panel.reports, panel.splice)
