"""Policy-rate tables: checked against real FRED and OECD history, live confirmation, staleness."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analytics.policy import decisions as policy

RAW = Path(__file__).resolve().parents[2] / "shared" / "data" / "raw"


def raw_series(name: str, date_format: str | None = None) -> pd.Series:
    path = RAW / name
    if not path.exists():
        pytest.skip(f"real data file {path} is not available")
    frame = pd.read_csv(path)
    index = pd.to_datetime(frame.iloc[:, 0], format=date_format)
    return pd.Series(frame.iloc[:, 1].to_numpy(dtype="float64"), index=pd.DatetimeIndex(index))


def days(start: str, end: str) -> pd.DatetimeIndex:
    return pd.date_range(start, end, freq="D")


def live(values: dict[tuple[str, str], float]) -> pd.Series:
    """A daily live series: each (first, last) business-day span at one rate."""
    parts = [
        pd.Series(rate, index=pd.bdate_range(first, last)) for (first, last), rate in values.items()
    ]
    return pd.concat(parts).sort_index()


# --- the tables against real history --------------------------------------------------------


def test_fed_table_matches_fred_single_target_every_day_1990_to_2008() -> None:
    target = raw_series("DFEDTAR.csv", "%m/%d/%Y")  # re-saved by Excel: M/D/YYYY
    target = target[target.index >= "1990-01-01"]
    assert target.index[-1] == pd.Timestamp("2008-12-15")
    table = policy.daily_rate("fed", pd.DatetimeIndex(target.index))
    mismatch = target[table != target]
    assert mismatch.empty, f"table differs from DFEDTAR on {list(mismatch.index.date)[:5]}"


def test_fed_table_matches_fred_target_range_midpoint_2008_to_2024() -> None:
    upper = raw_series("DFEDTARU.csv")
    lower = raw_series("DFEDTARL.csv")
    fred = (upper + lower) / 2
    table = policy.daily_rate("fed", pd.DatetimeIndex(fred.index))
    mismatch = fred.index[(table - fred).abs() > 1e-9]
    # From 2017 FRED records each change on the effective date, the day after the decision;
    # the table dates it from the decision. So each mismatch must be a decision day, with
    # FRED still at the old rate that day and at the table's rate the next day.
    decided = {d.decision_date for d in policy.decisions("fed")}
    for day in mismatch:
        assert day.date() in decided, f"table differs from DFEDTARU/L on {day.date()}"
        assert day.year >= 2017
        assert fred[day] == table[day - timedelta(days=1)]
        assert fred[day + timedelta(days=1)] == table[day]
    changes_since_2017 = [
        d
        for d in policy.decisions("fed")
        if date(2017, 1, 1) <= d.decision_date <= date(2024, 1, 31)
    ]
    assert len(mismatch) == len(changes_since_2017) == 23


def boj_monthly_gap() -> pd.Series:
    """OECD monthly call rate minus the table's rate averaged over the same month (pp)."""
    call = raw_series("IRSTCI01JPM156N.csv")
    daily = policy.daily_rate("boj", days("1992-10-01", "2024-01-31"))
    table_monthly = daily.resample("MS").mean()
    return call - table_monthly.reindex(call.index)


def test_boj_table_tracks_the_call_rate_in_the_discount_rate_era() -> None:
    # Until the BoJ started guiding the call rate below the discount rate in mid-1995, the call
    # rate traded 0.3-0.8 pp above the ODR (the ODR was a below-market lending rate).
    gap = boj_monthly_gap()["1992-10":"1995-08"]
    assert gap.abs().max() <= 0.85
    assert gap.min() >= -0.15
    assert gap["1992-10":"1995-03"].min() >= 0.3


def test_boj_table_tracks_the_call_rate_closely_from_sep_1995() -> None:
    # Then the call rate sits within a few bp of the target, with three wider months: Dec 1997
    # (0.39% under a 0.5% ODR), Mar 1999 (zero-rate policy encoded as 0-0.15%), Feb 2016
    # (-0.1% decided on 29 Jan, effective only from 16 Feb).
    gap = boj_monthly_gap()["1995-09":"2024-01"]
    assert gap.abs().max() <= 0.15
    assert (gap.abs() > 0.1).sum() <= 3


