"""The intraday alert: a post while an unwind happens, not at the next close.

A chat with alerts on (and intraday alerts not turned off) is alerted when USD/JPY has fallen
its move threshold (2% by default, ``/carry threshold move N``) or more from its highest point
of the last six hours, or when unwind pressure recomputed with the intraday level crosses the
chat's pressure threshold from below its value at the last close. One post per chat per episode:
after it the chat is disarmed until the move retraces (USD/JPY back above the middle of the
episode's fall) or the chat's local day turns. The post counts against the chat's alert
allowance (``AlertBudget``: one a day, three a week), which may hold it back; what it holds back
is not posted later. A stale reading (no new bar for half an hour) alerts nobody.

The delivery's key names the episode (the bar its fall started from), so however many processes
run the step, and across restarts, an episode is posted once. The step runs every scheduler tick
and right after the poller stores new USD/JPY bars. Its payload holds the facts the templates
word (``replies/intraday_alert.j2``) and the next briefing reads (whether the close confirmed it).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, select, text

from analytics.picture.intraday import Held, IntradayReading, Verdict
from analytics.storage.engine import upsert
from analytics.storage.schema import intraday_alert_state_table
from bot.delivery.alerts import AlertBudget, SentAlert
from bot.delivery.queue import DeliveryQueue, NewDelivery, utc
from bot.delivery.scheduler import ALERT_HISTORY, is_disabled, sent_alerts, zone
from commands.settings.model import ChatKey

log = logging.getLogger(__name__)

ALERT_LOCK = 0x6361_7275  # PostgreSQL advisory lock: one process runs the step at a time
PAYLOAD_KIND = "intraday"
RETRACE_SHARE = 0.5  # back above the middle of the fall re-arms


class AlertSettings(Protocol):
    """What the step reads of a chat's settings."""

    timezone: str
    language: str
    alerts: bool
    intraday_alerts: bool
    pressure_threshold: int
    move_threshold: float


@dataclass(frozen=True)
class EpisodeState:
    """A chat's intraday memory: armed, or in the episode it was alerted for (``day`` local)."""

    armed: bool
    day: date
    episode: str = ""
    high: float | None = None
    low: float | None = None


@dataclass(frozen=True)
class Trigger:
    """Why an alert fires: the move, provisional pressure crossing the threshold, or both."""

    move: bool
    pressure: bool

    @property
    def code(self) -> str:
        return "both" if self.move and self.pressure else "move" if self.move else "pressure"


def trigger(reading: IntradayReading, move_threshold: float, pressure_threshold: float) -> Trigger:
    """Which of the two conditions the reading meets."""
    move = reading.fall is not None and reading.fall.pct <= -move_threshold
    crossed = (
        reading.pressure is not None
        and reading.pressure >= pressure_threshold
        and (reading.pressure_close is None or reading.pressure_close < pressure_threshold)
    )
    return Trigger(move, bool(crossed))


def episode_key(reading: IntradayReading, fired: Trigger) -> str:
    """The episode an alert is for: the bar its fall started from (a pressure crossing alone:
    the hour it was seen)."""
    if fired.move and reading.fall is not None:
        return f"{reading.fall.started:%Y%m%dT%H%MZ}"
    return f"p{reading.at:%Y%m%dT%HZ}"


