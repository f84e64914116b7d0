"""The lede's verdicts come from one rule table and follow the day's numbers (issue 17, item 2)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from analytics.narrative import lede, verdicts
from commands.handlers.views import view
from commands.presentation.render import render_text
from commands.reply import Reply
from tests.support.seedbriefs import brief, snapshot


def lede_of(text: str) -> str:
    return text.split("\n\n")[1]


def section(text: str, title: str) -> str:
    return next(p for p in text.split("\n\n") if p.startswith(title))


def test_every_rule_names_what_it_reads_and_its_threshold() -> None:
    names = [r.name for r in verdicts.RULES]
    assert len(names) == len(set(names))
    for rule in verdicts.RULES:
        assert rule.reads and isinstance(rule.threshold, float)


@pytest.mark.parametrize(
    ("z", "regime", "stress", "expected"),
    [
        (1.94, "STABLE", None, "quiet"),
        (1.96, "STABLE", None, "notable"),  # shown as 2.0: judged as shown
        (-1.96, "BUILDING", None, "notable"),
        (1.2, "UNWINDING", None, "ordinary"),  # never "quiet" beside a disorderly unwind
        (1.2, "ELEVATED", None, "ordinary"),
        (1.2, "STABLE", "usdjpy_fall", "ordinary"),
        (1.2, "UNWINDING_GRADUAL", None, "quiet"),
    ],
)
def test_the_largest_move_is_quiet_only_below_the_threshold_as_shown(
    z: float, regime: str, stress: str | None, expected: str
) -> None:
    assert verdicts.largest_move(z, regime, stress) == expected


def test_a_fall_shown_as_two_percent_is_a_stress_fall() -> None:
    assert verdicts.stress(-1.996, 10.0) == verdicts.FALL
    assert verdicts.stress(-1.994, 10.0) is None
    assert verdicts.stress(-0.5, 65.0) == verdicts.PRESSURE


@pytest.mark.parametrize(
    ("pressure", "regime", "stress", "fx_z", "expected"),
    [
        (17.0, "STABLE", None, 0.5, True),
        (17.0, "STABLE", "usdjpy_fall", -3.7, False),  # 30 Apr 2026: USD/JPY −2.02%
        (17.0, "STABLE", None, -2.04, False),  # a notable USD/JPY fall, shown as 2.0
        (17.0, "STABLE", None, 2.5, True),  # a notable rise of USD/JPY is no unwind
        (26.0, "STABLE", None, 0.1, False),
        (17.0, "RESET", None, 0.1, False),
    ],
)
def test_no_sign_of_an_unwind_needs_a_calm_day(
    pressure: float, regime: str, stress: str | None, fx_z: float, expected: bool
) -> None:
    assert verdicts.no_sign_of_unwind(pressure, regime, stress, fx_z) is expected


def test_crowding_has_no_trend_without_positioning() -> None:
    assert verdicts.crowding_trend(18.0, positioning_current=False) is None
    assert verdicts.crowding_trend(18.0, positioning_current=True) == verdicts.BUILDING
    assert verdicts.crowding_trend(-9.6, positioning_current=True) == verdicts.REDUCING
    assert verdicts.crowding_trend(9.4, positioning_current=True) == verdicts.STEADY


@pytest.mark.parametrize(
    ("month", "year", "expected"),
    [
        (2.0, 108.0, "rising"),
        (-24.0, 40.0, "falling_back"),  # 5 Aug 2024
        (-9.6, 40.0, "falling_back"),  # −10 bp as shown
        (-11.0, -31.0, "easing"),
        (5.0, 10.0, "steady"),
        (None, None, None),
    ],
)
def test_the_long_end_rises_only_when_the_month_does_not_fall(
    month: float | None, year: float | None, expected: str | None
) -> None:
    assert verdicts.long_end(month, year) == expected


def test_risk_assets_direction() -> None:
    assert verdicts.risk_assets([-12.4, -3.0]) == verdicts.DOWN
    assert verdicts.risk_assets([1.0]) == verdicts.UP
    assert verdicts.risk_assets([-1.0, 1.0]) == verdicts.MIXED
    assert verdicts.risk_assets([]) is None


def test_a_disorderly_unwind_is_never_a_quiet_day() -> None:
    first = lede_of(brief("2016-02-10"))
    assert first.startswith("Carry trades are being unwound in a disorderly way")
    assert "A quiet day" not in first
    assert "The day's largest move against its own volatility was USD/JPY, −0.67%" in first


def test_no_sign_of_an_unwind_is_not_said_beside_a_two_percent_fall() -> None:
    text = brief("2026-04-30")
    first = lede_of(text)
    assert "no sign of an unwind" not in first
    assert "USD/JPY fell 2.02% on the day." in first
    assert "Carry is stable by the signal: unwind pressure is 17/100." in first


def test_crowding_is_not_said_to_rise_without_positioning_data() -> None:
    s = snapshot("2025-12-19")
    assert not lede.positioning_current(s)
    text = brief("2025-12-19")
    assert "crowding is rising" not in text
    assert "crowding, measured without current positioning data, is rising" in text


def test_a_long_end_that_fell_over_the_month_is_not_called_rising() -> None:
    text = section(brief("2024-08-05"), "Japan's long end")
    assert "−24 bp 1m" in text and "+40 bp 12m" in text
    assert "rising" not in text and "fiscal" not in text
    assert "The long end fell 24 bp over the month, though it is still 40 bp higher" in text


def test_a_gradual_unwind_says_crowding_is_measured_without_positioning() -> None:
    claim = lede.RegimeClaim(
        "UNWINDING_GRADUAL", 30.0, -4.0, 20.0, -18.0, -40.0, -3.1, crowding_measured=False
    )
    v = replace(view(snapshot("2026-04-30")), lede=(claim,))
    text = render_text(Reply("brief", {"v": v}))
    assert "crowding, measured without current positioning data, −18 points over 8 weeks" in text
