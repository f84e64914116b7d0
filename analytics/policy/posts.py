"""What a decision post says, as codes and numbers: the decision, the new policy-rate gap, and
which way it moves carry's rate advantage.

``post_facts(decision, stored, today)`` reads the rate before the decision and the other bank's
rate in force from the merged history (``analytics.policy.history``: tables and stored
decisions). ``carry`` is ``narrower`` (the gap that pays carry shrank: borrowing yen pays less),
``wider`` or ``unchanged``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from analytics.policy.effect import effect
from analytics.policy.history import known
from analytics.policy.records import StoredDecision


@dataclass(frozen=True)
class DecisionPost:
    """The facts of one decision post."""

    bank: str
    decided: date
    effective: date
    lower: float
    upper: float
    previous_lower: float | None
    previous_upper: float | None
    action: str  # raised, cut, held
    change_bp: float
    status: str
    origin: str
    source: str
    between_meetings: bool
    other_lower: float | None
    other_upper: float | None
    gap_before_bp: float | None
    gap_after_bp: float | None
    carry: str  # narrower, wider, unchanged

    def payload(self) -> dict[str, Any]:
        """JSON-ready facts (dates as ISO text) for the deliveries table."""
        out = asdict(self)
        for key in ("decided", "effective"):
            out[key] = out[key].isoformat()
        return out


def post_facts(
    decision: StoredDecision, stored: Iterable[StoredDecision], today: date
) -> DecisionPost:
    """The facts of the post about ``decision``."""
    stored = list(stored)
    mine = known(decision.bank, max(today, decision.decided), stored)
    this = next((d for d in mine.decisions if d.decided == decision.decided), None)
    before = mine.previous(this) if this is not None else None
    other_bank = "boj" if decision.bank == "fed" else "fed"
    other = known(other_bank, max(today, decision.effective), stored).in_force()
    done = effect(
        decision.bank, decision.mid, before.mid if before else None, other.mid if other else None
    )
    gap_before, gap_after = done.gap_before_bp, done.gap_after_bp
    carry = "unchanged"
    if gap_before is not None and gap_after is not None and abs(gap_after - gap_before) > 1e-9:
        carry = "narrower" if gap_after < gap_before else "wider"
    return DecisionPost(
        bank=decision.bank,
        decided=decision.decided,
        effective=decision.effective,
        lower=decision.lower,
        upper=decision.upper,
        previous_lower=before.lower if before else None,
        previous_upper=before.upper if before else None,
        action=done.action,
        change_bp=done.change_bp,
        status=decision.status,
        origin=decision.added_by,
        source=decision.source,
        between_meetings=decision.between_meetings,
        other_lower=other.lower if other else None,
        other_upper=other.upper if other else None,
        gap_before_bp=gap_before,
        gap_after_bp=gap_after,
        carry=carry,
    )
