"""Phone-legible PNG charts (1200×675, large type, dated, with a source line) rendered with Agg.

Data in, PNG bytes out. Each chart has a ``*_figure`` function returning the matplotlib figure
(tests read its artists) and a ``*_chart`` function encoding it. On every chart:

- a value resting on a stale input (older than its series' age limit, carried forward) is drawn
  dotted and faded, and the legend says so; a day without a value is a gap;
- the legend sits in a band of its own between the title and the axes, never over data;
- the footer names only the sources of what is drawn (``sources_drawn``);
- a long pressure history is drawn as weekly or monthly highs with the period's most severe
  regime (``pressure_points``), so a bounded number of points stays readable.

Text inside the PNG is in the chat's language (``analytics.charts.words``: titles saying what
the axes show, axis labels, legend entries, notes, source names, dates and the date axis), drawn
with a font that covers Japanese and Simplified Chinese (``words.FONT_FAMILIES``).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")  # no display: charts are bytes for chat uploads
import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backend_bases import RendererBase
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.text import Text

from analytics.catalogue.series import spec
from analytics.charts.frames import RISK_COLUMNS, pressure_points, rebase_point
from analytics.charts.words import ENGLISH, FONT_FAMILIES, Words
from analytics.signal import scores as signal


def _install_fonts() -> None:
    """Register the CJK font shipped on PyPI and let every sans-serif text fall back to it."""
    from matplotlib import font_manager

    try:
        import noto_cjk_sans_jp_regular as cjk
    except ImportError:  # pragma: no cover - a declared dependency; English still draws
        return
    font_manager.fontManager.addfont(str(cjk.FONT_PATH))
    # Concrete names, in order: matplotlib falls back glyph by glyph along this list.
    matplotlib.rcParams["font.family"] = list(FONT_FAMILIES)


_install_fonts()

WIDTH_PX, HEIGHT_PX, DPI = 1200, 675, 100
REGIME_COLOURS = {
    "UNWINDING": "#d62728",
    "UNWINDING_GRADUAL": "#ff7f0e",
    "ELEVATED": "#f2c744",
    "BUILDING": "#6baed6",
    "RESET": "#a1d99b",
}
GAP_2Y, GAP_POLICY, FX = "#1f4e9c", "#6a3d9a", "#c0392b"
NIKKEI, BITCOIN = "#1f77b4", "#e08a00"
RISK_LINES = (("nikkei225", NIKKEI), ("btcusd", BITCOIN))
# Regimes in legend order (named by ``Words``: ``regime.UNWINDING`` …).
REGIME_LABELS = ("UNWINDING", "UNWINDING_GRADUAL", "ELEVATED", "RESET", "BUILDING", "STABLE")
STABLE_COLOUR = "#b5b5b5"
STALE_DASHES: tuple[float, tuple[float, float]] = (0, (1.2, 2.4))
STALE_ALPHA = 0.45
# Source codes in footer order (named by ``Words``: ``source.h10`` …; "USD/JPY: …" grouped).
SOURCE_LABELS = (
    "h10",
    "ecb",
    "treasury",
    "mof",
    "decisions",
    "cboe",
    "cftc",
    "nikkei",
    "coinbase",
)
FX_CODES = ("h10", "ecb")
# Panel columns the signal reads → source code (USD/JPY: per day, from ``usdjpy_source``).
COLUMN_SOURCES = {
    "us_2y": "treasury",
    "jp_2y": "mof",
    "us_policy": "decisions",
    "jp_policy": "decisions",
    "vix": "cboe",
    "cftc_net_pct_oi": "cftc",
    "lev_pctile": "cftc",
    "cftc_flush_pp": "cftc",
}
RISK_SOURCES = {"nikkei225": "nikkei", "btcusd": "coinbase"}
LONG_DAYS = 800  # beyond about three years of business days, lines are drawn thinner


@dataclass(frozen=True)
class ChartStyle:
    """Type sizes chosen to stay readable when a chat app shrinks the image to phone width."""

    title: int = 24
    subtitle: int = 16
    label: int = 18
    tick: int = 16
    legend: int = 15
    note: int = 13


STYLE = ChartStyle()


# --- the charts -------------------------------------------------------------------------------


def gap_figure(daily: pd.DataFrame, title: str | None = None, words: Words = ENGLISH) -> Figure:
    """The 2-year and policy gaps, US minus Japan (bp, left), against USD/JPY (right).

    ``daily`` is indexed by date with columns ``gap_2y_bp``, ``gap_policy_bp``, ``usdjpy``,
    ``usdjpy_source`` and, where known, ``gap_2y_stale``, ``gap_2y_asof``, ``usdjpy_stale`` and
    ``usdjpy_asof``. The 2-year gap is a same-day pair (``analytics.signal.gaps``): when a leg
    stops, the gap stays at the last day both legs closed, drawn flat and dotted, and the
    subtitle names that day.
    """
    _require(daily, ["gap_2y_bp", "gap_policy_bp", "usdjpy", "usdjpy_source"])
    fig, ax = _figure()
    index = daily.index
    drew_stale = _line(
        ax,
        index,
        daily["gap_2y_bp"],
        _flag(daily, "gap_2y_stale"),
        "gap_2y",
        color=GAP_2Y,
        lw=2.8 if len(index) <= LONG_DAYS else 1.6,
        label=words.say("legend.gap_2y"),
    )
    ax.plot(
        index,
        daily["gap_policy_bp"],
        color=GAP_POLICY,
        lw=2.4 if len(index) <= LONG_DAYS else 1.6,
        drawstyle="steps-post",
        label=words.say("legend.gap_policy"),
        gid="gap_policy",
    )
    ax.set_ylabel(words.say("axis.gap"), fontsize=STYLE.label)
    fx = ax.twinx()
    drew_stale |= _fx_line(fx, daily, words)
    handles = [*_handles(ax), *_handles(fx), *([_stale_handle(words)] if drew_stale else [])]
    notes = [*_gap_note(daily, words), *_fx_note(daily, words)]
    _finish(
        fig,
        [ax, fx],
        handles,
        title or words.say("title.gap"),
        " · ".join([_span_text(index, words), *notes]),
        sources_drawn("gap", daily),
        words,
    )
    return fig


def pressure_figure(
    daily: pd.DataFrame,
    title: str | None = None,
    thresholds: tuple[float, ...] = (40.0, 65.0),
    words: Words = ENGLISH,
) -> Figure:
    """Unwind pressure (0–100) over time with the regimes in colour.

    ``daily`` is indexed by date with columns ``unwind_pressure`` and ``regime`` (and, for the
    source line, the component scores, ``usdjpy_source`` and ``a1_policy_gap``). Up to two
    years: the daily line over regime bands. Longer: a bar per week (beyond ten years, per
    month) as high as the period's highest pressure, coloured by its most severe regime
    (a step area per regime, gid ``bars:REGIME``).
    Days without a score (every input stale or missing) are hatched: the regime was held.
    """
    _require(daily, ["unwind_pressure", "regime"])
    points, step = pressure_points(daily)
    fig, ax = _figure()
    ends = _period_ends(points.index, step)
    highs = points["unwind_pressure"]
    if step == "day":
        for regime, start, end in regime_periods(points["regime"], ends[-1]):
            colour = REGIME_COLOURS.get(regime)
            if colour:
                ax.axvspan(start, end, color=colour, alpha=0.3, lw=0, gid=f"band:{regime}")
        ax.plot(
            points.index,
            highs,
            color="#222222",
            lw=2.4,
            label=words.say("legend.pressure"),
            gid="pressure",
        )
    else:
        # One filled step area per regime (a bar per period at the period's high): a handful
        # of collections draw much faster than hundreds of bars.
        x = points.index.append(pd.DatetimeIndex([ends[-1]]))
        regimes = points["regime"].astype(str).to_numpy()
        for regime in REGIME_LABELS:
            mine = regimes == regime
            if not mine.any():
                continue
            y = np.where(mine, highs.fillna(0).to_numpy(dtype="float64"), 0.0)
            ax.fill_between(
                x,
                0,
                np.append(y, y[-1]),
                step="post",
                color=REGIME_COLOURS.get(regime, STABLE_COLOUR),
                lw=0,
                gid=f"bars:{regime}",
            )
    missing = highs.isna()
    for start, end in _runs(missing, ends):
        ax.axvspan(
            start, end, facecolor="none", edgecolor="#999999", hatch="//", lw=0, gid="no_score"
        )
    for level in thresholds:
        ax.axhline(level, color="#555555", lw=1.2, ls=":", gid=f"threshold:{level:g}")
        ax.annotate(
            f"{level:g}",
            xy=(1.0, level),
            xycoords=("axes fraction", "data"),
            xytext=(6, 0),
            textcoords="offset points",
            va="center",
            fontsize=STYLE.note,
            color="#555555",
        )
    ax.set_ylim(0, 100)
    ax.set_xlim(points.index[0], ends[-1])
    ax.set_ylabel(words.say("axis.score"), fontsize=STYLE.label)
    present = [r for r in REGIME_LABELS if (points["regime"] == r).any()]
    handles: list[Line2D | Patch] = [*_handles(ax)]
    handles += [
        Patch(
            color=REGIME_COLOURS.get(r, STABLE_COLOUR),
            alpha=0.5 if step == "day" else 1.0,
            label=words.say(f"regime.{r}"),
        )
        for r in present
        if step != "day" or r in REGIME_COLOURS
    ]
    if missing.any():
        handles.append(
            Patch(
                facecolor="none",
                edgecolor="#999999",
                hatch="//",
                label=words.say("legend.no_score"),
            )
        )
    note = {"day": [], "week": ["note.weekly_bars"], "month": ["note.monthly_bars"]}[step]
    _finish(
        fig,
        [ax],
        handles,
        title or words.say("title.pressure"),
        " · ".join([_span_text(daily.index, words), *(words.say(key) for key in note)]),
        sources_drawn("pressure", daily),
        words,
    )
    return fig


def markets_figure(daily: pd.DataFrame, title: str | None = None, words: Words = ENGLISH) -> Figure:
    """The Nikkei 225 and Bitcoin rebased to 100 (left) against USD/JPY in yen (right).

    Each risk asset is rebased on its first current close in the window (named in the legend);
    one with no current close in the window is left out and named in the subtitle. Columns:
    ``usdjpy``, ``usdjpy_source`` (``usdjpy_stale``, ``usdjpy_asof``) and ``nikkei225``,
    ``btcusd`` with their ``*_asof`` and ``*_stale`` columns (``analytics.charts.frames``).
    """
    _require(daily, ["usdjpy", "usdjpy_source"])
    fig, ax = _figure()
    index = daily.index
    drew_stale = False
    notes = []
    for column, colour in RISK_LINES:
        name = words.say(f"asset.{column}")
        base = rebase_point(daily, column)
        if base is None:
            notes.append(_last_close_text(daily, column, name, words))
            continue
        start, level = base
        late = (start - index[0]).days > spec(RISK_COLUMNS[column]).max_age_days
        last = _last_close(daily, column) if bool(daily[f"{column}_stale"].iloc[-1]) else None
        if late and last is not None:
            notes.append(words.say("note.asset_closes", name=name, start=start, end=last))
        elif late:
            notes.append(words.say("note.asset_no_close_before", name=name, date=start))
        elif last is not None:
            notes.append(words.say("note.asset_last_close", name=name, date=last))
        after = pd.Series(index >= start, index=index)
        drew_stale |= _line(
            ax,
            index,
            (daily[column] / level * 100).where(after),
            _flag(daily, f"{column}_stale") & after,
            column,
            color=colour,
            lw=2.6 if len(index) <= LONG_DAYS else 2.0,
            label=words.say("legend.rebased", name=name, date=start),
            observed=_observed(daily, column),
        )
    ax.axhline(100, color="#888888", lw=1.0, ls="--", gid="base_100")
    ax.set_ylabel(words.say("axis.rebased"), fontsize=STYLE.label)
    fx = ax.twinx()
    drew_stale |= _fx_line(fx, daily, words)
    handles = [*_handles(ax), *_handles(fx), *([_stale_handle(words)] if drew_stale else [])]
    _finish(
        fig,
        [ax, fx],
        handles,
        title or words.say("title.markets"),
        " · ".join([_span_text(index, words), *notes, *_fx_note(daily, words)]),
        sources_drawn("markets", daily),
        words,
    )
    return fig


def gap_chart(daily: pd.DataFrame, title: str | None = None, words: Words = ENGLISH) -> bytes:
    """PNG bytes of ``gap_figure``."""
    return png(gap_figure(daily, title, words))


def pressure_chart(daily: pd.DataFrame, title: str | None = None, words: Words = ENGLISH) -> bytes:
    """PNG bytes of ``pressure_figure``."""
    return png(pressure_figure(daily, title, words=words))


def markets_chart(daily: pd.DataFrame, title: str | None = None, words: Words = ENGLISH) -> bytes:
    """PNG bytes of ``markets_figure``."""
    return png(markets_figure(daily, title, words))


def png(fig: Figure) -> bytes:
    """The figure as PNG bytes, 1200×675."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