def test_every_boj_step_moves_the_call_rate_the_same_way() -> None:
    """Two months after each step of 0.1 pp or more against two months before it."""
    call = raw_series("IRSTCI01JPM156N.csv")
    rows = policy.decisions("boj")
    checked = 0
    for before, after in itertools.pairwise(rows):
        step = after.mid - before.mid
        month = pd.Timestamp(after.decision_date).to_period("M").to_timestamp()
        window_before = call[month - pd.DateOffset(months=2) : month - pd.DateOffset(months=1)]
        window_after = call[month + pd.DateOffset(months=1) : month + pd.DateOffset(months=2)]
        if abs(step) < 0.1 or len(window_before) < 2 or len(window_after) < 2:
            continue
        moved = window_after.mean() - window_before.mean()
        assert np.sign(moved) == np.sign(step), after
        # At least 5 bp, well above month-to-month noise in flat stretches. (Most moves are
        # half the step or more; the Jan 2016 negative rate applied to a tier of reserves only,
        # and the call rate took months to drift 10 bp lower.)
        assert abs(moved) >= 0.05, after
        checked += 1
    assert checked >= 14


# --- table contents and queries -------------------------------------------------------------


def test_unconfirmed_rows_are_the_ones_policy_rates_md_tags() -> None:
    unconfirmed = {
        (bank, d.decision_date)
        for bank in policy.BANKS
        for d in policy.table(bank)
        if d.status == "unconfirmed"
    }
    assert unconfirmed == {
        ("fed", date(2026, 4, 29)),
        ("fed", date(2026, 6, 17)),
        ("boj", date(2026, 3, 19)),
        ("boj", date(2026, 4, 28)),
        ("boj", date(2026, 6, 16)),
    }


def test_tables_start_before_1990_and_single_rates_have_equal_bounds() -> None:
    for bank in policy.BANKS:
        rows = policy.table(bank)
        assert rows[0].decision_date < date(1990, 1, 1)
        assert all(d.lower <= d.upper for d in rows)
    assert [d.describe() for d in policy.table("boj") if d.decision_date == date(2025, 12, 19)] == [
        "0.75%"
    ]


def test_unconfirmed_hike_is_ignored_until_included_or_confirmed() -> None:
    july = pd.DatetimeIndex([pd.Timestamp("2026-07-01")])
    assert policy.daily_rate("boj", july).iloc[0] == 0.75
    assert policy.daily_rate("boj", july, include_unconfirmed=True).iloc[0] == 1.0
    confirmed = {date(2026, 6, 16)}
    assert policy.daily_rate("boj", july, confirmed_by=confirmed).iloc[0] == 1.0
    assert date(2026, 6, 16) not in {d.decision_date for d in policy.decisions("boj")}


def test_daily_rate_is_a_step_function_of_midpoints_from_the_decision_day() -> None:
    index = pd.DatetimeIndex(["1980-01-01", "2024-07-30", "2024-07-31", "2024-08-05", "2024-04-01"])
    rates = policy.daily_rate("boj", index)
    assert np.isnan(rates.iloc[0])
    assert rates.iloc[1:].tolist() == [0.05, 0.25, 0.25, 0.05]
    fed = policy.daily_rate("fed", pd.DatetimeIndex(["2024-08-05", "2024-09-18"]))
    assert fed.tolist() == [5.375, 4.875]
    assert fed.index.equals(pd.DatetimeIndex(["2024-08-05", "2024-09-18"]))


def test_last_decision_skips_unconfirmed_rows_by_default() -> None:
    assert policy.last_decision("boj", date(2024, 8, 5)).decision_date == date(2024, 7, 31)
    assert policy.last_decision("boj", date(1980, 1, 1)) is None
    assert policy.last_decision("fed", date(2026, 5, 15)).decision_date == date(2026, 3, 18)
    latest = policy.last_decision("fed", date(2026, 5, 15), include_unconfirmed=True)
    assert latest is not None and latest.status == "unconfirmed"
    assert latest.decision_date == date(2026, 4, 29)


def test_unknown_bank_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown bank 'ecb'"):
        policy.decisions("ecb")


# --- confirmation and staleness against live rates ------------------------------------------


def test_live_call_rate_confirms_the_reported_june_2026_hike() -> None:
    call = live(
        {
            ("2026-03-02", "2026-06-16"): 0.727,
            ("2026-06-17", "2026-07-10"): 0.977,
        }
    )
    confirmed = policy.confirm_with_live("boj", call)
    assert confirmed == {date(2026, 3, 19), date(2026, 4, 28), date(2026, 6, 16)}
    rate = policy.daily_rate("boj", pd.DatetimeIndex(["2026-07-10"]), confirmed_by=confirmed)
    assert rate.iloc[0] == 1.0


