"""A briefing on an old store opens with how old its latest close is, in words, and why
(issue 17, item 3)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from analytics.narrative import lede
from analytics.narrative.age import Age, age_of, behind
from analytics.narrative.snapshot import build_snapshot
from commands.handlers.views import view
from commands.presentation.render import render_text
from commands.reply import Reply
from tests.support.seedbriefs import brief, observations, snapshot


@pytest.mark.parametrize(
    ("latest", "today", "expected"),
    [
        (date(2026, 12, 4), date(2026, 12, 7), False),  # Friday's close on Monday
        (date(2026, 12, 3), date(2026, 12, 7), False),  # one weekday holiday between
        (date(2026, 12, 2), date(2026, 12, 7), True),
        (date(2026, 12, 7), date(2026, 12, 7), False),
        (date(2026, 10, 30), date(2026, 12, 7), True),
    ],
)
def test_a_store_is_behind_only_past_the_normal_lag(
    latest: date, today: date, expected: bool
) -> None:
    assert behind(latest, today) is expected


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        (1, Age(1, 1, "day")),
        (3, Age(3, 3, "day")),
        (15, Age(15, 2, "week")),
        (38, Age(38, 5, "week")),
        (122, Age(122, 4, "month")),
        (800, Age(800, 2, "year")),
    ],
)
def test_an_age_is_counted_in_the_unit_a_reader_uses(days: int, expected: Age) -> None:
    today = date(2026, 12, 7)
    assert age_of(date.fromordinal(today.toordinal() - days), today) == expected


def test_five_weeks_behind_is_said_first_with_why() -> None:
    text = brief("2026-12-07")
    first = text.split("\n\n")[1]
    assert first.startswith(
        "The latest close stored is 30 Oct 2026, five weeks ago: this briefing reads the"
        " bundled history, which ends there."
    )
    assert "No market close yet" not in text
    # Each stale input keeps its own date.
    assert "2-year 265 bp (not current: last day both legs closed 13 Nov 2025)" in text
    assert "positioning data last reported 29 Apr 2025" in text


def test_a_normal_lag_keeps_the_short_note() -> None:
    s = build_snapshot(observations(), date(2026, 11, 2))  # Monday after Friday 30 Oct
    assert not any(isinstance(c, lede.StoreAge) for c in lede.lede(s))
    assert any(isinstance(c, lede.NoCloseToday) for c in lede.lede(s))


def test_a_source_behind_is_named() -> None:
    rows = observations().assign(source=lambda f: f["source"].str.replace("seed/", ""))
    s = build_snapshot(rows, date(2026, 12, 7))
    claim = next(c for c in lede.lede(s) if isinstance(c, lede.StoreAge))
    assert claim.reason == lede.SOURCES and "ecb" in claim.sources
    text = render_text(Reply("brief", {"v": view(s)}))
    assert "five weeks ago: no newer close has come from" in text and "ECB" in text


@pytest.mark.parametrize(
    ("locale", "words"),
    [("ja", "2026/10/30（5 週間前）"), ("zh", "2026年10月30日（5 周前）")],
)
def test_the_age_is_worded_in_the_chat_language(locale: str, words: str) -> None:
    first = brief("2026-12-07", locale).split("\n\n")[1]
    assert words in first


def test_ages_have_plural_forms() -> None:
    day = date(2026, 12, 7)
    claims = {
        n: lede.StoreAge(day, day, Age(n * 7, n, "week"), lede.SEED, ()) for n in (1, 2, 11, 13)
    }
    v = view(snapshot("2026-12-07"))
    texts = {
        n: render_text(Reply("brief", {"v": replace(v, lede=(c,))})) for n, c in claims.items()
    }
    assert "one week ago" in texts[1] and "two weeks ago" in texts[2]
    assert "eleven weeks ago" in texts[11] and "13 weeks ago" in texts[13]