# --- what is drawn ----------------------------------------------------------------------------


def sources_drawn(kind: str, daily: pd.DataFrame) -> tuple[str, ...]:
    """The source codes (``SOURCE_LABELS`` order) of what a chart of ``kind`` draws from ``daily``.

    gap: the 2-year yields where the 2-year gap has a value, the decision tables where the
    policy gap has one, USD/JPY's source on the days it is drawn. pressure: the inputs of every
    component that scored on some day of the window (the line reads pillar C, the regime bands
    also carry fuel, pillars A and B), USD/JPY by its source on those days. markets: USD/JPY's
    sources and each risk asset drawn.
    """
    codes: set[str] = set()
    if kind == "gap":
        if daily["gap_2y_bp"].notna().any():
            codes |= {"treasury", "mof"}
        if daily["gap_policy_bp"].notna().any():
            codes.add("decisions")
        codes |= _fx_sources(daily, daily["usdjpy"].notna())
    elif kind == "pressure":
        policy_gap = _flag(daily, "a1_policy_gap")
        for component in signal.COMPONENTS:
            score = daily.get(f"{component}_score")
            if score is None:
                continue
            scored = score.notna()
            for fallback, days in ((False, scored & ~policy_gap), (True, scored & policy_gap)):
                if not days.any():
                    continue
                for column in signal.inputs_of(component, policy_gap=fallback):
                    if column == "usdjpy":
                        codes |= _fx_sources(daily, days)
                    else:
                        codes.add(COLUMN_SOURCES[column])
    elif kind == "markets":
        codes |= _fx_sources(daily, daily["usdjpy"].notna())
        codes |= {code for column, code in RISK_SOURCES.items() if rebase_point(daily, column)}
    else:
        raise ValueError(f"unknown chart kind {kind!r}")
    return tuple(code for code in SOURCE_LABELS if code in codes)


