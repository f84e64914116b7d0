"""Decision posts: when a Fed or BoJ decision becomes known, one post to every chat with alerts on.

Called from the scheduler's minute tick. A decision is posted when it is stored (read from a
bank's feed, detected in the live rates, or added by the operator: ``analytics.policy.records``),
was recorded and took effect (or takes effect) within ``RECENT``. Each chat gets one post per
decision: the deliveries key is ``bank:decision day`` (kind ``decision``), unique per chat, so
however many processes tick, and after a restart, it is enqueued once; a correction of the same
decision keeps the key and is not posted again. Decision posts are not alerts: they do not use
the chat's alert allowance.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from analytics.policy.posts import post_facts
from analytics.policy.records import DecisionStore, StoredDecision
from bot.delivery.queue import DeliveryQueue, NewDelivery, utc
from commands.settings.model import ChatKey, ChatSettings

KIND = "decision"
RECENT = timedelta(days=7)


def recent_decisions(stored: Iterable[StoredDecision], now: datetime) -> list[StoredDecision]:
    """Decisions to post at ``now``: taken by today, in effect for at most ``RECENT`` (or not yet),
    and recorded within ``RECENT``."""
    now = utc(now)
    today = now.date()
    return [
        d
        for d in stored
        if d.decided <= today
        and d.effective >= today - RECENT
        and (d.recorded_at is None or utc(d.recorded_at) >= now - RECENT)
    ]


def post_key(decision: StoredDecision) -> str:
    """The deliveries key of a decision's post: the same for every correction of it."""
    return f"{decision.bank}:{decision.decided.isoformat()}"


def decision_deliveries(
    decisions: Iterable[StoredDecision],
    chats: Iterable[tuple[ChatKey, ChatSettings]],
    stored: list[StoredDecision],
    now: datetime,
    blocked: Callable[[ChatKey], bool] = lambda key: False,
) -> list[NewDelivery]:
    """One delivery per decision and chat with alerts on (chats the bot cannot post to skipped)."""
    now = utc(now)
    chats = [(k, s) for k, s in chats if not blocked(k)]
    rows = []
    for decision in decisions:
        payload = post_facts(decision, stored, now.date()).payload()
        for key, settings in chats:
            rows.append(
                NewDelivery(
                    platform=key.platform,
                    chat_id=key.chat_id,
                    channel_id=key.channel_id,
                    kind=KIND,
                    key=post_key(decision),
                    day=now.astimezone(ZoneInfo(settings.timezone)).date(),
                    locale=settings.language,
                    due_at=now,
                    payload=payload,
                )
            )
    return rows


def enqueue_decision_posts(
    engine: Engine,
    queue: DeliveryQueue,
    chats: list[tuple[ChatKey, ChatSettings]],
    now: datetime,
    blocked: Callable[[ChatKey], bool] = lambda key: False,
) -> int:
    """Enqueue the posts of recent decisions that chats have not had; returns how many were new."""
    if not chats:
        return 0
    stored = DecisionStore(engine).all()
    recent = recent_decisions(stored, now)
    if not recent:
        return 0
    return queue.enqueue(decision_deliveries(recent, chats, stored, now, blocked), now)
