"""What a decision did: its change from the rate before it, and the policy-rate gap (Fed minus
BoJ, in bp) before and after it with the other bank's rate held. The decision posts
(``analytics.policy.posts``) and the decision-day lede (``analytics.narrative.decision_day``) both
read it, so a decision has one change and one gap wherever it is told."""

from __future__ import annotations

from dataclasses import dataclass

RAISED, CUT, HELD = "raised", "cut", "held"
_SAME = 1e-9  # bp: closer than this is no change (the mids are float percentages)


@dataclass(frozen=True)
class Effect:
    """``action`` raised, cut or held; ``change_bp`` from the rate before (0 without one); the
    gaps None without the rate before or the other bank's rate."""

    action: str
    change_bp: float
    gap_before_bp: float | None
    gap_after_bp: float | None


def effect(bank: str, mid: float, before_mid: float | None, other_mid: float | None) -> Effect:
    """The effect of ``bank`` setting its rate (mid of its range, %) to ``mid``."""
    change = 0.0 if before_mid is None else round(100 * (mid - before_mid), 6)
    action = HELD if abs(change) < _SAME else RAISED if change > 0 else CUT
    gap_before = gap_after = None
    if other_mid is not None and before_mid is not None:
        sign = 1.0 if bank == "fed" else -1.0  # the gap is Fed minus BoJ
        gap_before = round(sign * 100 * (before_mid - other_mid), 6)
        gap_after = round(sign * 100 * (mid - other_mid), 6)
    return Effect(action, change, gap_before, gap_after)
