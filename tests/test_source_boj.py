"""BoJ Time-Series Statistics API: the call-rate answer, API errors, faults, request planning.

No real captured answer exists (see shared/docs/sources.md §1d): every body here is hand-built
in the documented envelope, and the rates are illustrative, not BoJ data.
"""

from __future__ import annotations

import copy
import json
from datetime import date
from typing import Any

import pytest

from analytics.errors import ValidationError
from analytics.sources import boj
from analytics.sources.http import fetch
from analytics.sources.validate import check_observations
from tests.support.http_server import LocalServer, Reply

ENVELOPE: dict[str, Any] = {
    "STATUS": 200,
    "MESSAGEID": "M181000I",
    "MESSAGE": "Successfully completed",
    "DATE": "2026-10-30T09:00:00.000+09:00",
    "PARAMETER": {"FORMAT": "JSON", "LANG": "EN", "DB": "FM01", "STARTDATE": "202407"},
    "NEXTPOSITION": None,
    "RESULTSET": [
        {
            "SERIES_CODE": "STRDCLUCON",
            "NAME_OF_TIME_SERIES": "Call Rate, Uncollateralized Overnight/Average",
            "UNIT": "% per annum",
            "FREQUENCY": "DAILY",
            "CATEGORY": "Financial Markets",
            "LAST_UPDATE": 20240806,
            "VALUES": {
                "SURVEY_DATES": [20240730, 20240731, 20240801, 20240802, 20240805, 20240812],
                "VALUES": [0.077, 0.077, 0.227, 0.227, 0.226, None],
            },
        }
    ],
}


def body(envelope: dict[str, Any] = ENVELOPE) -> bytes:
    return json.dumps(envelope, ensure_ascii=False).encode()


def variant(**changes: Any) -> dict[str, Any]:
    envelope = copy.deepcopy(ENVELOPE)
    envelope.update(changes)
    return envelope


def test_values_are_parsed_and_nulls_dropped() -> None:
    obs = boj.parse(body())
    assert obs["series"].unique().tolist() == ["jp.call"]
    assert obs["date"].dt.strftime("%Y-%m-%d").tolist() == [
        "2024-07-30",
        "2024-07-31",
        "2024-08-01",
        "2024-08-02",
        "2024-08-05",
    ]
    assert obs["value"].tolist() == [0.077, 0.077, 0.227, 0.227, 0.226]
    check_observations(boj.NAME, obs, today=date(2024, 8, 6))


def test_dates_come_out_sorted_and_db_prefixed_code_is_accepted() -> None:
    envelope = copy.deepcopy(ENVELOPE)
    series = envelope["RESULTSET"][0]
    series["SERIES_CODE"] = "FM01'STRDCLUCON"
    series["VALUES"] = {"SURVEY_DATES": [20240802, 20240801], "VALUES": [0.227, "0.226"]}
    obs = boj.parse(body(envelope))
    assert obs["value"].tolist() == [0.226, 0.227]


def test_success_without_data_is_an_empty_frame() -> None:
    envelope = variant(MESSAGEID="M181030I", MESSAGE="No data", RESULTSET=[])
    obs = boj.parse(body(envelope))
    assert obs.empty
    assert list(obs.columns) == ["series", "date", "value", "released"]


@pytest.mark.parametrize(
    ("status", "message_id", "message"),
    [
        (400, "M181013E", "The specified series code does not exist.: 1st code"),
        (500, "M181090S", "An unexpected error has occurred."),
        (503, "M181091S", "An error occurred while accessing the database."),
    ],
)
def test_api_error_in_a_200_answer_names_message_id_and_message(
    status: int, message_id: str, message: str
) -> None:
    envelope = variant(
        STATUS=status, MESSAGEID=message_id, MESSAGE=message, PARAMETER=None, RESULTSET=[]
    )
    with pytest.raises(ValidationError, match=f"STATUS {status} {message_id}: ") as err:
        boj.parse(body(envelope))
    assert message in str(err.value)


def test_an_answer_with_more_pages_is_refused() -> None:
    with pytest.raises(ValidationError, match="continues at position 2"):
        boj.parse(body(variant(NEXTPOSITION=2)))


# -- faults ------------------------------------------------------------------------------------


