"""CFTC yen positioning: yearly text files (zip or bare), the reporting API, release dates."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from analytics.errors import ValidationError
from analytics.sources import cftc
from analytics.sources.validate import check_observations

RAW = Path(__file__).resolve().parents[2] / "shared" / "data" / "raw"


def raw(name: str) -> bytes:
    path = RAW / name
    if not path.exists():
        pytest.skip(f"real data file {path} is not available")
    return path.read_bytes()


def value(obs: pd.DataFrame, series: str, day: str) -> float:
    hit = obs[(obs["series"] == series) & (obs["date"] == pd.Timestamp(day))]
    assert len(hit) == 1, f"{series} on {day}: {len(hit)} rows"
    return float(hit["value"].iloc[0])


def zipped(name: str, body: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, body)
    return buffer.getvalue()


# Inline excerpts in the yearly files' layout (quoted header names, space-padded numbers, CRLF),
# cut down to the columns the parser reads plus a few it must ignore.
LEGACY_HEADER = (
    '"Market and Exchange Names","As of Date in Form YYMMDD","As of Date in Form YYYY-MM-DD",'
    '"CFTC Contract Market Code","CFTC Market Code in Initials","Open Interest (All)",'
    '"Noncommercial Positions-Long (All)","Noncommercial Positions-Short (All)",'
    '"Noncommercial Positions-Spreading (All)"'
)
LEGACY_YEN = (
    '"JAPANESE YEN - CHICAGO MERCANTILE EXCHANGE",250318,2025-03-18,097741,CME ,'
    "  296567,  164752,   41788,    5303"
)
LEGACY_EURO = (
    '"EURO FX - CHICAGO MERCANTILE EXCHANGE",250318,2025-03-18,099741,CME ,'
    "  700000,  200000,  100000,    1000"
)
TFF_HEADER = (
    '"Market_and_Exchange_Names","As_of_Date_In_Form_YYMMDD","Report_Date_as_YYYY-MM-DD",'
    '"CFTC_Contract_Market_Code","Open_Interest_All","Lev_Money_Positions_Long_All",'
    '"Lev_Money_Positions_Short_All","Traders_Dealer_Spread_All","Contract_Units"'
)
TFF_YEN = (
    '"JAPANESE YEN - CHICAGO MERCANTILE EXCHANGE",211228,2021-12-28,097741,'
    '  203814,   33153,   54022,.,"(CONTRACTS OF JPY 12,500,000)"'
)


def crlf(*lines: str) -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode()


# --- real files -----------------------------------------------------------------------------


def test_legacy_real_file_gives_noncommercial_positions_and_open_interest() -> None:
    obs = cftc.parse_legacy_text(raw("CFTC_legacy_FO_2025_JPY_rows.txt"))
    assert value(obs, "cftc.jpy.oi", "2025-03-18") == 296_567
    assert value(obs, "cftc.jpy.noncomm_long", "2025-03-18") == 164_752
    assert value(obs, "cftc.jpy.noncomm_short", "2025-03-18") == 41_788
    assert obs.groupby("series")["date"].nunique().to_dict() == {
        "cftc.jpy.noncomm_long": 11,
        "cftc.jpy.noncomm_short": 11,
        "cftc.jpy.oi": 11,
    }
    assert obs["date"].min() == pd.Timestamp("2025-01-07")
    check_observations("cftc", obs, today=date(2025, 3, 31))


def test_tff_real_files_give_leveraged_funds_positions() -> None:
    obs = cftc.parse_tff_text(raw("CFTC_TFF_FO_2017-2021_JPY_rows.txt"))
    assert value(obs, "cftc.jpy.lev_long", "2021-12-28") == 33_153
    assert value(obs, "cftc.jpy.lev_short", "2021-12-28") == 54_022
    assert value(obs, "cftc.jpy.tff_oi", "2021-12-28") == 203_814
    assert set(obs.groupby("series")["date"].nunique()) == {256}
    check_observations("cftc", obs, today=date(2022, 1, 31))

    recent = cftc.parse_tff_text(raw("CFTC_TFF_FO_2025_JPY_rows.txt"))
    assert value(recent, "cftc.jpy.lev_long", "2025-04-29") == 50_238
    assert value(recent, "cftc.jpy.lev_short", "2025-04-29") == 30_627
    assert set(recent.groupby("series")["date"].nunique()) == {17}


def test_every_real_observation_is_released_after_its_report_date() -> None:
    obs = cftc.parse_tff_text(raw("CFTC_TFF_FO_2017-2021_JPY_rows.txt"))
    lag = (obs["released"] - obs["date"]).dt.days
    assert lag.min() >= 3
    assert set(obs["released"].dt.day_name()) <= {"Friday", "Monday", "Tuesday"}
    # Monday report dates in holiday weeks (2018-12-24, 2017-07-03) still publish that Friday.
    monday = obs[obs["date"] == pd.Timestamp("2018-12-24")]
    assert set(monday["released"]) == {pd.Timestamp("2018-12-28")}


def test_yearly_zip_archive_parses_like_its_text_file() -> None:
    text = raw("CFTC_legacy_FO_2025_JPY_rows.txt")
    from_zip = cftc.parse_legacy_text(zipped("annual.txt", text))
    pd.testing.assert_frame_equal(from_zip, cftc.parse_legacy_text(text))

    tff = raw("CFTC_TFF_FO_2025_JPY_rows.txt")
    pd.testing.assert_frame_equal(
        cftc.parse_tff_text(zipped("FinFutYY.txt", tff)), cftc.parse_tff_text(tff)
    )


# --- layout details -------------------------------------------------------------------------


def test_only_yen_rows_are_kept() -> None:
    obs = cftc.parse_legacy_text(crlf(LEGACY_HEADER, LEGACY_EURO, LEGACY_YEN, LEGACY_EURO))
    assert len(obs) == 3
    assert value(obs, "cftc.jpy.oi", "2025-03-18") == 296_567


def test_columns_are_found_by_name_not_position() -> None:
    header = LEGACY_HEADER.split(",")
    row = LEGACY_YEN.split(",")
    order = [0, 1, 2, 3, 4, 8, 7, 6, 5]  # reverse the four position columns
    body = crlf(",".join(header[i] for i in order), ",".join(row[i] for i in order))
    obs = cftc.parse_legacy_text(body)
    assert value(obs, "cftc.jpy.noncomm_short", "2025-03-18") == 41_788
    assert value(obs, "cftc.jpy.oi", "2025-03-18") == 296_567


def test_lf_line_endings_and_quoted_commas_are_accepted() -> None:
    body = (TFF_HEADER + "\n" + TFF_YEN + "\n").encode()
    obs = cftc.parse_tff_text(body)
    assert value(obs, "cftc.jpy.lev_short", "2021-12-28") == 54_022


def test_dot_means_missing_and_yields_no_observation() -> None:
    row = TFF_YEN.replace("   33153", ".")
    obs = cftc.parse_tff_text(crlf(TFF_HEADER, row))
    assert set(obs["series"]) == {"cftc.jpy.tff_oi", "cftc.jpy.lev_short"}


def test_2006_2016_tff_history_layout_with_us_dates() -> None:
    # The combined 2006-2016 TFF file names the date column Report_Date_as_MM_DD_YYYY in older
    # vintages and writes US dates with a midnight time.
    header = TFF_HEADER.replace("Report_Date_as_YYYY-MM-DD", "Report_Date_as_MM_DD_YYYY")
    row = TFF_YEN.replace("211228,2021-12-28", "100105,1/5/2010 12:00:00 AM")
    obs = cftc.parse_tff_text(crlf(header, row))
    assert set(obs["date"]) == {pd.Timestamp("2010-01-05")}
    assert set(obs["released"]) == {pd.Timestamp("2010-01-08")}


# --- format faults --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "empty"),
        (b"<!DOCTYPE html><html><title>Page Not Found</title></html>", "HTML page"),
        (
            crlf(LEGACY_HEADER.replace("Open Interest (All)", "Open Interest"), LEGACY_YEN),
            "missing column(s) Open Interest (All)",
        ),
        (crlf(LEGACY_HEADER, LEGACY_YEN, LEGACY_YEN.rsplit(",", 3)[0]), "truncated"),
        (crlf(LEGACY_HEADER, LEGACY_YEN.replace("  164752", "  16x752")), "non-numeric"),
        (crlf(LEGACY_HEADER, LEGACY_EURO), "no rows for the Japanese yen"),
        (
            crlf(LEGACY_HEADER, LEGACY_YEN.replace("2025-03-18", "18.03.2025")),
            "is not a report date",
        ),
    ],
    ids=["empty", "html", "missing-column", "truncated-row", "non-numeric", "no-yen", "bad-date"],
)
def test_legacy_format_faults_are_named(body: bytes, message: str) -> None:
    with pytest.raises(ValidationError, match=r"^cftc: ") as caught:
        cftc.parse_legacy_text(body)
    assert message in str(caught.value)


def test_corrupt_or_truncated_zip_is_rejected() -> None:
    archive = zipped("annual.txt", crlf(LEGACY_HEADER, LEGACY_YEN) * 50)
    with pytest.raises(ValidationError, match="corrupt or truncated"):
        cftc.parse_legacy_text(archive[: len(archive) // 2])


def test_zip_without_text_file_is_rejected() -> None:
    with pytest.raises(ValidationError, match=r"holds no \.txt file"):
        cftc.parse_tff_text(zipped("readme.pdf", b"%PDF-1.4"))


def test_archive_of_the_wrong_report_says_so() -> None:
    # A legacy file handed to the TFF parser lacks the TFF columns.
    with pytest.raises(ValidationError, match="missing column"):
        cftc.parse_tff_text(crlf(LEGACY_HEADER, LEGACY_YEN))


# --- public reporting API (Socrata) ---------------------------------------------------------
# No real capture of these answers exists; the rows are hand-made in the documented shape
# (every value a string, report date as a floating timestamp), see shared/docs/sources.md 1e.


def legacy_row(day: str, oi: str, long: str, short: str, code: str = "097741") -> dict[str, str]:
    return {
        "market_and_exchange_names": "JAPANESE YEN - CHICAGO MERCANTILE EXCHANGE",
        "report_date_as_yyyy_mm_dd": f"{day}T00:00:00.000",
        "cftc_contract_market_code": code,
        "open_interest_all": oi,
        "noncomm_positions_long_all": long,
        "noncomm_positions_short_all": short,
        "noncomm_postions_spread_all": "5303",
        "futonly_or_combined": "FutOnly",
    }


def test_legacy_api_rows() -> None:
    body = json.dumps(
        [
            legacy_row("2026-03-17", "250100", "120000", "60000"),
            legacy_row("2026-03-24", "251234", "118000", "64000"),
            legacy_row("2026-03-24", "9", "9", "9", code="099741"),
        ]
    ).encode()
    obs = cftc.parse_legacy_json(body)
    assert len(obs) == 6
    assert value(obs, "cftc.jpy.noncomm_short", "2026-03-24") == 64_000
    assert value(obs, "cftc.jpy.oi", "2026-03-17") == 250_100
    released = obs[obs["date"] == pd.Timestamp("2026-03-24")]["released"]
    assert set(released) == {pd.Timestamp("2026-03-27")}


@pytest.mark.parametrize("suffix", ["", "_all"])
def test_tff_api_rows_accept_both_leveraged_field_names(suffix: str) -> None:
    row = {
        "report_date_as_yyyy_mm_dd": "2026-03-24T00:00:00.000",
        "cftc_contract_market_code": "097741",
        "open_interest_all": "201000",
        f"lev_money_positions_long{suffix}": "41000",
        f"lev_money_positions_short{suffix}": "70500",
        "asset_mgr_positions_long": "100",
        ":created_at": "2026-03-27T20:31:00.000Z",
    }
    obs = cftc.parse_tff_json(json.dumps([row]).encode())
    assert value(obs, "cftc.jpy.lev_long", "2026-03-24") == 41_000
    assert value(obs, "cftc.jpy.lev_short", "2026-03-24") == 70_500
    assert value(obs, "cftc.jpy.tff_oi", "2026-03-24") == 201_000


def test_api_answer_with_no_new_report_is_empty_not_an_error() -> None:
    obs = cftc.parse_legacy_json(b"[]")
    assert obs.empty
    assert list(obs.columns) == ["series", "date", "value", "released"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            b'{"code":"query.soql.no-such-column","error":true,"message":"No such column: x"}',
            "answered with an error: No such column: x",
        ),
        (b'[{"report_date_as_yyyy_mm_dd":"2026-03-24T00:00', "not valid JSON"),
        (b"<html><body>Service Unavailable</body></html>", "HTML page"),
        (
            json.dumps(
                [
                    {
                        "report_date_as_yyyy_mm_dd": "2026-03-24T00:00:00.000",
                        "open_interest_all": "1",
                        "noncomm_positions_long_all": "2",
                    }
                ]
            ).encode(),
            "no field noncomm_positions_short_all",
        ),
        (json.dumps([legacy_row("2026-03-24", "1", "n/a", "3")]).encode(), "non-numeric"),
        (json.dumps([legacy_row("24/03/2026", "1", "2", "3")]).encode(), "not a report date"),
    ],
    ids=["api-error", "cut-off", "html", "missing-field", "non-numeric", "bad-date"],
)
def test_api_format_faults_are_named(body: bytes, message: str) -> None:
    with pytest.raises(ValidationError, match=r"^cftc: ") as caught:
        cftc.parse_legacy_json(body)
    assert message in str(caught.value)


# --- release dates --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("report", "released"),
    [
        ("2025-03-18", "2025-03-21"),  # Tuesday -> Friday
        ("2018-12-24", "2018-12-28"),  # Monday as-of date (Tuesday holiday) -> Friday
        ("2024-09-03", "2024-09-06"),  # a Monday holiday before the report date changes nothing
        # CFTC's published schedules: a Wednesday-Friday holiday moves the release to Monday.
        ("2015-06-30", "2015-07-06"),  # Friday 3 Jul 2015
        ("2024-06-18", "2024-06-24"),  # Juneteenth on a Wednesday
        ("2024-07-02", "2024-07-08"),  # Independence Day on a Thursday
        ("2024-11-26", "2024-12-02"),  # Thanksgiving
        ("2024-12-24", "2024-12-30"),  # Christmas on a Wednesday
        ("2024-12-31", "2025-01-06"),  # New Year's Day on a Wednesday
        ("2021-12-28", "2022-01-03"),  # New Year's Day observed on Friday 31 Dec
    ],
)
def test_release_date_rule(report: str, released: str) -> None:
    assert cftc.release_date(date.fromisoformat(report)) == date.fromisoformat(released)


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2040, 12, 31)))
def test_release_is_never_before_the_friday_after_report_date(report: date) -> None:
    released = cftc.release_date(report)
    start = report + timedelta(days=3)
    friday = start + timedelta(days=(4 - start.weekday()) % 7)
    assert released.weekday() < 5
    assert friday <= released <= friday + timedelta(days=4)
    if report.weekday() in (0, 1):  # Monday or Tuesday report dates: that week's Friday
        assert friday == report + timedelta(days=4 - report.weekday())


# --- requests -------------------------------------------------------------------------------

ALL_SERIES = (
    "cftc.jpy.oi",
    "cftc.jpy.noncomm_long",
    "cftc.jpy.noncomm_short",
    "cftc.jpy.tff_oi",
    "cftc.jpy.lev_long",
    "cftc.jpy.lev_short",
)


def test_requests_after_the_last_stored_report(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CARRYBOT_CFTC_URL", raising=False)
    last = dict.fromkeys(ALL_SERIES, date(2026, 3, 17))
    last["cftc.jpy.lev_short"] = date(2026, 3, 10)
    requests = cftc.requests_for(last, today=date(2026, 3, 28))
    assert [r.url for r in requests] == [
        "https://publicreporting.cftc.gov/resource/6dca-aqww.json",
        "https://publicreporting.cftc.gov/resource/gpe5-46if.json",
    ]
    assert requests[0].params["$where"] == (
        "cftc_contract_market_code='097741' AND "
        "report_date_as_yyyy_mm_dd > '2026-03-17T00:00:00.000'"
    )
    # The oldest series of a report decides, so a lagging one catches up.
    assert "> '2026-03-10T" in requests[1].params["$where"]
    assert requests[1].params["$order"] == "report_date_as_yyyy_mm_dd"
    assert requests[0].parse is cftc.parse_legacy_json
    assert requests[1].parse is cftc.parse_tff_json


def test_empty_store_backfills_from_yearly_archives(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CARRYBOT_CFTC_URL", "http://127.0.0.1:8765/")
    requests = cftc.requests_for({}, today=date(2026, 11, 20))
    urls = [r.url for r in requests]
    legacy = [u for u in urls if "deacot" in u]
    assert legacy[0] == "http://127.0.0.1:8765/files/dea/history/deacot1995.zip"
    assert legacy[-1].endswith("deacot2023.zip")
    assert len(legacy) == 2023 - 1995 + 1
    tff = [u for u in urls if "fin_" in u]
    assert tff[0].endswith("/fin_fut_txt_2006_2016.zip")
    assert tff[1].endswith("/fut_fin_txt_2017.zip")
    assert tff[-1].endswith("/fut_fin_txt_2023.zip")
    api = [r for r in requests if r.url.endswith(".json")]
    assert [r.url for r in api] == [
        "http://127.0.0.1:8765/resource/6dca-aqww.json",
        "http://127.0.0.1:8765/resource/gpe5-46if.json",
    ]
    assert all("> '2023-12-31T00:00:00.000'" in r.params["$where"] for r in api)
    archives = [r for r in requests if r.url.endswith(".zip")]
    assert {r.parse for r in archives} == {cftc.parse_legacy_text, cftc.parse_tff_text}
    assert len(urls) == len(set(urls))


def test_one_missing_series_triggers_that_reports_backfill() -> None:
    last = {series: date(2026, 3, 17) for series in ALL_SERIES if series != "cftc.jpy.oi"}
    urls = [r.url for r in cftc.requests_for(last, today=date(2026, 3, 28))]
    assert any("deacot1995.zip" in u for u in urls)
    assert not any(u.endswith(".zip") and "fin" in u for u in urls)