def test_live_call_rate_left_at_the_old_rate_does_not_confirm_a_hike() -> None:
    call = live({("2026-06-01", "2026-07-10"): 0.727})
    assert date(2026, 6, 16) not in policy.confirm_with_live("boj", call)


def test_too_few_observations_after_the_decision_confirm_nothing() -> None:
    call = live({("2026-06-17", "2026-06-22"): 0.977})  # four business days
    assert policy.confirm_with_live("boj", call) == set()
    assert policy.confirm_with_live("boj", call, days=4) == {date(2026, 6, 16)}


def test_a_smaller_move_must_sit_nearer_the_new_rate_than_the_old() -> None:
    # 10 bp above the old rate is within a 15 bp tolerance of a 1.0% target, but nearer 0.75%.
    call = live({("2026-06-17", "2026-07-10"): 0.85})
    assert date(2026, 6, 16) not in policy.confirm_with_live("boj", call)


def test_fed_target_range_midpoint_confirms_the_holds() -> None:
    midpoint = live({("2026-04-01", "2026-07-10"): 3.625})
    assert policy.confirm_with_live("fed", midpoint) == {date(2026, 4, 29), date(2026, 6, 17)}


def test_table_disagrees_when_the_live_rate_moved_without_a_table_row() -> None:
    call = live({("2026-06-17", "2026-09-18"): 0.977, ("2026-09-21", "2026-09-30"): 1.227})
    note = policy.table_disagrees("boj", call)
    assert note is not None and note.code == "policy_table_disagrees" and note.bank == "boj"
    assert note.live_mean_pct == pytest.approx(1.227)
    assert (note.lower, note.upper) == (1.0, 1.0)
    assert note.decision_date == date(2026, 6, 16) and note.live_last == date(2026, 9, 30)


def test_table_disagrees_names_the_fed_and_its_range() -> None:
    midpoint = live({("2026-06-01", "2026-07-29"): 3.625, ("2026-07-30", "2026-08-14"): 3.375})
    note = policy.table_disagrees("fed", midpoint)
    assert note is not None and note.bank == "fed"
    assert (note.lower, note.upper) == (3.5, 3.75)


def test_table_stays_quiet_for_the_usual_call_rate_spread() -> None:
    # The call rate trades slightly under a single target: 0.227% with 0.25% in Aug 2024.
    call = live({("2024-08-01", "2024-09-30"): 0.227})
    assert policy.table_disagrees("boj", call) is None


def test_table_stays_quiet_for_a_short_spike() -> None:
    call = live({("2026-03-02", "2026-03-25"): 0.727, ("2026-03-26", "2026-03-31"): 1.1})
    assert len(call["2026-03-26":]) == 4
    assert policy.table_disagrees("boj", call) is None


def test_table_stays_quiet_once_live_data_confirm_an_unconfirmed_row() -> None:
    call = live({("2026-06-17", "2026-07-31"): 0.977})
    assert policy.table_disagrees("boj", call) is None


def test_table_stays_quiet_with_too_little_live_data() -> None:
    assert policy.table_disagrees("boj", live({("2026-09-28", "2026-09-30"): 2.0})) is None


# --- meetings -------------------------------------------------------------------------------


def test_next_meetings_gives_each_banks_next_decision_day() -> None:
    upcoming = policy.next_meetings(date(2026, 7, 1))
    assert [(m.bank, m.date) for m in upcoming] == [
        ("fed", date(2026, 7, 29)),
        ("boj", date(2026, 7, 31)),
    ]
    # A decision day counts as upcoming on the day itself.
    assert policy.next_meetings(date(2026, 7, 29))[0].date == date(2026, 7, 29)
    checked_only = policy.next_meetings(date(2026, 7, 1), include_unchecked=False)
    assert [m.bank for m in checked_only] == ["fed"]
    # BoJ 2027 dates are not in the file: only the Fed has a next meeting.
    assert [m.bank for m in policy.next_meetings(date(2027, 1, 1))] == ["fed"]
    assert policy.next_meetings(date(2028, 1, 1)) == []


def test_scheduled_decision_days_are_plausible() -> None:
    for meeting in policy.meetings():
        if meeting.kind != "unscheduled":
            assert meeting.date.weekday() < 5, meeting
        if meeting.bank == "fed" and meeting.kind == "scheduled" and meeting.date.year >= 2013:
            assert meeting.date.weekday() in (2, 3), meeting  # two-day meetings end Wed (or Thu)


