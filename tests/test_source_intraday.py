"""The intraday sources read their real wire formats and refuse what no price feed should give:
a rate limit (with its retry time), an error object, an HTML page, a cut-off body, an absurd
price, a bar in the future; Binance's 451 means "unavailable here"."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from analytics.errors import FetchError, ValidationError
from analytics.sources import bars, binance, coinbase, kraken, twelvedata
from tests.support.http_server import LocalServer, Reply
from tests.support.paths import raw_path

NOW = datetime(2024, 4, 29, 6, 33, tzinfo=UTC)


def _twelvedata_capture() -> bytes:
    """The real Twelve Data answer, unwrapped from the ``export const data = …;`` it was saved in."""
    text = raw_path("intraday/twelvedata_time_series_USDJPY_1min_2024-04-29.tsx").read_text()
    return text.split("=", 1)[1].strip().rstrip(";").encode()


def test_twelvedata_reads_the_real_answer_oldest_first() -> None:
    found = twelvedata.parse(_twelvedata_capture(), NOW, "1min")
    assert list(found["start"]) == [
        pd.Timestamp("2024-04-29 06:30", tz="UTC"),
        pd.Timestamp("2024-04-29 06:31", tz="UTC"),
    ]
    assert found["close"].tolist() == [155.84, 155.845]
    assert found["complete"].tolist() == [True, True]


def test_twelvedata_marks_the_bar_still_forming() -> None:
    found = twelvedata.parse(
        _twelvedata_capture(), datetime(2024, 4, 29, 6, 31, 30, tzinfo=UTC), "1min"
    )
    assert found["complete"].tolist() == [True, False]


def test_twelvedata_refuses_bars_of_another_interval() -> None:
    with pytest.raises(ValidationError, match="'1min' bars, '5min' were asked for"):
        twelvedata.parse(_twelvedata_capture(), NOW, "5min")


@pytest.mark.parametrize(
    ("message", "retry"),
    [
        (
            "You have run out of API credits for the current minute.",
            datetime(2024, 4, 29, 6, 34, 1, tzinfo=UTC),
        ),
        (
            "You have run out of API credits for the day.",
            datetime(2024, 4, 30, 0, 0, 5, tzinfo=UTC),
        ),
    ],
)
def test_twelvedata_rate_limit_says_when_to_ask_again(message: str, retry: datetime) -> None:
    body = json.dumps({"code": 429, "message": message, "status": "error"}).encode()
    with pytest.raises(bars.RateLimited) as caught:
        twelvedata.parse(body, NOW, "1min")
    assert caught.value.retry_at == retry


def test_twelvedata_refused_key_names_the_variable_not_the_key() -> None:
    body = b'{"code": 401, "message": "**apikey** parameter is incorrect", "status": "error"}'
    with pytest.raises(ValidationError, match="TWELVEDATA_API_KEY"):
        twelvedata.parse(body, NOW)


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"<!DOCTYPE html><html><title>Bad gateway</title></html>", "HTML page"),
        (b"", "empty"),
        (
            b'{"meta": {"symbol": "USD/JPY", "interval": "1min"}, "values": [{"datetime": "2024-04',
            "truncated",
        ),
    ],
)
def test_twelvedata_refuses_what_is_not_its_json(body: bytes, problem: str) -> None:
    with pytest.raises(ValidationError, match=problem):
        twelvedata.parse(body, NOW, "1min")


def test_an_absurd_price_refuses_the_whole_answer() -> None:
    doc = json.loads(_twelvedata_capture())
    doc["values"][0]["close"] = "1558.45"  # a slipped decimal point
    doc["values"][0]["high"] = "1558.85"
    with pytest.raises(ValidationError, match="implausible USD/JPY price 1558"):
        twelvedata.parse(json.dumps(doc).encode(), NOW, "1min")


def test_a_bar_in_the_future_is_refused() -> None:
    with pytest.raises(ValidationError, match="in the future"):
        twelvedata.parse(_twelvedata_capture(), datetime(2024, 4, 29, 6, 0, tzinfo=UTC), "1min")


def test_kraken_reads_its_documented_shape_and_marks_the_last_row_forming() -> None:
    # Built from the documented shape (shared/docs/sources.md §1g): no real Kraken capture exists.
    body = json.dumps(
        {
            "error": [],
            "result": {
                "XXBTZUSD": [
                    [
                        1722837600,
                        "53000.0",
                        "53100.0",
                        "52800.0",
                        "52900.0",
                        "52950.0",
                        "12.5",
                        320,
                    ],
                    [
                        1722837900,
                        "52900.0",
                        "52950.0",
                        "52400.0",
                        "52500.0",
                        "52600.0",
                        "20.1",
                        410,
                    ],
                ],
                "last": 1722837600,
            },
        }
    ).encode()
    found = kraken.parse(body, datetime(2024, 8, 5, 6, 6, tzinfo=UTC))
    assert found["close"].tolist() == [52900.0, 52500.0]
    assert found["complete"].tolist() == [True, False]


def test_kraken_too_many_requests_is_a_rate_limit() -> None:
    body = b'{"error": ["EGeneral:Too many requests"]}'
    with pytest.raises(bars.RateLimited) as caught:
        kraken.parse(body, NOW)
    assert caught.value.retry_at == NOW + kraken.RATE_LIMIT_WAIT


def test_coinbase_reads_low_before_high_newest_first() -> None:
    # Built from the documented shape: [time, low, high, open, close, volume], newest first.
    body = json.dumps(
        [
            [1722837900, 52400, 52950, 52900, 52500, 20.1],
            [1722837600, 52800, 53100, 53000, 52900, 12.5],
        ]
    ).encode()
    found = coinbase.parse(body, datetime(2024, 8, 5, 6, 6, tzinfo=UTC))
    assert found.iloc[0][["open", "high", "low", "close"]].tolist() == [53000, 53100, 52800, 52900]
    assert found["complete"].tolist() == [True, False]


def test_binance_reads_the_real_klines() -> None:
    lines = raw_path("intraday/BTCUSDT-5m-2024-08.csv").read_text().splitlines()[1226:1230]
    rows = [
        [int(f[0]), *f[1:6], int(f[6]), f[7], int(f[8]), *f[9:12]]
        for f in (line.split(",") for line in lines)
    ]
    now = datetime.fromtimestamp(rows[-1][6] / 1000 - 60, UTC)  # the last kline still forming
    found = binance.parse(json.dumps(rows).encode(), now)
    assert found["close"].tolist() == [float(r[4]) for r in rows]
    assert found["complete"].tolist() == [True, True, True, False]
    assert found["low"].min() == pytest.approx(49000.0)  # 5 Aug 2024, 06:20 UTC


def test_fetch_turns_451_into_unavailable_and_429_into_a_retry_time(
    http_server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CARRYBOT_BINANCE_URL", http_server.url)
    monkeypatch.setenv("CARRYBOT_KRAKEN_URL", http_server.url)
    http_server.route(binance.PATH, Reply(451, b'{"code":0,"msg":"restricted location"}'))
    http_server.route(kraken.PATH, Reply(429, b"slow down", {"Retry-After": "42"}))
    with pytest.raises(bars.Unavailable, match="451"):
        bars.fetch(binance.request(), NOW)
    with pytest.raises(bars.RateLimited) as caught:
        bars.fetch(kraken.request(), NOW)
    assert caught.value.retry_at == NOW + timedelta(seconds=42)
    assert len(http_server.hits(kraken.PATH)) == 1  # no retry: that would spend another credit


def test_twelvedata_key_travels_in_a_header_never_in_the_url(
    http_server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CARRYBOT_TWELVEDATA_URL", http_server.url)
    http_server.route(twelvedata.PATH, Reply(500, b"oops"))
    with pytest.raises(FetchError) as caught:
        bars.fetch(twelvedata.request("secret-key-123"), NOW)
    hit = http_server.hits(twelvedata.PATH)[0]
    assert hit.header("Authorization") == "apikey secret-key-123"
    assert "secret-key-123" not in json.dumps(hit.query)
    assert "secret-key-123" not in str(caught.value)


@pytest.mark.parametrize(
    ("parse", "wrap", "problem"),
    [
        (coinbase.parse, lambda rows: rows, r"candle 1 is not \[time, low, high, open, close"),
        (
            kraken.parse,
            lambda rows: {"error": [], "result": {"XXBTZUSD": rows}},
            r"row 1 is not \[time, open, high, low, close",
        ),
        (binance.parse, lambda rows: rows, r"kline 1 is not \[time, open, .*close_time"),
    ],
)
def test_array_answers_refuse_a_short_row_by_its_position(parse, wrap, problem) -> None:  # type: ignore[no-untyped-def]
    good = [1722837600, "53000", "53100", "52800", "52900", "1", 1722837899999]
    body = json.dumps(wrap([good, good[:4]])).encode()
    with pytest.raises(ValidationError, match=problem):
        parse(body, datetime(2024, 8, 5, 6, 6, tzinfo=UTC))


def test_array_answers_name_the_value_that_is_not_a_number() -> None:
    rows = [[1722837600, 52400, "n/a", 52900, 52500, 20.1]]
    with pytest.raises(ValidationError, match="'n/a' at candle 0 high"):
        coinbase.parse(json.dumps(rows).encode(), datetime(2024, 8, 5, 6, 6, tzinfo=UTC))
