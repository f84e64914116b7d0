"""US Treasury par yield curve: real archive files, the live layout, faults, request planning."""

from __future__ import annotations

import csv
from datetime import date

import pandas as pd
import pytest

from analytics.errors import ValidationError
from analytics.sources import treasury
from analytics.sources.http import RetryPolicy, fetch
from analytics.sources.validate import check_observations
from tests.support.http_server import LocalServer
from tests.support.paths import raw_path

ARCHIVE = "UST_par_yield_curve_1990-2024.csv"
PROCESSED = "UST_par_yield_curve_2021-2025.csv"

# The live layout: quoted header, MM/DD/YYYY. The first row is the sample kept in the
# deerfieldgreen/us-department-treasury README (Oct 2024, before "1.5 Month" existed).
LIVE_2024 = (
    b'Date,"1 Mo","2 Mo","3 Mo","4 Mo","6 Mo","1 Yr","2 Yr","3 Yr","5 Yr","7 Yr","10 Yr",'
    b'"20 Yr","30 Yr"\n'
    b"10/07/2024,5.00,4.87,4.77,4.67,4.45,4.24,3.99,3.89,3.86,3.92,4.03,4.37,4.30\n"
)
# 2025 live layout with "1.5 Month" (asemx/ibkrbox issue #4); no live capture exists, so the
# values are the real 2025-07-11 and 2025-07-10 rows of the processed copy, re-laid out.
LIVE_2025 = (
    b'Date,"1 Mo","1.5 Month","2 Mo","3 Mo","4 Mo","6 Mo","1 Yr","2 Yr","3 Yr","5 Yr","7 Yr",'
    b'"10 Yr","20 Yr","30 Yr"\r\n'
    b"07/11/2025,4.37,4.39,4.47,4.41,4.42,4.31,4.09,3.90,3.86,3.99,4.19,4.43,4.96,4.96\r\n"
    b"07/10/2025,4.36,4.39,4.47,4.42,4.42,4.31,4.07,3.86,3.82,3.93,4.12,4.35,4.87,4.86\r\n"
)


def value(obs: pd.DataFrame, series: str, day: str) -> float:
    row = obs[(obs["series"] == series) & (obs["date"] == pd.Timestamp(day))]
    assert len(row) == 1, f"expected one {series} value on {day}, got {len(row)}"
    return float(row["value"].iloc[0])


@pytest.fixture(scope="module")
def archive() -> pd.DataFrame:
    return treasury.parse(raw_path(ARCHIVE).read_bytes())


def test_archive_gives_2y_and_10y_on_black_monday(archive: pd.DataFrame) -> None:
    assert value(archive, "us.2y", "2024-08-05") == 3.89
    assert value(archive, "us.10y", "2024-08-05") == 3.78
    # Two-digit years before 2000: 10/8/98 is 1998.
    assert value(archive, "us.2y", "1998-10-08") == 4.10
    assert value(archive, "us.10y", "1998-10-08") == 4.56


def test_archive_covers_1990_to_2024_and_passes_validation(archive: pd.DataFrame) -> None:
    assert set(archive["series"]) == {"us.2y", "us.10y"}
    assert archive["date"].min() == pd.Timestamp("1990-01-02")
    assert archive["date"].max() == pd.Timestamp("2024-12-31")
    # 8,757 rows, one of them (Columbus Day 2010) with every cell empty.
    assert archive.groupby("series").size().to_dict() == {"us.2y": 8756, "us.10y": 8756}
    assert not archive["value"].isna().any()
    check_observations(treasury.NAME, archive, today=date(2025, 1, 1))


def test_all_empty_holiday_row_is_dropped(archive: pd.DataFrame) -> None:
    assert not (archive["date"] == pd.Timestamp("2010-10-11")).any()


def test_archive_agrees_with_fred_dgs2(archive: pd.DataFrame) -> None:
    # FRED DGS2 is the same Treasury CMT yield; a date mix-up would show as disagreements.
    with raw_path("DGS2_1990-2025.csv").open(newline="") as handle:
        fred = {day: float(v) for day, v in list(csv.reader(handle))[1:] if v not in ("", ".")}
    ours = archive[archive["series"] == "us.2y"]
    compared = 0
    for day, yield_2y in zip(ours["date"].dt.strftime("%Y-%m-%d"), ours["value"], strict=True):
        if day in fred:
            assert yield_2y == fred[day], day
            compared += 1
    assert compared > 8700


def test_processed_copy_with_iso_dates_and_1_5_mo_column(archive: pd.DataFrame) -> None:
    processed = treasury.parse(raw_path(PROCESSED).read_bytes())
    assert value(processed, "us.2y", "2025-07-11") == 3.9
    assert value(processed, "us.10y", "2025-07-11") == 4.43
    assert value(processed, "us.2y", "2024-08-05") == 3.89
    overlap = archive.merge(processed, on=["series", "date"])
    assert len(overlap) == 2 * 984
    assert (overlap["value_x"] == overlap["value_y"]).all()


def test_live_layout_with_quoted_header() -> None:
    obs = treasury.parse(LIVE_2024)
    assert value(obs, "us.2y", "2024-10-07") == 3.99
    assert value(obs, "us.10y", "2024-10-07") == 4.03
    assert len(obs) == 2


def test_live_layout_with_1_5_month_column_and_crlf() -> None:
    obs = treasury.parse(LIVE_2025)
    assert value(obs, "us.2y", "2025-07-11") == 3.90
    assert value(obs, "us.10y", "2025-07-10") == 4.35
    # Sorted oldest first within each series, whatever order the file had.
    assert list(obs["date"]) == [pd.Timestamp("2025-07-10"), pd.Timestamp("2025-07-11")] * 2


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("8/5/24", date(2024, 8, 5)),
        ("10/8/98", date(1998, 10, 8)),
        ("1/2/90", date(1990, 1, 2)),
        ("1/3/00", date(2000, 1, 3)),
        ("10/07/2024", date(2024, 10, 7)),
        ("2025-07-11", date(2025, 7, 11)),
    ],
)
def test_three_date_layouts(text: str, expected: date) -> None:
    assert treasury.parse_date(text, 2) == expected


