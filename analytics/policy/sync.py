"""Keeping the stored decisions in step with the live rates, after each refresh.

``sync_live(store, obs, today)`` records each move the live series show that no table or stored
decision explains (status ``live``, so chats get a decision post), and marks stored decisions the
live series now show as ``confirmed``. Only moves of the last ``HORIZON`` are recorded: older
history is the tables' business.
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from analytics.policy import decisions as policy
from analytics.policy import live as live_rates
from analytics.policy.history import CONFIRMED, known
from analytics.policy.records import LIVE, DecisionStore, StoredDecision

HORIZON = timedelta(days=45)


def sync_live(store: DecisionStore, obs: pd.DataFrame, today: date) -> list[str]:
    """Record live moves nobody recorded and confirm what the live series show; returns one line
    per change made."""
    stored = store.all()
    mine = {(s.bank, s.decided): s for s in stored}
    live = live_rates.from_observations(obs, today)
    done = []
    for bank in policy.BANKS:
        history = known(bank, today, stored, live[bank])
        for d in history.decisions:
            before = history.previous(d)
            moved = before is None or not before.same_rate(d.lower, d.upper)
            held = mine.get((bank, d.decided))
            recent = d.decided >= today - HORIZON
            if held is None and recent and d.origin == "live" and moved:
                store.record(
                    StoredDecision(
                        bank=bank,
                        decided=d.decided,
                        effective=d.effective,
                        lower=d.lower,
                        upper=d.upper,
                        status=LIVE,
                        source=d.source,
                        added_by="live",
                        between_meetings=d.between_meetings,
                        note=d.note,
                    )
                )
                done.append(f"{bank} {d.decided}: a live move recorded ({d.lower:g}-{d.upper:g}%)")
            elif (
                held is not None
                and held.added_by != "live"  # a live move cannot confirm itself
                and d.status == CONFIRMED
                and held.status != CONFIRMED
            ):
                store.confirm(bank, d.decided)
                done.append(f"{bank} {d.decided}: confirmed by the live rate")
    return done
