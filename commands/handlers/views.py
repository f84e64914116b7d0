"""What the snapshot templates read: the ``Snapshot`` plus a few facts derived from it.

The snapshot hands over codes, dates and numbers only (notes, regime rules, the lede's claims);
the templates word them in the chat's language.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from analytics.catalogue.notes import Note
from analytics.ingest.seed import is_seed_source
from analytics.narrative import verdicts
from analytics.narrative.decision_day import DecidesToday
from analytics.narrative.lede import Claim, lede, positioning_current
from analytics.narrative.snapshot import ComponentReading, SeriesFreshness, Snapshot
from analytics.picture.differential import GapBlock
from analytics.policy.status import PolicyReading


@dataclass(frozen=True)
class StaleInput:
    """An input shown with an old value: which one (a code for the templates) and its date."""

    name: str
    as_of: date | None


@dataclass(frozen=True)
class SnapshotView:
    """A snapshot with the facts its replies need precomputed."""

    s: Snapshot
    gaps: dict[str, GapBlock]
    fed: PolicyReading | None
    boj: PolicyReading | None
    drivers: tuple[ComponentReading, ...]
    dropped: tuple[ComponentReading, ...]
    stale: tuple[StaleInput, ...]
    seed: str  # "all", "some" or "" (live data)
    notes: tuple[Note, ...]
    meetings: tuple[PolicyReading, ...]
    lede: tuple[Claim, ...]
    long_end: str | None = None  # the 30-year's direction (``verdicts.long_end``)
    crowding_measured: bool = True  # crowding rests on a current CFTC report


def seed_share(freshness: tuple[SeriesFreshness, ...]) -> str:
    """Whether the latest values come from the bundled seed: ``all``, ``some`` or ``""``."""
    sources = [f.source for f in freshness if f.as_of is not None]
    seeded = [s for s in sources if is_seed_source(s)]
    if not seeded:
        return ""
    return "all" if len(seeded) == len(sources) else "some"


def _stale_inputs(s: Snapshot) -> tuple[StaleInput, ...]:
    found: list[StaleInput] = []
    for gap in s.differentials:
        if gap.key == "policy":
            continue
        for side, leg in (("us", gap.us), ("jp", gap.jp)):
            if leg.stale and leg.as_of is not None:
                found.append(StaleInput(f"{side}_{gap.key}", leg.as_of))
    if s.fx.stale:
        found.append(StaleInput("usdjpy", s.fx.as_of))
    if s.positioning.noncomm_stale and s.positioning.noncomm_report_date is not None:
        found.append(StaleInput("cftc_noncomm", s.positioning.noncomm_report_date))
    if s.positioning.lev_stale and s.positioning.lev_report_date is not None:
        found.append(StaleInput("cftc_lev", s.positioning.lev_report_date))
    return tuple(found)


def long_end_verdict(s: Snapshot) -> str | None:
    """The 30-year's direction over the month and the year (None when it is not current)."""
    thirty = s.long_end.headline
    if thirty.status != "ok":
        return None
    month, year = thirty.change("1m"), thirty.change("12m")
    return verdicts.long_end(
        None if month is None else month.change_bp, None if year is None else year.change_bp
    )


def view(s: Snapshot, zone: str | None = None) -> SnapshotView:
    """The view of a snapshot (``zone``: the chat's, for the time a bank decides today)."""
    gaps = {g.key: g for g in s.differentials}
    banks = {p.bank: p for p in s.policy}
    components = [c for p in s.pillars for c in p.components]
    by_key = {c.key: c for c in components}
    upcoming = [p for p in s.policy if p.next_meeting is not None]
    meetings = tuple(sorted(upcoming, key=lambda p: p.next_meeting or date.max))
    return SnapshotView(
        s=s,
        gaps=gaps,
        fed=banks.get("fed"),
        boj=banks.get("boj"),
        drivers=tuple(by_key[k] for k in s.regime.drivers if k in by_key),
        dropped=tuple(c for c in components if c.status != "ok"),
        stale=_stale_inputs(s),
        seed=seed_share(s.freshness),
        notes=s.notes,
        meetings=meetings,
        lede=tuple(c.in_zone(zone) if isinstance(c, DecidesToday) else c for c in lede(s)),
        long_end=long_end_verdict(s),
        crowding_measured=positioning_current(s),
    )