@pytest.mark.parametrize("text", ["2024/08/05", "13/01/2024", "8/5", "Aug 5, 2024", ""])
def test_malformed_date_names_the_line(text: str) -> None:
    with pytest.raises(ValidationError, match="line 7"):
        treasury.parse_date(text, 7)


def test_empty_cells_are_dropped_not_nan() -> None:
    body = b'Date,"2 Yr","10 Yr"\n10/08/2024,,4.06\n10/07/2024,3.99,\n'
    obs = treasury.parse(body)
    assert obs[["series", "value"]].values.tolist() == [["us.10y", 4.06], ["us.2y", 3.99]]


def test_header_only_is_an_empty_frame() -> None:
    # A new year's file before its first business day.
    obs = treasury.parse(LIVE_2025.split(b"\r\n")[0] + b"\r\n")
    assert obs.empty
    assert list(obs.columns) == ["series", "date", "value", "released"]


# -- faults ------------------------------------------------------------------------------------


def test_html_error_page_is_rejected() -> None:
    page = b"<!DOCTYPE html><html><head><title>Page Not Found</title></head><body></body></html>"
    with pytest.raises(ValidationError, match="HTML page titled 'Page Not Found'"):
        treasury.parse(page)


def test_empty_body_is_rejected() -> None:
    with pytest.raises(ValidationError, match="empty"):
        treasury.parse(b"")


def test_truncated_last_line_is_rejected() -> None:
    body = raw_path(ARCHIVE).read_bytes()
    cut = body[: body.index(b"\n8/5/24,") + len(b"\n8/5/24,5.52,5.43")]
    with pytest.raises(ValidationError, match=r"line 103 has 3 fields .* truncated") as err:
        treasury.parse(cut)
    assert err.value.source == "treasury"


def test_renamed_column_is_reported_as_missing() -> None:
    body = LIVE_2025.replace(b'"10 Yr"', b'"10 Year"')
    with pytest.raises(ValidationError, match=r"missing column.*10 Yr"):
        treasury.parse(body)


def test_non_numeric_value_names_line_and_date() -> None:
    body = LIVE_2025.replace(b"4.09,3.90,", b"4.09,n.a.,")
    with pytest.raises(ValidationError, match=r"'n\.a\.' at line 2 \(2 Yr on 2025-07-11\)"):
        treasury.parse(body)


# -- requests ----------------------------------------------------------------------------------


def test_nothing_stored_backfills_one_request_per_year_since_1990() -> None:
    planned = treasury.requests_for({}, date(2026, 10, 30))
    assert [r.label for r in planned] == [f"treasury {y}" for y in range(1990, 2027)]
    assert planned[0].url == (
        "https://home.treasury.gov/resource-center/data-chart-center/interest-rates/"
        "daily-treasury-rates.csv/1990/all?type=daily_treasury_yield_curve"
        "&field_tdr_date_value=1990&page&_format=csv"
    )


def test_up_to_date_store_asks_for_this_year_only() -> None:
    last = {"us.2y": date(2026, 10, 29), "us.10y": date(2026, 10, 29)}
    planned = treasury.requests_for(last, date(2026, 10, 30))
    assert [r.label for r in planned] == ["treasury 2026"]


def test_early_january_also_rereads_last_year() -> None:
    last = {"us.2y": date(2025, 12, 31), "us.10y": date(2025, 12, 30)}
    planned = treasury.requests_for(last, date(2026, 1, 2))
    assert [r.label for r in planned] == ["treasury 2025", "treasury 2026"]


def test_older_of_the_two_series_decides_and_a_missing_one_backfills() -> None:
    today = date(2026, 10, 30)
    last = {"us.2y": date(2026, 10, 29), "us.10y": date(2023, 5, 1)}
    assert treasury.requests_for(last, today)[0].label == "treasury 2023"
    only_2y = {"us.2y": date(2026, 10, 29)}
    assert len(treasury.requests_for(only_2y, today)) == 37


def test_fetch_and_parse_through_local_server(
    http_server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CARRYBOT_TREASURY_URL", http_server.url)
    path = treasury.PATH + "/2024/all"
    http_server.serve_file(
        path, raw_path(ARCHIVE), "text/csv", query={"field_tdr_date_value": "2024"}
    )
    (request,) = treasury.requests_for(
        {"us.2y": date(2024, 8, 1), "us.10y": date(2024, 8, 1)}, date(2024, 8, 6)
    )
    response = fetch(treasury.NAME, request.url, request.params, sleep=lambda s: None)
    assert value(request.parse(response.body), "us.2y", "2024-08-05") == 3.89
    (hit,) = http_server.hits(path)
    assert hit.query == {
        "type": "daily_treasury_yield_curve",
        "field_tdr_date_value": "2024",
        "page": "",
        "_format": "csv",
    }


def test_html_page_served_with_status_200_fails_validation(
    http_server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CARRYBOT_TREASURY_URL", http_server.url)
    http_server.html_error_page(treasury.PATH + "/2026/all", title="Access Denied")
    (request,) = treasury.requests_for(
        {"us.2y": date(2026, 10, 1), "us.10y": date(2026, 10, 1)}, date(2026, 10, 30)
    )
    response = fetch(treasury.NAME, request.url, policy=RetryPolicy(attempts=1))
    with pytest.raises(ValidationError, match="Access Denied"):
        request.parse(response.body)
