"""The scheduler tick: once a minute, which chats are due a briefing and which alerts fire.

No job per chat and nothing kept only in memory: each tick reads the chats' settings, computes
every subscribed chat's briefing instant for its local date from its IANA zone, and enqueues
what became due since the last tick (the deliveries table drops what another process already
enqueued). DST: a local time that does not exist (the spring gap) posts at the first valid
minute after it; a local time that happens twice (autumn) posts at the first; the key is the
local date, so it is posted once. A briefing the bot was down for is posted late only within
``late_window``; older ones are recorded as ``skipped``.

Alerts are evaluated when the snapshot changes: a regime change, or unwind pressure / carry fuel
reaching the chat's threshold (re-armed only after falling ``hysteresis`` points below it), or a
move of unwind pressure by 15 points since the chat's last alert, all within the alert budget of
``bot.delivery.alerts.AlertBudget`` (one a day, three a week). The pure functions below are what
tests drive with a controllable clock; ``Scheduler.tick`` adds the database around them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, select, text, update

from analytics.storage.engine import insert, upsert
from analytics.storage.schema import alert_state_table, scheduler_state_table
from bot.chat_registry import ChatRegistry
from bot.delivery.alerts import AlertBudget, SentAlert
from bot.delivery.decision_posts import enqueue_decision_posts
from bot.delivery.queue import Delivery, DeliveryQueue, NewDelivery, utc
from bot.sending.reasons import DB_UNAVAILABLE, LATE
from commands.services import Current
from commands.settings.model import ChatKey, ChatSettings

log = logging.getLogger(__name__)

DEFAULT_LATE_WINDOW = timedelta(hours=2)
HYSTERESIS = 10.0  # points below a threshold before it can alert again
STALE_AFTER = timedelta(days=5)  # no alerts from data older than a long weekend
ALERT_HISTORY = timedelta(days=8)
TICK_LOCK = 0x6361_7272  # PostgreSQL advisory lock: one process runs the tick at a time


# --- briefings --------------------------------------------------------------------------------


@lru_cache(maxsize=1024)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def briefing_instant(day: date, hhmm: str, tz: ZoneInfo) -> datetime:
    """The UTC instant of ``hhmm`` on local ``day``: the first occurrence of a repeated local
    time, the first valid minute after a skipped one."""
    hour, minute = (int(part) for part in hhmm.split(":"))
    wanted = datetime.combine(day, time(hour, minute))
    first = wanted.replace(tzinfo=tz, fold=0)
    instant = first.astimezone(UTC)
    if instant.astimezone(tz).replace(tzinfo=None) == wanted:
        return instant
    # In a gap, fold=1 maps with the offset after the change (the earlier instant) and fold=0
    # with the one before (the later); the transition, where the local clock jumps past
    # ``wanted``, lies between them.
    moment = wanted.replace(tzinfo=tz, fold=1).astimezone(UTC)
    while moment < instant and moment.astimezone(tz).replace(tzinfo=None) < wanted:
        moment += timedelta(minutes=1)
    return moment


@dataclass(frozen=True)
class Subscription:
    """A chat with its settings."""

    key: ChatKey
    settings: ChatSettings


@dataclass(frozen=True)
class DueBriefing:
    """A briefing whose instant passed: post it, or record it skipped (``late``)."""

    subscription: Subscription
    day: date
    at: datetime
    late: bool


def due_briefings(
    subscriptions: Iterable[Subscription],
    now: datetime,
    last_tick: datetime | None,
    late_window: timedelta = DEFAULT_LATE_WINDOW,
) -> list[DueBriefing]:
    """Briefings that became due after ``last_tick`` and by ``now``.

    One within ``late_window`` of ``now`` is to be posted (also on the first tick ever, when
    ``last_tick`` is None); one older than that was missed while no tick ran and is marked
    ``late`` (skipped). One due before ``last_tick`` was handled by that tick, or the chat
    subscribed after its time: its first briefing is the next day's.
    """
    if late_window >= timedelta(hours=20):
        raise ValueError("the late window must be shorter than a day")
    now = utc(now)
    since = utc(last_tick) if last_tick is not None else now - late_window
    found = []
    for sub in subscriptions:
        settings = sub.settings
        tz = zone(settings.timezone)
        today = now.astimezone(tz).date()
        for day in (today - timedelta(days=1), today):
            at = briefing_instant(day, settings.briefing_time, tz)
            if since < at <= now:
                found.append(DueBriefing(sub, day, at, late=at <= now - late_window))
    return found


def briefing_delivery(
    due: DueBriefing, now: datetime | None = None, cause: str = LATE
) -> NewDelivery:
    """The deliveries row of a due briefing (``skipped`` when it is too late to post, found so
    at ``now``, for ``cause``: ``late`` or ``db_unavailable``)."""
    key, settings = due.subscription.key, due.subscription.settings
    late = ""
    if due.late:
        found = utc(now) if now is not None else due.at
        what = "carrybot was not running" if cause == LATE else "the database could not be used"
        late = (
            f"{what}: due {due.at:%Y-%m-%d %H:%M} UTC, found {_minutes(found - due.at)} late "
            "(beyond the late window)"
        )
    return NewDelivery(
        platform=key.platform,
        chat_id=key.chat_id,
        channel_id=key.channel_id,
        kind="briefing",
        key=due.day.isoformat(),
        day=due.day,
        locale=settings.language,
        due_at=due.at,
        state="skipped" if due.late else "queued",
        error=late,
        reason=cause if due.late else "",
    )


def _minutes(span: timedelta) -> str:
    """``3 h 12 min``, ``45 min``."""
    minutes = max(0, round(span.total_seconds() / 60))
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest} min" if hours else f"{rest} min"


# --- alerts -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reading:
    """What alerts read from a snapshot."""

    version: str
    as_of: date
    regime: str
    c: float | None
    fuel: float | None


@dataclass(frozen=True)
class AlertState:
    """A chat's alert memory: the last reading it was judged on and which thresholds are armed."""

    version: str
    regime: str
    c: float | None
    fuel: float | None
    pressure_armed: bool
    fuel_armed: bool


