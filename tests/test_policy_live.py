"""Live rates win: FRED's target range and the BoJ call rate read through the sources' own parsers,
merged with the decision tables and stored decisions (holds, hikes, cuts, unscheduled moves, a
blip that reverts, a table the live data contradict)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import pandas as pd
import pytest

from analytics.catalogue import observations
from analytics.policy import history, live
from analytics.policy.records import StoredDecision
from analytics.policy.status import policy_state
from analytics.sources import boj, fred
from tests.support.policy_data import BOJ_2024_2026, Segment, boj_call_body, fred_range_body


def obs_from(
    boj_segments: Sequence[Segment] = BOJ_2024_2026,
    fed_extra: Sequence[Segment] = (),
    fed_until: str | None = None,
) -> pd.DataFrame:
    """Observations as a refresh stores them: each answer through its source's parser."""
    parts = [
        fred.parse(
            fred_range_body(
                "DFEDTARU", [(a, b, hi) for a, b, _lo, hi in _fed(fed_extra)], fed_until
            )
        ),
        fred.parse(
            fred_range_body(
                "DFEDTARL", [(a, b, lo) for a, b, lo, _hi in _fed(fed_extra)], fed_until
            )
        ),
    ]
    if boj_segments:
        parts.append(boj.parse(boj_call_body(boj_segments)))
    frame = observations.concat(parts)
    return frame.sort_values(["series", "date"], ignore_index=True)


def _fed(extra: Sequence[Segment]) -> list[tuple[str, str, float, float]]:
    """(first, last, lower) segments → (first, last, lower, upper) for a 25 bp range."""
    return [(a, b, lo, lo + 0.25) for a, b, lo in extra]


def at(h: history.History, decided: str) -> history.KnownDecision:
    return next(d for d in h.decisions if d.decided == date.fromisoformat(decided))


# --- reading the BoJ guideline from the call rate ------------------------------------------------


@pytest.mark.parametrize(
    ("call", "guideline"),
    [
        (0.077, (0.0, 0.1)),
        (0.227, (0.25, 0.25)),
        (0.727, (0.75, 0.75)),
        (0.977, (1.0, 1.0)),
        (1.227, (1.25, 1.25)),
        (1.48, (1.5, 1.5)),
        (0.85, None),  # between two steps: a spike, not a guideline
    ],
)
def test_the_call_rate_rounds_to_the_bojs_steps(call: float, guideline: object) -> None:
    assert live.boj_guideline(call) == guideline


def test_a_call_rate_blip_that_reverts_is_no_decision() -> None:
    segments = (
        *BOJ_2024_2026[:-1],
        ("2026-09-24", "2026-10-05", 1.227),
        ("2026-10-06", "2026-10-07", 1.48),  # two days at another step, then back
        ("2026-10-08", "2026-10-30", 1.227),
    )
    state = policy_state(obs_from(segments), date(2026, 10, 30))
    h = state.histories["boj"]
    assert [lvl.mid for lvl in h.live.levels][-2:] == [1.0, 1.25]  # type: ignore[union-attr]
    assert not [d for d in h.decisions if d.status == "live"]
    assert h.in_force().mid == 1.25  # type: ignore[union-attr]
    assert not [n for n in state.notes if n.code == "live_rate_used"]


def test_hikes_the_call_rate_shows_confirm_the_table_from_their_effective_day() -> None:
    h = policy_state(obs_from(), date(2026, 10, 30)).histories["boj"]
    assert h.overridden == ()
    september = at(h, "2026-09-18")
    assert (september.mid, september.status, september.effective) == (
        1.25,
        "confirmed",
        date(2026, 9, 24),
    )
    assert at(h, "2026-06-16").effective == date(2026, 6, 17)
    assert at(h, "2024-07-31").effective == date(2024, 8, 1)  # the call rate moved the next day
    assert h.in_force(date(2026, 9, 23)).mid == 1.0  # type: ignore[union-attr]
    # The July 2026 hold: the call rate sat at 1.0 that day.
    assert at(h, "2026-07-31").status == "confirmed"


def test_an_unrecorded_hike_is_a_live_decision_dated_to_its_meeting() -> None:
    segments = (*BOJ_2024_2026, ("2026-11-02", "2026-11-20", 1.477))
    state = policy_state(obs_from(segments), date(2026, 11, 20))
    h = state.histories["boj"]
    october = at(h, "2026-10-30")  # the meeting of 29-30 Oct 2026
    assert (october.mid, october.status, october.origin, october.source) == (
        1.5,
        "live",
        "live",
        "jp.call",
    )
    assert october.effective == date(2026, 11, 2) and not october.between_meetings
    reading = next(r for r in state.readings if r.bank == "boj")
    assert (reading.lower, reading.changed_on, reading.origin, reading.source) == (
        1.5,
        date(2026, 10, 30),
        "live",
        "jp.call",
    )
    used = [n for n in state.notes if n.code == "live_rate_used"]
    assert len(used) == 1
    note = used[0]
    assert (note.bank, note.lower, note.table_lower, note.table_decided) == (  # type: ignore[attr-defined]
        "boj",
        1.5,
        1.25,
        date(2026, 9, 18),
    )
    # Once the live move dates the October meeting, it is not "held and unknown" any more.
    assert not [n for n in state.notes if n.code == "policy_table_behind" and n.bank == "boj"]  # type: ignore[attr-defined]


