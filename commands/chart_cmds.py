"""``/carry chart [gap|pressure] [3m|1y|5y|max]``: a PNG from the chart cache."""

from __future__ import annotations

import pandas as pd

from commands.registry import Arg, Command, Invocation
from commands.reply import Reply
from commands.services import NoData
from commands.views import view

KINDS = ("gap", "pressure")
WINDOWS = ("3m", "1y", "5y", "max")
_OFFSETS = {
    "3m": pd.DateOffset(months=3),
    "1y": pd.DateOffset(years=1),
    "5y": pd.DateOffset(years=5),
}
_TITLES = {"gap": "Japan–US rate gaps and USD/JPY", "pressure": "Carry-unwind pressure and regimes"}
_COLUMNS = {"gap": ("gap_2y_bp", "gap_policy_bp", "usdjpy"), "pressure": ("unwind_pressure",)}


def window_frame(daily: pd.DataFrame, window: str) -> pd.DataFrame:
    """The last ``window`` of a daily frame (``max``: from the first day with data)."""
    if daily.empty or window == "max":
        return daily
    start = pd.Timestamp(daily.index[-1]) - _OFFSETS[window]
    return daily.loc[daily.index > start]


def make_chart(daily: pd.DataFrame, kind: str, window: str) -> bytes:
    """PNG bytes of a chart kind over a window (rows without the chart's data are dropped)."""
    from analytics import charts  # matplotlib loads only when a chart is drawn

    frame = window_frame(daily, window).dropna(subset=list(_COLUMNS[kind]), how="all")
    label = {"3m": "3 months", "1y": "1 year", "5y": "5 years", "max": "all history"}[window]
    title = f"{_TITLES[kind]}, {label}"
    if kind == "gap":
        return charts.gap_chart(frame, title=title)
    return charts.pressure_chart(frame, title=title)


def chart_filename(kind: str, window: str, last: pd.Timestamp) -> str:
    """``carry-gap-1y-20261030.png``."""
    return f"carry-{kind}-{window}-{last:%Y%m%d}.png"


def chart(inv: Invocation) -> Reply:
    """A chart of the gaps or of unwind pressure over a window, with a caption."""
    kind = inv.args["kind"] or "gap"
    window = inv.args["window"] or "1y"
    try:
        current = inv.services.snapshots.current()
    except NoData:
        return inv.error("no_data")
    frame = window_frame(current.daily, window).dropna(subset=list(_COLUMNS[kind]), how="all")
    if frame.empty:
        return inv.error("no_chart_data", kind=kind, window=window)
    result = inv.services.snapshots.chart(kind, window)
    context = {
        "kind": kind,
        "window": window,
        "first": frame.index[0].date(),
        "last": frame.index[-1].date(),
        "v": view(current.snapshot),
    }
    return Reply(
        "chart",
        context,
        image=result.png,
        filename=chart_filename(kind, window, frame.index[-1]),
        locale=inv.locale,
    )


COMMANDS = (
    Command(
        "chart",
        chart,
        (
            Arg("kind", KINDS, optional=True, default="gap"),
            Arg("window", WINDOWS, optional=True, default="1y"),
        ),
        example="/carry chart pressure 5y",
    ),
)