@dataclass(frozen=True)
class Alert:
    """An alert to post: what happened (``regime``, ``pressure``, ``fuel`` or ``move``)."""

    kind: str
    payload: dict[str, Any]


def _armed(armed: bool, value: float | None, threshold: float, hysteresis: float) -> bool:
    if value is None:
        return armed
    if value < threshold - hysteresis:
        return True
    return armed and value < threshold


def evaluate_alert(
    state: AlertState | None,
    reading: Reading,
    settings: ChatSettings,
    sent: Sequence[SentAlert],
    now_local: datetime,
    budget: AlertBudget = AlertBudget(),  # noqa: B008 - frozen, shared
    hysteresis: float = HYSTERESIS,
    stale: bool = False,
) -> tuple[AlertState, Alert | None]:
    """The chat's next alert state, and the alert to post if one fires.

    A chat seen for the first time is only remembered (a threshold already exceeded then is
    not news). A threshold fires when reached while armed, and disarms until the value falls
    ``hysteresis`` points below it. The budget may hold an alert back; what it held back is not
    posted later. ``stale`` data updates the memory without posting.
    """
    c, fuel = reading.c, reading.fuel
    if state is None:
        first = AlertState(
            reading.version,
            reading.regime,
            c,
            fuel,
            pressure_armed=c is None or c < settings.pressure_threshold,
            fuel_armed=fuel is None or fuel < settings.fuel_threshold,
        )
        return first, None
    if state.version == reading.version:
        return state, None
    crossed = []
    pressure_armed, fuel_armed = state.pressure_armed, state.fuel_armed
    if pressure_armed and c is not None and c >= settings.pressure_threshold:
        crossed.append("pressure")
        pressure_armed = False
    else:
        pressure_armed = _armed(pressure_armed, c, settings.pressure_threshold, hysteresis)
    if fuel_armed and fuel is not None and fuel >= settings.fuel_threshold:
        crossed.append("fuel")
        fuel_armed = False
    else:
        fuel_armed = _armed(fuel_armed, fuel, settings.fuel_threshold, hysteresis)
    new = AlertState(reading.version, reading.regime, c, fuel, pressure_armed, fuel_armed)
    if stale:
        return new, None
    changed = reading.regime != state.regime
    decision = budget.decide(sent, now_local, changed or bool(crossed), c)
    if not decision.post:
        return new, None
    kind = "regime" if changed else crossed[0] if crossed else "move"
    last_c = max(sent, key=lambda a: a.at).c if sent else None
    payload = {
        "kind": kind,
        "as_of": reading.as_of.isoformat(),
        "regime": reading.regime,
        "previous": state.regime,
        "c": c,
        "fuel": fuel,
        "last_c": last_c,
        "pressure_threshold": settings.pressure_threshold,
        "fuel_threshold": settings.fuel_threshold,
        "crossed": crossed,
    }
    return new, Alert(kind, payload)


def sent_alerts(rows: Iterable[Delivery], tz: ZoneInfo) -> list[SentAlert]:
    """Deliveries rows of kind ``alert`` as the budget reads them (chat-local times)."""
    found = []
    for row in rows:
        c = row.payload.get("c")
        found.append(SentAlert(utc(row.due_at).astimezone(tz), row.payload.get("kind", "alert"), c))
    return found


