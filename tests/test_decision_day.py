"""Decision days in the lede: every decision day of 2024–2026 opens with that day's decision, a
meeting already held is never "next", and before a decision the bank decides today."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from analytics.narrative import decision_day
from analytics.narrative.lede import lede
from analytics.narrative.snapshot import build_snapshot
from analytics.policy import decisions as policy
from analytics.policy.status import policy_state
from tests.support import realdata

NO_SIGNAL = pd.DataFrame({"A": pd.Series(dtype="float64", index=pd.DatetimeIndex([]))})


def decision_days() -> list[tuple[str, date]]:
    """Every decision of 2024-2026 the tables know: their rows in use, and every meeting before
    their last row (a meeting with no row, or only an unconfirmed hold, kept the rate)."""
    days = set()
    for bank in policy.BANKS:
        last = policy.decisions(bank)[-1].decision_date
        days |= {
            (bank, d.decision_date) for d in policy.decisions(bank) if d.decision_date.year >= 2024
        }
        days |= {
            (bank, m.date)
            for m in policy.meetings()
            if m.bank == bank and m.kind == "scheduled" and date(2024, 1, 1) <= m.date <= last
        }
    return sorted(days, key=lambda x: (x[1], x[0]))


def test_each_decision_day_of_2024_to_2026_opens_with_its_decision() -> None:
    obs = realdata.observations()
    checked = 0
    for bank, day in decision_days():
        state = policy_state(obs, day)
        claims = decision_day.claims(decision_day.news(state, NO_SIGNAL, day))
        assert isinstance(claims[0], decision_day.DecisionClaim), (bank, day)
        assert claims[0].decided == day, (bank, day, claims[0])
        # The day's decisions lead: a change before a hold (31 Jul 2024: the BoJ's hike, then
        # the Fed's hold), else the Fed after the BoJ (19 Mar 2025).
        leading = [c for c in claims if isinstance(c, decision_day.DecisionClaim)]
        assert (bank, day) in [(c.bank, c.decided) for c in leading if c.decided == day]
        # Read as that evening: the day's meeting is not "next" any more.
        reading = next(r for r in state.readings if r.bank == bank)
        assert reading.next_meeting is None or reading.next_meeting > day, (bank, day)
        assert not [c for c in claims if isinstance(c, decision_day.DecidesToday)]
        checked += 1
    assert checked == 44  # 22 FOMC and 22 BoJ meetings, Jan 2024 to Sep 2026


@pytest.mark.parametrize(
    ("day", "bank", "action", "rate", "gap"),
    [
        (date(2024, 7, 31), "boj", "raised", 0.25, (532.5, 512.5)),
        (date(2025, 1, 24), "boj", "raised", 0.5, (412.5, 387.5)),
        (date(2025, 12, 19), "boj", "raised", 0.75, (312.5, 287.5)),
        (date(2024, 9, 18), "fed", "cut", 4.75, (512.5, 462.5)),
        (date(2026, 1, 28), "fed", "held", 3.5, (287.5, 287.5)),
    ],
)
def test_the_briefing_of_a_decision_day_opens_with_it(
    day: date, bank: str, action: str, rate: float, gap: tuple[float, float]
) -> None:
    snap = build_snapshot(realdata.observations(), day)
    first = lede(snap)[0]
    assert isinstance(first, decision_day.DecisionClaim)
    assert (first.bank, first.action, first.lower) == (bank, action, rate)
    assert (first.gap_before_bp, first.gap_after_bp) == gap
    assert all(p.next_meeting != day for p in snap.policy)


def test_a_bank_that_decides_later_today_is_named_with_its_time() -> None:
    obs = realdata.observations()
    day = date(2026, 7, 29)
    morning = datetime(2026, 7, 29, 12, 0, tzinfo=UTC)  # 08:00 in New York
    state = policy_state(obs, day, now=morning)
    # Without the table's row of that day (as the live bot knows it before 14:00)…
    state.histories["fed"] = type(state.histories["fed"])(
        "fed",
        day,
        tuple(d for d in state.histories["fed"].decisions if d.decided < day),
        (),
        None,
    )
    claims = decision_day.claims(decision_day.news(state, NO_SIGNAL, day, morning))
    [today] = [c for c in claims if isinstance(c, decision_day.DecidesToday)]
    assert today.bank == "fed" and today.at is not None
    assert (today.at.hour, today.at.minute, str(today.at.tzinfo)) == (14, 0, "America/New_York")
    assert (today.lower, today.upper) == (3.5, 3.75)
    after = datetime(2026, 7, 29, 18, 5, tzinfo=UTC)
    assert not decision_day.news(state, NO_SIGNAL, day, after).today


def test_a_boj_meeting_has_no_fixed_time() -> None:
    day = date(2026, 10, 30)
    early = datetime(2026, 10, 30, 1, 0, tzinfo=UTC)  # 10:00 in Tokyo
    state = policy_state(realdata.observations(), day, now=early)
    [today] = decision_day.news(state, NO_SIGNAL, day, early).today
    assert (today.bank, today.at, today.lower) == ("boj", None, 1.25)


def test_the_words_of_a_decision_day_in_each_reply() -> None:
    """Rendered: the decision first, the gap before and after, the time a bank decides today in
    its own zone and the chat's."""
    from commands.handlers.views import view
    from commands.presentation.render import render_text
    from commands.reply import Reply
    from tests.support.snapshots import computed

    snap = build_snapshot(realdata.observations(), date(2025, 12, 19))
    text = render_text(Reply("brief", {"v": view(snap)}))
    lede_line = text.split("\n\n")[1]
    assert lede_line.startswith(
        "The BoJ raised its policy rate from 0.50% to 0.75% on 19 Dec 2025. "
        "Policy-rate gap: 312.5 → 287.5 bp."
    )
    assert "Next: FOMC 28 Jan 2026 and BoJ 23 Jan 2026" not in text  # soonest first
    assert "Next: BoJ 23 Jan 2026 and FOMC 28 Jan 2026." in text
    at = datetime(2026, 7, 29, 14, 0, tzinfo=ZoneInfo("America/New_York"))
    today = decision_day.DecidesToday("fed", date(2026, 7, 29), at, at, 3.5, 3.75)
    stressed = computed("stressed")[0]
    v = dataclasses.replace(view(stressed, "Asia/Tokyo"), lede=(today.in_zone("Asia/Tokyo"),))
    carry = render_text(Reply("carry", {"v": v}))
    assert (
        "The Fed decides today: its statement is due at 29 Jul 2026, 14:00 EDT (30 Jul 2026, "
        "03:00 JST here); the target range is 3.50–3.75% until then." in carry
    )