def test_html_error_page_is_rejected() -> None:
    page = b"<!DOCTYPE html><html><head><title>Maintenance</title></head></html>"
    with pytest.raises(ValidationError, match="HTML page titled 'Maintenance' instead of JSON"):
        boj.parse(page)


def test_empty_body_is_rejected() -> None:
    with pytest.raises(ValidationError, match="empty; expected JSON"):
        boj.parse(b"  \n")


def test_truncated_json_is_rejected() -> None:
    whole = body()
    with pytest.raises(ValidationError, match="not complete JSON"):
        boj.parse(whole[: len(whole) - 40])


def test_renamed_values_field_is_rejected() -> None:
    envelope = copy.deepcopy(ENVELOPE)
    series = envelope["RESULTSET"][0]
    series["VALUES"]["DATES"] = series["VALUES"].pop("SURVEY_DATES")
    with pytest.raises(ValidationError, match=r"no VALUES\.SURVEY_DATES"):
        boj.parse(body(envelope))


def test_missing_resultset_is_rejected() -> None:
    envelope = variant()
    del envelope["RESULTSET"]
    with pytest.raises(ValidationError, match="no RESULTSET"):
        boj.parse(body(envelope))


def test_other_series_only_is_rejected() -> None:
    envelope = copy.deepcopy(ENVELOPE)
    envelope["RESULTSET"][0]["SERIES_CODE"] = "STRDCLUCONH"
    with pytest.raises(ValidationError, match=r"no series STRDCLUCON .*STRDCLUCONH"):
        boj.parse(body(envelope))


def test_dates_and_values_of_different_lengths_are_rejected() -> None:
    envelope = copy.deepcopy(ENVELOPE)
    envelope["RESULTSET"][0]["VALUES"]["VALUES"].pop()
    with pytest.raises(ValidationError, match="different lengths"):
        boj.parse(body(envelope))


@pytest.mark.parametrize("bad", ["n/a", True, {"v": 1}, "NaN"])
def test_non_numeric_value_names_the_date(bad: object) -> None:
    envelope = copy.deepcopy(ENVELOPE)
    envelope["RESULTSET"][0]["VALUES"]["VALUES"][2] = bad
    with pytest.raises(ValidationError, match=r"non-numeric value .* STRDCLUCON on 2024-08-01"):
        boj.parse(body(envelope))


@pytest.mark.parametrize("bad", [202408, 20241301, "2024-08-01", None])
def test_malformed_survey_date_is_rejected(bad: object) -> None:
    envelope = copy.deepcopy(ENVELOPE)
    envelope["RESULTSET"][0]["VALUES"]["SURVEY_DATES"][2] = bad
    with pytest.raises(ValidationError, match="is not a YYYYMMDD date"):
        boj.parse(body(envelope))


# -- requests ----------------------------------------------------------------------------------


def test_nothing_stored_asks_for_the_whole_history_in_one_request() -> None:
    (request,) = boj.requests_for({}, date(2026, 10, 30))
    assert request.url == "https://www.stat-search.boj.or.jp/api/v1/getDataCode"
    assert request.params == {
        "format": "json",
        "lang": "en",
        "db": "FM01",
        "code": "STRDCLUCON",
        "startDate": "198507",
        "endDate": "202610",
    }


def test_stored_data_rereads_from_its_month() -> None:
    (request,) = boj.requests_for({"jp.call": date(2026, 9, 30)}, date(2026, 10, 30))
    assert (request.params["startDate"], request.params["endDate"]) == ("202609", "202610")


def test_fetch_and_parse_through_local_server(
    http_server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CARRYBOT_BOJ_URL", http_server.url)
    http_server.route(
        boj.PATH,
        Reply(200, body(), {"Content-Type": "application/json"}),
        query={"db": "FM01", "code": "STRDCLUCON"},
    )
    (request,) = boj.requests_for({"jp.call": date(2024, 7, 30)}, date(2024, 8, 6))
    obs = request.parse(fetch(boj.NAME, request.url, request.params).body)
    assert obs["value"].iloc[-1] == 0.226
    (hit,) = http_server.hits(boj.PATH)
    assert hit.query["startDate"] == "202407"
    assert hit.query["endDate"] == "202408"
