"""``carrybot brief``: refresh what is stale, then print the day's briefing (the main job)."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from typing import TYPE_CHECKING

from bot.cli.args import write_output

if TYPE_CHECKING:
    from analytics.ingest.store import ObservationStore
    from commands.reply import Reply
    from commands.services import Services


def cmd_brief(args: argparse.Namespace) -> int:
    """Render the briefing as plain text in the terminal."""
    from analytics.ingest.seed import open_seeded_store
    from commands.dispatch import make_services
    from commands.presentation.render import render_text
    from commands.services import NoData

    store = open_seeded_store()
    today = date.today()
    day = args.date or today
    if day == today and not args.offline:
        from bot.cli.brief_refresh import refresh_before_brief

        note = refresh_before_brief(store, today, args.budget, args.lang)
        if note is not None:
            print(render_text(note) + "\n")
    services = make_services(store, today=lambda: day)
    print(render_text(brief_reply(store, services, day, args.lang, cached=not args.chart)))
    if args.chart:
        try:
            chart = services.snapshots.chart("gap", "1y", language=args.lang)
        except NoData:
            print("error: no data to chart yet; run `carrybot refresh`", file=sys.stderr)
            return 1
        write_output(args.chart, chart.png)
        print(f"\nChart written to {args.chart}")
    return 0


def brief_reply(
    store: ObservationStore, services: Services, day: date, language: str, cached: bool
) -> Reply:
    """The briefing of ``day``: from the snapshot cache when the data, the day and the analytics
    code are those of an earlier run (``bot/cli/snapshot_cache.py``), else computed (and kept)."""
    from analytics.storage.location import cache_dir
    from bot.cli.snapshot_cache import SnapshotCache, cache_key
    from commands.dispatch import store_fingerprint
    from commands.handlers.snapshot import briefing, briefing_of

    if not cached:
        return briefing(services, language)
    cache = SnapshotCache(cache_dir())
    key = cache_key(store_fingerprint(store, lambda: day)(), day)
    snapshot = cache.load(key)
    if snapshot is not None:
        return briefing_of(snapshot, language)
    reply = briefing(services, language)
    if reply.ok:  # computed: the provider holds the snapshot
        cache.save(key, services.snapshots.current().snapshot)
    return reply
