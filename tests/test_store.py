"""The observation store on SQLite and on the local PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine

from analytics.catalogue import observations
from analytics.ingest.store import ObservationStore


@pytest.fixture
def store(engine: Engine) -> ObservationStore:
    return ObservationStore(engine)


def two_year(values: dict[str, float]) -> observations.pd.DataFrame:
    return observations.frame(["us.2y"] * len(values), list(values), list(values.values()))


def test_upsert_is_idempotent(store: ObservationStore) -> None:
    obs = two_year({"2024-08-02": 4.06, "2024-08-05": 3.89})
    first = store.upsert(obs, source="fred")
    second = store.upsert(obs, source="fred")
    assert (first.inserted, first.revised) == (2, 0)
    assert (second.inserted, second.revised, second.unchanged) == (0, 0, 2)
    assert store.count() == 2


def test_revised_value_replaces_the_old_one(store: ObservationStore) -> None:
    store.upsert(two_year({"2024-08-05": 3.89}), source="fred")
    result = store.upsert(two_year({"2024-08-05": 3.88}), source="treasury")
    loaded = store.load(["us.2y"])
    assert result.revised == 1
    assert list(loaded["value"]) == [3.88]
    assert list(loaded["source"]) == ["treasury"]


def test_release_dates_round_trip(store: ObservationStore) -> None:
    obs = observations.frame(
        ["cftc.jpy.oi"], [date(2025, 3, 18)], [296567.0], released=[date(2025, 3, 21)]
    )
    store.upsert(obs, source="cftc")
    loaded = store.load(["cftc.jpy.oi"])
    assert loaded["released"].iloc[0].date() == date(2025, 3, 21)
    assert loaded["value"].iloc[0] == 296567.0


def test_insert_missing_never_overwrites(store: ObservationStore) -> None:
    store.upsert(two_year({"2024-08-05": 3.88}), source="fred")
    added = store.insert_missing(
        two_year({"2024-08-02": 4.06, "2024-08-05": 9.99}).assign(source="seed/fred")
    )
    loaded = store.load(["us.2y"]).set_index(store.load(["us.2y"])["date"].dt.strftime("%F"))
    assert added == 1
    assert loaded.loc["2024-08-05", "value"] == 3.88
    assert loaded.loc["2024-08-02", "source"] == "seed/fred"


def test_status_marks_series_past_their_lag_as_stale(store: ObservationStore) -> None:
    store.upsert(two_year({"2026-11-20": 3.5}), source="fred")
    store.upsert(
        observations.frame(["cftc.jpy.oi"], [date(2026, 11, 3)], [250000.0]), source="cftc"
    )
    by_series = {row.series: row for row in store.status(date(2026, 11, 24))}
    assert by_series["us.2y"].stale is False
    assert by_series["us.2y"].last_value == 3.5
    assert by_series["cftc.jpy.oi"].stale is True
    assert by_series["cftc.jpy.oi"].age_days == 21


def test_last_dates_and_meta(store: ObservationStore) -> None:
    store.upsert(two_year({"2024-08-02": 4.06, "2024-08-05": 3.89}), source="fred")
    assert store.last_dates() == {"us.2y": date(2024, 8, 5)}
    assert store.get_meta("seed_sha256") is None
    store.set_meta("seed_sha256", "abc")
    store.set_meta("seed_sha256", "def")
    assert store.get_meta("seed_sha256") == "def"


def test_large_batches_are_written_in_chunks(store: ObservationStore) -> None:
    days = observations.pd.bdate_range("2000-01-03", periods=5000)
    obs = observations.frame(["us.10y"] * len(days), days, [4.0 + i / 10000 for i in range(5000)])
    assert store.upsert(obs, source="fred").inserted == 5000
    assert store.load(["us.10y"])["value"].iloc[-1] == pytest.approx(4.4999)
