"""``carrybot brief`` refreshes stale sources first, within one time budget, then renders.

Progress goes to stderr; the briefing on stdout starts with a note naming the sources that
could not be refreshed, so figures that fell back to the store are never shown as just fetched.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from datetime import date
from typing import TextIO

from analytics.ingest.refresh import SourceResult, refresh, stale_sources
from analytics.ingest.store import ObservationStore
from commands.reply import Reply


def refresh_before_brief(
    store: ObservationStore,
    today: date,
    budget: float,
    language: str = "en",
    err: TextIO | None = None,
) -> Reply | None:
    """Refresh the stale sources within ``budget`` seconds; a note when some could not be."""
    out = err or sys.stderr
    names = stale_sources(store, today)
    if not names:
        return None
    started = time.monotonic()
    print(
        f"refreshing {', '.join(names)} (stale) within {budget:g} s; --offline skips this",
        file=out,
        flush=True,
    )
    results = refresh(
        store,
        names,
        today=today,
        progress=progress_printer(out),
        deadline=started + budget,
        parallel=True,
    )
    print(_summary(results, time.monotonic() - started), file=out, flush=True)
    trouble = [r for r in results if r.errors]
    if not trouble:
        return None
    return Reply("refresh_note", {"results": trouble, "budget": budget}, locale=language)


def progress_printer(out: TextIO) -> Callable[[str, str], None]:
    """A progress callback for sources refreshed side by side: one whole line at a time."""
    lock = threading.Lock()

    def show(source: str, message: str) -> None:
        with lock:
            out.write(f"[{source}] {message}\n")
            out.flush()

    return show


def _summary(results: list[SourceResult], elapsed: float) -> str:
    lines = [f"refresh done in {elapsed:.1f} s:"]
    for r in results:
        if r.failed:
            outcome = f"failed: {r.errors[0] if r.errors else 'no request made'}"
        else:
            state = "ok" if r.ok else f"partial ({len(r.errors)} problem(s))"
            outcome = f"{state}: {r.inserted} new, {r.revised} revised"
        lines.append(f"  {r.source:<9} {outcome}")
    return "\n".join(lines)
