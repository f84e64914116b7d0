"""The snapshot provider (warm cache, rebuilds, chart cache) and the renderer's safety net."""

from __future__ import annotations

import logging
from datetime import date

import pandas as pd
import pytest

from analytics.ingest.seed import open_seeded_store
from analytics.signal import regime
from commands.dispatch import make_services
from commands.presentation.render import environment, render_text
from commands.reply import Reply
from commands.services import NoData, SnapshotProvider
from tests.support.snapshots import computed


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def counting_provider(fingerprints: list[int], clock: Clock) -> tuple[SnapshotProvider, list[int]]:
    builds: list[int] = []

    def build() -> tuple[object, pd.DataFrame, object]:
        builds.append(1)
        return computed("stressed")

    provider = SnapshotProvider(
        build,
        lambda daily, kind, window, language: b"\x89PNG" + f"{kind} {language}".encode(),
        fingerprint=lambda: fingerprints[-1],
        check_seconds=60,
        clock=clock,
    )
    return provider, builds


def test_the_snapshot_stays_warm_until_the_data_changes() -> None:
    clock, fingerprints = Clock(), [1]
    provider, builds = counting_provider(fingerprints, clock)
    first = provider.current()
    clock.now = 30
    assert provider.current() is first and len(builds) == 1
    clock.now = 90  # checked again, nothing changed
    assert provider.current() is first and len(builds) == 1
    fingerprints.append(2)
    clock.now = 200
    assert provider.current() is not first and len(builds) == 2


def test_invalidate_forces_a_rebuild() -> None:
    provider, builds = counting_provider([1], Clock())
    provider.current()
    provider.invalidate()
    provider.current()
    assert len(builds) == 2


def test_charts_are_cached_per_version_kind_window_and_language() -> None:
    provider, _ = counting_provider([1], Clock())
    assert not provider.chart("gap", "1y").cached
    assert provider.chart("gap", "1y").cached
    assert not provider.chart("pressure", "1y").cached
    japanese = provider.chart("gap", "1y", language="ja")
    assert not japanese.cached and japanese.png.endswith(b"gap ja")
    assert provider.chart("gap", "1y", language="ja").cached


def test_every_regime_rule_has_words() -> None:
    daily = computed("stressed")[1]
    sparse = computed("sparse")[1]
    seen = set(daily["regime_trigger"].dropna()) | set(sparse["regime_trigger"].dropna())
    rules = regime.rules(regime.Thresholds())
    made = {getattr(rules, name) for name in rules.__dataclass_fields__}
    assert seen and seen <= made | {regime.START}
    words = environment("text", "en").from_string(
        '{% import "macros.j2" as t %}{{ t.rule_text(r) }}'
    )
    start = words.render(r=regime.START)
    assert start == "the history starts here"
    for rule in made:
        text = words.render(r=rule)
        assert text and text != start and "%(" not in text, rule


def test_a_template_failure_renders_the_apology(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="commands.presentation.render"):
        text = render_text(Reply("no_such_template", {}, locale="ja"))
    assert text.startswith("申し訳ありません")
    assert "no_such_template" in caplog.text


def test_an_empty_store_is_no_data(tmp_path) -> None:
    from analytics.ingest.store import ObservationStore
    from analytics.storage.database import open_database

    services = make_services(ObservationStore(open_database(f"sqlite:///{tmp_path / 'e.sqlite3'}")))
    with pytest.raises(NoData):
        services.snapshots.current()


@pytest.mark.slow
def test_services_on_the_seeded_store(tmp_path) -> None:
    store = open_seeded_store(f"sqlite:///{tmp_path / 'seed.sqlite3'}")
    services = make_services(store, today=lambda: date(2026, 6, 12))
    current = services.snapshots.current()
    assert current.snapshot.as_of == date(2026, 6, 12)
    assert current.version == current.snapshot.version
