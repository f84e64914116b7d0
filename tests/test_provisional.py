"""A verdict that hangs on a left-out input says so and names it (issue 17, item 4)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from analytics.narrative import lede
from analytics.narrative.provisional import pillar_bounds, provisional
from analytics.narrative.snapshot import build_snapshot
from tests.support import realdata
from tests.support.paths import raw_path
from tests.support.seedbriefs import brief, snapshot


@dataclass(frozen=True)
class Part:
    key: str
    pillar: str
    weight: float
    score: float | None
    status: str = "ok"


def unwind(c1: float, c2: float, c3: float, vix: float | None = None) -> list[Part]:
    """Pillar C with the VIX (C4) present or left out, and no CFTC flush (C5) at all."""
    return [
        Part("C1", "C", 0.30, c1),
        Part("C2", "C", 0.20, c2),
        Part("C3", "C", 0.20, c3),
        Part("C4", "C", 0.15, vix, "ok" if vix is not None else "missing"),
        Part("C5", "C", 0.15, 0.0),
    ]


def test_a_left_out_component_spans_its_full_range_with_its_weight_restored() -> None:
    parts = unwind(80.0, 60.0, 70.0)  # renormalised: (24 + 12 + 14 + 0) / 0.85 = 58.8
    low, high = pillar_bounds(parts, frozenset({"C4"})) or (0.0, 0.0)
    assert low == pytest.approx(50.0) and high == pytest.approx(65.0)
    assert pillar_bounds(parts, frozenset()) == pytest.approx((50 / 0.85, 50 / 0.85))


def test_the_verdict_is_provisional_when_the_range_crosses_a_threshold() -> None:
    parts = unwind(80.0, 60.0, 70.0)
    found = provisional(parts, "ELEVATED", 58.8)
    assert found is not None and found.groups == ("vix",) and found.components == ("C4",)
    assert found.pressure is not None and found.pressure.thresholds == (65.0,)
    assert found.fuel is None


def test_nothing_is_added_when_no_placement_crosses() -> None:
    parts = unwind(100.0, 100.0, 100.0)  # 82 without the VIX, 70 to 85 with it
    assert provisional(parts, "UNWINDING", 82.4) is None
    calm = unwind(5.0, 0.0, 10.0)  # 4 without the VIX, 3 to 18 with it
    assert provisional(calm, "UNWINDING", 4.1) is None


def test_a_disorderly_unwind_that_hangs_on_the_vix_says_so() -> None:
    claim = next(
        c for c in lede.lede(snapshot("2016-02-10")) if isinstance(c, lede.ProvisionalClaim)
    )
    assert "vix" in claim.groups and claim.pressure is not None
    assert claim.pressure.low < 65 <= claim.pressure.high
    first = brief("2016-02-10").split("\n\n")[1]
    assert (
        "Provisional without CFTC positioning data and the VIX: unwind pressure could be 48–78,"
        " either side of 65." in first
    )
    ja = brief("2016-02-10", "ja").split("\n\n")[1]
    assert "暫定的な判定です（CFTC のポジションデータ、VIX なし）" in ja


@pytest.mark.parametrize("day", ("1998-10-08", "2008-10-24", "2012-10-05"))
def test_a_verdict_no_left_out_input_could_change_adds_nothing(day: str) -> None:
    s = snapshot(day)
    assert any(c.status != "ok" for p in s.pillars for c in p.components)
    assert not any(isinstance(c, lede.ProvisionalClaim) for c in lede.lede(s))
    assert "Provisional" not in brief(day)


def test_with_the_vix_stored_the_vix_is_no_longer_named() -> None:
    raw_path("SOURCES.md")  # the real history, VIX included
    s = build_snapshot(realdata.observations(), date(2016, 2, 10))
    claims = [c for c in lede.lede(s) if isinstance(c, lede.ProvisionalClaim)]
    assert all("vix" not in c.groups for c in claims)
