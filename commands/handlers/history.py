"""``/carry history [1y|5y|max]``: the regime periods of a window, newest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from commands.grammar import Arg, Command, Invocation
from commands.handlers.charts import window_frame
from commands.reply import Reply
from commands.services import NoData

WINDOWS = ("1y", "5y", "max")
MAX_PERIODS = 30  # more would not fit one chat message; the summary still counts them all


@dataclass(frozen=True)
class Period:
    """One run of a regime: first and last business day, and its length."""

    regime: str
    first: date
    last: date
    days: int
    ongoing: bool


@dataclass(frozen=True)
class RegimeShare:
    """How much of the window one regime covered."""

    regime: str
    days: int
    share_pct: float
    periods: int


def periods(regimes: pd.Series) -> list[Period]:
    """Consecutive runs of one label, oldest first."""
    labels = regimes.dropna()
    if labels.empty:
        return []
    run = labels.ne(labels.shift()).cumsum()
    out = []
    for _, group in labels.groupby(run, sort=True):
        out.append(
            Period(
                str(group.iloc[0]), group.index[0].date(), group.index[-1].date(), len(group), False
            )
        )
    last = out[-1]
    out[-1] = Period(last.regime, last.first, last.last, last.days, True)
    return out


def shares(found: list[Period]) -> list[RegimeShare]:
    """Days, share and number of periods per regime, most days first."""
    total = sum(p.days for p in found) or 1
    by_regime: dict[str, list[Period]] = {}
    for period in found:
        by_regime.setdefault(period.regime, []).append(period)
    rows = [
        RegimeShare(name, sum(p.days for p in ps), 100 * sum(p.days for p in ps) / total, len(ps))
        for name, ps in by_regime.items()
    ]
    return sorted(rows, key=lambda r: r.days, reverse=True)


def history(inv: Invocation) -> Reply:
    """Regime periods of the window, newest first, with a summary per regime."""
    window = inv.args["window"] or "1y"
    try:
        current = inv.services.snapshots.current()
    except NoData:
        return inv.error("no_data")
    frame = window_frame(current.daily, window)
    found = periods(frame["regime"]) if "regime" in frame else []
    if not found:
        return inv.error("no_data")
    return inv.reply(
        "history",
        window=window,
        first=found[0].first,
        last=found[-1].last,
        periods=list(reversed(found))[:MAX_PERIODS],
        total=len(found),
        shares=shares(found),
    )


COMMANDS = (
    Command(
        "history",
        history,
        (Arg("window", WINDOWS, optional=True, default="1y"),),
        example="/carry history 5y",
    ),
)
