"""What the snapshot templates read: the ``Snapshot`` plus a few facts derived from it.

The snapshot's own sentences (reasons, notes) are English; templates rebuild them in the
chat's language from the values here (codes and numbers). Notes this module cannot rebuild
are passed through as ``other_notes``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from analytics.differential import GapBlock
from analytics.seed import is_seed_source
from analytics.snapshot import ComponentReading, PolicyReading, SeriesFreshness, Snapshot

# Snapshot notes the templates say in their own words (matched by how they start).
_REBUILT_NOTES = (
    re.compile(r"^[ABC]\d \(.*\) dropped as "),
    re.compile(r"^Carry fuel uses carry incentive alone"),
    re.compile(r"^A1 and A2 use the policy-rate gap"),
    re.compile(r"^Figures come from the bundled seed"),
)
# The regime machine's rules, as it words them → a code and its numbers for the templates.
_TRIGGERS = (
    ("fx_shock", re.compile(r"^one-day USD/JPY fall ≤ (-?[\d.]+)% with C ≥ ([\d.]+)$")),
    ("c_on_days", re.compile(r"^C ≥ ([\d.]+) on (\d+) days$")),
    ("c_at_least", re.compile(r"^C ≥ ([\d.]+)$")),
    ("b_with_c", re.compile(r"^B ≥ ([\d.]+) with C ≥ ([\d.]+)$")),
    ("c_below", re.compile(r"^C < ([\d.]+) for (\d+) days$")),
    ("gradual", re.compile(r"^B falling, 2y gap narrowing, USD/JPY down over (\d+) days$")),
    ("gradual_failed", re.compile(r"^gradual-unwind conditions failed for (\d+) days$")),
    ("building", re.compile(r"^carry fuel high and crowding rising$")),
    ("building_failed", re.compile(r"^(\d+) weekly readings without building$")),
    ("reset_over", re.compile(r"^reset over \((\d+) days or B < ([\d.]+)\)$")),
    ("start", re.compile(r"^start$")),
)


@dataclass(frozen=True)
class Trigger:
    """The rule that set the regime: a code (``""`` when unknown), its numbers and the raw text."""

    code: str
    numbers: tuple[float, ...]
    raw: str


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
    policy_gap_used: bool
    drivers: tuple[ComponentReading, ...]
    dropped: tuple[ComponentReading, ...]
    stale: tuple[StaleInput, ...]
    seed: str  # "all", "some" or "" (live data)
    trigger: Trigger
    other_notes: tuple[str, ...]
    meetings: tuple[PolicyReading, ...]


def parse_trigger(text: str) -> Trigger:
    """The regime rule as a code and numbers."""
    for code, pattern in _TRIGGERS:
        match = pattern.match(text.strip())
        if match:
            return Trigger(code, tuple(float(n) for n in match.groups()), text)
    return Trigger("", (), text)


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


def view(s: Snapshot) -> SnapshotView:
    """The view of a snapshot."""
    gaps = {g.key: g for g in s.differentials}
    banks = {p.bank: p for p in s.policy}
    components = [c for p in s.pillars for c in p.components]
    by_key = {c.key: c for c in components}
    two_year = gaps.get("2y")
    a1 = by_key.get("A1")
    policy_gap_used = bool(
        a1 is not None
        and a1.raw is not None
        and (
            two_year is None
            or two_year.level_bp is None
            or two_year.us.stale
            or two_year.jp.stale
            or abs(a1.raw - two_year.level_bp) > 1e-9
        )
    )
    other = tuple(n for n in s.notes if not any(p.match(n) for p in _REBUILT_NOTES))
    upcoming = [p for p in s.policy if p.next_meeting is not None]
    meetings = tuple(sorted(upcoming, key=lambda p: p.next_meeting or date.max))
    return SnapshotView(
        s=s,
        gaps=gaps,
        fed=banks.get("fed"),
        boj=banks.get("boj"),
        policy_gap_used=policy_gap_used,
        drivers=tuple(by_key[k] for k in s.regime.drivers if k in by_key),
        dropped=tuple(c for c in components if c.status != "ok"),
        stale=_stale_inputs(s),
        seed=seed_share(s.freshness),
        trigger=parse_trigger(s.regime.trigger),
        other_notes=other,
        meetings=meetings,
    )