def evaluate(
    state: EpisodeState | None,
    reading: IntradayReading,
    settings: AlertSettings,
    sent: Sequence[SentAlert],
    now_local: datetime,
    budget: AlertBudget = AlertBudget(),  # noqa: B008 - frozen, shared
) -> tuple[EpisodeState, dict[str, Any] | None]:
    """The chat's next state, and the payload of the alert to post if one fires."""
    today = now_local.date()
    if state is None or state.day != today:
        state = EpisodeState(armed=True, day=today)
    elif not state.armed and state.high is not None and state.low is not None:
        low = min(state.low, reading.level)
        if reading.level >= low + RETRACE_SHARE * (state.high - low):
            state = EpisodeState(armed=True, day=today)
        else:
            state = EpisodeState(False, today, state.episode, state.high, low)
    if not state.armed or reading.stale:
        return state, None
    fired = trigger(reading, settings.move_threshold, settings.pressure_threshold)
    if not (fired.move or fired.pressure):
        return state, None
    key = episode_key(reading, fired)
    high = reading.fall.high if reading.fall is not None else reading.level
    disarmed = EpisodeState(False, today, key, high, reading.level)
    decision = budget.decide(sent, now_local, True, reading.pressure)
    if not decision.post:  # the chat's allowance is spent: held back, not posted later
        return disarmed, None
    return disarmed, payload(reading, settings, fired, key, now_local)


def payload(
    reading: IntradayReading,
    settings: AlertSettings,
    fired: Trigger,
    key: str,
    now_local: datetime,
) -> dict[str, Any]:
    """The alert's facts as JSON-ready values (instants in UTC ISO form, the chat's zone)."""
    fall = reading.fall
    confirm_level = (
        reading.close * (1 - settings.move_threshold / 100) if reading.close is not None else None
    )
    return {
        "kind": PAYLOAD_KIND,
        "as_of": now_local.date().isoformat(),
        "episode": key,
        "trigger": fired.code,
        "tz": settings.timezone,
        "at": reading.at.isoformat(),
        "level": reading.level,
        "source": reading.source,
        "fall_pct": fall.pct if fall else None,
        "fall_high": fall.high if fall else None,
        "started": fall.started.isoformat() if fall else None,
        "since_close_pct": reading.since_close_pct,
        "close": reading.close,
        "close_date": reading.close_date.isoformat() if reading.close_date else None,
        "close_source": reading.close_source,
        "bitcoin_pct": reading.bitcoin_since_fall_pct,
        "bitcoin_source": reading.bitcoin_source,
        "c": reading.pressure,
        "c_close": reading.pressure_close,
        "held": [[h.code, h.as_of.isoformat() if h.as_of else None] for h in reading.held],
        "pressure_threshold": settings.pressure_threshold,
        "move_threshold": settings.move_threshold,
        "confirm_level": confirm_level,
        "unwind": reading.pressure is not None and reading.pressure >= settings.pressure_threshold,
    }


class AlertingChats(Protocol):
    """The chats with alerts on and their settings (``SettingsStore.alerting``)."""

    def alerting(self) -> Sequence[tuple[ChatKey, Any]]: ...