def footer_text(codes: Iterable[str], words: Words = ENGLISH) -> str:
    """``Sources: …`` naming each code (USD/JPY's together), then the chart's maker."""
    codes = list(codes)
    fx = [words.say(f"source.{c}") for c in codes if c in FX_CODES]
    names = [*([words.say("footer.usdjpy", list=words.comma.join(fx))] if fx else [])]
    names += [words.say(f"source.{c}") for c in codes if c not in FX_CODES]
    return words.say("footer", list=" · ".join([*names, words.say("footer.maker")]))


def regime_periods(
    regimes: pd.Series, end: pd.Timestamp | None = None
) -> list[tuple[str, pd.Timestamp, pd.Timestamp]]:
    """Consecutive runs of one regime as (regime, first day, first day of the next run).

    The last run ends at ``end`` (default: the day after the last one).
    """
    if regimes.empty:
        return []
    starts = regimes.ne(regimes.shift()).to_numpy().nonzero()[0]
    index = regimes.index
    after_last = end if end is not None else index[-1] + pd.Timedelta(days=1)
    periods = []
    for number, position in enumerate(starts):
        stop = index[starts[number + 1]] if number + 1 < len(starts) else after_last
        periods.append((str(regimes.iloc[position]), index[position], stop))
    return periods


# --- drawing helpers --------------------------------------------------------------------------


