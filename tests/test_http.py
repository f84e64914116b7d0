"""The one HTTP helper against a local server: retries, giving up, timeouts, the User-Agent."""

from __future__ import annotations

import time

import pytest

from analytics.errors import FetchError
from analytics.sources.http import USER_AGENT, RetryPolicy, fetch
from tests.support.http_server import LocalServer, Reply, SilentServer

FAST = RetryPolicy(attempts=3, backoff=0.5, connect_timeout=2.0, read_timeout=0.3)
CSV = b"observation_date,DGS2\n2024-08-05,3.89\n"


@pytest.fixture
def sleeps() -> list[float]:
    return []


def get(server: LocalServer, path: str, sleeps: list[float], **kw: object) -> bytes:
    return fetch("treasury", server.url + path, policy=FAST, sleep=sleeps.append, **kw).body  # type: ignore[arg-type]


def test_retries_a_500_then_succeeds(http_server: LocalServer, sleeps: list[float]) -> None:
    http_server.fail_then_succeed("/data.csv", CSV, failures=1, status=500)
    assert get(http_server, "/data.csv", sleeps) == CSV
    assert len(http_server.hits("/data.csv")) == 2
    assert sleeps == [0.5]


def test_gives_up_after_the_last_attempt_naming_the_source(
    http_server: LocalServer, sleeps: list[float]
) -> None:
    http_server.route("/data.csv", Reply(503, b"down"))
    with pytest.raises(FetchError, match="gave up after 3 attempts: HTTP 503") as err:
        get(http_server, "/data.csv", sleeps)
    assert err.value.source == "treasury"
    assert str(err.value).startswith("treasury: ")
    assert len(http_server.hits()) == 3
    assert sleeps == [0.5, 1.0]  # doubling backoff, no sleep after the last attempt


def test_404_is_not_retried(http_server: LocalServer, sleeps: list[float]) -> None:
    with pytest.raises(FetchError, match="HTTP 404"):
        get(http_server, "/missing.csv", sleeps)
    assert len(http_server.hits()) == 1
    assert sleeps == []


def test_read_timeout_is_retried(http_server: LocalServer, sleeps: list[float]) -> None:
    http_server.route("/slow.csv", [Reply(200, CSV, delay=3.0), Reply(200, CSV)])
    assert get(http_server, "/slow.csv", sleeps) == CSV
    assert len(http_server.hits()) == 2
    assert sleeps == [0.5]


def test_timeouts_on_every_attempt_give_up(http_server: LocalServer, sleeps: list[float]) -> None:
    http_server.slow("/slow.csv", CSV, delay=3.0)
    with pytest.raises(FetchError, match="gave up after 3 attempts: ReadTimeout"):
        get(http_server, "/slow.csv", sleeps)


def test_retry_after_is_honoured(http_server: LocalServer, sleeps: list[float]) -> None:
    http_server.route(
        "/data.csv", [Reply(429, b"slow down", {"Retry-After": "7"}), Reply(200, CSV)]
    )
    assert get(http_server, "/data.csv", sleeps) == CSV
    assert sleeps == [7.0]


def test_sends_the_user_agent_and_params(http_server: LocalServer, sleeps: list[float]) -> None:
    http_server.serve_bytes("/data.csv", CSV, "text/csv")
    response = fetch(
        "fred", http_server.url + "/data.csv", {"id": "DGS2"}, policy=FAST, sleep=sleeps.append
    )
    assert response.status == 200
    assert response.content_type == "text/csv"
    (hit,) = http_server.hits()
    assert hit.header("user-agent") == USER_AGENT
    assert hit.query == {"id": "DGS2"}


def test_unreachable_host_fails_at_once(sleeps: list[float]) -> None:
    with LocalServer() as server:
        closed = server.url  # nothing listens here once the server stops
    with pytest.raises(FetchError, match="cannot connect") as err:
        fetch("boj", closed + "/x", policy=FAST, sleep=sleeps.append)
    assert err.value.unreachable
    assert sleeps == []


def test_connection_dropped_mid_body_is_a_fetch_error(
    http_server: LocalServer, sleeps: list[float]
) -> None:
    http_server.truncated("/data.zip", b"PK" + bytes(10_000), keep=0.5, cut_connection=True)
    with pytest.raises(FetchError, match="dropped mid-download") as err:
        get(http_server, "/data.zip", sleeps)
    assert not err.value.unreachable
    assert len(http_server.hits("/data.zip")) > 1  # retried, not given up at once


# -- the test server itself --------------------------------------------------------------------


def test_newest_route_wins_and_query_predicates_select(http_server: LocalServer) -> None:
    http_server.serve_bytes("/r", b"default")
    http_server.serve_bytes("/r", b"2024 only", query={"year": "2024"})
    http_server.serve_bytes("/r", b"odd years", query=lambda q: int(q.get("year", 0)) % 2 == 1)
    assert fetch("t", http_server.url + "/r", {"year": "2024"}).body == b"2024 only"
    assert fetch("t", http_server.url + "/r", {"year": "2025"}).body == b"odd years"
    assert fetch("t", http_server.url + "/r").body == b"default"


def test_fault_helpers(http_server: LocalServer) -> None:
    http_server.html_error_page("/html")
    http_server.empty("/empty")
    http_server.truncated("/cut", b"0123456789", keep=4)
    assert fetch("t", http_server.url + "/html").body.startswith(b"<!DOCTYPE html>")
    assert fetch("t", http_server.url + "/empty").body == b""
    assert fetch("t", http_server.url + "/cut").body == b"0123"


def test_handler_sees_the_request(http_server: LocalServer) -> None:
    http_server.route("/echo", lambda hit: Reply(200, hit.query["q"].upper().encode()))
    assert fetch("t", http_server.url + "/echo", {"q": "yen"}).body == b"YEN"


# -- the deadline ------------------------------------------------------------------------------


def test_a_host_that_never_answers_costs_at_most_the_deadline() -> None:
    slow_policy = RetryPolicy(attempts=4, backoff=1.0, connect_timeout=10.0, read_timeout=60.0)
    with SilentServer() as silent:
        started = time.monotonic()
        with pytest.raises(FetchError, match="within the time budget") as err:
            fetch(
                "fred",
                silent.url + "/graph/fredgraph.csv",
                policy=slow_policy,
                deadline=started + 1.0,
            )
        elapsed = time.monotonic() - started
    assert err.value.out_of_time and not err.value.unreachable
    assert 0.9 <= elapsed < 1.6


def test_no_retry_starts_that_the_deadline_would_cut(
    http_server: LocalServer, sleeps: list[float]
) -> None:
    http_server.route("/data.csv", Reply(503, b"busy"))
    with pytest.raises(FetchError, match=r"within the time budget.*HTTP 503"):
        fetch(
            "ecb",
            http_server.url + "/data.csv",
            policy=RetryPolicy(attempts=4, backoff=5.0),
            sleep=sleeps.append,
            deadline=time.monotonic() + 3.0,
        )
    assert len(http_server.hits()) == 1 and sleeps == []  # a 5 s backoff would pass the deadline
