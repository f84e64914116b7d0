"""MoF JGB yield CSVs: two header lines, YYYY/M/D, '-' for missing, CRLF, cp932 footnotes."""

from __future__ import annotations

from datetime import date

import pytest

from analytics.errors import ValidationError
from analytics.sources import mof
from tests.support.paths import raw_path

HEADER = "Date,1Y,2Y,3Y,4Y,5Y,6Y,7Y,8Y,9Y,10Y,15Y,20Y,25Y,30Y,40Y"
CURRENT_MONTH = (
    "Interest Rate (October 2026),,,,,,,,,,,,,,,(Unit : %)\r\n"
    f"{HEADER}\r\n"
    "2026/10/1,1.668,1.939,2.01,2.1,2.2,2.3,2.4,2.5,2.6,2.71,3.1,3.4,3.6,3.7,3.8\r\n"
    "2026/10/2,1.67,1.95,2.01,2.1,2.2,2.3,2.4,2.5,2.6,-,3.1,3.4,3.6,3.7,3.8\r\n"
)


def test_current_month_file_with_month_label_and_missing_marker() -> None:
    obs = mof.parse(CURRENT_MONTH.encode("ascii"))
    two_year = obs[obs["series"] == "jp.2y"]
    ten_year = obs[obs["series"] == "jp.10y"]
    assert list(two_year["value"]) == [1.939, 1.95]
    assert list(ten_year["date"].dt.date) == [date(2026, 10, 1)]


def test_shift_jis_footnote_is_skipped() -> None:
    footnote = "※ 利回りは参考値です。\r\n".encode("cp932")
    obs = mof.parse(CURRENT_MONTH.encode("ascii") + footnote)
    assert len(obs) == 9  # five tenors on 1 Oct, four on 2 Oct (10Y missing)


def test_full_history_matches_published_values() -> None:
    obs = mof.parse(raw_path("jgbcme_all.csv").read_bytes())
    on = obs[obs["date"] == "2024-08-05"].set_index("series")["value"]
    assert on["jp.2y"] == pytest.approx(0.265)
    assert on["jp.10y"] == pytest.approx(0.781)
    ten = obs[obs["series"] == "jp.10y"]
    assert ten["date"].min().date() == date(1986, 7, 5)
    assert obs["date"].max().date() == date(2026, 4, 30)


def test_missing_tenor_column_is_rejected() -> None:
    body = CURRENT_MONTH.replace(",10Y,", ",10Yr,").encode()
    with pytest.raises(ValidationError, match=r"missing column.*10Y"):
        mof.parse(body)


def test_truncated_row_is_rejected() -> None:
    body = (CURRENT_MONTH + "2026/10/5,1.67,1.95,2.0").encode()
    with pytest.raises(ValidationError, match="truncated"):
        mof.parse(body)


def test_html_page_is_rejected() -> None:
    with pytest.raises(ValidationError, match="HTML"):
        mof.parse(b"\r\n<html><body>Not Found</body></html>")


def test_non_numeric_value_is_rejected() -> None:
    body = CURRENT_MONTH.replace("1.939", "1.9x9").encode()
    with pytest.raises(ValidationError, match=r"non-numeric value '1.9x9' at 2Y on 2026-10-01"):
        mof.parse(body)


def test_history_is_requested_only_when_months_are_missing() -> None:
    today = date(2026, 11, 24)
    assert [r.label for r in mof.requests_for({}, today)] == ["jgbcme_all.csv", "jgbcme.csv"]
    current = dict.fromkeys(mof.TENORS.values(), date(2026, 11, 20))
    assert [r.label for r in mof.requests_for(current, today)] == ["jgbcme.csv"]
    behind = current | {"jp.2y": date(2026, 9, 30)}
    assert [r.label for r in mof.requests_for(behind, today)] == ["jgbcme_all.csv", "jgbcme.csv"]


def test_a_store_without_the_long_end_asks_for_the_history() -> None:
    today = date(2026, 11, 24)
    before_upgrade = {"jp.2y": date(2026, 11, 20), "jp.10y": date(2026, 11, 20)}
    labels = [r.label for r in mof.requests_for(before_upgrade, today)]
    assert labels == ["jgbcme_all.csv", "jgbcme.csv"]


def test_long_end_on_30_april_2026() -> None:
    obs = mof.parse(raw_path("jgbcme_all.csv").read_bytes())
    on = obs[obs["date"] == "2026-04-30"].set_index("series")["value"]
    assert on["jp.20y"] == pytest.approx(3.402)
    assert on["jp.30y"] == pytest.approx(3.721)
    assert on["jp.40y"] == pytest.approx(3.743)
    first = obs.groupby("series")["date"].min().dt.date
    assert first["jp.20y"] == date(1986, 12, 1)
    assert first["jp.30y"] == date(1999, 9, 2)
    assert first["jp.40y"].year == 2007


def test_current_month_file_keeps_the_long_end() -> None:
    obs = mof.parse(CURRENT_MONTH.encode("ascii"))
    thirty = obs[obs["series"] == "jp.30y"]
    assert list(thirty["value"]) == [3.7, 3.7]
    assert set(obs["series"]) == set(mof.TENORS.values())
