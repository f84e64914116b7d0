"""``carrybot brief`` run again on the same data reads its snapshot back instead of computing it;
new data, a damaged cache file or an unwritable cache folder never change what it says."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from analytics.catalogue import observations
from analytics.ingest.seed import open_seeded_store
from analytics.signal import pipeline
from bot.cli import main, snapshot_cache

DAY = "2024-08-02"


@pytest.fixture(autouse=True)
def fresh_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("CARRYBOT_HOME", str(home))
    monkeypatch.delenv("CARRYBOT_DATABASE_URL", raising=False)
    return home


def count_computations(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    compute: Callable[..., Any] = pipeline.compute

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return compute(*args, **kwargs)

    monkeypatch.setattr(pipeline, "compute", counted)
    return calls


def brief(capsys: pytest.CaptureFixture[str], *extra: str) -> str:
    assert main(["brief", "--date", DAY, *extra]) == 0
    return capsys.readouterr().out


def test_the_same_brief_again_is_read_from_the_cache_word_for_word(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    first = brief(capsys)
    assert first.startswith("Yen carry briefing, 2 Aug 2024")
    calls = count_computations(monkeypatch)
    assert brief(capsys) == first
    assert brief(capsys, "--lang", "ja") != first  # the language is applied after the cache
    assert calls == [], "the signal was computed again on unchanged data"


def test_new_data_in_the_store_is_computed_afresh(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    first = brief(capsys)
    store = open_seeded_store()
    # A revised USD/JPY close of the day: the briefing must show it, not the cached one.
    revised = observations.frame(["fx.usdjpy.h10"], [date(2024, 8, 2)], [149.99])
    assert store.upsert(revised, source="fred").revised == 1
    store.engine.dispose()
    calls = count_computations(monkeypatch)
    second = brief(capsys)
    assert calls == [1]
    assert "USD/JPY 146.98 on 2 Aug 2024" in first
    assert "USD/JPY 149.99 on 2 Aug 2024" in second


def test_a_damaged_cache_file_is_computed_again_and_replaced(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, fresh_home: Path
) -> None:
    first = brief(capsys)
    (cached,) = (fresh_home / snapshot_cache.FOLDER).glob("snapshot-*.pickle")
    cached.write_bytes(cached.read_bytes()[:100])  # truncated
    calls = count_computations(monkeypatch)
    assert brief(capsys) == first
    assert calls == [1]
    assert len(cached.read_bytes()) > 100
    assert brief(capsys) == first and calls == [1]


def test_an_unwritable_cache_folder_leaves_the_brief_uncached(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, fresh_home: Path
) -> None:
    fresh_home.mkdir(parents=True)
    (fresh_home / snapshot_cache.FOLDER).write_text("a file where the folder would be")
    first = brief(capsys)
    calls = count_computations(monkeypatch)
    assert brief(capsys) == first
    assert calls == [1]
