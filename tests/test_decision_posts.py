"""Stored decisions and decision posts: recorded once, corrected in place, confirmed by the live
rate; one post per decision per chat with alerts on, through several schedulers and restarts,
outside the alert allowance, a correction not posted again (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pandas as pd
from sqlalchemy import Engine

from analytics.policy.posts import post_facts
from analytics.policy.records import DecisionStore, StoredDecision
from analytics.policy.sync import sync_live
from bot.chat_registry import ChatRegistry
from bot.delivery.queue import DeliveryQueue
from bot.delivery.scheduler import Scheduler, Subscriptions, disabled_chats
from commands.settings.store import SettingsStore
from tests.support.fanout import subscribe
from tests.support.policy_data import BOJ_2024_2026
from tests.test_policy_live import obs_from

SEPTEMBER = date(2026, 9, 18)
HIKE = StoredDecision(
    "boj",
    SEPTEMBER,
    date(2026, 9, 24),
    1.25,
    1.25,
    "announced",
    "https://www.boj.or.jp/en/mopo/mpmdeci/mpr_2026/k260918a.pdf",
    "boj-feed",
)


def test_a_decision_is_recorded_once_corrected_in_place_and_removed(engine: Engine) -> None:
    store = DecisionStore(engine)
    assert store.record(HIKE) == "new"
    assert store.record(HIKE) == "unchanged"
    corrected = StoredDecision(**{**HIKE.__dict__, "effective": date(2026, 9, 25)})
    assert store.record(corrected) == "corrected"
    [row] = store.all()
    assert (row.effective, row.status) == (date(2026, 9, 25), "announced")
    assert store.confirm("boj", SEPTEMBER) and not store.confirm("boj", SEPTEMBER)
    # Read again from the feed: a confirmed decision stays confirmed.
    assert store.record(corrected) == "unchanged"
    assert store.get("boj", SEPTEMBER).status == "confirmed"  # type: ignore[union-attr]
    assert store.remove("boj", SEPTEMBER) is not None
    assert store.remove("boj", SEPTEMBER) is None and store.all() == []


def test_the_post_says_the_decision_the_new_gap_and_which_way_carry_moves() -> None:
    facts = post_facts(HIKE, [HIKE], date(2026, 9, 18))
    assert (facts.action, facts.change_bp, facts.previous_lower) == ("raised", 25.0, 1.0)
    # The Fed's 16 Sep hike (3.75-4.00%, the table) against the BoJ going from 1.0 to 1.25%.
    assert (facts.gap_before_bp, facts.gap_after_bp, facts.carry) == (287.5, 262.5, "narrower")
    hold = StoredDecision(
        "fed", date(2026, 10, 28), date(2026, 10, 28), 3.75, 4.0, "announced", "u", "fed-feed"
    )
    facts = post_facts(hold, [hold], date(2026, 10, 28))
    assert (facts.action, facts.carry, facts.gap_after_bp) == ("held", "unchanged", 262.5)
    cut = StoredDecision(
        "fed", date(2026, 12, 9), date(2026, 12, 10), 3.5, 3.75, "live", "us.fed.range", "live"
    )
    facts = post_facts(cut, [cut], date(2026, 12, 10))
    assert (facts.action, facts.gap_before_bp, facts.gap_after_bp, facts.carry) == (
        "cut",
        262.5,
        237.5,
        "narrower",
    )


def make_scheduler(engine: Engine) -> Scheduler:
    return Scheduler(
        engine,
        Subscriptions(SettingsStore(engine)),
        DeliveryQueue(engine),
        lambda: None,
        disabled=disabled_chats(ChatRegistry(engine), ["telegram", "discord"]),
    )


def test_every_chat_with_alerts_gets_one_post_per_decision(engine: Engine) -> None:
    subscribe(engine, ["-1", "-2"], timezone="Asia/Tokyo", alerts=True)
    subscribe(engine, ["guild"], platform="discord", channel_ids=["chan"], alerts=True)
    subscribe(engine, ["-9"], timezone="Asia/Tokyo", alerts=False)  # briefings only: no post
    ChatRegistry(engine).disable("telegram", "-2", "blocked")
    now = datetime(2026, 9, 18, 3, 20, 1, tzinfo=UTC)
    first, second = make_scheduler(engine), make_scheduler(engine)
    assert first.tick(now).decisions == 0  # nothing known yet
    DecisionStore(engine).record(HIKE, now)
    assert first.tick(now + timedelta(minutes=1)).decisions == 2
    assert second.tick(now + timedelta(minutes=2)).decisions == 0  # another process
    restarted = make_scheduler(engine)
    assert restarted.tick(now + timedelta(minutes=3)).decisions == 0  # after a restart
    # A correction (the effective day, then the live confirmation) is the same decision.
    DecisionStore(engine).record(
        StoredDecision(**{**HIKE.__dict__, "effective": date(2026, 9, 25)})
    )
    DecisionStore(engine).confirm("boj", SEPTEMBER)
    assert restarted.tick(now + timedelta(minutes=4)).decisions == 0
    posts = DeliveryQueue(engine).rows(kind="decision")
    assert sorted((p.platform, p.chat_id, p.channel_id, p.key) for p in posts) == [
        ("discord", "guild", "chan", "boj:2026-09-18"),
        ("telegram", "-1", "", "boj:2026-09-18"),
    ]
    assert posts[0].payload["gap_after_bp"] == 262.5
    # Decision posts are not alerts: the day's alert allowance is untouched.
    assert DeliveryQueue(engine).recent_alerts(now - timedelta(days=8)) == {}


def test_an_old_decision_is_not_posted(engine: Engine) -> None:
    subscribe(engine, ["-1"], alerts=True)
    old = StoredDecision(
        **{**HIKE.__dict__, "decided": date(2026, 6, 16), "effective": date(2026, 6, 17)}
    )
    DecisionStore(engine).record(old, datetime(2026, 6, 16, 3, 0, tzinfo=UTC))
    # Added by hand three months later: it took effect long ago, nothing to announce.
    assert make_scheduler(engine).tick(datetime(2026, 9, 18, 3, 0, tzinfo=UTC)).decisions == 0


def test_a_live_move_is_recorded_once_and_a_stored_one_confirmed(engine: Engine) -> None:
    store = DecisionStore(engine)
    store.record(HIKE)
    segments = (*BOJ_2024_2026, ("2026-11-02", "2026-11-20", 1.477))
    obs = obs_from(segments)
    done = sync_live(store, obs, date(2026, 11, 20))
    assert done == [
        "boj 2026-09-18: confirmed by the live rate",
        "boj 2026-10-30: a live move recorded (1.5-1.5%)",
    ]
    assert sync_live(store, obs, date(2026, 11, 20)) == []
    live = store.get("boj", date(2026, 10, 30))
    assert live is not None and (live.status, live.added_by, live.source) == (
        "live",
        "live",
        "jp.call",
    )
    assert store.get("boj", SEPTEMBER).status == "confirmed"  # type: ignore[union-attr]
    assert isinstance(obs, pd.DataFrame)
