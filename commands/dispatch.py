"""The assembled ``/carry`` command set and the services it runs on.

Adapters need only this module and ``commands.presentation.render``::

    services = make_services(store)                      # once per process
    reply = dispatch("/carry chart gap 1y", ctx, services)
    messages = render(reply, "telegram_html")
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from datetime import UTC, date, datetime
from functools import cache
from typing import Any

import pandas as pd
from sqlalchemy import Engine, func, select

from analytics.charts.frames import chart_frame
from analytics.ingest.intraday import watch_status
from analytics.ingest.intraday_clock import WatchClock
from analytics.ingest.intraday_store import IntradayStore
from analytics.ingest.store import ObservationStore, observations_table
from analytics.narrative.snapshot import build_snapshot
from analytics.policy import decisions as policy_decisions
from analytics.policy.records import DecisionStore
from analytics.policy.status import policy_state
from analytics.signal import pipeline
from analytics.signal.coverage import require_day
from analytics.signal.panel import last_market_day
from commands.context import CommandContext
from commands.grammar import Registry
from commands.grammar import dispatch as dispatch_in
from commands.handlers import charts as chart_cmds
from commands.handlers import help as help_cmds
from commands.handlers import history as history_cmds
from commands.handlers import intraday as intraday_cmds
from commands.handlers import picture as picture_cmds
from commands.handlers import settings as settings_cmds
from commands.handlers import snapshot as snapshot_cmds
from commands.handlers import whatif as whatif_cmds
from commands.intraday import IntradayProvider
from commands.reply import Reply
from commands.services import NoData, Services, SnapshotProvider
from commands.settings.store import SettingsStore

__all__ = ["dispatch", "make_services", "needs_moderator", "registry", "snapshot_builder"]


@cache
def registry() -> Registry:
    """Every subcommand, in the order help lists them."""
    return Registry(
        [
            *snapshot_cmds.COMMANDS[:1],
            *chart_cmds.COMMANDS,
            *snapshot_cmds.COMMANDS[1:2],
            *history_cmds.COMMANDS,
            *snapshot_cmds.COMMANDS[2:],
            *intraday_cmds.COMMANDS,
            *picture_cmds.COMMANDS[:2],
            *whatif_cmds.COMMANDS,
            *picture_cmds.COMMANDS[2:],
            *settings_cmds.COMMANDS,
            *help_cmds.COMMANDS,
        ]
    )


def dispatch(text_or_args: str | Sequence[str], ctx: CommandContext, services: Services) -> Reply:
    """Run one ``/carry`` command (``commands.grammar.dispatch`` on every subcommand); never
    raises."""
    return dispatch_in(text_or_args, ctx, services, registry())


def needs_moderator(text_or_args: str | Sequence[str]) -> bool:
    """Whether this ``/carry`` text runs a moderators' command (look the user's rights up
    only then)."""
    return registry().needs_moderator(text_or_args)


def _utc_today() -> date:
    return datetime.now(UTC).date()


def snapshot_builder(
    store: ObservationStore, today: Callable[[], date] = _utc_today
) -> Callable[[], tuple[Any, pd.DataFrame, Any]]:
    """A function computing (snapshot, daily frame, computation) from everything the store
    holds."""

    def build() -> tuple[Any, pd.DataFrame, Any]:
        obs = store.load()
        if obs.empty or not obs["series"].str.startswith("fx.usdjpy").any():
            raise NoData("no USD/JPY observations stored")
        day = today()
        require_day(obs, day)
        # Policy rates: the tables, the stored decisions and the live rates as known at the time
        # of writing (a past day reads as it would have that evening).
        stored = DecisionStore(store.engine).all()
        now = _writing_time(day)
        policy = policy_state(obs, day, stored, now)
        # Up to the last market close, not to ``day``: a row carried forward past it would
        # present yesterday's close as today's.
        computation = pipeline.compute(
            obs, end=last_market_day(obs, pd.Timestamp(day)), policy_rate=policy.rate
        )
        snapshot = build_snapshot(
            obs, day, computation=computation, stored=stored, now=now, policy=policy
        )
        return snapshot, chart_frame(computation, obs), computation

    return build


def _writing_time(day: date) -> datetime | None:
    """Now for today's snapshot; None (the evening of the day) for a past day's."""
    now = datetime.now(UTC)
    return now if day == now.date() else None


def store_fingerprint(
    store: ObservationStore, today: Callable[[], date] = _utc_today
) -> Callable[[], Hashable]:
    """A cheap check that changes when observations are added or revised, a decision is stored or
    corrected, a decision of the day comes out, or the day turns."""
    t = observations_table
    query = select(func.count(), func.max(t.c.fetched_at))
    decisions = DecisionStore(store.engine)

    def fingerprint() -> Hashable:
        with store.engine.connect() as conn:
            count, last = conn.execute(query).one()
        day = today()
        moment = _writing_time(day)
        out = policy_decisions.phase(day, moment) if moment is not None else ()
        return (day, int(count), str(last), decisions.fingerprint(), out)

    return fingerprint


def make_services(
    store: ObservationStore,
    engine: Engine | None = None,
    today: Callable[[], date] = _utc_today,
    check_seconds: float = 60.0,
    intraday_on: bool | None = None,
) -> Services:
    """Services on an observation store; chat settings go to ``engine`` (default: the store's).
    The intraday watch reads the bars stored beside the observations; it is on when
    ``intraday_on`` says so (default: when ``TWELVEDATA_API_KEY`` is set)."""
    clock = WatchClock.from_env()
    if clock.replaying and today is _utc_today:  # a replay's day is the day being replayed
        today = lambda: clock.now().date()  # noqa: E731
    provider = SnapshotProvider(
        snapshot_builder(store, today),
        chart_cmds.make_chart,
        fingerprint=store_fingerprint(store, today),
        check_seconds=check_seconds,
    )
    on = watch_status().on if intraday_on is None else intraday_on
    watch = IntradayProvider(IntradayStore(store.engine), provider, on=on, clock=clock)
    return Services(SettingsStore(engine or store.engine), provider, watch)