# --- the tick ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TickResult:
    """What one tick did."""

    ran: bool = True
    briefings: int = 0
    skipped: int = 0
    alerts: int = 0
    decisions: int = 0


class SubscribedChats(Protocol):
    """Where the chats with the briefing or alerts on come from (``SettingsStore``)."""

    def subscribed(self) -> list[tuple[ChatKey, ChatSettings]]: ...

    def alerting(self) -> list[tuple[ChatKey, ChatSettings]]: ...


class Subscriptions:
    """Chats with the briefing on and chats with alerts on, from the settings store."""

    def __init__(self, settings: SubscribedChats) -> None:
        self.settings = settings

    def briefings(self) -> list[Subscription]:
        return [Subscription(key, s) for key, s in self.settings.subscribed()]

    def alerts(self) -> list[Subscription]:
        return [Subscription(key, s) for key, s in self.settings.alerting()]


class Scheduler:
    """Runs ticks against the database; ``reading`` gives the current snapshot's facts (None
    when there is no data) and ``disabled`` the chats not to post to."""

    def __init__(
        self,
        engine: Engine,
        subscriptions: Subscriptions,
        queue: DeliveryQueue,
        reading: Callable[[], Reading | None],
        *,
        disabled: Callable[[], Mapping[tuple[str, str], str]] | None = None,
        late_window: timedelta = DEFAULT_LATE_WINDOW,
        budget: AlertBudget | None = None,
        hysteresis: float = HYSTERESIS,
        running_since: datetime | None = None,
        briefing_notes: Callable[[list[NewDelivery], datetime], list[NewDelivery]] | None = None,
        steps: Sequence[Callable[[datetime], int]] = (),
    ) -> None:
        self.engine = engine
        # Additions to briefing rows (the verdict on a chat's intraday alert), and further
        # alert steps run in the tick (the intraday alert); each returns the alerts it enqueued.
        self.briefing_notes = briefing_notes
        self.steps = tuple(steps)
        self.subscriptions = subscriptions
        self.queue = queue
        self.reading = reading
        self.disabled = disabled or (lambda: {})
        # When this process started ticking: a briefing that fell due since then and is found
        # late was held up by the database (its ticks failed), not by carrybot being down.
        self.running_since = utc(running_since or datetime.now(UTC))
        self.late_window = late_window
        self.budget = budget or AlertBudget()
        self.hysteresis = hysteresis

    def tick(self, now: datetime) -> TickResult:
        """Enqueue what became due by ``now``; on PostgreSQL only one process ticks at a time
        (the others return ``ran=False``; the unique keys are the safety net anyway)."""
        now = utc(now)
        with self.engine.connect() as lock_conn:
            if not _try_lock(lock_conn):
                return TickResult(ran=False)
            try:
                return self._tick(now)
            finally:
                _unlock(lock_conn)

    def _tick(self, now: datetime) -> TickResult:
        last = self.last_tick()
        blocked = self.disabled()
        subs = [s for s in self.subscriptions.briefings() if not is_disabled(s.key, blocked)]
        due = due_briefings(subs, now, last, self.late_window)
        rows = [briefing_delivery(d, now, self._late_cause(d)) for d in due]
        if rows and self.briefing_notes is not None:
            try:
                rows = self.briefing_notes(rows, now)
            except Exception:
                log.exception("adding notes to the briefings failed; they go without")
        self.queue.enqueue(rows, now)
        skipped = sum(1 for d in due if d.late)
        alerts = self._alerts(now, blocked)
        for step in self.steps:
            try:
                alerts += step(now)
            except Exception:
                log.exception("an alert step failed")
        decisions = self._decision_posts(now, blocked)
        self._set_last_tick(now)
        if due or alerts or decisions:
            log.info("tick %s: %d briefing(s) due, %d skipped, %d alert(s), %d decision post(s)",
                     now.isoformat(timespec="seconds"), len(due) - skipped, skipped, alerts,
                     decisions)  # fmt: skip
        return TickResult(True, len(due) - skipped, skipped, alerts, decisions)

    def _decision_posts(self, now: datetime, blocked: Mapping[tuple[str, str], str]) -> int:
        try:
            chats = [(s.key, s.settings) for s in self.subscriptions.alerts()]
            return enqueue_decision_posts(
                self.engine, self.queue, chats, now, lambda key: is_disabled(key, blocked)
            )
        except Exception:
            log.exception("enqueueing decision posts failed")
            return 0

    def _late_cause(self, due: DueBriefing) -> str:
        """Why a late briefing was not enqueued in time: carrybot was not running then, or it
        was and its ticks could not use the database."""
        return DB_UNAVAILABLE if due.at >= self.running_since else LATE

    def _alerts(self, now: datetime, blocked: Mapping[tuple[str, str], str]) -> int:
        try:
            reading = self.reading()
        except Exception:
            log.exception("reading the snapshot for alerts failed")
            return 0
        if reading is None:
            return 0
        subs = self.subscriptions.alerts()
        if not subs:
            return 0
        states = self._states()
        history = self.queue.recent_alerts(now - ALERT_HISTORY)
        stale = now.date() - reading.as_of > STALE_AFTER
        new_states: list[tuple[ChatKey, AlertState]] = []
        rows: list[NewDelivery] = []
        for sub in subs:
            key = sub.key
            old = states.get((key.platform, key.chat_id, key.channel_id))
            if old is not None and old.version == reading.version:
                continue
            tz = zone(sub.settings.timezone)
            local_now = now.astimezone(tz)
            past = history.get((key.platform, key.chat_id, key.channel_id), [])
            state, alert = evaluate_alert(
                old,
                reading,
                sub.settings,
                sent_alerts(past, tz),
                local_now,
                self.budget,
                self.hysteresis,
                stale=stale or is_disabled(key, blocked),
            )
            new_states.append((key, state))
            if alert is None:
                continue
            day = local_now.date()
            ordinal = 1 + sum(1 for d in past if d.day == day)
            rows.append(
                NewDelivery(
                    platform=key.platform,
                    chat_id=key.chat_id,
                    channel_id=key.channel_id,
                    kind="alert",
                    key=f"{day.isoformat()}#{ordinal}",
                    day=day,
                    locale=sub.settings.language,
                    due_at=now,
                    payload=alert.payload,
                )
            )
        added = self.queue.enqueue(rows, now)
        self._save_states(new_states, now)
        return added

    # -- state -------------------------------------------------------------------------------

    def last_tick(self) -> datetime | None:
        """When the last completed tick (of any process) ran."""
        t = scheduler_state_table
        with self.engine.connect() as conn:
            value = conn.execute(select(t.c.at).where(t.c.name == "tick")).scalar_one_or_none()
        return None if value is None else utc(value)

    def _set_last_tick(self, now: datetime) -> None:
        t = scheduler_state_table
        with self.engine.begin() as conn:
            conn.execute(insert(conn, t).values(name="tick", at=now).on_conflict_do_nothing())
            conn.execute(update(t).where(t.c.name == "tick", t.c.at < now).values(at=now))

    def _states(self) -> dict[tuple[str, str, str], AlertState]:
        t = alert_state_table
        with self.engine.connect() as conn:
            rows = conn.execute(select(t)).all()
        return {
            (r.platform, r.chat_id, r.channel_id): AlertState(
                r.version, r.regime, r.c, r.fuel, bool(r.pressure_armed), bool(r.fuel_armed)
            )
            for r in rows
        }

    def _save_states(self, states: Sequence[tuple[ChatKey, AlertState]], now: datetime) -> None:
        if not states:
            return
        t = alert_state_table
        rows = [
            {
                "platform": k.platform,
                "chat_id": k.chat_id,
                "channel_id": k.channel_id,
                "version": s.version,
                "regime": s.regime,
                "c": s.c,
                "fuel": s.fuel,
                "pressure_armed": s.pressure_armed,
                "fuel_armed": s.fuel_armed,
                "updated_at": now,
            }
            for k, s in states
        ]
        with self.engine.begin() as conn:
            upsert(conn, t, rows)


