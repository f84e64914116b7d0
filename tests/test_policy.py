"""Policy-rate tables: checked against real FRED and OECD history, live confirmation, staleness."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
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
    def tagged(status: str) -> set[tuple[str, date]]:
        return {
            (bank, d.decision_date)
            for bank in policy.BANKS
            for d in policy.table(bank)
            if d.status == status
        }

    assert tagged("unconfirmed") == {
        ("fed", date(2026, 4, 29)),
        ("boj", date(2026, 3, 19)),
        ("boj", date(2026, 4, 28)),
    }
    # policy-rates.md 3.3: strong secondary evidence citing the banks' own documents.
    assert tagged("secondary") == {
        ("fed", date(2026, 6, 17)),
        ("fed", date(2026, 7, 29)),
        ("fed", date(2026, 9, 16)),
        ("boj", date(2026, 6, 16)),
        ("boj", date(2026, 7, 31)),
        ("boj", date(2026, 9, 18)),
    }


def test_the_2026_decisions_of_policy_rates_md_are_in_the_tables() -> None:
    fed = {d.decision_date: d for d in policy.table("fed")}
    boj = {d.decision_date: d for d in policy.table("boj")}
    assert (fed[date(2026, 9, 16)].lower, fed[date(2026, 9, 16)].upper) == (3.75, 4.0)
    assert fed[date(2026, 9, 16)].effective == date(2026, 9, 17)
    assert boj[date(2026, 6, 16)].mid == 1.0 and boj[date(2026, 6, 16)].effective == date(
        2026, 6, 17
    )
    assert boj[date(2026, 9, 18)].mid == 1.25
    assert boj[date(2026, 9, 18)].effective == date(2026, 9, 24)
    # On 30 Oct 2026 the policy-rate gap was 3.875% - 1.25% = 262.5 bp.
    day = pd.DatetimeIndex(["2026-10-30"])
    gap = 100 * (policy.daily_rate("fed", day) - policy.daily_rate("boj", day)).iloc[0]
    assert gap == pytest.approx(262.5)


def test_tables_start_before_1990_and_single_rates_have_equal_bounds() -> None:
    for bank in policy.BANKS:
        rows = policy.table(bank)
        assert rows[0].decision_date < date(1990, 1, 1)
        assert all(d.lower <= d.upper for d in rows)
    assert [d.describe() for d in policy.table("boj") if d.decision_date == date(2025, 12, 19)] == [
        "0.75%"
    ]


def test_a_rate_applies_from_its_effective_day() -> None:
    index = pd.DatetimeIndex(["2026-06-16", "2026-06-17", "2026-09-18", "2026-09-23", "2026-09-24"])
    assert policy.daily_rate("boj", index).tolist() == [0.75, 1.0, 1.0, 1.0, 1.25]
    fed = policy.daily_rate("fed", pd.DatetimeIndex(["2026-09-16", "2026-09-17"]))
    assert fed.tolist() == [3.625, 3.875]


def test_unconfirmed_rows_are_ignored_until_included_or_confirmed() -> None:
    may = date(2026, 5, 15)
    assert policy.last_decision("boj", may).decision_date == date(2026, 1, 23)
    assert policy.last_decision("boj", may, include_unconfirmed=True).decision_date == date(
        2026, 4, 28
    )
    confirmed = {date(2026, 4, 28)}
    assert policy.last_decision("boj", may, confirmed_by=confirmed).decision_date == date(
        2026, 4, 28
    )


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


# --- meetings -------------------------------------------------------------------------------


def test_next_meetings_gives_each_banks_next_decision_day() -> None:
    upcoming = policy.next_meetings(date(2026, 7, 1))
    assert [(m.bank, m.date) for m in upcoming] == [
        ("fed", date(2026, 7, 29)),
        ("boj", date(2026, 7, 31)),
    ]
    # A decision day counts as upcoming on the day itself until the decision is out (the Fed's
    # at 14:00 New York time, 18:00 UTC in July); a briefing of that evening names the next one.
    morning = datetime(2026, 7, 29, 17, 59, tzinfo=UTC)
    assert policy.next_meetings(date(2026, 7, 29), now=morning)[0].date == date(2026, 7, 29)
    afternoon = datetime(2026, 7, 29, 18, 0, tzinfo=UTC)
    assert policy.next_meetings(date(2026, 7, 29), now=afternoon)[0].bank == "boj"
    evening = [(m.bank, m.date) for m in policy.next_meetings(date(2026, 7, 29))]
    assert evening == [("boj", date(2026, 7, 31)), ("fed", date(2026, 9, 16))]
    # A decision already known is not next, whatever the time.
    known = frozenset({("fed", date(2026, 7, 29))})
    assert policy.next_meetings(date(2026, 7, 29), now=morning, decided=known)[0].bank == "boj"
    checked_only = policy.next_meetings(date(2026, 12, 1), include_unchecked=False)
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


# --- table file validation ------------------------------------------------------------------

HEADER = "decision_date,lower,upper,status,note,effective\n"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("2024-01-01,0.1,0.1,rumoured,x\n", "status 'rumoured'"),
        ("2024-01-01,0.5,0.1,confirmed,x\n", "lower 0.5 is above upper 0.1"),
        ("2024-02-01,0.1,0.1,confirmed,x\n2024-01-01,0.2,0.2,confirmed,x\n", "dates must increase"),
        ("2024-01-01,0.1,0.1,confirmed,a,2024-01-02,b\n", "does not have 6 fields"),
        ("2024-01-02,0.1,0.1,confirmed,a,2024-01-01\n", "effective 2024-01-01 is before"),
        ("2024-13-01,0.1,0.1,confirmed,x\n", "line 2"),
        ("", "has no decisions"),
    ],
)
def test_broken_table_is_refused_with_the_line(body: str, message: str) -> None:
    with pytest.raises(ValueError, match="policy table") as caught:
        policy.parse_table(HEADER + body)
    assert message in str(caught.value)
