"""``/carry markets``, ``/carry size`` and ``/carry hikes``: the wider picture around the signal.

Each reads the warm snapshot (``analytics.narrative.snapshot``): the risk assets and Japan's long end, the
size of the carry trade by definition with the CFTC-measured position, and the BoJ hike event
study. Without data ``markets`` and ``hikes`` answer with the ``no_data`` error like every
snapshot reading; ``size`` still lists the published estimates.
"""

from __future__ import annotations

from analytics.picture import carry_size
from commands.grammar import Command, Invocation
from commands.handlers.views import view
from commands.reply import Reply
from commands.services import NoData


def _snapshot_reply(inv: Invocation, template: str, **extra: object) -> Reply:
    try:
        current = inv.services.snapshots.current()
    except NoData:
        return inv.error("no_data")
    return inv.reply(template, v=view(current.snapshot), **extra)


def markets(inv: Invocation) -> Reply:
    """Nikkei 225, S&P 500, Bitcoin and the VIX, and the JGB long end."""
    return _snapshot_reply(inv, "markets")


def size(inv: Invocation) -> Reply:
    """Published sizes of the yen carry trade by definition, and the CFTC-measured position.

    The published estimates ship with the package, so they are shown even before any data is
    stored; the measured position then says it has nothing to measure from."""
    try:
        snapshot = inv.services.snapshots.current().snapshot
    except NoData:
        return inv.reply("size", table=carry_size.table(), measured=None, today=None)
    return inv.reply(
        "size", table=carry_size.table(), measured=snapshot.carry_size, today=snapshot.today
    )


def hikes(inv: Invocation) -> Reply:
    """Every BoJ hike and what USD/JPY, stocks, Bitcoin and the 2-year gap did after it."""
    try:
        current = inv.services.snapshots.current()
    except NoData:
        return inv.error("no_data")
    return inv.reply("hikes", study=current.snapshot.hikes)


COMMANDS = (
    Command("markets", markets, example="/carry markets"),
    Command("size", size, example="/carry size"),
    Command("hikes", hikes, example="/carry hikes"),
)