def _figure() -> tuple[Figure, Axes]:
    fig = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    ax.tick_params(labelsize=STYLE.tick)
    ax.grid(True, color="#dddddd", lw=0.8)
    ax.spines["top"].set_visible(False)
    return fig, ax


def _line(
    ax: Axes,
    index: pd.Index,
    values: pd.Series,
    stale: pd.Series,
    gid: str,
    *,
    color: str,
    lw: float,
    label: str,
    observed: pd.Series | None = None,
) -> bool:
    """A series drawn solid where current and dotted, faded where stale; True if any stale.

    Without ``observed`` (a gap: two legs), the stale part includes the current days on either
    side so the two parts join. With ``observed`` (the days a close was published), the solid
    line joins the closes, passing over days carried within the age limit (a holiday); a run of
    carried days that turns stale is drawn flat and dotted from the last close, as the value the
    bot carried, and the solid line breaks there.
    """
    values = pd.Series(values.to_numpy(dtype="float64"), index=index)
    present = values.notna()
    stale = pd.Series(stale.to_numpy(dtype=bool), index=index) & present
    if observed is None:
        ax.plot(index, values.where(~stale), color=color, lw=lw, label=label, gid=gid)
        if not stale.any():
            return False
        dotted = stale | stale.shift(-1, fill_value=False) | stale.shift(1, fill_value=False)
    else:
        closes = pd.Series(observed.to_numpy(dtype=bool), index=index) & present
        run = closes.cumsum()  # a close and the carried days after it
        dotted = stale.groupby(run).transform("any").astype(bool) & present
        keep = closes | (dotted & ~closes)  # carried stale days break the solid line
        solid = values.where(closes)[keep]
        ax.plot(solid.index, solid, color=color, lw=lw, label=label, gid=gid)
        if not stale.any():
            return False
    ax.plot(
        index,
        values.where(dotted),
        color=color,
        lw=lw * 0.85,
        gid=f"{gid}:stale",
        ls=STALE_DASHES,
        alpha=STALE_ALPHA,
    )
    return True


