"""FRED fredgraph.csv: both header layouts, both missing markers, real files and faults."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from analytics.errors import ValidationError
from analytics.sources import fred
from tests.support.paths import raw_path

NEW_LAYOUT = b"observation_date,DGS2\n2025-11-10,3.58\n2025-11-11,\n2025-11-12,3.56\n"
OLD_LAYOUT = b"DATE,DGS2\n2024-01-12,4.14\n2024-01-15,.\n2024-01-16,4.22\n"


def values(obs: pd.DataFrame, series: str) -> dict[str, float]:
    rows = obs[obs["series"] == series]
    return dict(zip(rows["date"].dt.strftime("%Y-%m-%d"), rows["value"], strict=True))


def test_current_layout_drops_empty_missing_marker() -> None:
    obs = fred.parse(NEW_LAYOUT)
    assert values(obs, "us.2y") == {"2025-11-10": 3.58, "2025-11-12": 3.56}


def test_legacy_layout_drops_dot_missing_marker() -> None:
    obs = fred.parse(OLD_LAYOUT)
    assert values(obs, "us.2y") == {"2024-01-12": 4.14, "2024-01-16": 4.22}


def test_crlf_and_trailing_zeros_are_read() -> None:
    obs = fred.parse(b"DATE,DFF\r\n1954-07-01,1.250\r\n1954-07-02,1.25\r\n")
    assert list(obs["value"]) == [1.25, 1.25]
    assert set(obs["series"]) == {"us.effr"}


def test_multi_series_download_is_split_per_series() -> None:
    dates, columns = fred.parse_columns(raw_path("FRED_multiseries_sample_legacy.csv").read_bytes())
    assert list(columns) == ["DFF", "DGS10", "DGS3MO", "DGS5"]
    assert len(dates) == 514
    assert all(len(values) == len(dates) for values in columns.values())
    _, new_columns = fred.parse_columns(raw_path("FRED_multiseries_sample_new.csv").read_bytes())
    assert list(new_columns) == ["FEDFUNDS", "MORTGAGE30US"]


def test_unknown_series_column_is_rejected() -> None:
    with pytest.raises(ValidationError, match="unexpected series column"):
        fred.parse(b"observation_date,FEDFUNDS\n2025-01-01,4.33\n")


@pytest.mark.parametrize(
    ("name", "series", "day", "value"),
    [
        ("DGS2_1990-2025.csv", "us.2y", "2024-08-05", 3.89),
        ("DGS2_1990-2025.csv", "us.2y", "1998-10-08", 4.10),
        ("DGS2.csv", "us.2y", "2024-01-12", 4.14),
        ("DGS10.csv", "us.10y", "1962-01-02", 4.06),
        ("DEXJPUS_2015-2025.csv", "fx.usdjpy.h10", "2024-08-05", 143.95),
        ("DEXJPUS.csv", "fx.usdjpy.h10", "1998-10-08", 118.85),
        ("VIXCLS.csv", "vix", "2024-08-05", 38.57),
        ("DFF.csv", "us.effr", "2024-08-05", 5.33),
        ("DFEDTARU.csv", "us.fed.upper", "2024-01-31", 5.50),
        ("DFEDTARL.csv", "us.fed.lower", "2008-12-16", 0.00),
        ("DFEDTAR.csv", "us.fed.target", "1998-10-16", 5.00),
        ("NIKKEI225_legacy_1949-2020.csv", "eq.nikkei225", "1949-05-16", 176.21),
        ("NIKKEI225_legacy_1949-2020.csv", "eq.nikkei225", "2017-11-07", 22937.6),
        ("NIKKEI225_legacy_1949-2020.csv", "eq.nikkei225", "2020-03-27", 19389.43),
        ("NIKKEI225_2025-2026.csv", "eq.nikkei225", "2025-12-01", 49303.28),
        ("SP500.csv", "eq.sp500", "2024-08-05", 5186.33),
        ("SP500_2025-2026.csv", "eq.sp500", "2025-12-01", 6812.63),
        ("CBBTCUSD.csv", "crypto.btcusd", "2024-08-05", 54025.90),
        ("CBBTCUSD.csv", "crypto.btcusd", "2024-08-04", 58181.05),  # a Sunday: Bitcoin trades
    ],
)
def test_real_files_parse_to_published_values(
    name: str, series: str, day: str, value: float
) -> None:
    obs = fred.parse(raw_path(name).read_bytes())
    assert values(obs, series)[day] == pytest.approx(value)


def test_real_file_keeps_every_non_missing_row() -> None:
    body = raw_path("DGS2_1990-2025.csv").read_bytes()
    lines = body.decode().splitlines()[1:]
    non_missing = [line for line in lines if line.split(",")[1] not in ("", ".")]
    assert len(fred.parse(body)) == len(non_missing)


def test_html_error_page_is_rejected() -> None:
    page = b"<!DOCTYPE html><html><head><title>Service Unavailable</title></head></html>"
    with pytest.raises(ValidationError, match="HTML page titled 'Service Unavailable'"):
        fred.parse(page)


def test_empty_body_is_rejected() -> None:
    with pytest.raises(ValidationError, match="empty"):
        fred.parse(b"")


def test_truncated_last_line_is_rejected() -> None:
    with pytest.raises(ValidationError, match="truncated"):
        fred.parse(b"observation_date,DGS2\n2025-11-10,3.58\n2025-1")


def test_download_cut_mid_value_is_rejected() -> None:
    with pytest.raises(ValidationError, match="ends mid-line"):
        fred.parse(b"observation_date,DGS2\n2025-11-10,3.58\n2025-11-12,3.5")


def test_row_with_missing_field_is_rejected() -> None:
    with pytest.raises(ValidationError, match="line 3 has 1 fields"):
        fred.parse(b"observation_date,DGS2\n2025-11-10,3.58\n2025-11-12\n")


def test_renamed_date_column_is_rejected() -> None:
    with pytest.raises(ValidationError, match="unexpected header"):
        fred.parse(b"day,DGS2\n2025-11-10,3.58\n")


def test_non_numeric_value_names_the_line() -> None:
    with pytest.raises(ValidationError, match=r"non-numeric value 'n/a' at DGS2 line 3"):
        fred.parse(b"observation_date,DGS2\n2025-11-10,3.58\n2025-11-11,n/a\n")


def test_requests_start_a_month_before_the_last_stored_date() -> None:
    requests = fred.requests_for({"us.2y": date(2025, 11, 13)}, date(2025, 11, 20))
    by_code = {r.params["id"]: r for r in requests}
    assert set(by_code) == set(fred.LIVE_CODES)
    assert by_code["DGS2"].params["cosd"] == "2025-10-13"
    assert by_code["DGS10"].params["cosd"] == "1990-01-01"
    assert by_code["DGS2"].url.endswith("/graph/fredgraph.csv")


def test_base_url_override_keeps_the_real_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CARRYBOT_FRED_URL", "http://127.0.0.1:9999/")
    request = fred.requests_for({}, date(2025, 1, 1))[0]
    assert request.url == "http://127.0.0.1:9999/graph/fredgraph.csv"


@pytest.mark.parametrize(
    ("name", "series", "missing"),
    [
        ("NIKKEI225_legacy_1949-2020.csv", "eq.nikkei225", 871),  # legacy '.' markers
        ("NIKKEI225_2025-2026.csv", "eq.nikkei225", 13),  # current empty fields
        ("SP500.csv", "eq.sp500", 95),
        ("CBBTCUSD.csv", "crypto.btcusd", 35),
    ],
)
def test_risk_asset_files_keep_every_close_and_drop_every_gap(
    name: str, series: str, missing: int
) -> None:
    body = raw_path(name).read_bytes()
    rows = body.decode().splitlines()[1:]
    obs = fred.parse(body)
    assert set(obs["series"]) == {series}
    assert len(obs) == len(rows) - missing
    assert obs["date"].is_monotonic_increasing


def test_bitcoin_has_weekend_closes_and_the_nikkei_has_none() -> None:
    btc = fred.parse(raw_path("CBBTCUSD.csv").read_bytes())
    nikkei = fred.parse(raw_path("NIKKEI225_2025-2026.csv").read_bytes())
    assert (btc["date"].dt.day_of_week >= 5).sum() > 1000
    assert (nikkei["date"].dt.day_of_week >= 5).sum() == 0


def test_risk_assets_are_fetched_live_one_request_each() -> None:
    requests = fred.requests_for({"eq.sp500": date(2026, 5, 22)}, date(2026, 5, 26))
    by_code = {r.params["id"]: r for r in requests}
    assert {"NIKKEI225", "SP500", "CBBTCUSD"} <= set(by_code)
    assert by_code["SP500"].params["cosd"] == "2026-04-21"
    assert by_code["CBBTCUSD"].params["cosd"] == fred.HISTORY_START.isoformat()
    assert len(fred.parse(b"observation_date,CBBTCUSD\n2026-05-24,77078.18\n")) == 1


def test_seed_build_leaves_risk_assets_out(tmp_path) -> None:
    from analytics.ingest import seed

    raw = tmp_path / "raw"
    raw.mkdir()
    for name in ("DGS2.csv", "SP500.csv", "CBBTCUSD.csv", "NIKKEI225_2025-2026.csv"):
        (raw / name).symlink_to(raw_path(name))
    out = tmp_path / "out"
    out.mkdir()
    built = seed.build(raw, out)
    assert set(built["series"]) == {"us.2y"}
    assert set(seed.read((out / seed.SEED_NAME).read_bytes())["series"]) == {"us.2y"}
    note = (out / seed.NOTE_NAME).read_text()
    assert "SP500" not in note and "CBBTCUSD" not in note and "NIKKEI" not in note
