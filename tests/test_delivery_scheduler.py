"""The scheduler on a controllable clock: due once per local date, DST-safe, late only within the
window; alerts on regime changes and thresholds, with hysteresis and the budget."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from bot.chat_registry import ChatRegistry
from bot.delivery.alerts import AlertBudget, SentAlert
from bot.delivery.queue import DeliveryQueue
from bot.delivery.scheduler import (
    AlertState,
    DueBriefing,
    Reading,
    Scheduler,
    Subscription,
    Subscriptions,
    briefing_instant,
    disabled_chats,
    due_briefings,
    evaluate_alert,
)
from commands.settings.model import ChatKey, ChatSettings
from commands.settings.store import SettingsStore
from tests.support.fanout import subscribe

LONDON, NEW_YORK = ZoneInfo("Europe/London"), ZoneInfo("America/New_York")
MINUTE = timedelta(minutes=1)


def sub(hhmm: str, zone: str, chat: str = "-1") -> Subscription:
    return Subscription(
        ChatKey("telegram", chat), ChatSettings(briefing=True, briefing_time=hhmm, timezone=zone)
    )


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def simulate(
    subs: list[Subscription], start: datetime, end: datetime, late: timedelta = timedelta(hours=2)
) -> list[tuple[datetime, DueBriefing]]:
    """Tick once a minute (a second past it) from ``start`` to ``end``; what each tick posts."""
    posted: list[tuple[datetime, DueBriefing]] = []
    last = None
    now = start.replace(second=1)
    while now <= end:
        posted += [(now, due) for due in due_briefings(subs, now, last, late)]
        last, now = now, now + MINUTE
    return posted


# --- briefing instants across DST ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "hhmm", "zone", "expected"),
    [
        (date(2026, 6, 12), "08:00", "Asia/Tokyo", utc(2026, 6, 11, 23, 0)),
        # spring gap: 01:30 does not exist in London on 29 March; 02:00 BST is the first minute
        (date(2026, 3, 29), "01:30", "Europe/London", utc(2026, 3, 29, 1, 0)),
        (date(2026, 3, 8), "02:30", "America/New_York", utc(2026, 3, 8, 7, 0)),
        # autumn: 01:30 happens twice; the first (summer time) counts
        (date(2026, 10, 25), "01:30", "Europe/London", utc(2026, 10, 25, 0, 30)),
        (date(2026, 11, 1), "01:30", "America/New_York", utc(2026, 11, 1, 5, 30)),
        (date(2026, 3, 29), "08:00", "Europe/London", utc(2026, 3, 29, 7, 0)),
        (date(2026, 10, 25), "08:00", "Europe/London", utc(2026, 10, 25, 8, 0)),
    ],
)
def test_briefing_instant(day: date, hhmm: str, zone: str, expected: datetime) -> None:
    assert briefing_instant(day, hhmm, ZoneInfo(zone)) == expected


@pytest.mark.parametrize(
    ("zone", "start", "times"),
    [
        ("Europe/London", utc(2026, 3, 27, 12), ("00:30", "01:00", "01:30", "02:00", "08:00")),
        ("Europe/London", utc(2026, 10, 23, 12), ("00:30", "01:00", "01:30", "02:00", "08:00")),
        ("America/New_York", utc(2026, 3, 6, 12), ("01:30", "02:00", "02:30", "03:00", "08:00")),
        ("America/New_York", utc(2026, 10, 30, 12), ("00:30", "01:00", "01:30", "02:00", "08:00")),
    ],
)
def test_across_a_dst_change_each_briefing_is_posted_once_at_its_local_time(
    zone: str, start: datetime, times: tuple[str, ...]
) -> None:
    tz = ZoneInfo(zone)
    subs = [sub(t, zone, chat=str(-i)) for i, t in enumerate(times, 1)]
    posted = simulate(subs, start, start + timedelta(days=4))
    for s in subs:
        mine = [(now, due) for now, due in posted if due.subscription == s]
        days = [due.day for _, due in mine]
        assert len(days) == len(set(days)) == 4, (s.settings.briefing_time, days)
        for now, due in mine:
            assert not due.late
            assert now - due.at < MINUTE  # the first tick after the instant
            wall = due.at.astimezone(tz).strftime("%H:%M")
            if wall != s.settings.briefing_time:  # only in the spring gap: the minute after it
                before = (due.at - MINUTE).astimezone(tz).strftime("%H:%M")
                assert before < s.settings.briefing_time < wall, (wall, before)


ZONES = ["Europe/London", "America/New_York", "Australia/Lord_Howe", "Asia/Tokyo",
         "America/Sao_Paulo", "Pacific/Chatham", "Europe/Berlin"]  # fmt: skip


@settings(max_examples=25, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    hour=st.integers(0, 23),
    minute=st.sampled_from([0, 1, 15, 30, 45, 59]),
    start=st.dates(date(2025, 1, 1), date(2027, 12, 25)),
)
def test_any_zone_and_time_is_posted_once_per_local_date(
    zone: str, hour: int, minute: int, start: date
) -> None:
    s = sub(f"{hour:02d}:{minute:02d}", zone)
    begin = datetime.combine(start, datetime.min.time(), UTC)
    posted = simulate([s], begin, begin + timedelta(days=3))
    days = [due.day for _, due in posted]
    assert len(days) == len(set(days)) >= 2
    # the first tick ever also posts what fell due within the late window before it
    assert all(now - due.at < MINUTE for now, due in posted if due.at >= begin)


def test_the_late_window_posts_missed_briefings_only_while_they_are_fresh() -> None:
    chats = [sub("08:00", "Europe/London", "-1"), sub("06:00", "Europe/London", "-2")]
    down, back = utc(2026, 6, 12, 4, 0), utc(2026, 6, 12, 8, 30)  # 05:00–09:30 BST
    due = {d.subscription.key.chat_id: d for d in due_briefings(chats, back, down)}
    assert not due["-1"].late  # 08:00, 1.5 h ago: posted late
    assert due["-2"].late  # 06:00, 3.5 h ago: recorded as skipped


def test_a_briefing_missed_over_midnight_is_posted_for_the_day_it_was_due() -> None:
    s = sub("23:30", "Asia/Tokyo")
    [due] = due_briefings([s], utc(2026, 6, 12, 15, 40), utc(2026, 6, 12, 14, 0))
    assert (due.day, due.late) == (date(2026, 6, 12), False)


def test_a_chat_that_subscribes_after_its_time_starts_the_next_day() -> None:
    s = sub("08:00", "Asia/Tokyo")
    now = utc(2026, 6, 12, 0, 30)  # 09:30 in Tokyo; the last tick ran a minute ago
    assert due_briefings([s], now, now - MINUTE) == []
    assert [d.day for d in due_briefings([s], utc(2026, 6, 12, 23, 0, 1), now)] == [
        date(2026, 6, 13)
    ]


# --- the tick against the database ----------------------------------------------------------------


def make_scheduler(engine: Engine, reading=lambda: None) -> Scheduler:  # type: ignore[no-untyped-def]
    return Scheduler(
        engine,
        Subscriptions(SettingsStore(engine)),
        DeliveryQueue(engine),
        reading,
        disabled=disabled_chats(ChatRegistry(engine), ["telegram"]),
    )


def test_ticks_of_two_processes_enqueue_each_briefing_once(engine: Engine) -> None:
    subscribe(engine, ["-1", "-2", "-3"], timezone="Asia/Tokyo")
    ChatRegistry(engine).disable("telegram", "-3", "blocked")
    first, second = make_scheduler(engine), make_scheduler(engine)
    before = utc(2026, 6, 11, 22, 59, 1)
    first.tick(before)
    assert DeliveryQueue(engine).rows() == []
    now = utc(2026, 6, 11, 23, 0, 1)
    assert first.tick(now).briefings == 2
    second.tick(now)
    first.tick(now + MINUTE)
    rows = DeliveryQueue(engine).rows()
    assert sorted((r.chat_id, r.key, r.state, r.locale) for r in rows) == [
        ("-1", "2026-06-12", "queued", "en"),
        ("-2", "2026-06-12", "queued", "ja"),
    ]
    assert rows[0].due_at == utc(2026, 6, 11, 23, 0)


def test_a_long_outage_records_the_briefing_as_skipped(engine: Engine) -> None:
    subscribe(engine, ["-1"], timezone="Asia/Tokyo")
    scheduler = make_scheduler(engine)
    scheduler.tick(utc(2026, 6, 11, 20, 0, 1))
    result = scheduler.tick(utc(2026, 6, 12, 1, 30, 1))  # back 2.5 h after 08:00 JST
    assert (result.briefings, result.skipped) == (0, 1)
    [row] = DeliveryQueue(engine).rows()
    assert (row.state, row.key) == ("skipped", "2026-06-12")
    assert "late window" in row.error


# --- alerts ---------------------------------------------------------------------------------------

SETTINGS = ChatSettings(alerts=True, pressure_threshold=65, fuel_threshold=70, timezone="UTC")


def reading(version: str, c: float, regime: str = "STABLE", fuel: float = 40.0) -> Reading:
    return Reading(version, date(2026, 6, 12), regime, c, fuel)


def step(
    state: AlertState | None, r: Reading, sent: list[SentAlert], at: datetime
) -> tuple[AlertState, str | None]:
    new, alert = evaluate_alert(state, r, SETTINGS, sent, at, AlertBudget())
    if alert is not None:
        sent.append(SentAlert(at, alert.kind, r.c))
    return new, None if alert is None else alert.kind


def test_a_chat_seen_for_the_first_time_gets_no_alert() -> None:
    state, kind = step(None, reading("v1", 80, "UNWINDING"), [], utc(2026, 6, 12, 9))
    assert kind is None and not state.pressure_armed


def test_threshold_crossings_alert_once_until_pressure_falls_back_through_the_band() -> None:
    sent: list[SentAlert] = []
    t = utc(2026, 6, 1, 9)
    state, _ = step(None, reading("v0", 50), sent, t)
    kinds = []
    for i, c in enumerate([60, 66, 62, 67, 58, 66, 54, 66]):
        state, kind = step(state, reading(f"v{i + 1}", c), sent, t + timedelta(days=i + 1))
        kinds.append(kind)
    # 66 alerts; 62→67 and 58→66 stay inside the 10-point band; below 55 re-arms; 66 alerts
    assert kinds == [None, "pressure", None, None, None, None, None, "pressure"]


def test_a_regime_change_alerts_within_the_daily_and_weekly_budget() -> None:
    sent: list[SentAlert] = []
    t = utc(2026, 6, 1, 9)
    state, _ = step(None, reading("v0", 30, "STABLE"), sent, t)
    regimes = ["ELEVATED", "STABLE", "ELEVATED", "STABLE", "ELEVATED"]
    kinds = []
    for i, name in enumerate(regimes):
        at = t + timedelta(hours=1) if i == 1 else t + timedelta(days=i)
        state, kind = step(state, reading(f"v{i + 1}", 30, name), sent, at)
        kinds.append(kind)
    # second change the same day: over the daily budget; the fifth: three this week already
    assert kinds == ["regime", None, "regime", "regime", None]


def test_a_large_move_since_the_last_alert_is_an_alert_too() -> None:
    sent: list[SentAlert] = []
    t = utc(2026, 6, 1, 9)
    state, _ = step(None, reading("v0", 30, "STABLE"), sent, t)
    state, kind = step(state, reading("v1", 31, "ELEVATED"), sent, t + timedelta(days=1))
    assert kind == "regime"
    state, kind = step(state, reading("v2", 40, "ELEVATED"), sent, t + timedelta(days=2))
    assert kind is None
    state, kind = step(state, reading("v3", 47, "ELEVATED"), sent, t + timedelta(days=3))
    assert kind == "move"


def test_the_tick_posts_an_alert_per_chat_when_the_regime_changes(engine: Engine) -> None:
    subscribe(engine, ["-1", "-2"], timezone="Europe/London", alerts=True)
    current = [reading("v1", 30, "STABLE")]
    scheduler = make_scheduler(engine, lambda: current[0])
    now = utc(2026, 6, 12, 9, 0, 1)
    assert scheduler.tick(now).alerts == 0
    current[0] = reading("v2", 58, "ELEVATED")
    assert scheduler.tick(now + MINUTE).alerts == 2
    assert scheduler.tick(now + 2 * MINUTE).alerts == 0  # same snapshot: nothing new
    current[0] = reading("v3", 70, "UNWINDING")
    assert scheduler.tick(now + 3 * MINUTE).alerts == 0  # one alert a day
    alerts = DeliveryQueue(engine).rows(kind="alert")
    assert sorted((a.chat_id, a.key) for a in alerts) == [
        ("-1", "2026-06-12#1"),
        ("-2", "2026-06-12#1"),
    ]
    assert alerts[0].payload["kind"] == "regime"
    assert alerts[0].payload["previous"] == "STABLE"
