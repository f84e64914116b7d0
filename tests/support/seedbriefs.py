"""Briefings on the bundled seed, as `carrybot brief --offline --date D` makes them (cached)."""

from __future__ import annotations

import functools
from datetime import date

import pandas as pd

from analytics.ingest import seed
from analytics.narrative.snapshot import Snapshot, build_snapshot
from commands.handlers.views import view
from commands.presentation.render import render_text
from commands.reply import Reply


@functools.cache
def observations() -> pd.DataFrame:
    """The seed's rows labelled as the store labels them (``seed/<source>``)."""
    rows = seed.read()
    return rows.assign(source=seed.SEED_LABEL + "/" + rows["source"])


@functools.cache
def snapshot(day: str, today: str | None = None) -> Snapshot:
    """The snapshot of ``day`` (taken on ``today``, default the same day) from the seed."""
    return build_snapshot(observations(), date.fromisoformat(today or day))


def brief(day: str, locale: str = "en", reply: str = "brief") -> str:
    """The rendered reply (``brief``, ``explain``, ``sources``) of ``day`` on the seed."""
    return render_text(Reply(reply, {"v": view(snapshot(day))}, locale=locale))
