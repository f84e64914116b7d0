"""Chart text in the chat's language: the same words as the catalogues, a font that draws
Japanese and Simplified Chinese, dates and the date axis the language's way."""

from __future__ import annotations

import re
import tomllib
import warnings
from importlib.metadata import metadata
from pathlib import Path

import pandas as pd
import pytest
from matplotlib.figure import Figure

from analytics.charts import figures as charts
from analytics.charts.frames import chart_frame
from analytics.charts.words import ENGLISH, TEXT
from commands.handlers.chart_words import words
from commands.handlers.charts import chart_window, make_chart
from commands.presentation.render import environment
from tests.support import realdata, yahoo

ROOT = Path(__file__).resolve().parents[1]
END = "2026-10-30"


@pytest.fixture(scope="module")
def daily() -> pd.DataFrame:
    obs = realdata.observations()
    return chart_frame(realdata.computation(END), obs[obs["source"] != yahoo.SOURCE])


def texts(fig: Figure) -> list[str]:
    """Every text the figure draws: titles, legend, axis labels and tick labels."""
    fig.canvas.draw()  # type: ignore[attr-defined]
    found = [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text"))]
    return [t for t in found if t]


def test_the_template_says_what_the_analytics_say_in_english() -> None:
    module = environment("text", "en").get_template("charts/words.j2").module
    for key, text in TEXT.items():
        names = re.findall(r"%\((\w+)\)s", text)
        values = {name: f"<{name}>" for name in names}
        assert str(module.say(key, values)).strip() == ENGLISH.say(key, **values), key


@pytest.mark.parametrize(
    ("language", "title", "legend", "date", "tick"),
    [
        ("ja", "金利差（米国－日本）とドル円（1年）", "2年金利差", "2025/11/13", "月"),
        ("zh", "利差（美国减日本）与美元/日元（1年）", "2年期利差", "2025年11月13日", "月"),
    ],
)
def test_a_chart_speaks_the_chats_language(
    daily: pd.DataFrame, language: str, title: str, legend: str, date: str, tick: str
) -> None:
    said = words(language)
    frame = chart_window(daily, "gap", "1y")
    heading = said.say("title.window", title=said.say("title.gap"), window=said.say("window.1y"))
    assert heading == title
    fig = charts.gap_figure(frame, heading, said)
    drawn = texts(fig)
    assert legend in drawn
    subtitle = next(t.get_text() for t in fig.texts if t.get_gid() == "subtitle")
    assert date in subtitle  # the stale gap's last same-day close, dated the language's way
    ticks = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert any(tick in t for t in ticks), ticks
    english = set(TEXT.values())
    assert not [t for t in drawn if t in english], "English left in the chart"


@pytest.mark.parametrize("language", ["ja", "zh"])
@pytest.mark.parametrize("kind", ["gap", "pressure", "markets"])
def test_every_glyph_has_a_font(daily: pd.DataFrame, language: str, kind: str) -> None:
    window = "5y" if kind != "pressure" else "max"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        png = make_chart(daily, kind, window, language)
    assert png.startswith(b"\x89PNG")
    missing = [str(w.message) for w in caught if "missing from font" in str(w.message)]
    assert missing == []


def test_english_charts_are_unchanged_by_the_languages(daily: pd.DataFrame) -> None:
    english = make_chart(daily, "gap", "1y")
    assert make_chart(daily, "gap", "1y", "en") == english
    assert make_chart(daily, "gap", "1y", "ja") != english


def test_the_cjk_font_is_a_declared_dependency_under_the_ofl() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert any(d.startswith("noto-cjk-sans-jp-regular") for d in project["dependencies"])
    assert metadata("noto-cjk-sans-jp-regular")["License-Expression"] == "OFL-1.1"
