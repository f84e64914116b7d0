"""The intraday alert's rules, its words in three languages, and the briefing's verdict."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from analytics.picture.intraday import Fall, Held, IntradayReading, Verdict, close_verdict
from bot.delivery.alerts import SentAlert
from bot.delivery.intraday_alerts import (
    alert_context,
    briefing_context,
    evaluate,
)
from commands.presentation.render import render_text
from commands.reply import Reply
from tests.support import realdata

TOKYO = ZoneInfo("Asia/Tokyo")
AT = datetime(2024, 8, 5, 5, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Chat:
    timezone: str = "Asia/Tokyo"
    language: str = "en"
    alerts: bool = True
    intraday_alerts: bool = True
    pressure_threshold: int = 65
    move_threshold: float = 2.0


def _reading(level: float = 143.16, high: float = 146.34, **kw: object) -> IntradayReading:
    base = IntradayReading(
        at=AT,
        level=level,
        source="twelvedata",
        stale=False,
        moves={1: -0.8, 3: -1.4, 6: -2.2},
        fall=Fall(high, AT - timedelta(hours=6), (level / high - 1) * 100),
        close=146.98,
        close_date=date(2024, 8, 2),
        close_source="h10",
        since_close_pct=(level / 146.98 - 1) * 100,
        pressure=89.3,
        pressure_close=83.6,
        held=(Held("vix", date(2024, 8, 2)),),
        bitcoin=53528.0,
        bitcoin_source="kraken",
        bitcoin_since_fall_pct=-8.8,
    )
    return replace(base, **kw)  # type: ignore[arg-type]


def _local(at: datetime = AT) -> datetime:
    return at.astimezone(TOKYO)


def test_a_fall_of_the_move_threshold_alerts_once_then_waits() -> None:
    state, facts = evaluate(None, _reading(), Chat(), [], _local())
    assert facts is not None and facts["trigger"] == "move" and not state.armed
    later = _reading(level=142.5)
    again, more = evaluate(state, later, Chat(), [], _local(AT + timedelta(hours=1)))
    assert more is None and not again.armed and again.low == 142.5


def test_a_retrace_past_half_the_fall_re_arms() -> None:
    state, _ = evaluate(None, _reading(), Chat(), [], _local())
    back, facts = evaluate(state, _reading(level=145.0, high=145.5), Chat(), [], _local())
    assert facts is None and back.armed


def test_a_new_day_re_arms() -> None:
    state, _ = evaluate(None, _reading(), Chat(), [], _local())
    tomorrow = AT + timedelta(days=1)
    _, facts = evaluate(state, _reading(at=tomorrow), Chat(), [], _local(tomorrow))
    assert facts is not None


def test_a_smaller_fall_or_a_stale_reading_alerts_nobody() -> None:
    assert evaluate(None, _reading(level=145.0), Chat(), [], _local())[1] is None
    assert evaluate(None, _reading(stale=True), Chat(), [], _local())[1] is None


def test_the_chats_move_threshold_decides() -> None:
    assert evaluate(None, _reading(level=144.8), Chat(move_threshold=1.0), [], _local())[1]
    assert evaluate(None, _reading(), Chat(move_threshold=3.0), [], _local())[1] is None


def test_provisional_pressure_crossing_the_threshold_alerts_without_a_big_move() -> None:
    calm_close = _reading(level=145.5, pressure=70.0, pressure_close=60.0)
    _, facts = evaluate(None, calm_close, Chat(), [], _local())
    assert facts is not None and facts["trigger"] == "pressure" and facts["unwind"] is True


def test_the_alert_allowance_holds_it_back() -> None:
    earlier = [SentAlert(_local() - timedelta(hours=2), "regime", 70.0)]
    state, facts = evaluate(None, _reading(), Chat(), earlier, _local())
    assert facts is None and not state.armed  # held back, and not posted later


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", ["USD/JPY fell 2.17% from 146.34", "Bitcoin moved −8.8%", "89/100", "144.04"]),
        ("ja", ["ドル円は", "146.34", "ビットコインは −8.8%", "89/100", "144.04"]),
        ("zh", ["美元/日元从", "146.34", "比特币变动 −8.8%", "89/100", "144.04"]),
    ],
)
def test_the_alert_says_the_move_bitcoin_pressure_and_the_confirming_close(
    language: str, words: list[str]
) -> None:
    _, facts = evaluate(None, _reading(), Chat(language=language), [], _local())
    assert facts is not None
    text = render_text(Reply("intraday_alert", alert_context(facts), locale=language))
    for word in words:
        assert word in text
    assert "14:00 JST" in text  # the chat's zone
    assert "Twelve Data" in text


def test_a_move_below_the_pressure_threshold_is_not_called_an_unwind() -> None:
    _, facts = evaluate(None, _reading(pressure=40.0, pressure_close=30.0), Chat(), [], _local())
    assert facts is not None and facts["unwind"] is False
    text = render_text(Reply("intraday_alert", alert_context(facts)))
    assert "not a carry-unwind reading" in text


def test_the_close_of_5_aug_2024_is_pending_until_it_is_in_then_confirms() -> None:
    before = close_verdict(realdata.computation("2024-08-02"), AT, 2.0, 65)
    assert before.status == "pending" and before.day == date(2024, 8, 5)
    after = close_verdict(realdata.computation("2024-08-05"), AT, 2.0, 65)
    assert after.status == "confirmed" and after.by_pressure
    assert after.close is not None and after.close < 147


@pytest.mark.parametrize("language", ["en", "ja", "zh"])
def test_the_briefing_says_whether_the_close_confirmed_it(language: str) -> None:
    note = {
        "at": AT.isoformat(),
        "tz": "Asia/Tokyo",
        "status": "not_confirmed",
        "day": "2024-04-29",
        "close": 156.2,
        "change_pct": -0.4,
        "pressure": 20.0,
    }
    context = briefing_context(note)
    assert isinstance(context["intraday"], Verdict)
    text = render_text(Reply("intraday_confirmation", context, locale=language))
    assert "156.20" in text and "20/100" in text


def test_the_next_briefing_carries_the_verdict_once_it_is_final(engine: object) -> None:
    from sqlalchemy import Engine

    from bot.delivery.intraday_briefing import BriefingNotes
    from bot.delivery.queue import DeliveryQueue, NewDelivery

    assert isinstance(engine, Engine)
    queue = DeliveryQueue(engine)
    _, facts = evaluate(None, _reading(), Chat(), [], _local())
    assert facts is not None
    queue.enqueue(
        [
            NewDelivery(
                "telegram",
                "-1001",
                "",
                "alert",
                "2024-08-05#intraday-x",
                date(2024, 8, 5),
                "en",
                AT,
                payload=facts,
            )
        ],
        AT,
    )

    def briefing(day: date, at: datetime) -> NewDelivery:
        return NewDelivery("telegram", "-1001", "", "briefing", day.isoformat(), day, "en", at)

    pending_at = AT + timedelta(hours=3)
    notes = BriefingNotes(engine, lambda: realdata.computation("2024-08-02"))
    [row] = notes([briefing(date(2024, 8, 5), pending_at)], pending_at)
    assert row.payload["intraday"]["status"] == "pending"  # the close of 5 Aug is not in yet
    queue.enqueue([row], pending_at)

    next_at = AT + timedelta(days=1)
    notes = BriefingNotes(engine, lambda: realdata.computation("2024-08-05"))
    [row] = notes([briefing(date(2024, 8, 6), next_at)], next_at)
    assert row.payload["intraday"]["status"] == "confirmed"
    queue.enqueue([row], next_at)

    later = AT + timedelta(days=2)
    [row] = notes([briefing(date(2024, 8, 7), later)], later)
    assert "intraday" not in row.payload  # said once; not repeated


def test_the_briefing_words_the_verdict_in_its_own_section() -> None:
    from analytics.narrative.snapshot import build_snapshot
    from commands.handlers.snapshot import briefing_of

    computation = realdata.computation("2024-08-05")
    snapshot = build_snapshot(realdata.observations(), date(2024, 8, 6), computation=computation)
    reply = briefing_of(snapshot, "en")
    verdict = close_verdict(computation, AT, 2.0, 65)
    note = {"at": AT.isoformat(), "tz": "Asia/Tokyo", **verdict.__dict__, "day": "2024-08-05"}
    context = {**reply.context, **briefing_context(note)}
    text = render_text(Reply("brief", context))
    assert "Intraday alert" in text
    assert "The close confirmed this chat's intraday alert of 5 Aug 2024, 14:00 JST" in text