def _fx_line(ax: Axes, daily: pd.DataFrame, words: Words = ENGLISH) -> bool:
    """USD/JPY in yen on a right-hand axis; True if a stale stretch was drawn."""
    drew = _line(
        ax,
        daily.index,
        daily["usdjpy"],
        _flag(daily, "usdjpy_stale"),
        "usdjpy",
        color=FX,
        lw=2.0 if len(daily) <= LONG_DAYS else 1.2,
        label=words.say("legend.usdjpy"),
        observed=_observed(daily, "usdjpy"),
    )
    ax.set_ylabel(words.say("axis.usdjpy"), fontsize=STYLE.label, color=FX)
    ax.tick_params(labelsize=STYLE.tick, colors=FX)
    ax.spines["top"].set_visible(False)
    return drew


def _observed(daily: pd.DataFrame, column: str) -> pd.Series | None:
    """The days a column's value was published (its ``*_asof`` is the day), if known."""
    asof = daily.get(f"{column}_asof")
    if asof is None:
        return None
    days = daily.index.to_numpy(dtype="datetime64[ns]")
    return pd.Series(asof.to_numpy(dtype="datetime64[ns]") == days, index=daily.index)


def _last_close(daily: pd.DataFrame, column: str) -> pd.Timestamp | None:
    """The date of a column's last close in the frame (its ``*_asof``), if any."""
    asof = daily.get(f"{column}_asof")
    last = asof.dropna() if asof is not None else pd.Series(dtype="datetime64[ns]")
    return pd.Timestamp(last.iloc[-1]) if len(last) else None