class IntradayAlerts:
    """Runs the step against the database: ``reading(now)`` gives the current intraday reading
    (None without bars), ``disabled`` the chats not to post to."""

    def __init__(
        self,
        engine: Engine,
        chats: AlertingChats,
        queue: DeliveryQueue,
        reading: Callable[[datetime], IntradayReading | None],
        *,
        disabled: Callable[[], Collection[tuple[str, str]]] | None = None,
        budget: AlertBudget | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.engine = engine
        self.clock = clock  # the watch's time (a replay's), which wins over the tick's
        self.chats = chats
        self.queue = queue
        self.reading = reading
        self.disabled = disabled or (lambda: set())
        self.budget = budget or AlertBudget()

    def run(self, now: datetime) -> int:
        """Evaluate every alerting chat at ``now``; returns how many alerts were enqueued."""
        now = utc(self.clock() if self.clock is not None else now)
        with self.engine.connect() as lock_conn:
            if not _try_lock(lock_conn):
                return 0
            try:
                return self._run(now)
            finally:
                _unlock(lock_conn)

    def _run(self, now: datetime) -> int:
        chats = [
            (key, s)
            for key, s in self.chats.alerting()
            if getattr(s, "intraday_alerts", True) and s.alerts
        ]
        if not chats:
            return 0
        try:
            current = self.reading(now)
        except Exception:
            log.exception("reading the intraday bars for alerts failed")
            return 0
        if current is None:
            return 0
        blocked = self.disabled()
        states = self._states()
        history = self.queue.recent_alerts(now - ALERT_HISTORY)
        rows: list[NewDelivery] = []
        new_states: list[tuple[ChatKey, EpisodeState]] = []
        for key, settings in chats:
            if is_disabled(key, blocked):
                continue
            tz = zone(settings.timezone)
            local_now = now.astimezone(tz)
            past = history.get((key.platform, key.chat_id, key.channel_id), [])
            old = states.get((key.platform, key.chat_id, key.channel_id))
            state, facts = evaluate(
                old, current, settings, sent_alerts(past, tz), local_now, self.budget
            )
            if state != old:
                new_states.append((key, state))
            if facts is None:
                continue
            rows.append(
                NewDelivery(
                    platform=key.platform,
                    chat_id=key.chat_id,
                    channel_id=key.channel_id,
                    kind="alert",
                    key=f"{local_now.date().isoformat()}#intraday-{facts['episode']}",
                    day=local_now.date(),
                    locale=settings.language,
                    due_at=now,
                    payload=facts,
                )
            )
        added = self.queue.enqueue(rows, now)
        self._save_states(new_states, now)
        if added:
            log.info("intraday alert to %d chat(s): USD/JPY %.2f", added, current.level)
        return added

    def _states(self) -> dict[tuple[str, str, str], EpisodeState]:
        t = intraday_alert_state_table
        with self.engine.connect() as conn:
            rows = conn.execute(select(t)).all()
        return {
            (r.platform, r.chat_id, r.channel_id): EpisodeState(
                bool(r.armed), r.day, r.episode, r.high, r.low
            )
            for r in rows
        }

    def _save_states(self, states: Sequence[tuple[ChatKey, EpisodeState]], now: datetime) -> None:
        if not states:
            return
        t = intraday_alert_state_table
        rows = [
            {
                "platform": k.platform,
                "chat_id": k.chat_id,
                "channel_id": k.channel_id,
                "armed": s.armed,
                "day": s.day,
                "episode": s.episode,
                "high": s.high,
                "low": s.low,
                "updated_at": now,
            }
            for k, s in states
        ]
        with self.engine.begin() as conn:
            upsert(conn, t, rows)


def zone_of(payload: Mapping[str, Any]) -> ZoneInfo:
    """The chat's zone an alert's times are shown in."""
    return zone(str(payload.get("tz") or "UTC"))


def _try_lock(conn: Connection) -> bool:
    if conn.dialect.name != "postgresql":
        return True
    got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": ALERT_LOCK}).scalar()
    conn.commit()
    return bool(got)


def _unlock(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ALERT_LOCK})
        conn.commit()


def alert_context(facts: Mapping[str, Any]) -> dict[str, Any]:
    """The template context of an alert's payload: instants and dates parsed, the chat's zone."""
    context = dict(facts)
    context["zone"] = zone_of(facts)
    context["at"] = datetime.fromisoformat(str(facts["at"]))
    started = facts.get("started")
    context["started"] = datetime.fromisoformat(str(started)) if started else None
    close_date = facts.get("close_date")
    context["close_date"] = date.fromisoformat(str(close_date)) if close_date else None
    context["held"] = [
        Held(str(code), date.fromisoformat(str(day)) if day else None)
        for code, day in facts.get("held") or []
    ]
    return context


def briefing_context(note: Mapping[str, Any]) -> dict[str, Any]:
    """The briefing's context for its sentence on the chat's intraday alert (``note``: what
    ``BriefingNotes`` attached)."""
    verdict = Verdict(
        status=str(note["status"]),
        day=date.fromisoformat(str(note["day"])),
        close=note.get("close"),
        change_pct=note.get("change_pct"),
        pressure=note.get("pressure"),
        by_move=bool(note.get("by_move")),
        by_pressure=bool(note.get("by_pressure")),
    )
    return {
        "intraday": verdict,
        "intraday_at": datetime.fromisoformat(str(note["at"])),
        "zone": zone_of(note),
    }
