"""The words a chart draws, in the chat's language: titles, axis labels, legend, notes, sources.

The figures (``analytics.charts.figures``) take a ``Words``: ``say(key, **values)`` for each piece
of text, ``day`` for a date, and the date axis's tick formats. ``ENGLISH`` is the English source
text (``TEXT``), used when no other is given. The chat languages come from the gettext catalogues
through ``templates/charts/words.j2``, which holds the same English messages, one branch per key
(``commands.handlers.chart_words`` builds their ``Words``; a test keeps the two equal).

Every font that draws chart text falls back, glyph by glyph, from DejaVu Sans to Noto Sans CJK JP
(``FONT_FAMILIES``; the OFL-licensed font ships in the ``noto-cjk-sans-jp-regular`` package and
covers Japanese and Simplified Chinese).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

# key → English text (``%(name)s`` placeholders). Regime names are the replies' own.
TEXT: dict[str, str] = {
    "title.gap": "Rate gaps, US minus Japan, and USD/JPY",
    "title.pressure": "Carry-unwind pressure and regimes",
    "title.markets": "USD/JPY, the Nikkei 225 and Bitcoin",
    "title.window": "%(title)s, %(window)s",
    "window.3m": "3 months",
    "window.1y": "1 year",
    "window.5y": "5 years",
    "window.max": "all history",
    "axis.gap": "US minus Japan, bp",
    "axis.usdjpy": "USD/JPY, yen",
    "axis.score": "score, 0–100",
    "axis.rebased": "rebased to 100",
    "legend.gap_2y": "2-year gap",
    "legend.gap_policy": "Policy-rate gap",
    "legend.usdjpy": "USD/JPY (right)",
    "legend.pressure": "Unwind pressure",
    "legend.stale": "Stale: last value carried forward",
    "legend.no_score": "No score (stale)",
    "legend.rebased": "%(name)s, %(date)s = 100",
    "asset.nikkei225": "Nikkei 225",
    "asset.btcusd": "Bitcoin",
    "regime.UNWINDING": "UNWINDING (disorderly)",
    "regime.UNWINDING_GRADUAL": "UNWINDING (gradual)",
    "regime.ELEVATED": "ELEVATED",
    "regime.RESET": "RESET",
    "regime.BUILDING": "BUILDING",
    "regime.STABLE": "STABLE",
    "span": "%(start)s – %(end)s",
    "note.gap_last_close": "2-year gap: last day both legs closed %(date)s",
    "note.usdjpy_last_close": "USD/JPY: last close %(date)s",
    "note.asset_closes": "%(name)s: closes %(start)s – %(end)s",
    "note.asset_no_close_before": "%(name)s: no close before %(date)s",
    "note.asset_last_close": "%(name)s: last close %(date)s",
    "note.asset_no_data": "%(name)s: no data",
    "note.asset_not_current": "%(name)s: no current close (last %(date)s)",
    "note.weekly_bars": "bars: each week's highest score, coloured by its most severe regime",
    "note.monthly_bars": "bars: each month's highest score, coloured by its most severe regime",
    "footer": "Sources: %(list)s",
    "footer.usdjpy": "USD/JPY: %(list)s",
    "footer.maker": "chart: carrybot",
    "source.h10": "Fed H.10 noon rate (FRED)",
    "source.ecb": "ECB reference cross",
    "source.treasury": "US Treasury yields",
    "source.mof": "Japan MoF JGB yields",
    "source.decisions": "Fed and BoJ policy decisions",
    "source.cboe": "Cboe VIX",
    "source.cftc": "CFTC positions",
    "source.nikkei": "Nikkei 225 (Nikkei Inc., via FRED)",
    "source.coinbase": "Bitcoin (Coinbase, via FRED)",
}

# matplotlib.dates.ConciseDateFormatter formats (years, months, days, hours, minutes, seconds).
ENGLISH_TICKS = ("%Y", "%b", "%d", "%H:%M", "%H:%M", "%S.%f")
ENGLISH_ZERO_TICKS = ("", "%Y", "%b", "%b-%d", "%H:%M", "%H:%M")
CJK_TICKS = ("%Y年", "%-m月", "%-d日", "%H:%M", "%H:%M", "%S.%f")
CJK_ZERO_TICKS = ("", "%Y年", "%-m月", "%-m月%-d日", "%H:%M", "%H:%M")

CJK_FONT = "Noto Sans CJK JP"
FONT_FAMILIES = ("DejaVu Sans", CJK_FONT)


@dataclass(frozen=True)
class Words:
    """A chart's text in one language: ``say(key, **values)`` (dates among the values are
    formatted with ``day``), list separators, and the date axis's tick formats."""

    say: Callable[..., str]
    day: Callable[[date], str]
    comma: str = ", "
    tick_formats: tuple[str, ...] = ENGLISH_TICKS
    zero_formats: tuple[str, ...] = ENGLISH_ZERO_TICKS


def english_day(day: date) -> str:
    """``13 Nov 2025``."""
    return f"{day.day} {day:%b %Y}"


def english(key: str, **values: object) -> str:
    """The English text of ``key`` with its values (dates as ``13 Nov 2025``)."""
    shown = {k: english_day(v) if isinstance(v, date) else v for k, v in values.items()}
    return TEXT[key] % shown if shown else TEXT[key]


ENGLISH = Words(english, english_day)
