"""The deliveries table on SQLite and PostgreSQL: enqueue once, claim once, recover honestly."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine

from bot.delivery.queue import (
    AMBIGUOUS,
    CLAIMED,
    FAILED,
    QUEUED,
    SENDING,
    SENT,
    DeliveryQueue,
    NewDelivery,
    make_nonce,
)
from bot.delivery.report import deliveries_report

NOW = datetime(2026, 6, 12, 8, 0, 5, tzinfo=UTC)
DAY = date(2026, 6, 12)


def briefing(chat: str, platform: str = "telegram", channel: str = "", key: str = "2026-06-12"):
    return NewDelivery(
        platform=platform,
        chat_id=chat,
        channel_id=channel,
        kind="briefing",
        key=key,
        day=date.fromisoformat(key),
        locale="en",
        due_at=NOW - timedelta(seconds=5),
    )


def never_alive(tag: str, me: str) -> bool | None:
    return tag == me


def test_enqueue_is_idempotent_per_unique_key(engine: Engine) -> None:
    queue = DeliveryQueue(engine)
    assert queue.enqueue([briefing("-1"), briefing("-2")], NOW) == 2
    assert queue.enqueue([briefing("-1"), briefing("-3")], NOW) == 1
    assert queue.enqueue([briefing("-1", key="2026-06-13")], NOW) == 1
    assert queue.counts() == {("briefing", QUEUED): 4}


def test_the_nonce_is_deterministic_and_fits_discord() -> None:
    a = make_nonce("discord", "1", "2", "briefing", "2026-06-12")
    assert a == make_nonce("discord", "1", "2", "briefing", "2026-06-12")
    assert a != make_nonce("discord", "1", "2", "briefing", "2026-06-13")
    assert len(a) + 2 <= 25


def test_claim_send_confirm(engine: Engine) -> None:
    queue = DeliveryQueue(engine)
    queue.enqueue([briefing("-1"), briefing("-2")], NOW)
    first = queue.claim("w1", 1, NOW)
    assert [d.state for d in first] == [CLAIMED]
    assert queue.mark_sending(first[0].id, "w2", NOW) is False  # not its claim
    assert queue.mark_sending(first[0].id, "w1", NOW) is True
    assert queue.confirm(first[0].id, "w1", ["1000"], "v1", NOW) is True
    row = queue.get(first[0].id)
    assert row is not None
    assert (row.state, row.message_id, row.attempts, row.snapshot_version) == (
        SENT,
        "1000",
        1,
        "v1",
    )
    assert row.sent_at == NOW
    assert [d.chat_id for d in queue.claim("w1", 10, NOW)] == ["-2"]
    assert queue.claim("w1", 10, NOW) == []


def test_rows_not_yet_due_are_not_claimed(engine: Engine) -> None:
    queue = DeliveryQueue(engine)
    queue.enqueue([briefing("-1")], NOW)
    [row] = queue.claim("w1", 5, NOW)
    later = NOW + timedelta(seconds=30)
    assert queue.retry(row.id, "w1", "flood control", later, NOW)
    assert queue.claim("w1", 5, NOW) == []
    assert [d.id for d in queue.claim("w1", 5, later)] == [row.id]


def test_concurrent_claimers_never_share_a_row(engine: Engine) -> None:
    queue = DeliveryQueue(engine)
    queue.enqueue([briefing(str(-i)) for i in range(1, 301)], NOW)
    got: dict[str, list[int]] = {}
    errors: list[BaseException] = []

    def claimer(name: str) -> None:
        try:
            mine = got.setdefault(name, [])
            while True:
                batch = queue.claim(name, 7, NOW)
                if not batch:
                    return
                mine.extend(d.id for d in batch)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=claimer, args=(f"w{i}",)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    ids = [i for batch in got.values() for i in batch]
    assert len(ids) == len(set(ids)) == 300
    assert sum(1 for batch in got.values() if batch) >= 2


def test_recovery_requeues_claims_and_never_resends_an_unsure_telegram_post(
    engine: Engine,
) -> None:
    queue = DeliveryQueue(engine)
    queue.enqueue([briefing("-1"), briefing("-2"), briefing("-3")], NOW)
    _a, b, c = queue.claim("dead", 3, NOW)
    queue.mark_sending(b.id, "dead", NOW)
    queue.mark_sending(c.id, "dead", NOW)
    queue.confirm(c.id, "dead", ["7"], "", NOW)
    result = queue.recover("me", NOW, alive=never_alive)
    assert (result.requeued_claims, result.requeued_with_nonce, result.ambiguous) == (1, 0, 1)
    states = {d.chat_id: d.state for d in queue.rows()}
    assert states == {"-1": QUEUED, "-2": AMBIGUOUS, "-3": SENT}
    assert "not resent" in next(d.error for d in queue.rows() if d.state == AMBIGUOUS)
    assert [d.chat_id for d in queue.claim("me", 10, NOW)] == ["-1"]


def test_recovery_resends_a_recent_discord_post_with_its_nonce(engine: Engine) -> None:
    queue = DeliveryQueue(engine)
    queue.enqueue(
        [briefing("g1", "discord", "c1"), briefing("g1", "discord", "c2")], NOW - timedelta(hours=1)
    )
    recent, old = queue.claim("dead", 2, NOW)
    queue.mark_sending(old.id, "dead", NOW - timedelta(minutes=30))
    queue.mark_sending(recent.id, "dead", NOW - timedelta(minutes=1))
    result = queue.recover("me", NOW, alive=never_alive)
    assert (result.requeued_with_nonce, result.ambiguous) == (1, 1)
    [again] = queue.claim("me", 10, NOW)
    assert (again.id, again.nonce, again.attempts) == (recent.id, recent.nonce, 1)
    assert "same nonce" in again.error


def test_a_live_workers_rows_are_left_alone_until_its_lease_runs_out(engine: Engine) -> None:
    queue = DeliveryQueue(engine)
    queue.enqueue([briefing("-1")], NOW)
    [row] = queue.claim("other-host:1:x", 1, NOW)
    queue.mark_sending(row.id, "other-host:1:x", NOW)
    unknown = lambda tag, me: None  # noqa: E731 - another host: cannot tell
    assert queue.recover("me", NOW + timedelta(seconds=30), alive=unknown).ambiguous == 0
    queue.heartbeat("other-host:1:x", NOW + timedelta(seconds=60))
    assert queue.recover("me", NOW + timedelta(seconds=120), alive=unknown).ambiguous == 0
    assert queue.recover("me", NOW + timedelta(minutes=5), alive=unknown).ambiguous == 1


def test_a_clean_stop_puts_claims_back(engine: Engine) -> None:
    queue = DeliveryQueue(engine)
    queue.enqueue([briefing("-1"), briefing("-2")], NOW)
    a, _b = queue.claim("w", 2, NOW)
    queue.mark_sending(a.id, "w", NOW)
    assert queue.release("w", NOW) == 1
    assert {d.chat_id: d.state for d in queue.rows()} == {"-1": SENDING, "-2": QUEUED}


def test_report_counts_states_and_lists_failures_with_reasons(engine: Engine) -> None:
    queue = DeliveryQueue(engine)
    queue.enqueue([briefing("-1"), briefing("-2"), briefing("-3")], NOW)
    queue.enqueue([briefing("-1", key="2026-06-11")], NOW)
    a, b, c = queue.claim("w", 3, NOW)
    for row in (a, b, c):
        queue.mark_sending(row.id, "w", NOW)
    queue.confirm(a.id, "w", ["1"], "", NOW)
    queue.finish(b.id, "w", FAILED, "Telegram: forbidden (chat disabled)", NOW)
    queue.finish(c.id, "w", AMBIGUOUS, "Telegram did not answer (TimedOut)", NOW)
    text = deliveries_report(engine, DAY)
    assert "on 2026-06-12" in text
    assert "sent" in text and "failed" in text and "ambiguous" in text
    assert "-2" in text and "forbidden (chat disabled)" in text
    assert "TimedOut" in text
    assert "queued" not in text  # the 11th's row is another day
    assert "queued" in deliveries_report(engine, None)
    assert "none" in deliveries_report(engine, date(2020, 1, 1))


@pytest.mark.parametrize("state", [SENT, FAILED])
def test_finishing_needs_the_claim(engine: Engine, state: str) -> None:
    queue = DeliveryQueue(engine)
    queue.enqueue([briefing("-1")], NOW)
    [row] = queue.claim("w", 1, NOW)
    queue.mark_sending(row.id, "w", NOW)
    if state == SENT:
        assert queue.confirm(row.id, "intruder", ["1"]) is False
    else:
        assert queue.finish(row.id, "intruder", FAILED, "no") is False
    assert queue.get(row.id).state == SENDING  # type: ignore[union-attr]


# --- repeatable after a lost answer ----------------------------------------------------------


@pytest.fixture
def answers_lost_once(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every queue operation runs twice, as ``retrying`` does when the connection dies after
    the COMMIT went through but before its answer came back: attempt 1 commits and its result
    is lost, attempt 2 must find the work done."""
    import bot.delivery.queue as queue_module

    operations: list[str] = []

    def lost_then_retried(engine, operation, fn, *, writes=True):  # type: ignore[no-untyped-def]
        operations.append(operation)
        fn(1)  # committed; the answer never arrives
        return fn(2)

    monkeypatch.setattr(queue_module, "retrying", lost_then_retried)
    return operations


