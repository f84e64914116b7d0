"""``/carry``, ``/carry explain``, ``/carry sources`` and ``/carry brief``: readings of the snapshot."""

from __future__ import annotations

from analytics.narrative.snapshot import Snapshot
from commands.grammar import Command, Invocation
from commands.handlers.views import view
from commands.reply import Reply
from commands.services import NoData, Services


def _with_view(inv: Invocation, template: str) -> Reply:
    try:
        current = inv.services.snapshots.current()
    except NoData:
        return inv.error("no_data")
    return inv.reply(template, v=view(current.snapshot, inv.settings.timezone))


def carry(inv: Invocation) -> Reply:
    """The snapshot: gaps, USD/JPY, the scores, the regime and a short commentary."""
    return _with_view(inv, "carry")


def explain(inv: Invocation) -> Reply:
    """Every component with its raw value, score and weight."""
    return _with_view(inv, "explain")


def sources(inv: Invocation) -> Reply:
    """Each series' last date, source and freshness."""
    return _with_view(inv, "sources")


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
