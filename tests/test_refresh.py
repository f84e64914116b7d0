"""Refresh through the real fetch path against a local server that serves the real files."""

from __future__ import annotations

import io
import time
import zipfile
from datetime import date

import pandas as pd
import pytest
from sqlalchemy import Engine

from analytics.catalogue import observations
from analytics.catalogue.series import CATALOGUE
from analytics.ingest.rawfiles import read_file
from analytics.ingest.refresh import (
    GRACE_SECONDS,
    OUT_OF_TIME,
    UNREACHABLE,
    refresh,
    stale_sources,
)
from analytics.ingest.store import ObservationStore
from analytics.sources import REFRESHED, ecb, fred, mof
from analytics.sources.http import RetryPolicy
from tests.support.http_server import LocalServer, Reply, SilentServer, TricklingServer
from tests.support.paths import raw_path

TODAY = date(2026, 11, 24)
FAST = RetryPolicy(attempts=2, backoff=0.01, connect_timeout=2, read_timeout=2)
FRED_FILES = {
    "DGS2": "DGS2_1990-2025.csv",
    "DGS10": "DGS10_1962-2026.csv",
    "DFEDTARU": "DFEDTARU.csv",
    "DFEDTARL": "DFEDTARL.csv",
    "DFF": "DFF.csv",
    "DEXJPUS": "DEXJPUS_2015-2025.csv",
    "VIXCLS": "VIXCLS.csv",
    "NIKKEI225": "NIKKEI225_legacy_1949-2020.csv",
    "SP500": "SP500.csv",
    "CBBTCUSD": "CBBTCUSD.csv",
}
DGS2_SMALL = b"observation_date,DGS2\n2024-08-02,4.06\n2024-08-05,3.89\n"


def zipped(name: str, payload: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, payload)
    return buffer.getvalue()