def test_a_claim_whose_answer_was_lost_is_taken_back_by_its_retry(
    engine: Engine, answers_lost_once: list[str]
) -> None:
    queue = DeliveryQueue(engine)
    queue.enqueue([briefing("-1"), briefing("-2"), briefing("-3")], NOW)
    claimed = queue.claim("w", 2, NOW)
    assert sorted(d.chat_id for d in claimed) == ["-1", "-2"]
    # Nothing claimed by the lost attempt is left behind in "claimed" unknown to the worker.
    states = {d.chat_id: d.state for d in queue.rows()}
    assert states == {"-1": CLAIMED, "-2": CLAIMED, "-3": QUEUED}


def test_transitions_whose_answer_was_lost_report_done(
    engine: Engine, answers_lost_once: list[str]
) -> None:
    queue = DeliveryQueue(engine)
    queue.enqueue([briefing("-1"), briefing("-2")], NOW)
    a, b = queue.claim("w", 2, NOW)
    assert queue.mark_sending(a.id, "w", NOW) is True
    assert queue.get(a.id).attempts == 1  # type: ignore[union-attr]  # counted once
    assert queue.confirm(a.id, "w", ["77"], "", NOW) is True
    assert queue.mark_sending(b.id, "w", NOW) is True
    assert queue.finish(b.id, "w", FAILED, "blocked", NOW, code="blocked") is True
    rows = {d.chat_id: d for d in queue.rows()}
    assert (rows["-1"].state, rows["-1"].message_id) == (SENT, "77")
    assert (rows["-2"].state, rows["-2"].reason) == (FAILED, "blocked")
    # But a row another worker holds is still refused.
    assert queue.confirm(a.id, "intruder", ["1"]) is False


