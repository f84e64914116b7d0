"""``/carry``, ``explain``, ``sources``, ``brief``, ``history`` and ``chart`` through the neutral layer."""

from __future__ import annotations

import itertools

import pytest

from commands.dispatch import dispatch
from commands.handlers.snapshot import briefing
from commands.presentation.render import render_text
from commands.services import Services
from tests.support.chat import MakeContext, make_services


def test_carry_answers_with_the_snapshot(services: Services, context: MakeContext) -> None:
    reply = dispatch("/carry", context(), services)
    assert reply.ok and reply.template == "carry" and reply.image is None
    text = render_text(reply)
    assert text.startswith("Yen carry: UNWINDING (disorderly)")
    for expected in (
        "Rate gaps, US minus Japan",
        "USD/JPY",
        "Unwind pressure: 70/100",
        "Carry fuel: 59/100",
        "Regime: UNWINDING (disorderly) since 4 Jun 2026",
        "As of 12 Jun 2026",
    ):
        assert expected in text


def test_carry_names_its_strongest_components(services: Services, context: MakeContext) -> None:
    text = render_text(dispatch("/carry", context(), services))
    assert "(C1, score 89)" in text and "(C2, score 100)" in text


def test_explain_lists_every_component_with_value_score_and_weight(
    services: Services, context: MakeContext
) -> None:
    text = render_text(dispatch("/carry explain", context(), services))
    for key in ("A1", "A2", "A3", "B1", "B2", "B3", "B4", "C1", "C2", "C3", "C4", "C5"):
        assert f"{key} " in text
    assert "C1 Drawdown: USD/JPY is −8.5% from its 60-day high → score 89, weight 30%." in text
    assert "Carry fuel is 40% carry incentive (A) plus 60% crowding (B)." in text


def test_explain_says_why_a_component_is_left_out(tmp_path, context: MakeContext) -> None:
    services = make_services(f"sqlite:///{tmp_path / 's.sqlite3'}", kind="sparse")
    text = render_text(dispatch("/carry explain", context(), services))
    assert "C4 Risk appetite: left out (weight 15%): no VIX data is stored." in text
    assert "Crowding (B): 38/100" in text or "Crowding (B):" in text


def test_sources_shows_each_series_date_and_freshness(
    services: Services, context: MakeContext
) -> None:
    text = render_text(dispatch("/carry sources", context(), services))
    assert "USD/JPY, ECB reference cross · ECB: 12 Jun 2026, fresh." in text
    assert "BoJ overnight call rate · Bank of Japan: no data yet." in text
    assert "Freshness judged on 12 Jun 2026" in text


def test_brief_is_a_dated_market_commentary(services: Services, context: MakeContext) -> None:
    reply = dispatch("/carry brief", context(), services)
    text = render_text(reply)
    assert text.startswith("Yen carry briefing, 12 Jun 2026")
    for expected in (
        "Rates and USD/JPY",
        "US–Japan gaps on 12 Jun 2026: 2-year 243 bp, policy rates 287.5 bp",
        "USD/JPY 143.88 on 12 Jun 2026 (ECB cross)",
        "Risk assets",
        # The lede has the day's moves; the section the closes, each with its date.
        "Nikkei 225 39,984.15 (12 Jun 2026)",
        "S&P 500 5,319.73 (11 Jun 2026)",  # New York has not closed the 12th
        "Japan's long end",
        "30-year JGB 3.409% on 12 Jun 2026: +7 bp 1m, +52 bp 12m",
        "the highest since the series began on 13 Jun 2022",
        "Up over the year and not falling back this month, the long end prices Japan's fiscal",
        "Signal",
        "Regime: UNWINDING (disorderly) since 4 Jun 2026",
        "Levels to watch",
        "Unwind pressure is already past the ELEVATED threshold (40).",
        "FOMC 17 Jun 2026",
    ):
        assert expected in text
    # Pressure is 70 (a stress day): the lede names the risk assets' moves of the day.
    lede = text.split("\n\n")[1]
    assert "Risk assets were mixed on the day: Nikkei 225 +0.44%" in lede
    assert "S&P 500 −0.53% (close of 11 Jun 2026)" in lede
    assert "The 2-year gap has narrowed 25 bp in three months, to 243 bp" in lede
    assert len(text.split()) < 300


def test_briefing_outside_a_chat_uses_the_same_template(services: Services) -> None:
    reply = briefing(services, "ja")
    assert reply.template == "brief" and reply.locale == "ja"


def test_sparse_data_is_named_never_nan(tmp_path, context: MakeContext) -> None:
    services = make_services(f"sqlite:///{tmp_path / 's.sqlite3'}", kind="sparse")
    for command in ("/carry", "/carry explain", "/carry brief", "/carry sources"):
        text = render_text(dispatch(command, context(), services))
        assert "nan" not in text.lower().replace("financial", "")
        assert "None" not in text
    brief = render_text(dispatch("/carry brief", context(), services))
    assert "and 10-year unavailable." in brief
    assert "no close stored for Nikkei 225, S&P 500, Bitcoin and the VIX" in brief
    assert "No 30-year JGB yield is stored." in brief


def test_no_data_says_what_to_run(tmp_path, context: MakeContext) -> None:
    services = make_services(f"sqlite:///{tmp_path / 's.sqlite3'}", kind="none")
    for command in ("/carry", "/carry chart", "/carry history", "/carry brief"):
        reply = dispatch(command, context(), services)
        assert not reply.ok
        assert "carrybot refresh" in render_text(reply)


@pytest.mark.parametrize(
    ("command", "kind", "window"),
    [
        ("/carry chart", "gap", "1y"),
        ("/carry chart pressure", "pressure", "1y"),
        ("/carry chart 5y", "gap", "5y"),
        ("/carry chart pressure 3m", "pressure", "3m"),
        ("/carry chart max gap", "gap", "max"),
    ],
)
def test_chart_replies_with_a_png(
    services: Services, context: MakeContext, command: str, kind: str, window: str
) -> None:
    reply = dispatch(command, context(), services)
    assert reply.ok and reply.image is not None and reply.image.startswith(b"\x89PNG")
    assert reply.filename == f"carry-{kind}-{window}-20260612.png"
    assert reply.context["kind"] == kind and reply.context["window"] == window


def test_charts_come_from_a_cache_keyed_by_snapshot_version(services: Services) -> None:
    first = services.snapshots.chart("gap", "1y")
    again = services.snapshots.chart("gap", "1y")
    assert not first.cached and again.cached and again.png == first.png
    assert first.version == services.snapshots.current().version
    assert not services.snapshots.chart("gap", "5y").cached


def test_history_lists_regime_periods_newest_first(
    services: Services, context: MakeContext
) -> None:
    reply = dispatch("/carry history", context(), services)
    periods = reply.context["periods"]
    assert periods[0].ongoing and periods[0].regime == "UNWINDING"
    assert all(a.first > b.first for a, b in itertools.pairwise(periods))
    text = render_text(reply)
    assert "Regime history: the last year" in text
    assert "UNWINDING (disorderly): since 4 Jun 2026" in text


def test_history_max_covers_everything(services: Services, context: MakeContext) -> None:
    reply = dispatch("/carry history max", context(), services)
    assert reply.context["first"].year == 2022
