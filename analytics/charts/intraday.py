"""The chart of the day's path: USD/JPY in yen (left) with Bitcoin rebased to USD/JPY's scale
(right axis, 100 = its level at the first bar drawn), times in the chat's zone.

The words on it come from the caller in the chat's language (``ChartText``): analytics hands
numbers, the command layer words them. Japanese and Chinese are drawn with the CJK font the
package ships (registered by ``analytics.charts.figures``); ``cjk_font()`` names it, or another
installed CJK font, and only without any does the caller fall back to English words.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import tzinfo

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates
import pandas as pd
from matplotlib import font_manager
from matplotlib.figure import Figure

from analytics.charts.figures import BITCOIN, DPI, FX, HEIGHT_PX, STYLE, WIDTH_PX, png
from analytics.charts.words import CJK_FONT

CJK_FONTS = (
    CJK_FONT,
    "Noto Sans CJK JP",
    "Noto Sans CJK SC",
    "Source Han Sans",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Droid Sans Fallback",
    "IPAexGothic",
    "IPAGothic",
)


@dataclass(frozen=True)
class ChartText:
    """Every word on the chart, already in the chat's language."""

    title: str
    subtitle: str
    usdjpy: str
    bitcoin: str
    left_axis: str
    right_axis: str
    footer: str


@functools.cache
def cjk_font() -> str | None:
    """The first installed font that has Japanese and Chinese glyphs (None: none is)."""
    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in installed), None)


def intraday_figure(
    fx: pd.DataFrame, bitcoin: pd.DataFrame, text: ChartText, zone: tzinfo
) -> Figure:
    """USD/JPY's closes and Bitcoin's rebased closes over the bars given (UTC starts)."""
    families = ["DejaVu Sans", *([cjk_font()] if cjk_font() else [])]
    fig = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI)
    ax = fig.add_subplot()
    ax.grid(True, color="#e5e5e5", lw=0.8)
    ax.tick_params(labelsize=STYLE.tick)
    ends = _ends(fx)
    ax.plot(ends, fx["close"].to_numpy(), color=FX, lw=2.6, label=text.usdjpy, gid="usdjpy")
    ax.set_ylabel(text.left_axis, fontsize=STYLE.label, color=FX, family=families)
    handles = list(ax.get_lines())
    if not bitcoin.empty:
        right = ax.twinx()
        base = float(bitcoin["close"].iloc[0])
        right.plot(
            _ends(bitcoin),
            bitcoin["close"].to_numpy() / base * 100,
            color=BITCOIN,
            lw=2.0,
            label=text.bitcoin,
            gid="bitcoin",
        )
        right.axhline(100, color="#aaaaaa", lw=1.0, ls="--")
        right.set_ylabel(text.right_axis, fontsize=STYLE.label, color=BITCOIN, family=families)
        right.tick_params(labelsize=STYLE.tick)
        handles += list(right.get_lines())[:1]
    locator = mdates.AutoDateLocator(tz=zone, minticks=4, maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%H:%M", tz=zone))
    fig.text(0.012, 0.985, text.title, fontsize=STYLE.title, va="top", family=families, gid="title")
    fig.text(
        0.012,
        0.915,
        text.subtitle,
        fontsize=STYLE.subtitle,
        va="top",
        color="#444444",
        family=families,
        gid="subtitle",
    )
    fig.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(0.012, 0.865),
        ncol=2,
        frameon=False,
        prop={"family": families, "size": STYLE.legend},
    )
    fig.text(
        0.012,
        0.012,
        text.footer,
        fontsize=STYLE.note,
        color="#555555",
        family=families,
        gid="footer",
    )
    fig.subplots_adjust(left=0.1, right=0.9, top=0.78, bottom=0.12)
    return fig


def intraday_chart(fx: pd.DataFrame, bitcoin: pd.DataFrame, text: ChartText, zone: tzinfo) -> bytes:
    """PNG bytes of ``intraday_figure``."""
    return png(intraday_figure(fx, bitcoin, text, zone))


def _ends(bars: pd.DataFrame) -> pd.DatetimeIndex:
    """Each bar's end (start plus its length): a close belongs to the end of its bar."""
    step = pd.to_timedelta(bars["interval_s"].to_numpy(), unit="s") if "interval_s" in bars else 0
    return pd.DatetimeIndex(bars["start"]) + step