def _last_close_text(daily: pd.DataFrame, column: str, name: str, words: Words) -> str:
    """Why a risk asset is not drawn: its last close before the window's end, or no data."""
    last = _last_close(daily, column)
    if last is None:
        return words.say("note.asset_no_data", name=name)
    return words.say("note.asset_not_current", name=name, date=last)


def _gap_note(daily: pd.DataFrame, words: Words) -> list[str]:
    """The last day both legs of the 2-year gap closed, when the window ends on a stale gap:
    its staleness is dated by that close, not by the first day it counted as stale."""
    stale = _flag(daily, "gap_2y_stale") & daily["gap_2y_bp"].notna()
    if not len(stale) or not bool(stale.iloc[-1]):
        return []
    last = _last_close(daily, "gap_2y")
    return [words.say("note.gap_last_close", date=last)] if last is not None else []


def _fx_note(daily: pd.DataFrame, words: Words = ENGLISH) -> list[str]:
    """``USD/JPY: last close D`` when the window ends with a stale USD/JPY."""
    stale = _flag(daily, "usdjpy_stale")
    if not len(stale) or not bool(stale.iloc[-1]):
        return []
    last = _last_close(daily, "usdjpy")
    return [words.say("note.usdjpy_last_close", date=last)] if last is not None else []


def _stale_handle(words: Words = ENGLISH) -> Line2D:
    return Line2D(
        [],
        [],
        color="#444444",
        lw=2.4,
        label=words.say("legend.stale"),
        ls=STALE_DASHES,
        alpha=STALE_ALPHA,
    )


def _handles(ax: Axes) -> list[Line2D]:
    return [h for h in ax.get_lines() if not str(h.get_label()).startswith("_")]


def _finish(
    fig: Figure,
    axes: Sequence[Axes],
    handles: Sequence[Line2D | Patch],
    title: str,
    subtitle: str,
    sources: Sequence[str],
    words: Words = ENGLISH,
) -> None:
    """Title, subtitle, legend band, date axis and footer; then the axes fill what is left."""
    dates = axes[0]
    # Up to nine monthly ticks: four years are then ticked every six months, not left to guess.
    maxticks = {freq: 7 for freq in (mdates.YEARLY, mdates.DAILY, mdates.HOURLY)}
    locator = mdates.AutoDateLocator(minticks=4, maxticks={**maxticks, mdates.MONTHLY: 9})
    formatter = mdates.ConciseDateFormatter(
        locator, formats=list(words.tick_formats), zero_formats=list(words.zero_formats)
    )
    formatter.offset_formats = [""] * 6  # the subtitle carries the full dates
    dates.xaxis.set_major_locator(locator)
    dates.xaxis.set_major_formatter(formatter)
    left_px, right_px = 14, 14
    fig.text(
        left_px / WIDTH_PX, 1 - 10 / HEIGHT_PX, title, fontsize=STYLE.title, va="top", gid="title"
    )
    sub = fig.text(
        left_px / WIDTH_PX,
        1 - 50 / HEIGHT_PX,
        subtitle,
        fontsize=STYLE.subtitle,
        va="top",
        color="#444444",
        gid="subtitle",
    )
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    width_px = WIDTH_PX - left_px - right_px
    _fit_lines(sub, renderer, width_px)
    legend_top = HEIGHT_PX - sub.get_window_extent(renderer).y0 + 8
    footer = fig.text(
        left_px / WIDTH_PX,
        8 / HEIGHT_PX,
        footer_text(sources, words),
        fontsize=STYLE.note,
        color="#555555",
        gid="footer",
    )
    _fit_lines(footer, renderer, width_px)
    legend = _legend_band(fig, handles, renderer, top_px=legend_top, width_px=width_px)
    legend_bottom = legend.get_window_extent(renderer).y0 if legend else HEIGHT_PX - legend_top
    footer_top = footer.get_window_extent(renderer).y1
    right = 0.905 if any(a.yaxis.get_label_position() == "right" for a in axes) else 0.955
    fig.subplots_adjust(
        left=0.085,
        right=right,
        top=(legend_bottom - 14) / HEIGHT_PX,
        bottom=(footer_top + 58) / HEIGHT_PX,
    )