def point_sources_at(server: LocalServer | SilentServer, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in REFRESHED:
        monkeypatch.setenv(f"CARRYBOT_{name.upper()}_URL", server.url)


def parsed(name: str) -> pd.DataFrame:
    return read_file(raw_path(name))


def as_dict(obs: pd.DataFrame) -> dict[tuple[str, str], float]:
    return {
        (s, d.strftime("%Y-%m-%d")): v
        for s, d, v in zip(obs["series"], obs["date"], obs["value"], strict=True)
    }


@pytest.fixture
def store(engine: Engine) -> ObservationStore:
    return ObservationStore(engine)


def test_refresh_stores_exactly_the_real_files_values(
    http_server: LocalServer, monkeypatch: pytest.MonkeyPatch, store: ObservationStore
) -> None:
    point_sources_at(http_server, monkeypatch)
    for code, name in FRED_FILES.items():
        http_server.serve_file(fred.PATH, raw_path(name), "text/csv", query={"id": code})
    http_server.serve_file(mof.HISTORY_PATH, raw_path("jgbcme_all.csv"), "text/csv")
    hist = raw_path("eurofxref-hist.csv").read_bytes()
    http_server.serve_bytes(ecb.HISTORY_PATH, zipped("eurofxref-hist.csv", hist), "application/zip")

    results = {
        r.source: r for r in refresh(store, ["fred", "mof", "ecb"], today=TODAY, policy=FAST)
    }

    assert results["fred"].ok and results["fred"].succeeded == len(FRED_FILES)
    assert results["ecb"].ok
    # jgbcme.csv (current month) is not among the real files: the server answers 404 for it.
    assert results["mof"].succeeded == 1 and "404" in results["mof"].errors[0]
    expected = as_dict(
        pd.concat(
            [
                parsed(name)
                for name in [*FRED_FILES.values(), "jgbcme_all.csv", "eurofxref-hist.csv"]
            ]
        )
    )
    assert as_dict(store.load()) == expected
    assert len(expected) == store.count()
    user_agents = {hit.header("User-Agent") for hit in http_server.hits()}
    assert all(agent and agent.startswith("carrybot/") for agent in user_agents)


def test_second_refresh_with_nothing_new_changes_nothing(
    http_server: LocalServer, monkeypatch: pytest.MonkeyPatch, store: ObservationStore
) -> None:
    point_sources_at(http_server, monkeypatch)
    http_server.serve_file(fred.PATH, raw_path("DGS2_1990-2025.csv"), query={"id": "DGS2"})
    refresh(store, ["fred"], today=TODAY, policy=FAST)
    before = store.load()
    again = refresh(store, ["fred"], today=TODAY, policy=FAST)[0]
    dgs2 = next(
        h
        for h in http_server.hits()
        if h.query.get("id") == "DGS2" and h.query["cosd"] != "1990-01-01"
    )
    assert dgs2.query["cosd"] == "2025-10-13"  # a month before the last stored date
    assert (again.inserted, again.revised) == (0, 0)
    pd.testing.assert_frame_equal(store.load(), before)


FAULTS = {
    "html": lambda s: s.html_error_page(fred.PATH, title="Bad Gateway", query={"id": "DGS2"}),
    "empty": lambda s: s.empty(fred.PATH, query={"id": "DGS2"}),
    "truncated": lambda s: s.truncated(
        fred.PATH, DGS2_SMALL, keep=len(DGS2_SMALL) - 3, query={"id": "DGS2"}
    ),
    "renamed": lambda s: s.serve_bytes(
        fred.PATH, DGS2_SMALL.replace(b"observation_date", b"period"), query={"id": "DGS2"}
    ),
    "non_numeric": lambda s: s.serve_bytes(
        fred.PATH, DGS2_SMALL.replace(b"3.89", b"N/A!"), query={"id": "DGS2"}
    ),
    "absurd": lambda s: s.serve_bytes(
        fred.PATH, DGS2_SMALL.replace(b"3.89", b"389.0"), query={"id": "DGS2"}
    ),
    "future": lambda s: s.serve_bytes(
        fred.PATH, DGS2_SMALL.replace(b"2024-08-05", b"2027-01-05"), query={"id": "DGS2"}
    ),
    "server_error": lambda s: s.route(fred.PATH, Reply(503, b"busy"), query={"id": "DGS2"}),
}
MESSAGES = {
    "html": "HTML page titled 'Bad Gateway'",
    "empty": "empty",
    "truncated": "truncated",
    "renamed": "unexpected header",
    "non_numeric": "non-numeric value 'N/A!'",
    "absurd": "implausible us.2y value 389",
    "future": "2027-01-05 lies in the future",
    "server_error": "HTTP 503",
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_each_fault_is_named_and_leaves_the_store_unchanged(
    fault: str, http_server: LocalServer, monkeypatch: pytest.MonkeyPatch, store: ObservationStore
) -> None:
    point_sources_at(http_server, monkeypatch)
    http_server.serve_bytes(fred.PATH, DGS2_SMALL.replace(b"3.89", b"3.90"), query={"id": "DGS2"})
    refresh(store, ["fred"], today=TODAY, policy=FAST)
    before = store.load()
    FAULTS[fault](http_server)

    result = refresh(store, ["fred"], today=TODAY, policy=FAST)[0]

    dgs2 = [e for e in result.errors if e.startswith("fred DGS2: ")]
    assert len(dgs2) == 1, result.errors
    assert MESSAGES[fault] in dgs2[0]
    pd.testing.assert_frame_equal(store.load(), before)


def test_unreachable_host_fails_fast_and_skips_the_rest(
    monkeypatch: pytest.MonkeyPatch, store: ObservationStore
) -> None:
    monkeypatch.setenv("CARRYBOT_FRED_URL", "http://127.0.0.1:9")  # discard port: refused
    result = refresh(store, ["fred"], today=TODAY, policy=FAST)[0]
    assert result.failed and result.requests == 1
    assert "cannot connect" in result.errors[0]
    assert f"skipped {len(fred.LIVE_CODES) - 1} more request(s)" in result.errors[1]


def test_treasury_only_fills_dates_fred_lacks(
    http_server: LocalServer, monkeypatch: pytest.MonkeyPatch, store: ObservationStore
) -> None:
    point_sources_at(http_server, monkeypatch)
    http_server.serve_bytes(fred.PATH, DGS2_SMALL, query={"id": "DGS2"})
    refresh(store, ["fred"], today=date(2024, 8, 7), policy=FAST)
    curve = (
        b'Date,"1 Mo","1.5 Month","2 Mo","3 Mo","4 Mo","6 Mo","1 Yr","2 Yr","3 Yr","5 Yr",'
        b'"7 Yr","10 Yr","20 Yr","30 Yr"\n'
        b"08/06/2024,5.5,5.45,5.4,5.3,5.1,4.9,4.4,3.95,3.8,3.7,3.75,3.9,4.2,4.1\n"
        b"08/05/2024,5.52,5.45,5.43,5.35,5.14,4.91,4.34,3.88,3.71,3.62,3.66,3.78,4.16,4.06\n"
    )
    http_server.route(
        "/resource-center/data-chart-center/interest-rates/daily-treasury-rates.csv/2024/all",
        Reply(200, curve),
    )
    refresh(store, ["treasury"], today=date(2024, 8, 7), policy=FAST)
    two = store.load(["us.2y"]).set_index("date")
    assert two.loc["2024-08-05", "value"] == 3.89 and two.loc["2024-08-05", "source"] == "fred"
    assert two.loc["2024-08-06", "value"] == 3.95 and two.loc["2024-08-06", "source"] == "treasury"


# -- one time budget ---------------------------------------------------------------------------

PATIENT = RetryPolicy()  # the production policy: 4 attempts, 60 s read timeout


def test_a_silent_host_costs_at_most_the_budget_and_the_others_still_refresh(
    http_server: LocalServer, monkeypatch: pytest.MonkeyPatch, store: ObservationStore
) -> None:
    hist = raw_path("eurofxref-hist.csv").read_bytes()
    http_server.serve_bytes(ecb.HISTORY_PATH, zipped("eurofxref-hist.csv", hist), "application/zip")
    monkeypatch.setenv("CARRYBOT_ECB_URL", http_server.url)
    with SilentServer() as silent:
        monkeypatch.setenv("CARRYBOT_FRED_URL", silent.url)
        started = time.monotonic()
        results = refresh(
            store,
            ["fred", "ecb"],
            today=TODAY,
            policy=PATIENT,
            deadline=started + 2.0,
            parallel=True,
        )
        elapsed = time.monotonic() - started
    by_source = {r.source: r for r in results}
    assert elapsed < 3.0
    assert by_source["ecb"].ok and by_source["ecb"].inserted > 7000
    fred_result = by_source["fred"]
    assert fred_result.failed and fred_result.reason == OUT_OF_TIME
    assert fred_result.requests == 1  # the first request used the budget; the others never ran
    assert "within the time budget" in fred_result.errors[0]
    skipped = len(fred.LIVE_CODES) - 1
    assert f"skipped {skipped} more request(s), time budget used up" in fred_result.errors[1]


def test_sequential_sources_share_one_deadline(
    monkeypatch: pytest.MonkeyPatch, store: ObservationStore
) -> None:
    with SilentServer() as silent:
        point_sources_at(silent, monkeypatch)
        started = time.monotonic()
        results = refresh(
            store, ["fred", "mof", "ecb"], today=TODAY, policy=PATIENT, deadline=started + 1.5
        )
        elapsed = time.monotonic() - started
    assert elapsed < 2.5  # not 1.5 s per source
    assert all(r.failed and r.reason == OUT_OF_TIME for r in results)


def test_a_download_that_never_finishes_is_left_behind_at_the_budget(
    monkeypatch: pytest.MonkeyPatch, store: ObservationStore
) -> None:
    with TricklingServer() as trickling:
        monkeypatch.setenv("CARRYBOT_FRED_URL", trickling.url)
        monkeypatch.setenv("CARRYBOT_ECB_URL", "http://127.0.0.1:9")  # refused at once
        started = time.monotonic()
        results = refresh(
            store,
            ["fred", "ecb"],
            today=TODAY,
            policy=PATIENT,
            deadline=started + 1.0,
            parallel=True,
        )
        elapsed = time.monotonic() - started
    assert elapsed < 1.0 + GRACE_SECONDS + 0.5
    fred_result, ecb_result = results
    assert fred_result.reason == OUT_OF_TIME
    assert any("still busy when the time budget ran out" in e for e in fred_result.errors)
    assert ecb_result.reason == UNREACHABLE


def test_stale_sources_are_those_with_a_stale_or_missing_live_series(
    store: ObservationStore,
) -> None:
    today = date(2026, 11, 24)
    fresh = [s for s in CATALOGUE if s not in {"us.2y", "jp.call"} and not CATALOGUE[s].ended]
    store.upsert(
        pd.concat(
            [
                observations.frame(fresh, [today] * len(fresh), [1.0] * len(fresh)),
                observations.frame(["us.2y"], [date(2026, 11, 2)], [3.5]),
                observations.frame(["us.fed.target"], [date(2008, 12, 15)], [1.0]),
            ]
        ),
        source="test",
    )
    # us.2y is stale (FRED, and Treasury fills it), jp.call is missing (BoJ); the Fed's single
    # target ended in 2008 and is never asked for.
    assert stale_sources(store, today) == ["fred", "treasury", "boj"]


def test_every_series_comes_from_a_registered_source() -> None:
    from analytics.catalogue.series import CATALOGUE
    from analytics.sources import BY_NAME

    assert {spec.source for spec in CATALOGUE.values()} <= set(BY_NAME)


def test_every_registered_raw_family_has_its_parser() -> None:
    from analytics.sources import SOURCES, raw_parser

    for source in SOURCES:
        for family in source.raw_files:
            assert callable(raw_parser(source.name, family)), family.pattern
