"""What-if: a hypothetical BoJ/Fed move through the real signal on the real files."""

from __future__ import annotations

from typing import Any

import pytest

from analytics.errors import CarrybotError
from analytics.picture import whatif
from analytics.signal import anchors
from analytics.signal.pipeline import Computation
from tests.support import realdata


@pytest.fixture(scope="module")
def black_monday() -> Computation:
    return realdata.computation("2024-08-05")


def test_a_boj_hike_narrows_the_gaps_and_lowers_carry_incentive(black_monday: Computation) -> None:
    result = whatif.what_if(black_monday, boj_bp=25)
    before, after = result.before, result.after
    assert result.hypothetical and result.day.isoformat() == "2024-08-05"
    assert (result.boj_bp, result.fed_bp) == (25, 0)
    assert before.policy_gap_bp is not None and before.policy_gap_bp == pytest.approx(512.5)
    assert after.policy_gap_bp == pytest.approx(before.policy_gap_bp - 25)
    assert before.gap_2y_bp is not None and after.gap_2y_bp is not None
    assert after.gap_2y_bp == pytest.approx(before.gap_2y_bp - 25)
    # A1 scores the new 2-year gap on the published anchors.
    table = anchors.load()
    assert after.components["A1"] == pytest.approx(float(table["A1"].score(after.gap_2y_bp)))
    assert after.carry_incentive is not None and before.carry_incentive is not None
    assert after.carry_incentive < before.carry_incentive
    assert after.crowding is not None and after.crowding == pytest.approx(before.crowding)
    assert after.carry_fuel == pytest.approx(0.4 * after.carry_incentive + 0.6 * after.crowding)


def test_before_is_the_signal_the_bot_shows(black_monday: Computation) -> None:
    result = whatif.what_if(black_monday, fed_bp=-25)
    row = black_monday.signal.iloc[-1]
    assert result.before.carry_incentive == row["A"]
    assert result.before.carry_fuel == row["fuel"]


def test_a_fed_cut_and_a_boj_hike_add_up(black_monday: Computation) -> None:
    cut = whatif.what_if(black_monday, fed_bp=-25).after
    hike = whatif.what_if(black_monday, boj_bp=25).after
    both = whatif.what_if(black_monday, boj_bp=25, fed_bp=-25).after
    assert cut.policy_gap_bp == pytest.approx(hike.policy_gap_bp)
    assert cut.carry_incentive == pytest.approx(hike.carry_incentive)
    assert both.policy_gap_bp == pytest.approx(512.5 - 50)
    assert both.carry_incentive is not None and hike.carry_incentive is not None
    assert both.carry_incentive < hike.carry_incentive


def test_without_pass_through_only_the_policy_gap_moves(black_monday: Computation) -> None:
    result = whatif.what_if(black_monday, boj_bp=100, pass_through=0)
    assert result.after.policy_gap_bp == pytest.approx(412.5)
    assert result.after.gap_2y_bp == pytest.approx(result.before.gap_2y_bp)
    # The 2-year gap is fresh that day, so A1 scores it and the incentive holds.
    assert result.after.carry_incentive == pytest.approx(result.before.carry_incentive)


def test_when_the_two_year_leg_is_stale_the_policy_gap_drives_the_incentive() -> None:
    computation = realdata.computation("2026-04-30")  # US 2-year in the files ends Nov 2025
    result = whatif.what_if(computation, boj_bp=100, pass_through=0)
    assert result.after.policy_gap_bp is not None
    assert result.after.components["A1"] == pytest.approx(
        float(anchors.load()["A1"].score(result.after.policy_gap_bp))
    )
    assert result.after.carry_incentive is not None and result.before.carry_incentive is not None
    assert result.after.carry_incentive < result.before.carry_incentive


@pytest.mark.parametrize(
    ("kwargs", "code", "named"),
    [
        ({"boj_bp": 27}, "not_a_step", "boj +27 bp"),
        ({"fed_bp": -2.5}, "not_a_step", "fed -2.5 bp"),
        ({"boj_bp": 150}, "too_large", "boj +150 bp"),
        ({"fed_bp": 0}, "zero", "fed +0 bp"),
        ({}, "no_move", "move"),
    ],
)
def test_a_bad_step_is_an_error_naming_it(
    black_monday: Computation, kwargs: dict[str, Any], code: str, named: str
) -> None:
    with pytest.raises(whatif.WhatIfError) as caught:
        whatif.what_if(black_monday, **kwargs)
    error = caught.value
    assert isinstance(error, CarrybotError) and isinstance(error, ValueError)
    assert error.code == code and named in str(error)
    if kwargs:
        bank, step = next(iter(kwargs.items()))
        assert (error.bank, error.step_bp) == (bank.removesuffix("_bp"), step)


def test_steps_of_five_up_to_a_hundred_are_accepted() -> None:
    assert [whatif.validate_step("boj", bp) for bp in (5, -100, 100, 35)] == [5, -100, 100, 35]
