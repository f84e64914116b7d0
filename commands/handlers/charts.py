"""``/carry chart [gap|pressure|markets] [3m|1y|5y|max]``: a PNG from the chart cache.

``markets`` (USD/JPY with the Nikkei 225 and Bitcoin rebased to 100) covers 3m, 1y or 5y. Its
risk assets are fetched live and never bundled: when none of them has a current close in the
window (offline, none at all) the reply says what is missing instead of drawing an empty chart.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from analytics.charts.frames import RISK_COLUMNS, pressure_step, rebase_point
from commands.grammar import Arg, Command, Invocation
from commands.handlers.chart_words import words
from commands.handlers.views import view
from commands.reply import Reply
from commands.services import NoData

KINDS = ("gap", "pressure", "markets")
WINDOWS = ("3m", "1y", "5y", "max")
MARKETS_WINDOWS = ("3m", "1y", "5y")
_OFFSETS = {
    "3m": pd.DateOffset(months=3),
    "1y": pd.DateOffset(years=1),
    "5y": pd.DateOffset(years=5),
}
_COLUMNS = {
    "gap": ("gap_2y_bp", "gap_policy_bp", "usdjpy"),
    "pressure": ("unwind_pressure",),
    "markets": ("usdjpy",),
}


@dataclass(frozen=True)
class RiskLine:
    """A risk asset on the markets chart: ``drawn`` (from ``base_date`` = 100), ``not_current``
    (no current close in the window) or ``missing`` (none stored); its last close to the
    window's end and whether that close is stale there."""

    series: str
    status: str
    base_date: date | None
    last_close: float | None
    last_date: date | None
    stale: bool


def window_frame(daily: pd.DataFrame, window: str) -> pd.DataFrame:
    """The last ``window`` of a daily frame (``max``: from the first day with data)."""
    if daily.empty or window == "max":
        return daily
    start = pd.Timestamp(daily.index[-1]) - _OFFSETS[window]
    return daily.iloc[int(daily.index.searchsorted(start, side="right")) :]


def chart_window(daily: pd.DataFrame, kind: str, window: str) -> pd.DataFrame:
    """The rows a chart of ``kind`` draws: the window from its first to its last day with the
    chart's data (a day without it in between stays, drawn as a gap)."""
    frame = window_frame(daily, window)
    has_data = np.zeros(len(frame), dtype=bool)
    for column in _COLUMNS[kind]:
        has_data |= ~np.isnan(frame[column].to_numpy(dtype="float64"))
    if not has_data.any():
        return frame.iloc[:0]
    first, last = int(has_data.argmax()), len(has_data) - int(has_data[::-1].argmax())
    return frame.iloc[first:last]


def make_chart(daily: pd.DataFrame, kind: str, window: str, language: str = "en") -> bytes:
    """PNG bytes of a chart kind over a window (rows without the chart's data are dropped),
    its text in ``language`` (``commands.handlers.chart_words``)."""
    from analytics.charts import figures as charts  # matplotlib loads only when a chart is drawn

    frame = chart_window(daily, kind, window)
    said = words(language)
    title = said.say(
        "title.window", title=said.say(f"title.{kind}"), window=said.say(f"window.{window}")
    )
    draw = {"gap": charts.gap_chart, "pressure": charts.pressure_chart}.get(
        kind, charts.markets_chart
    )
    return draw(frame, title=title, words=said)


def risk_lines(frame: pd.DataFrame) -> tuple[RiskLine, ...]:
    """Each risk asset of the markets chart over a window frame (``analytics.charts.frames``)."""
    lines = []
    for column, series in RISK_COLUMNS.items():
        values = frame[column].to_numpy(dtype="float64") if column in frame.columns else None
        if values is None or np.isnan(values).all():
            lines.append(RiskLine(series, "missing", None, None, None, False))
            continue
        last = len(values) - 1 - int((~np.isnan(values))[::-1].argmax())
        base = rebase_point(frame, column)
        lines.append(
            RiskLine(
                series,
                "drawn" if base is not None else "not_current",
                base[0].date() if base is not None else None,
                float(values[last]),
                pd.Timestamp(frame[f"{column}_asof"].iloc[last]).date(),
                bool(frame[f"{column}_stale"].iloc[-1]),
            )
        )
    return tuple(lines)


def chart_filename(kind: str, window: str, last: pd.Timestamp) -> str:
    """``carry-gap-1y-20261030.png``."""
    return f"carry-{kind}-{window}-{last:%Y%m%d}.png"


def chart(inv: Invocation) -> Reply:
    """A chart of the gaps, of unwind pressure or of the risk assets over a window, captioned."""
    kind = inv.args["kind"] or "gap"
    window = inv.args["window"] or "1y"
    if kind == "markets" and window not in MARKETS_WINDOWS:
        return Reply.error(
            "usage",
            inv.locale,
            problem="bad_choice",
            value=window,
            choices=list(MARKETS_WINDOWS),
            command=inv.command.name,
            usage="/carry chart markets [3m|1y|5y]",
            example="/carry chart markets 1y",
            args=dict(inv.args),
        )
    try:
        current = inv.services.snapshots.current()
    except NoData:
        return inv.error("no_data")
    frame = chart_window(current.daily, kind, window)
    if frame.empty:
        return inv.error("no_chart_data", kind=kind, window=window)
    context = {
        "kind": kind,
        "window": window,
        "first": frame.index[0].date(),
        "last": frame.index[-1].date(),
        "v": view(current.snapshot),
    }
    if kind == "pressure":
        context["step"] = pressure_step(frame.index)
    lines = risk_lines(frame) if kind == "markets" else ()
    context["stale_drawn"] = _stale_drawn(frame, kind, lines)
    if kind == "markets":
        context["risk"] = lines
        context["missing"] = [line.series for line in lines if line.status == "missing"]
        if not any(line.status == "drawn" for line in lines):
            # Nothing but USD/JPY to draw: say what is missing rather than send an empty chart.
            return Reply("chart", context, ok=False, ephemeral=True, locale=inv.locale)
    result = inv.services.snapshots.chart(kind, window, language=inv.locale)
    return Reply(
        "chart",
        context,
        image=result.png,
        filename=chart_filename(kind, window, frame.index[-1]),
        locale=inv.locale,
    )


def _stale_drawn(frame: pd.DataFrame, kind: str, risk: tuple[RiskLine, ...] = ()) -> bool:
    """Whether the chart draws a stale stretch (dotted), so the caption explains it."""
    columns = {"gap": ["gap_2y_stale", "usdjpy_stale"], "pressure": [], "markets": ["usdjpy_stale"]}
    flags = [frame[c].to_numpy(dtype=bool) for c in columns[kind] if c in frame.columns]
    # A risk asset's stretch before its first current close is not drawn at all.
    days = frame.index.to_numpy(dtype="datetime64[ns]")
    for line in risk:
        column = next(c for c, s in RISK_COLUMNS.items() if s == line.series)
        if line.status == "drawn" and line.base_date is not None:
            drawn = days >= np.datetime64(line.base_date, "ns")
            flags.append(frame[f"{column}_stale"].to_numpy(dtype=bool) & drawn)
    return any(flag.any() for flag in flags)


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