def test_the_calendar_covers_every_meeting_from_2006_to_2026() -> None:
    for year in range(2006, 2027):
        on_calendar = [
            m for m in policy.meetings() if m.date.year == year and m.kind != "unscheduled"
        ]
        fed = [m for m in on_calendar if m.bank == "fed"]
        boj = [m for m in on_calendar if m.bank == "boj"]
        assert len(fed) == 8, (year, fed)
        assert len(boj) == (14 if year <= 2015 else 8), (year, len(boj))
    assert sum(m.bank == "fed" for m in policy.meetings() if m.date.year == 2027) == 8
    for bank in policy.BANKS:
        days = {m.date for m in policy.meetings() if m.bank == bank and m.held}
        for row in policy.table(bank):
            if date(2006, 1, 1) <= row.decision_date:
                assert row.decision_date in days, (bank, row)


def test_a_past_briefing_names_the_next_meeting_as_it_was_then() -> None:
    assert [(m.bank, m.date) for m in policy.next_meetings(date(2006, 8, 1))] == [
        ("fed", date(2006, 8, 8)),
        ("boj", date(2006, 8, 11)),
    ]
    assert [(m.bank, m.date) for m in policy.next_meetings(date(2024, 8, 5))] == [
        ("fed", date(2024, 9, 18)),
        ("boj", date(2024, 9, 20)),
    ]
    # Intermeeting decisions were never "next"; a moved meeting was, until it was replaced.
    fed_january_2008 = [m for m in policy.next_meetings(date(2008, 1, 15)) if m.bank == "fed"]
    assert [m.date for m in fed_january_2008] == [date(2008, 1, 30)]  # not the 22 Jan cut
    fed_march_2020 = [m for m in policy.next_meetings(date(2020, 3, 10)) if m.bank == "fed"]
    assert [m.date for m in fed_march_2020] == [date(2020, 3, 18)]
    fed_after = [m for m in policy.next_meetings(date(2020, 3, 16)) if m.bank == "fed"]
    assert [m.date for m in fed_after] == [date(2020, 4, 29)]


def test_set_on_is_the_last_change_and_a_hold_is_the_last_meeting() -> None:
    fed = policy.standing("fed", date(2026, 12, 1))
    assert fed is not None
    assert fed.changed.decision_date == date(2025, 12, 10)  # not the 18 Mar 2026 hold
    assert fed.held_at == date(2026, 3, 18)
    boj = policy.standing("boj", date(2026, 12, 1))
    assert boj is not None
    assert (boj.changed.decision_date, boj.held_at) == (date(2025, 12, 19), date(2026, 1, 23))
    # A hold the table has no row for, but lies inside its known range: the July 2024 FOMC.
    aug = policy.standing("fed", date(2024, 8, 5))
    assert aug is not None
    assert (aug.changed.decision_date, aug.held_at) == (date(2023, 7, 26), date(2024, 7, 31))
    assert policy.standing("boj", date(2024, 8, 5)).held_at is None  # type: ignore[union-attr]


def test_meetings_after_the_tables_last_row_are_counted() -> None:
    fed = policy.standing("fed", date(2026, 12, 1))
    boj = policy.standing("boj", date(2026, 12, 1))
    assert fed is not None and boj is not None
    assert fed.recorded.decision_date == date(2026, 3, 18)
    assert [m.date for m in fed.unrecorded] == [
        date(2026, 4, 29),
        date(2026, 6, 17),
        date(2026, 7, 29),
        date(2026, 9, 16),
        date(2026, 10, 28),
    ]
    assert boj.recorded.decision_date == date(2026, 1, 23) and len(boj.unrecorded) == 6
    assert policy.standing("fed", date(2024, 8, 5)).unrecorded == ()  # type: ignore[union-attr]


# --- table file validation ------------------------------------------------------------------

HEADER = "decision_date,lower,upper,status,note\n"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("2024-01-01,0.1,0.1,rumoured,x\n", "status 'rumoured'"),
        ("2024-01-01,0.5,0.1,confirmed,x\n", "lower 0.5 is above upper 0.1"),
        ("2024-02-01,0.1,0.1,confirmed,x\n2024-01-01,0.2,0.2,confirmed,x\n", "dates must increase"),
        ("2024-01-01,0.1,0.1,confirmed,a,b\n", "does not have 5 fields"),
        ("2024-13-01,0.1,0.1,confirmed,x\n", "line 2"),
        ("", "has no decisions"),
    ],
)
def test_broken_table_is_refused_with_the_line(body: str, message: str) -> None:
    with pytest.raises(ValueError, match="policy table") as caught:
        policy.parse_table(HEADER + body)
    assert message in str(caught.value)