def reading_from(current: Current) -> Reading:
    """A ``Reading`` from ``SnapshotProvider.current()``."""
    snap = current.snapshot
    return Reading(
        version=str(current.version),
        as_of=snap.as_of,
        regime=str(snap.regime.regime),
        c=snap.unwind_pressure,
        fuel=snap.carry_fuel,
    )


def is_disabled(key: ChatKey, blocked: Collection[tuple[str, str]]) -> bool:
    """Whether a chat (or its Discord channel) is among the disabled ones."""
    return (key.platform, key.chat_id) in blocked or (
        bool(key.channel_id) and (key.platform, key.channel_id) in blocked
    )


def _try_lock(conn: Connection) -> bool:
    if conn.dialect.name != "postgresql":
        return True
    got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": TICK_LOCK}).scalar()
    conn.commit()
    return bool(got)


def _unlock(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": TICK_LOCK})
        conn.commit()


def disabled_chats(
    registry: ChatRegistry, platforms: Sequence[str]
) -> Callable[[], dict[tuple[str, str], str]]:
    """A ``disabled`` source from the chat registry (Discord: channel ids): each disabled chat
    with the registry's reason."""

    def read() -> dict[tuple[str, str], str]:
        return {
            (p, s.chat_id): s.disabled_reason or "disabled"
            for p in platforms
            for s in registry.disabled_chats(p)
        }

    return read
