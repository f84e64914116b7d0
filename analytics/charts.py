"""Phone-legible PNG charts (1200×675, large type, dated, with a source line) rendered with Agg."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

import matplotlib

matplotlib.use("Agg")  # no display: charts are bytes for chat uploads
import matplotlib.dates as mdates
import pandas as pd
from matplotlib.figure import Figure

WIDTH_PX, HEIGHT_PX, DPI = 1200, 675, 100
REGIME_COLOURS = {
    "UNWINDING": "#d62728",
    "UNWINDING_GRADUAL": "#ff7f0e",
    "ELEVATED": "#f2c744",
    "BUILDING": "#6baed6",
    "RESET": "#a1d99b",
}
DEFAULT_SOURCES = (
    "Sources: FRED (Fed H.10, Treasury CMT), Japan MoF, ECB, CFTC, Cboe VIX · carrybot"
)


@dataclass(frozen=True)
class ChartStyle:
    """Type sizes chosen to stay readable when a chat app shrinks the image to phone width."""

    title: int = 24
    label: int = 18
    tick: int = 16
    note: int = 13


STYLE = ChartStyle()


def gap_chart(
    daily: pd.DataFrame, title: str | None = None, source_line: str = DEFAULT_SOURCES
) -> bytes:
    """The 2-year and policy gaps (bp, left) against USD/JPY (right) over the frame's window.

    ``daily`` is indexed by date with columns ``gap_2y_bp``, ``gap_policy_bp`` and ``usdjpy``.
    """
    _require(daily, ["gap_2y_bp", "gap_policy_bp", "usdjpy"])
    fig, ax = _figure()
    ax.plot(daily.index, daily["gap_2y_bp"], color="#1f4e9c", lw=2.6, label="2-year gap (bp)")
    ax.plot(
        daily.index,
        daily["gap_policy_bp"],
        color="#6a3d9a",
        lw=2.2,
        ls="--",
        label="Policy-rate gap (bp)",
        drawstyle="steps-post",
    )
    ax.set_ylabel("US minus Japan, bp", fontsize=STYLE.label)
    fx = ax.twinx()
    fx.plot(
        daily.index, daily["usdjpy"], color="#c0392b", lw=2.0, alpha=0.85, label="USD/JPY (right)"
    )
    fx.set_ylabel("USD/JPY", fontsize=STYLE.label, color="#c0392b")
    fx.tick_params(labelsize=STYLE.tick, colors="#c0392b")
    handles = ax.get_legend_handles_labels()[0] + fx.get_legend_handles_labels()[0]
    ax.legend(handles=handles, loc="best", fontsize=STYLE.tick, framealpha=0.9)
    last = daily.index.max()
    _finish(fig, ax, title or "Japan–US rate gaps and USD/JPY", last, source_line)
    return _png(fig)


def pressure_chart(
    daily: pd.DataFrame,
    title: str | None = None,
    source_line: str = DEFAULT_SOURCES,
    thresholds: tuple[float, ...] = (40.0, 65.0),
) -> bytes:
    """Unwind pressure (0–100) over time with the regimes as coloured bands.

    ``daily`` is indexed by date with columns ``unwind_pressure`` and ``regime``.
    """
    _require(daily, ["unwind_pressure", "regime"])
    fig, ax = _figure()
    for regime, start, end in regime_periods(daily["regime"]):
        colour = REGIME_COLOURS.get(regime)
        if colour:
            ax.axvspan(start, end, color=colour, alpha=0.28, lw=0)
    width = 2.2 if len(daily) < 800 else 0.9  # decades of daily data need a finer line
    ax.plot(
        daily.index, daily["unwind_pressure"], color="#222222", lw=width, label="Unwind pressure"
    )
    for level in thresholds:
        ax.axhline(level, color="#888888", lw=1.2, ls=":")
    ax.set_ylim(0, 100)
    ax.set_ylabel("score, 0–100", fontsize=STYLE.label)
    present = [r for r in REGIME_COLOURS if (daily["regime"] == r).any()]
    patches = [
        matplotlib.patches.Patch(
            color=REGIME_COLOURS[r], alpha=0.5, label=r.replace("_", " ").title()
        )
        for r in present
    ]
    ax.legend(
        handles=[*ax.get_legend_handles_labels()[0], *patches],
        loc="upper left",
        fontsize=STYLE.note + 1,
        framealpha=0.9,
        ncol=min(3, 1 + len(patches)),
    )
    _finish(fig, ax, title or "Carry-unwind pressure and regimes", daily.index.max(), source_line)
    return _png(fig)


def regime_periods(regimes: pd.Series) -> list[tuple[str, pd.Timestamp, pd.Timestamp]]:
    """Consecutive runs of one regime as (regime, first day, first day of the next run)."""
    if regimes.empty:
        return []
    starts = regimes.ne(regimes.shift()).to_numpy().nonzero()[0]
    index = regimes.index
    after_last = index[-1] + pd.Timedelta(days=1)
    periods = []
    for number, position in enumerate(starts):
        end = index[starts[number + 1]] if number + 1 < len(starts) else after_last
        periods.append((str(regimes.iloc[position]), index[position], end))
    return periods


def _figure() -> tuple[Figure, matplotlib.axes.Axes]:
    fig = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI)
    ax = fig.add_subplot(1, 1, 1)
    ax.tick_params(labelsize=STYLE.tick)
    ax.grid(True, color="#dddddd", lw=0.8)
    for side in ("top",):
        ax.spines[side].set_visible(False)
    return fig, ax


def _finish(
    fig: Figure, ax: matplotlib.axes.Axes, title: str, last: pd.Timestamp | date, source_line: str
) -> None:
    ax.set_title(f"{title}\nas of {pd.Timestamp(last):%d %b %Y}", fontsize=STYLE.title, loc="left")
    locator = mdates.AutoDateLocator(minticks=4, maxticks=7)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    fig.text(0.01, 0.012, source_line, fontsize=STYLE.note, color="#555555")
    fig.subplots_adjust(left=0.08, right=0.91, top=0.85, bottom=0.11)


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def _require(daily: pd.DataFrame, columns: list[str]) -> None:
    missing = [c for c in columns if c not in daily.columns]
    if missing:
        raise ValueError(f"chart needs column(s) {', '.join(missing)}")
    if daily.empty:
        raise ValueError("chart needs at least one day of data")
