"""Same-day decisions from the banks' feeds: parsing (a hold, a hike, a cut, HTML for RSS, a
document without its sentence) and the meeting-day watch against a local server (budget,
backoff, log once, recorded as announced)."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine

from analytics.policy import feeds
from analytics.policy.records import DecisionStore
from analytics.policy.watch import DecisionWatch
from analytics.storage.database import open_database
from tests.support.feeds import (
    BOJ_CHANGE,
    BOJ_HOLD,
    FED_TITLE,
    boj_change_pdf,
    boj_document_url,
    boj_feed,
    boj_hold_html,
    fed_change_paragraphs,
    fed_feed,
    fed_statement_html,
    fed_statement_url,
    pdf,
    real_fed_statement,
)
from tests.support.http_server import LocalServer, Reply

JULY = date(2026, 7, 29)
SEPTEMBER_FED = date(2026, 9, 16)
SEPTEMBER_BOJ = date(2026, 9, 18)


def fed_announcement(day: date) -> feeds.Announcement:
    return feeds.Announcement("fed", day, fed_statement_url(day), None)


# --- parsing ---------------------------------------------------------------------------------


def test_the_real_july_2026_statement_reads_as_a_hold() -> None:
    body = fed_statement_html(real_fed_statement("2026-07-29"))
    decision = feeds.parse_fed_statement(fed_announcement(JULY), body)
    assert (decision.lower, decision.upper, decision.action) == (3.5, 3.75, "maintain")
    assert decision.effective == date(2026, 7, 30)


def test_a_hike_and_a_cut_read_from_the_documented_sentence() -> None:
    hike = fed_statement_html(fed_change_paragraphs("raise", "1/4", "3-3/4", "4"))
    decision = feeds.parse_fed_statement(fed_announcement(SEPTEMBER_FED), hike)
    assert (decision.lower, decision.upper, decision.action) == (3.75, 4.0, "raise")
    assert decision.effective == date(2026, 9, 17)
    cut = fed_statement_html(fed_change_paragraphs("lower", "1/2", "0", "1/4"))
    decision = feeds.parse_fed_statement(fed_announcement(date(2020, 3, 15)), cut)
    assert (decision.lower, decision.upper, decision.action) == (0.0, 0.25, "lower")


def test_a_statement_without_the_sentence_is_unparsable_not_guessed() -> None:
    body = fed_statement_html(["The Committee will continue to monitor the implications."])
    with pytest.raises(feeds.Unparsable, match="no 'decided to"):
        feeds.parse_fed_statement(fed_announcement(JULY), body)
    odd = fed_statement_html(fed_change_paragraphs("raise", "1/4", "3-3/4", "4-1/2"))
    with pytest.raises(feeds.Unparsable, match="implausible range"):
        feeds.parse_fed_statement(fed_announcement(JULY), odd)


def test_the_bojs_change_pdf_and_hold_page_give_the_guideline() -> None:
    change = feeds.Announcement("boj", SEPTEMBER_BOJ, boj_document_url(SEPTEMBER_BOJ, True), True)
    decision = feeds.parse_boj_document(change, boj_change_pdf("1.25", "September 24, 2026"))
    assert (decision.lower, decision.effective, decision.action) == (
        1.25,
        date(2026, 9, 24),
        "changed",
    )
    day = date(2026, 7, 31)
    hold = feeds.Announcement("boj", day, boj_document_url(day, False), False)
    decision = feeds.parse_boj_document(hold, boj_hold_html("1.0"))
    assert (decision.lower, decision.effective, decision.action) == (1.0, day, "held")


def test_a_boj_document_without_the_guideline_or_not_a_pdf_is_unparsable() -> None:
    change = feeds.Announcement("boj", SEPTEMBER_BOJ, boj_document_url(SEPTEMBER_BOJ, True), True)
    with pytest.raises(feeds.Unparsable, match="encourage"):
        feeds.parse_boj_document(change, pdf(["Outlook for Economic Activity and Prices"]))
    with pytest.raises(feeds.Unparsable, match="not a readable PDF"):
        feeds.parse_boj_document(change, b"%PDF-1.4\n" + b"\x00garbage" * 20)


def test_feeds_list_the_decision_documents_by_title_and_day() -> None:
    items = feeds.parse_feed(
        "fedfeed",
        fed_feed(
            [
                (
                    "Minutes of the Federal Open Market Committee",
                    "https://x/monetary20260708a.htm",
                    "Wed, 08 Jul 2026 18:00:00 GMT",
                ),
                (FED_TITLE, fed_statement_url(JULY), "Wed, 29 Jul 2026 18:00:00 GMT"),
            ]
        ),
    )
    assert items[1].published == datetime(2026, 7, 29, 18, 0, tzinfo=UTC)
    assert feeds.fed_announcement(items, JULY) == fed_announcement(JULY)
    assert feeds.fed_announcement(items, date(2026, 7, 8)) is None  # minutes, not a statement
    boj_items = feeds.parse_feed(
        "bojfeed",
        boj_feed(
            [
                (BOJ_CHANGE, boj_document_url(SEPTEMBER_BOJ, True), "2026-09-18T12:15:00+09:00"),
                (BOJ_HOLD, boj_document_url(date(2026, 7, 31), False), "2026-07-31T12:05:00+09:00"),
            ]
        ),
    )
    found = feeds.boj_announcement(boj_items, SEPTEMBER_BOJ)
    assert found is not None and found.change is True
    assert feeds.boj_announcement(boj_items, date(2026, 7, 31)).change is False  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"<!DOCTYPE html><html><body>Service unavailable</body></html>", "HTML page"),
        (b"", "answered nothing"),
        (b'<?xml version="1.0"?><rss><channel><item><title>cut', "not well-formed"),
        (b'<?xml version="1.0"?><error>quota</error>', "not an RSS feed"),
    ],
)
def test_a_feed_that_is_not_rss_is_refused(body: bytes, problem: str) -> None:
    with pytest.raises(feeds.FeedError, match=problem):
        feeds.parse_feed("fedfeed", body)


# --- the watch on a meeting day --------------------------------------------------------------


@pytest.fixture
def engine(tmp_path) -> Engine:  # type: ignore[no-untyped-def]
    engine = open_database(f"sqlite:///{tmp_path / 'watch.sqlite3'}")
    yield engine
    engine.dispose()


def test_the_fed_feed_is_polled_from_14_00_until_the_statement_is_recorded(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = DecisionStore(engine)
    with LocalServer() as server:
        monkeypatch.setenv("CARRYBOT_FEDFEED_URL", server.url)
        listed = fed_feed(
            [(FED_TITLE, fed_statement_url(SEPTEMBER_FED), "Wed, 16 Sep 2026 18:00:00 GMT")]
        )
        server.route(feeds.FED_FEED_PATH, [Reply(200, fed_feed([])), Reply(200, listed)])
        statement = fed_statement_html(fed_change_paragraphs("raise", "1/4", "3-3/4", "4"))
        server.serve_bytes(
            "/newsevents/pressreleases/monetary20260916a.htm", statement, "text/html"
        )
        watch = DecisionWatch(store)
        before = datetime(2026, 9, 16, 17, 59, tzinfo=UTC)  # 13:59 in New York
        assert watch.poll(before) == []
        at_two = datetime(2026, 9, 16, 18, 0, tzinfo=UTC)
        assert watch.poll(at_two) == ["fed 2026-09-16: not listed yet"]
        assert watch.poll(at_two + timedelta(minutes=1)) == []  # not due yet
        three_later = at_two + timedelta(minutes=3)
        assert watch.poll(three_later) == [
            "fed 2026-09-16: recorded 3.75-4.00% from 2026-09-17 (new)"
        ]
        assert watch.poll(three_later + timedelta(minutes=3)) == []  # settled: no more requests
        assert len(server.hits()) == 3
    stored = store.get("fed", SEPTEMBER_FED)
    assert stored is not None
    assert (stored.status, stored.added_by, stored.lower, stored.upper) == (
        "announced",
        "fed-feed",
        3.75,
        4.0,
    )
    assert stored.source.endswith("/newsevents/pressreleases/monetary20260916a.htm")


def test_an_html_answer_backs_off_and_is_logged_once(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    with LocalServer() as server:
        monkeypatch.setenv("CARRYBOT_BOJFEED_URL", server.url)
        server.html_error_page(feeds.BOJ_FEED_PATH, status=200)
        watch = DecisionWatch(DecisionStore(engine), budget=5)
        now = datetime(2026, 9, 18, 2, 0, tzinfo=UTC)  # 11:00 in Tokyo
        waits = []
        with caplog.at_level(logging.WARNING, logger="analytics.policy.watch"):
            for _ in range(4):
                lines = watch.poll(now)
                assert len(lines) == 1 and "HTML page" in lines[0]
                waits.append(int(lines[0].rsplit("next in ", 1)[1].split()[0]))
                now += timedelta(seconds=waits[-1])
        assert waits == [360, 720, 1200, 1200]  # 3 min doubling, capped at 20 min
        assert len([r for r in caplog.records if "HTML page" in r.getMessage()]) == 1
        assert watch.poll(now) == [
            "boj 2026-09-18: failed (the feed answered an HTML page, not RSS); next in 1200 s"
        ]
        now += timedelta(seconds=1200)
        assert watch.poll(now) == ["boj 2026-09-18: out of requests"]
        assert len(server.hits()) == 5
    assert DecisionStore(engine).all() == []


def test_an_unparsable_document_is_logged_once_and_never_recorded(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    with LocalServer() as server:
        monkeypatch.setenv("CARRYBOT_BOJFEED_URL", server.url)
        link = boj_document_url(SEPTEMBER_BOJ, True)
        server.serve_bytes(
            feeds.BOJ_FEED_PATH,
            boj_feed([(BOJ_CHANGE, link, "2026-09-18T12:15:00+09:00")]),
            "application/rss+xml",
        )
        server.serve_bytes(
            "/en/mopo/mpmdeci/mpr_2026/k260918a.pdf", pdf(["Japan's Economy"]), "application/pdf"
        )
        watch = DecisionWatch(DecisionStore(engine))
        now = datetime(2026, 9, 18, 3, 0, tzinfo=UTC)
        with caplog.at_level(logging.WARNING, logger="analytics.policy.watch"):
            assert watch.poll(now) == ["boj 2026-09-18: unparsable document"]
            assert watch.poll(now + timedelta(minutes=10)) == []
        assert len([r for r in caplog.records if "not recorded" in r.getMessage()]) == 1
    assert DecisionStore(engine).all() == []


def test_no_meeting_no_request(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    with LocalServer() as server:
        monkeypatch.setenv("CARRYBOT_FEDFEED_URL", server.url)
        monkeypatch.setenv("CARRYBOT_BOJFEED_URL", server.url)
        watch = DecisionWatch(DecisionStore(engine))
        assert watch.poll(datetime(2026, 9, 15, 18, 30, tzinfo=UTC)) == []
        assert server.hits() == []
