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


# --- the Japanese files: MoF's second route ---------------------------------------------------

CAPTURE = "jgbcm_2025-10_sjis.csv"  # the real current-month file of October 2025, Shift-JIS


def test_the_real_japanese_capture_reads_as_the_same_yields_as_the_english_history() -> None:
    japanese = mof.parse_japanese(raw_path(CAPTURE).read_bytes())
    english = mof.parse(raw_path("jgbcme_all.csv").read_bytes())
    days = sorted(set(japanese["date"]))
    assert days[0].date() == date(2025, 10, 1) and days[-1].date() == date(2025, 10, 16)
    assert len(days) == 11  # the footer lines (blank, ※ note) are not rows
    same_days = english[english["date"].isin(days)]
    key = ["series", "date"]
    assert japanese.sort_values(key)[[*key, "value"]].values.tolist() == (
        same_days.sort_values(key)[[*key, "value"]].values.tolist()
    )
    first = japanese[japanese["date"] == "2025-10-01"].set_index("series")["value"]
    assert first["jp.10y"] == pytest.approx(1.663) and first["jp.30y"] == pytest.approx(3.074)


@pytest.mark.parametrize(
    ("written", "meant"),
    [
        ("S49.9.24", date(1974, 9, 24)),
        ("H31.4.30", date(2019, 4, 30)),
        ("R8.8.31", date(2026, 8, 31)),
    ],
)
def test_japanese_era_dates(written: str, meant: date) -> None:
    body = (
        "基準日,1年,2年,3年,4年,5年,6年,7年,8年,9年,10年,15年,20年,25年,30年,40年\r\n"
        f"{written},1,2,3,4,5,6,7,8,9,10,15,20,25,30,40\r\n"
    ).encode("cp932")
    obs = mof.parse_japanese(body)
    assert set(obs["date"].dt.date) == {meant}
    assert obs.set_index("series")["value"]["jp.40y"] == 40


def test_japanese_file_faults_are_named() -> None:
    body = raw_path(CAPTURE).read_bytes()
    with pytest.raises(ValidationError, match="HTML"):
        mof.parse_japanese(b"<html><body>404</body></html>\n")
    with pytest.raises(ValidationError, match="header"):
        mof.parse_japanese(CURRENT_MONTH.encode())  # the English layout
    cut = body[: body.index(b"R7.10.2") + 20] + b"\r\n"
    with pytest.raises(ValidationError, match="truncated"):
        mof.parse_japanese(cut)
    with pytest.raises(ValidationError, match="not a calendar date"):
        mof.parse_japanese(body.replace(b"R7.10.3,", b"R7.2.30,"))


def test_each_english_file_has_the_japanese_one_as_its_second_route() -> None:
    requests = mof.requests_for({}, date(2026, 11, 24))
    routes = [(r.label, r.fallback.label if r.fallback else None) for r in requests]
    assert routes == [("jgbcme_all.csv", "jgbcm_all.csv"), ("jgbcme.csv", "jgbcm.csv")]
    assert requests[1].fallback is not None
    assert requests[1].fallback.url.endswith(mof.JAPANESE_CURRENT_PATH)
