"""``/carry chart`` on the real files: the markets chart, its captions, and what it says offline."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from analytics.charts.frames import chart_frame
from analytics.narrative.snapshot import build_snapshot
from analytics.signal import pipeline
from analytics.storage.database import open_database
from commands.dispatch import dispatch
from commands.handlers.charts import make_chart
from commands.presentation.layout import TELEGRAM_CAPTION, size
from commands.presentation.render import render, render_text
from commands.services import Services, SnapshotProvider
from commands.settings.store import SettingsStore
from tests.support import realdata, yahoo
from tests.support.chat import MakeContext

TODAY = date(2026, 11, 2)  # a Monday: the last close in the files is Friday 30 Oct 2026
END = "2026-10-30"
RISK = ("eq.nikkei225", "eq.sp500", "crypto.btcusd")


def _services(tmp_path: Path, obs: pd.DataFrame, computation: pipeline.Computation) -> Services:
    snapshot = build_snapshot(obs, TODAY, computation=computation)
    frame = chart_frame(computation, obs)
    provider = SnapshotProvider(lambda: (snapshot, frame, computation), make_chart)
    return Services(SettingsStore(open_database(f"sqlite:///{tmp_path / 'c.sqlite3'}")), provider)


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Services]:
    """What the bot has after a refresh: every real file FRED, MoF, the ECB … publish."""
    obs = realdata.observations()
    obs = obs[obs["source"] != yahoo.SOURCE]
    services = _services(tmp_path, obs, realdata.computation(END))
    yield services
    services.settings.engine.dispose()


@pytest.fixture(scope="module")
def offline_obs() -> pd.DataFrame:
    """The same history without the risk assets: they are never in the seed."""
    obs = realdata.observations()
    return obs[~obs["series"].isin(RISK)]


@pytest.fixture
def offline(tmp_path: Path, offline_obs: pd.DataFrame) -> Iterator[Services]:
    computation = pipeline.compute(offline_obs, end=pd.Timestamp(END))
    services = _services(tmp_path, offline_obs, computation)
    yield services
    services.settings.engine.dispose()


def test_markets_chart_is_a_png_with_each_line_dated(live: Services, context: MakeContext) -> None:
    reply = dispatch("/carry chart markets", context(), live)
    assert reply.ok and reply.image is not None and reply.image.startswith(b"\x89PNG")
    assert reply.filename == "carry-markets-1y-20261030.png"
    text = render_text(reply)
    assert text.startswith("USD/JPY, the Nikkei 225 and Bitcoin\n")
    assert "From 31 Oct 2025 to 30 Oct 2026." in text
    # NIKKEI225_2025-2026.csv: first close 1 Dec 2025, last 64,136.25 on 17 Sep 2026.
    assert (
        "Nikkei 225: rebased to 100 on 1 Dec 2025; last close 64,136 on 17 Sept 2026. "
        "No new close since then: drawn dotted after it."
    ) in text
    # CBBTCUSD.csv ends with 77,078.18 on 24 May 2026.
    assert "Bitcoin: rebased to 100 on 31 Oct 2025; last close 77,078 on 24 May 2026." in text
    assert "USD/JPY: 157.25 on 30 Oct 2026 (ECB reference cross, fixed 14:15 CET)." in text
    assert "they are not current" in text


def test_markets_names_an_asset_it_cannot_draw(live: Services, context: MakeContext) -> None:
    text = render_text(dispatch("/carry chart markets 3m", context(), live))
    assert (
        "Bitcoin: not drawn, no current close in this window (the last was 77,078 on 24 May 2026)."
    ) in text
    assert "Nikkei 225: rebased to 100 on 31 Jul 2026" in text


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "There is no risk-asset data to chart: no Nikkei 225 or Bitcoin close is stored."),
        ("ja", "チャートにするリスク資産のデータがありません"),
        ("zh", "没有可绘制的风险资产数据"),
    ],
)
def test_markets_offline_says_the_risk_data_is_missing(
    offline: Services, context: MakeContext, lang: str, expected: str
) -> None:
    ctx = context()
    assert dispatch(f"/carry lang {lang}", ctx, offline).ok
    reply = dispatch("/carry chart markets 5y", ctx, offline)
    assert not reply.ok and reply.image is None
    text = render_text(reply)
    assert expected in text and "carrybot refresh" in text
    assert "FRED" in text and "From" not in text
    # The other charts still draw from the same data.
    assert dispatch("/carry chart gap 5y", ctx, offline).image is not None


def test_markets_has_no_all_history_window(live: Services, context: MakeContext) -> None:
    reply = dispatch("/carry chart markets max", context(), live)
    assert not reply.ok
    assert render_text(reply) == (
        "“max” is not one of 3m|1y|5y.\n"
        "Use /carry chart markets [3m|1y|5y], for example /carry chart markets 1y."
    )


def test_the_gap_caption_names_its_stale_legs(live: Services, context: MakeContext) -> None:
    text = render_text(dispatch("/carry chart gap 1y", context(), live))
    # The last day both legs closed is 13 Nov 2025 (DGS2 3.58%, JGB 2-year 0.932%): the gap is
    # that day's, not the US close of 13 Nov against the JGB close of 30 Apr 2026 (218 bp).
    assert (
        "2-year yields: 265 bp, as of 13 Nov 2025 · not current: "
        "no new US close since 13 Nov 2025 and no new JGB close since 30 Apr 2026"
    ) in text
    assert "Latest" not in text and "they are not current" in text


def test_the_all_history_caption_says_bars_are_monthly_highs(
    live: Services, context: MakeContext
) -> None:
    text = render_text(dispatch("/carry chart pressure max", context(), live))
    assert "Each bar is a month's highest unwind pressure" in text
    assert "From 25 Mar 1985 to 30 Oct 2026." in text


def test_markets_chart_comes_from_the_cache(live: Services) -> None:
    first = live.snapshots.chart("markets", "1y")
    again = live.snapshots.chart("markets", "1y")
    assert not first.cached and again.cached and again.png == first.png


@pytest.mark.parametrize("command", ["/carry chart markets 1y", "/carry chart gap 1y"])
def test_a_real_caption_fits_a_telegram_photo(
    live: Services, context: MakeContext, command: str
) -> None:
    for lang in ("en", "ja", "zh"):
        ctx = context()
        dispatch(f"/carry lang {lang}", ctx, live)
        [first, *rest] = render(dispatch(command, ctx, live), "telegram_html")
        assert first.image is not None and not rest
        assert size(first.text) <= TELEGRAM_CAPTION
