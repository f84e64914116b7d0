"""``/carry``, ``/carry explain``, ``/carry sources`` and ``/carry brief``: readings of the snapshot."""

from __future__ import annotations

import logging
from typing import Any
from zoneinfo import ZoneInfo

from analytics.narrative.snapshot import Snapshot
from commands.grammar import Command, Invocation
from commands.handlers.views import view
from commands.reply import Reply
from commands.services import NoData, Services

log = logging.getLogger(__name__)


def _with_view(inv: Invocation, template: str, **extra: Any) -> Reply:
    try:
        current = inv.services.snapshots.current()
    except NoData:
        return inv.error("no_data")
    return inv.reply(template, v=view(current.snapshot, inv.settings.timezone), **extra)


def _intraday(inv: Invocation) -> dict[str, Any]:
    """The intraday watch's part of a reply: whether it runs, its reading (None without one)
    and the chat's zone; a failing read leaves the daily reply whole."""
    watch = inv.services.intraday
    zone = ZoneInfo(inv.settings.timezone)
    if watch is None or not watch.on:
        return {"watch": False, "r": None, "zone": zone}
    try:
        found = watch.reading()
    except Exception:
        log.exception("the intraday reading failed")
        found = None
    return {"watch": True, "r": found, "zone": zone}


def carry(inv: Invocation) -> Reply:
    """The snapshot: gaps, USD/JPY, the scores, the regime and a short commentary; between two
    closes, the provisional intraday reading beside it."""
    return _with_view(inv, "carry", **_intraday(inv))


def explain(inv: Invocation) -> Reply:
    """Every component with its raw value, score and weight."""
    return _with_view(inv, "explain")


def sources(inv: Invocation) -> Reply:
    """Each series' last date, source and freshness, and whether the intraday watch runs."""
    return _with_view(inv, "sources", **_intraday(inv))


def brief(inv: Invocation) -> Reply:
    """The day's briefing on demand."""
    return _with_view(inv, "brief")


def briefing(services: Services, language: str = "en") -> Reply:
    """The daily briefing outside a chat (``carrybot brief``, scheduled posts)."""
    try:
        current = services.snapshots.current()
    except NoData:
        return Reply.error("no_data", language)
    return briefing_of(current.snapshot, language)


def briefing_of(snapshot: Snapshot, language: str = "en") -> Reply:
    """The daily briefing of one computed snapshot."""
    return Reply("brief", {"v": view(snapshot)}, locale=language)


COMMANDS = (
    Command("", carry, example="/carry"),
    Command("explain", explain, example="/carry explain"),
    Command("sources", sources, example="/carry sources"),
    Command("brief", brief, example="/carry brief"),
)