def _legend_band(
    fig: Figure,
    handles: Sequence[Line2D | Patch],
    renderer: RendererBase,
    top_px: float,
    width_px: float,
) -> Legend | None:
    """The legend in one or more rows below the subtitle, as many columns as fit the width."""
    if not handles:
        return None
    anchor = (14 / WIDTH_PX, 1 - top_px / HEIGHT_PX)
    for ncol in range(len(handles), 0, -1):
        legend = fig.legend(
            handles=list(handles),
            loc="upper left",
            bbox_to_anchor=anchor,
            ncol=ncol,
            fontsize=STYLE.legend,
            frameon=False,
            handlelength=2.4,
            columnspacing=1.4,
            borderaxespad=0,
            borderpad=0,
        )
        if legend.get_window_extent(renderer).width <= width_px or ncol == 1:
            legend.set_gid("legend")
            return legend
        legend.remove()
    return None


def _fit_lines(text: Text, renderer: RendererBase, width_px: float) -> None:
    """Break a `` · ``-separated text onto as few lines as fit ``width_px``."""
    if text.get_window_extent(renderer).width <= width_px:
        return
    parts = text.get_text().split(" · ")
    lines: list[str] = []
    for part in parts:
        if lines:
            text.set_text(f"{lines[-1]} · {part}")
            if text.get_window_extent(renderer).width <= width_px:
                lines[-1] = text.get_text()
                continue
        lines.append(part)
    text.set_text("\n".join(lines))


def _span_text(index: pd.Index, words: Words = ENGLISH) -> str:
    first, last = pd.Timestamp(index[0]).date(), pd.Timestamp(index[-1]).date()
    return words.say("span", start=first, end=last)


def _flag(daily: pd.DataFrame, column: str) -> pd.Series:
    """A boolean column, all False when the frame lacks it."""
    if column not in daily.columns:
        return pd.Series(False, index=daily.index)
    return daily[column].fillna(False).astype(bool)


def _fx_sources(daily: pd.DataFrame, days: pd.Series) -> set[str]:
    """USD/JPY's sources on the given days (``h10``, ``ecb``)."""
    sources = daily["usdjpy_source"].to_numpy(dtype=object)[days.to_numpy(dtype=bool)]
    return {code for code in FX_CODES if (sources == code).any()}


def _period_ends(index: pd.DatetimeIndex, step: str) -> pd.DatetimeIndex:
    """Where each drawn period ends: the next one's start, the last one's end."""
    if len(index) == 0:
        return index
    if step == "day":
        last_end = index[-1] + pd.Timedelta(days=1)
    else:
        freq = "W-SUN" if step == "week" else "M"
        last_end = index[-1].to_period(freq).end_time.normalize() + pd.Timedelta(days=1)
    return pd.DatetimeIndex([*index[1:], last_end])


def _runs(mask: pd.Series, ends: pd.DatetimeIndex) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """Runs of True in ``mask`` as (first day, end of the last period)."""
    runs = []
    values = mask.to_numpy(dtype=bool)
    start = None
    for position, flagged in enumerate(values):
        if flagged and start is None:
            start = mask.index[position]
        if start is not None and (not flagged or position == len(values) - 1):
            stop = ends[position] if flagged else mask.index[position]
            runs.append((start, stop))
            start = None
    return runs


def _require(daily: pd.DataFrame, columns: list[str]) -> None:
    missing = [c for c in columns if c not in daily.columns]
    if missing:
        raise ValueError(f"chart needs column(s) {', '.join(missing)}")
    if daily.empty:
        raise ValueError("chart needs at least one day of data")
