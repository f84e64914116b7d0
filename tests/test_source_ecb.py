"""ECB reference rates: the real history (bare and zipped), the daily layout, faults, planning."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import pandas as pd
import pytest

from analytics.errors import ValidationError
from analytics.sources import ecb
from analytics.sources.http import fetch
from analytics.sources.validate import check_observations
from tests.support.http_server import LocalServer
from tests.support.paths import raw_path

HISTORY = "eurofxref-hist.csv"

# The daily eurofxref.csv layout (spaces after commas, long date, trailing comma); no capture
# of that file exists here, so this is the real 2026-10-30 row of the history with the
# currencies quoted that day.
DAILY = (
    b"Date, USD, JPY, CZK, DKK, GBP, HUF, PLN, RON, SEK, CHF, ISK, NOK, TRY, AUD, BRL, CAD, "
    b"CNY, HKD, IDR, ILS, INR, KRW, MXN, MYR, NZD, PHP, SGD, THB, ZAR, \n"
    b"30 October 2026, 1.1172, 175.68, 24.353, 7.4735, 0.8338, 366.33, 4.4038, 5.3447, 10.978, "
    b"0.9194, 136, 10.312, 55.8015, 1.5904, 6.0692, 1.5606, 7.4326, 8.7652, 20275.17, 3.495, "
    b"106.084, 1491.76, 21.1237, 4.5325, 1.9823, 71.143, 1.4282, 37.683, 18.6455, \n"
)


def zipped(member: str, data: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(member, data)
    return buffer.getvalue()


def value(obs: pd.DataFrame, day: str) -> float:
    row = obs[obs["date"] == pd.Timestamp(day)]
    assert len(row) == 1, f"expected one value on {day}, got {len(row)}"
    return float(row["value"].iloc[0])


@pytest.fixture(scope="module")
def history_csv() -> bytes:
    return raw_path(HISTORY).read_bytes()


@pytest.fixture(scope="module")
def history(history_csv: bytes) -> pd.DataFrame:
    return ecb.parse_history(zipped("eurofxref-hist.csv", history_csv))


def test_history_zip_gives_the_usdjpy_cross_on_black_monday(history: pd.DataFrame) -> None:
    # 155.98 JPY and 1.0966 USD per euro.
    assert value(history, "2024-08-05") == round(155.98 / 1.0966, 4)
    assert round(value(history, "2024-08-05"), 2) == 142.24
    assert value(history, "1999-01-04") == round(133.73 / 1.1789, 4)
    assert value(history, "2026-10-30") == round(175.68 / 1.1172, 4)


def test_history_covers_every_day_and_passes_validation(history: pd.DataFrame) -> None:
    assert len(history) == 7126  # no JPY or USD gaps in the real file
    assert set(history["series"]) == {"fx.usdjpy.ecb"}
    assert history["date"].is_monotonic_increasing
    assert history["date"].iloc[0] == pd.Timestamp("1999-01-04")
    assert history["date"].iloc[-1] == pd.Timestamp("2026-10-30")
    check_observations(ecb.NAME, history, today=date(2026, 10, 31))


def test_bare_csv_and_zip_agree(history: pd.DataFrame, history_csv: bytes) -> None:
    pd.testing.assert_frame_equal(ecb.parse_history(history_csv), history)


def test_daily_layout_with_spaces_and_long_date() -> None:
    obs = ecb.parse_daily(DAILY)
    assert obs["date"].tolist() == [pd.Timestamp("2026-10-30")]
    assert obs["value"].tolist() == [157.2503]


def test_daily_zip() -> None:
    obs = ecb.parse_daily(zipped("eurofxref.csv", DAILY))
    assert value(obs, "2026-10-30") == 157.2503


def test_missing_rates_are_dropped() -> None:
    body = (
        b"Date,USD,JPY,BGN,\n"
        b"2024-08-06,1.0932,N/A,1.9558,\n"
        b"2024-08-05,1.0966,155.98,1.9558,\n"
        b"2024-08-02,N/A,157.21,1.9558,\n"
    )
    assert ecb.parse_history(body)["date"].tolist() == [pd.Timestamp("2024-08-05")]


# -- faults ------------------------------------------------------------------------------------


def test_html_error_page_is_rejected() -> None:
    page = b"<html><head><title>503 Service Unavailable</title></head></html>"
    with pytest.raises(ValidationError, match="HTML page titled '503 Service Unavailable'"):
        ecb.parse_history(page)


def test_empty_body_is_rejected() -> None:
    with pytest.raises(ValidationError, match="empty"):
        ecb.parse_daily(b"")


def test_truncated_zip_is_rejected(history: pd.DataFrame, history_csv: bytes) -> None:
    body = zipped("eurofxref-hist.csv", history_csv)
    with pytest.raises(ValidationError, match="zip file is truncated or corrupt"):
        ecb.parse_history(body[: len(body) // 2])


def test_corrupt_zip_data_is_rejected(history_csv: bytes) -> None:
    body = bytearray(zipped("eurofxref-hist.csv", history_csv))
    middle = len(body) // 2
    body[middle : middle + 64] = bytes(64)  # zeros in the middle of the deflate stream
    with pytest.raises(ValidationError, match="zip file is truncated or corrupt"):
        ecb.parse_history(bytes(body))


def test_zip_without_the_csv_is_rejected() -> None:
    body = zipped("readme.txt", b"nothing here")
    with pytest.raises(ValidationError, match=r"holds readme\.txt, not eurofxref-hist\.csv"):
        ecb.parse_history(body)


def test_truncated_csv_is_rejected(history_csv: bytes) -> None:
    cut = history_csv[: history_csv.index(b"\n2024-08-05,") + len(b"\n2024-08-05,1.0966,155.9")]
    with pytest.raises(ValidationError, match=r"has 3 fields where the header has 43"):
        ecb.parse_history(cut)


def test_renamed_column_is_reported_as_missing() -> None:
    with pytest.raises(ValidationError, match=r"missing column.*JPY"):
        ecb.parse_daily(DAILY.replace(b" JPY,", b" YEN,"))


def test_non_numeric_value_names_the_date() -> None:
    with pytest.raises(ValidationError, match=r"'1\.11x2' at USD line 2 \(2026-10-30\)"):
        ecb.parse_daily(DAILY.replace(b"1.1172", b"1.11x2"))


# -- requests ----------------------------------------------------------------------------------


def test_nothing_stored_fetches_the_history() -> None:
    (request,) = ecb.requests_for({}, date(2026, 10, 30))
    assert request.url == "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-hist.zip"
    assert request.parse is ecb.parse_history


@pytest.mark.parametrize(
    ("stored", "today"),
    [
        (date(2026, 10, 29), date(2026, 10, 30)),  # Thursday -> Friday
        (date(2026, 10, 30), date(2026, 11, 2)),  # Friday -> Monday
        (date(2026, 10, 30), date(2026, 10, 31)),  # Friday -> Saturday
        (date(2026, 10, 30), date(2026, 10, 30)),  # same day
    ],
)
def test_at_most_one_weekday_behind_uses_the_daily_file(stored: date, today: date) -> None:
    (request,) = ecb.requests_for({"fx.usdjpy.ecb": stored}, today)
    assert request.url.endswith("/stats/eurofxref/eurofxref.zip")
    assert request.parse is ecb.parse_daily


@pytest.mark.parametrize(
    ("stored", "today"),
    [
        (date(2026, 10, 28), date(2026, 10, 30)),  # Wednesday -> Friday: Thursday would be lost
        (date(2026, 10, 29), date(2026, 11, 2)),  # Thursday -> Monday: Friday would be lost
        (date(2026, 9, 1), date(2026, 10, 30)),
    ],
)
def test_further_behind_uses_the_history(stored: date, today: date) -> None:
    (request,) = ecb.requests_for({"fx.usdjpy.ecb": stored}, today)
    assert request.url.endswith("/stats/eurofxref/eurofxref-hist.zip")


def test_fetch_and_parse_through_local_server(
    http_server: LocalServer, monkeypatch: pytest.MonkeyPatch, history_csv: bytes
) -> None:
    monkeypatch.setenv("CARRYBOT_ECB_URL", http_server.url + "/")
    http_server.serve_bytes(ecb.HISTORY_PATH, zipped("eurofxref-hist.csv", history_csv))
    (request,) = ecb.requests_for({}, date(2026, 10, 31))
    assert request.url == http_server.url + ecb.HISTORY_PATH
    obs = request.parse(fetch(ecb.NAME, request.url).body)
    assert round(value(obs, "2024-08-05"), 2) == 142.24


def test_truncated_download_from_server_is_rejected(
    http_server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CARRYBOT_ECB_URL", http_server.url)
    http_server.truncated(ecb.DAILY_PATH, zipped("eurofxref.csv", DAILY), keep=0.6)
    (request,) = ecb.requests_for({"fx.usdjpy.ecb": date(2026, 10, 29)}, date(2026, 10, 30))
    with pytest.raises(ValidationError, match="truncated or corrupt"):
        request.parse(fetch(ecb.NAME, request.url).body)