def test_a_cut_with_no_meeting_before_it_is_between_meetings() -> None:
    segments = (
        *BOJ_2024_2026,
        ("2026-11-02", "2026-11-20", 1.227),
        ("2026-11-23", "2026-12-04", 0.977),
    )
    h = policy_state(obs_from(segments), date(2026, 12, 4)).histories["boj"]
    cut = h.in_force()
    assert cut is not None
    assert (cut.mid, cut.between_meetings, cut.decided, cut.effective) == (
        1.0,
        True,
        date(2026, 11, 23),
        date(2026, 11, 23),
    )
    # The October meeting, after which the call rate did not move, was a hold.
    hold = at(h, "2026-10-30")
    assert (hold.mid, hold.status) == (1.25, "live")


def test_a_table_hike_the_call_rate_never_shows_is_overridden() -> None:
    segments = (*BOJ_2024_2026[:-1], ("2026-09-24", "2026-10-30", 0.977))
    state = policy_state(obs_from(segments), date(2026, 10, 30))
    h = state.histories["boj"]
    assert [d.decided for d in h.overridden] == [date(2026, 9, 18)]
    assert h.in_force().mid == 1.0  # type: ignore[union-attr]
    note = next(n for n in state.notes if n.code == "live_rate_used")
    assert (note.lower, note.table_lower) == (1.0, 1.25)  # type: ignore[attr-defined]
    gap = state.rate("fed", pd.DatetimeIndex(["2026-10-30"])) - state.rate(
        "boj", pd.DatetimeIndex(["2026-10-30"])
    )
    assert 100 * gap.iloc[0] == pytest.approx(287.5)  # Fed 3.875% (table) minus BoJ 1.0% (live)


def test_a_hike_too_recent_to_show_yet_is_kept() -> None:
    segments = (*BOJ_2024_2026[:-1], ("2026-09-24", "2026-09-25", 0.977))
    h = policy_state(obs_from(segments), date(2026, 9, 25)).histories["boj"]
    assert h.overridden == () and at(h, "2026-09-18").status == "table"


# --- the Fed: FRED's real target range ---------------------------------------------------------


def test_fred_2008_to_2026_agrees_with_every_fed_table_row() -> None:
    h = policy_state(obs_from(()), date(2026, 8, 21)).histories["fed"]
    assert h.overridden == ()
    assert not [d for d in h.decisions if d.origin == "live" and d.decided < date(2026, 1, 1)]
    # FRED records each move on its effective day: the table's decision day plus one since 2017.
    assert at(h, "2025-12-10").effective == date(2025, 12, 11)
    assert at(h, "2025-12-10").status == "confirmed"
    # The intermeeting cut of 3 Mar 2020 took effect on the 4th.
    march = at(h, "2020-03-03")
    assert (march.effective, march.status, march.lower) == (date(2020, 3, 4), "confirmed", 1.0)


def test_a_fed_hike_confirmed_and_a_cut_nobody_recorded() -> None:
    extra = [
        ("2026-08-22", "2026-09-16", 3.5),
        ("2026-09-17", "2026-10-28", 3.75),
        ("2026-10-29", "2026-11-20", 3.5),
    ]
    state = policy_state(obs_from((), extra), date(2026, 11, 20))
    h = state.histories["fed"]
    assert at(h, "2026-09-16").status == "confirmed"
    cut = at(h, "2026-10-28")
    assert (cut.lower, cut.upper, cut.status, cut.effective, cut.source) == (
        3.5,
        3.75,
        "live",
        date(2026, 10, 29),
        "us.fed.range",
    )
    reading = next(r for r in state.readings if r.bank == "fed")
    assert (reading.lower, reading.upper, reading.changed_on, reading.next_meeting) == (
        3.5,
        3.75,
        date(2026, 10, 28),
        date(2026, 12, 9),
    )


def test_an_unscheduled_fed_move_is_between_meetings() -> None:
    extra = [
        ("2026-08-22", "2026-09-16", 3.5),
        ("2026-09-17", "2026-11-15", 3.75),
        ("2026-11-16", "2026-11-27", 3.25),
    ]
    h = policy_state(obs_from((), extra), date(2026, 11, 27)).histories["fed"]
    move = h.in_force()
    assert move is not None
    assert (move.between_meetings, move.decided, move.lower) == (True, date(2026, 11, 16), 3.25)
    # The 28 Oct meeting, with no move after it, was a hold.
    assert at(h, "2026-10-28").lower == 3.75


# --- stored decisions ------------------------------------------------------------------------


def test_an_announced_decision_is_used_until_the_live_rate_confirms_it() -> None:
    announced = StoredDecision(
        "boj", date(2026, 10, 30), date(2026, 11, 2), 1.5, 1.5, "announced",
        "https://www.boj.or.jp/en/mopo/mpmdeci/mpr_2026/k261030a.pdf", "boj-feed",
    )  # fmt: skip
    before = policy_state(obs_from(), date(2026, 10, 30), [announced]).histories["boj"]
    assert at(before, "2026-10-30").status == "announced"
    assert before.in_force(date(2026, 11, 2)).mid == 1.5  # type: ignore[union-attr]
    segments = (*BOJ_2024_2026, ("2026-11-02", "2026-11-20", 1.477))
    after = policy_state(obs_from(segments), date(2026, 11, 20), [announced]).histories["boj"]
    october = at(after, "2026-10-30")
    assert (october.status, october.origin, october.source) == (
        "confirmed",
        "boj-feed",
        announced.source,
    )


def test_a_stored_correction_replaces_the_table_row_of_its_day() -> None:
    corrected = StoredDecision(
        "fed",
        date(2026, 9, 16),
        date(2026, 9, 17),
        3.5,
        3.75,
        "announced",
        "https://example.org/x",
        "operator",
    )
    h = policy_state(obs_from(()), date(2026, 10, 1), [corrected]).histories["fed"]
    assert at(h, "2026-09-16").origin == "operator"
    assert h.in_force().upper == 3.75  # type: ignore[union-attr]
