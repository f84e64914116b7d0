"""Replay the signal and regimes over history: timeline, episodes, false alarms, label changes.

The backtest runs exactly what the bot runs live (``analytics.signal.pipeline.compute``: a point-in-time
panel, the vectorised signal and the regime machine stepped day by day); a test proves that
this equals advancing one day at a time. An entry into UNWINDING or UNWINDING_GRADUAL is a
false alarm when USD/JPY shows no peak-to-trough fall of at least ``ALARM_DRAWDOWN_PCT`` within
±``ALARM_WINDOW`` business days of it; the two labels are counted separately. The fall is judged
as the report shows it (``DRAWDOWN_DIGITS`` decimals): 4.96% is a false alarm and reads 4.96%.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from analytics.signal import pipeline, regime
from analytics.signal import scores as signal
from analytics.signal.anchors import AnchorTable
from analytics.signal.panel import PolicyRate

CALIBRATION_END = date(2012, 12, 31)  # anchors calibrated on 1990–2012, checked after it
ALARM_WINDOW = 20
ALARM_DRAWDOWN_PCT = 5.0
DRAWDOWN_DIGITS = 2  # the report prints the fall so, and the rule judges what it prints
ALARM_LABELS = (regime.Regime.UNWINDING.value, regime.Regime.UNWINDING_GRADUAL.value)
WARMUP = pd.DateOffset(years=5)
CSV_COLUMNS = [
    "date",
    "regime",
    "unwind_pressure",
    "carry_fuel",
    "carry_incentive",
    "crowding",
    "usdjpy",
    "gap_2y_bp",
    "gap_policy_bp",
    "gap_10y_bp",
    "usdjpy_source",
    *(f"{c}_score" for c in signal.COMPONENTS),
    "dropped",
    "regime_trigger",
]


@dataclass(frozen=True)
class Episode:
    """A known stress episode and the window in which the backtest should react."""

    name: str
    start: date
    end: date


KNOWN_EPISODES = (
    Episode("Oct 1998 (LTCM, yen −8% on 7 Oct)", date(1998, 8, 3), date(1998, 10, 30)),
    Episode("Aug 2007 (subprime, first carry unwind)", date(2007, 7, 16), date(2007, 9, 14)),
    Episode("Sep–Oct 2008 (Lehman, to 90.90)", date(2008, 9, 1), date(2008, 10, 31)),
    Episode("May–Jun 2013 (taper tantrum, yen +9%)", date(2013, 5, 13), date(2013, 6, 28)),
    Episode("Aug 2015 (China devaluation)", date(2015, 8, 3), date(2015, 9, 15)),
    Episode("Jan 2016 (BoJ negative rates, risk-off)", date(2016, 1, 4), date(2016, 2, 29)),
    Episode("Mar 2020 (Covid)", date(2020, 2, 20), date(2020, 3, 31)),
    Episode("Jul–Aug 2024 (BoJ hike, 5 Aug crash)", date(2024, 7, 1), date(2024, 8, 15)),
)


@dataclass(frozen=True)
class EpisodeResult:
    """How the backtest met one episode (None where the label never appeared in the window)."""

    episode: Episode
    first_elevated: date | None
    first_unwinding: date | None
    peak_c: float | None
    peak_c_date: date | None
    usdjpy_drawdown_pct: float | None


@dataclass(frozen=True)
class AlarmCount:
    """Entries into one alarm label over a span, and how many were false."""

    label: str
    entries: int
    false_alarms: int
    per_year: float


@dataclass(frozen=True)
class Stats:
    """False alarms (per alarm label) and label changes over a span of the backtest."""

    start: date
    end: date
    years: float
    alarms: tuple[AlarmCount, ...]
    quarters: int
    changes: int
    mean_changes_per_quarter: float
    max_changes_per_quarter: int
    max_quarter: str | None

    def alarm(self, label: str) -> AlarmCount:
        """The count of ``UNWINDING`` or ``UNWINDING_GRADUAL``."""
        return next(a for a in self.alarms if a.label == label)


@dataclass(frozen=True)
class BacktestResult:
    """Daily rows from ``start`` to ``end``, periods, alarms and episodes."""

    start: date
    end: date
    daily: pd.DataFrame
    periods: pd.DataFrame
    alarms: pd.DataFrame
    episodes: tuple[EpisodeResult, ...]
    stats: Stats
    notes: tuple[str, ...]

    def stats_between(self, start: date, end: date) -> Stats:
        """False alarms and changes restricted to ``start``–``end`` (e.g. in/out of sample)."""
        return _stats(self.daily, self.alarms, start, end)


def run_backtest(
    obs: pd.DataFrame,
    start: date,
    end: date,
    thresholds: regime.Thresholds | None = None,
    policy_rate: PolicyRate | None = None,
    table: AnchorTable | None = None,
) -> BacktestResult:
    """Run the live computation over ``start``–``end`` (warmed up on the five years before)."""
    begin = pd.Timestamp(start) - WARMUP
    result = pipeline.compute(
        obs,
        start=begin,
        end=pd.Timestamp(end),
        thresholds=thresholds,
        policy_rate=policy_rate,
        table=table,
    )
    full = result.daily()
    alarms = entry_alarms(full)
    daily = full.loc[pd.Timestamp(start) : pd.Timestamp(end)]
    alarms = alarms[(alarms.index >= pd.Timestamp(start)) & (alarms.index <= pd.Timestamp(end))]
    first, last = daily.index[0].date(), daily.index[-1].date()
    return BacktestResult(
        first,
        last,
        daily,
        periods(daily["regime"]),
        alarms,
        tuple(episode_result(full, e) for e in KNOWN_EPISODES if first <= e.start <= last),
        _stats(daily, alarms, first, last),
        _notes(daily),
    )


def periods(regimes: pd.Series) -> pd.DataFrame:
    """Consecutive runs of one label: regime, first and last day, business days."""
    starts = np.flatnonzero(regimes.ne(regimes.shift()).to_numpy())
    ends = np.append(starts[1:] - 1, len(regimes) - 1)
    index = regimes.index
    return pd.DataFrame(
        {
            "regime": regimes.to_numpy()[starts],
            "start": index[starts],
            "end": index[ends],
            "days": ends - starts + 1,
        }
    )


def max_drawdown_pct(prices: np.ndarray) -> float:
    """Largest peak-to-trough fall (%, positive) with the peak before the trough; NaN if empty."""
    values = prices[~np.isnan(prices)]
    if len(values) == 0:
        return float("nan")
    return float(100 * (1 - (values / np.maximum.accumulate(values)).min()))


def entry_alarms(daily: pd.DataFrame, labels: tuple[str, ...] = ALARM_LABELS) -> pd.DataFrame:
    """Every entry into one of ``labels`` with the largest USD/JPY drawdown within ±20 days."""
    regimes = daily["regime"].to_numpy()
    fx = daily["usdjpy"].to_numpy(dtype="float64")
    rows = []
    for label in labels:
        inside = regimes == label
        for i in np.flatnonzero(inside & ~np.concatenate([[False], inside[:-1]])):
            window = fx[max(0, i - ALARM_WINDOW) : i + ALARM_WINDOW + 1]
            drawdown = max_drawdown_pct(window)
            rows.append(
                {
                    "date": daily.index[i],
                    "regime": label,
                    "unwind_pressure": float(daily["unwind_pressure"].iloc[i]),
                    "drawdown_pct": drawdown,
                    "false_alarm": not round(drawdown, DRAWDOWN_DIGITS) >= ALARM_DRAWDOWN_PCT,
                }
            )
    columns = ["date", "regime", "unwind_pressure", "drawdown_pct", "false_alarm"]
    frame = pd.DataFrame(rows, columns=columns)
    frame = frame.set_index(pd.DatetimeIndex(frame.pop("date")))  # a DatetimeIndex even if empty
    return frame.sort_index(kind="stable")


def episode_result(daily: pd.DataFrame, episode: Episode) -> EpisodeResult:
    """First ELEVATED (or worse) and first UNWINDING day, peak C and drawdown in the window."""
    part = daily.loc[pd.Timestamp(episode.start) : pd.Timestamp(episode.end)]
    labels = part["regime"]
    elevated = labels[labels.isin([regime.Regime.ELEVATED.value, regime.Regime.UNWINDING.value])]
    unwinding = labels[labels == regime.Regime.UNWINDING.value]
    c = part["unwind_pressure"].dropna()
    return EpisodeResult(
        episode,
        elevated.index[0].date() if len(elevated) else None,
        unwinding.index[0].date() if len(unwinding) else None,
        float(c.max()) if len(c) else None,
        c.idxmax().date() if len(c) else None,
        max_drawdown_pct(part["usdjpy"].to_numpy(dtype="float64")) if len(part) else None,
    )


def _stats(daily: pd.DataFrame, alarms: pd.DataFrame, start: date, end: date) -> Stats:
    part = daily.loc[pd.Timestamp(start) : pd.Timestamp(end)]
    hits = alarms[(alarms.index >= pd.Timestamp(start)) & (alarms.index <= pd.Timestamp(end))]
    years = len(part) / 261.0
    labels = part["regime"]
    changed = labels.ne(labels.shift()).iloc[1:] if len(labels) else labels
    quarters = pd.PeriodIndex(part.index, freq="Q")
    per_quarter = changed.groupby(quarters[1:]).sum().reindex(quarters.unique(), fill_value=0)
    counts = []
    for label in ALARM_LABELS:
        mine = hits[hits["regime"] == label]
        false = int(mine["false_alarm"].sum())
        counts.append(AlarmCount(label, len(mine), false, false / years if years else float("nan")))
    return Stats(
        start=part.index[0].date(),
        end=part.index[-1].date(),
        years=years,
        alarms=tuple(counts),
        quarters=len(per_quarter),
        changes=int(per_quarter.sum()),
        mean_changes_per_quarter=float(per_quarter.mean()) if len(per_quarter) else 0.0,
        max_changes_per_quarter=int(per_quarter.max()) if len(per_quarter) else 0,
        max_quarter=str(per_quarter.idxmax()) if len(per_quarter) else None,
    )


def vix_origin(obs: pd.DataFrame, is_seed: Callable[[str], bool]) -> str:
    """What the data says about the VIX, for the report's data line: the bundled seed never has
    it (Cboe's terms), but a store that also holds live fetches may (``is_seed``: a row's source
    is the seed)."""
    seeded = bool(obs["source"].map(is_seed).any()) if "source" in obs else False
    vix = obs[obs["series"] == "vix"]
    if len(vix):
        first, last = pd.Timestamp(vix["date"].min()), pd.Timestamp(vix["date"].max())
        span = f"VIX from {first:%Y-%m-%d} to {last:%Y-%m-%d} ({len(vix)} closes)"
        return f"includes the bundled seed (which has no VIX); {span}" if seeded else span
    if seeded:
        return "includes the bundled seed, which has no VIX (Cboe's terms): no VIX is stored"
    return "no VIX is stored"


def share(fraction: float) -> str:
    """A fraction of days in whole percent, with the decimals it needs to read ``0%`` or
    ``100%`` only when it is (99.6% does not read 100%)."""
    digits = 0
    while digits < 3 and round(fraction * 100, digits) in (0, 100) and 0 < fraction < 1:
        digits += 1
    return f"{fraction * 100:.{digits}f}%"


def _notes(daily: pd.DataFrame) -> tuple[str, ...]:
    notes = []
    for component, what in (
        ("B1", "CFTC non-commercial positions"),
        ("B2", "leveraged-funds positions"),
        ("C5", "the CFTC position flush"),
        ("C4", "the VIX"),
    ):
        missing = daily[f"{component}_score"].isna().mean()
        if missing > 0:
            notes.append(
                f"{component} ({what}) was unavailable on {share(missing)} of days; "
                "its pillar was renormalised over the other components."
            )
    return tuple(notes)


# --- output ---------------------------------------------------------------------------------


def format_report(result: BacktestResult, extra: dict[str, Stats] | None = None) -> str:
    """The plain-text report: summary, regime timeline, episodes, alarms, changes per quarter."""
    s = result.stats
    if extra is None and result.start <= CALIBRATION_END < result.end:
        extra = {
            "in sample (calibration)": result.stats_between(result.start, CALIBRATION_END),
            "out of sample": result.stats_between(CALIBRATION_END + timedelta(days=1), result.end),
        }
    lines = [
        f"Backtest {result.start:%Y-%m-%d} to {result.end:%Y-%m-%d} "
        f"({len(result.daily)} business days, {s.years:.1f} years)",
        "",
        *(
            f"{a.label} entries: {a.entries}; false alarms: {a.false_alarms} "
            f"({a.per_year:.2f} per year)"
            for a in s.alarms
        ),
        f"(false alarm = no USD/JPY fall of ≥{ALARM_DRAWDOWN_PCT:g}% within ±{ALARM_WINDOW} "
        "business days of the entry)",
        f"Regime changes: {s.changes} over {s.quarters} quarters "
        f"(mean {s.mean_changes_per_quarter:.2f}, max {s.max_changes_per_quarter}"
        f"{f' in {s.max_quarter}' if s.max_quarter else ''})",
    ]
    for label, stats in (extra or {}).items():
        lines.append(
            f"{label}: {stats.start:%Y-%m-%d}–{stats.end:%Y-%m-%d}: false alarms "
            + ", ".join(f"{a.label} {a.false_alarms} ({a.per_year:.2f}/year)" for a in stats.alarms)
            + f"; changes per quarter mean {stats.mean_changes_per_quarter:.2f}, "
            f"max {stats.max_changes_per_quarter}"
        )
    lines += ["", "Regime timeline (periods)"]
    for row in result.periods.itertuples(index=False):
        lines.append(
            f"  {row.start:%Y-%m-%d} → {row.end:%Y-%m-%d}  {row.regime:<17} {row.days:>5} "
            + ("day" if row.days == 1 else "days")
        )
    lines += [
        "",
        "Known episodes (first day ELEVATED or worse, first day UNWINDING, peak unwind pressure,",
        "largest USD/JPY peak-to-trough fall in the window)",
        _episode_header(),
    ]
    for e in result.episodes:
        lines.append(
            f"  {e.episode.name:<42} {_d(e.first_elevated):>10}  {_d(e.first_unwinding):>10}  "
            f"{_f(e.peak_c):>6} {_d(e.peak_c_date):>10}  "
            f"{_f(e.usdjpy_drawdown_pct, '%', DRAWDOWN_DIGITS):>7}"
        )
    lines += [
        "",
        "UNWINDING and UNWINDING_GRADUAL entries (date, label, C, largest USD/JPY fall within "
        f"±{ALARM_WINDOW} days, verdict)",
    ]
    for day, row in result.alarms.iterrows():
        verdict = "FALSE ALARM" if row["false_alarm"] else "confirmed"
        lines.append(
            f"  {pd.Timestamp(day):%Y-%m-%d}  {row['regime']:<17}  C {row['unwind_pressure']:5.1f}  "
            f"fall {row['drawdown_pct']:5.{DRAWDOWN_DIGITS}f}%  {verdict}"
        )
    lines += ["", "False alarms per year"]
    alarms = result.alarms
    for year in sorted(set(alarms.index.year)):
        of_year = alarms[alarms.index.year == year]
        counts = []
        for label in ALARM_LABELS:
            mine = of_year[of_year["regime"] == label]
            if len(mine):
                counts.append(f"{int(mine['false_alarm'].sum())} of {len(mine)} {label} entries")
        lines.append(f"  {year}: " + "; ".join(counts))
    lines += ["", "Regime changes per quarter (quarters with changes)"]
    labels = result.daily["regime"]
    changed = labels.ne(labels.shift()).iloc[1:]
    counts = changed.groupby(pd.PeriodIndex(changed.index, freq="Q")).sum()
    shown = [f"{q}: {int(n)}" for q, n in counts.items() if n]
    for at in range(0, len(shown), 8):
        lines.append("  " + "  ".join(shown[at : at + 8]))
    if result.notes:
        lines += ["", "Notes", *(f"  {note}" for note in result.notes)]
    return "\n".join(lines) + "\n"


def write_csv(result: BacktestResult, path: Path) -> None:
    """One row per business day with ``CSV_COLUMNS`` (regimes as UNWINDING, ELEVATED, …)."""
    frame = result.daily.reset_index()
    frame["date"] = frame["date"].dt.strftime("%Y-%m-%d")
    frame[CSV_COLUMNS].to_csv(path, index=False, float_format="%.4f", quoting=csv.QUOTE_MINIMAL)


def _episode_header() -> str:
    return (
        f"  {'episode':<42} {'≥ELEVATED':>10}  {'UNWINDING':>10}  {'peak C':>6} {'on':>10}  "
        f"{'USD/JPY':>7}"
    )


def _d(value: date | None) -> str:
    return "—" if value is None else f"{value:%Y-%m-%d}"


def _f(value: float | None, unit: str = "", digits: int = 1) -> str:
    return "—" if value is None or np.isnan(value) else f"{value:.{digits}f}{unit}"