def test_a_claim_the_worker_does_not_hold_runs_out_with_its_lease(engine: Engine) -> None:
    """The heartbeat renews only the rows a worker holds: any other claim of it (a lost answer
    the retry could not take back) returns to the queue after the lease."""
    queue = DeliveryQueue(engine)
    queue.enqueue([briefing("-1"), briefing("-2")], NOW)
    held, forgotten = queue.claim("w", 2, NOW)
    later = NOW + timedelta(seconds=60)
    assert queue.heartbeat("w", later, ids=[held.id]) == 1
    recovery = queue.recover("w", NOW + timedelta(seconds=120), alive=lambda tag, me: True)
    assert recovery.requeued_claims == 1
    states = {d.id: d.state for d in queue.rows()}
    assert states == {held.id: CLAIMED, forgotten.id: QUEUED}
    assert queue.heartbeat("w", later, ids=[]) == 0


def test_release_keeps_the_rows_a_worker_holds(engine: Engine) -> None:
    queue = DeliveryQueue(engine)
    queue.enqueue([briefing("-1"), briefing("-2")], NOW)
    held, _ = queue.claim("w", 2, NOW)
    assert queue.release("w", NOW, keep=[held.id]) == 1
    assert {d.chat_id: d.state for d in queue.rows()} == {"-1": CLAIMED, "-2": QUEUED}


def test_the_oldest_due_and_the_last_change(engine: Engine) -> None:
    queue = DeliveryQueue(engine)
    assert queue.oldest_due(NOW) is None and queue.last_change() is None
    queue.enqueue([briefing("-1"), briefing("-2")], NOW)
    assert queue.oldest_due(NOW) == NOW - timedelta(seconds=5)
    assert queue.oldest_due(NOW - timedelta(minutes=1)) is None  # not due yet then
    assert queue.last_change() == NOW
