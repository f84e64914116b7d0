"""Charts: PNG bytes of the phone-legible size, regime bands from runs of labels."""

from __future__ import annotations

import io
import itertools

import numpy as np
import pandas as pd
import pytest
from matplotlib import image

from analytics import charts


@pytest.fixture
def daily() -> pd.DataFrame:
    days = pd.bdate_range("2024-06-03", "2024-08-30")
    n = len(days)
    pressure = np.clip(np.linspace(10, 90, n), 0, 100)
    regime = np.where(pressure >= 65, "UNWINDING", np.where(pressure >= 40, "ELEVATED", "STABLE"))
    return pd.DataFrame(
        {
            "gap_2y_bp": np.linspace(430, 360, n),
            "gap_policy_bp": np.where(days < "2024-07-31", 535, 510),
            "usdjpy": np.linspace(161, 142, n),
            "unwind_pressure": pressure,
            "regime": regime,
        },
        index=days,
    )


def png_size(data: bytes) -> tuple[int, int]:
    pixels = image.imread(io.BytesIO(data), format="png")
    return pixels.shape[1], pixels.shape[0]


def test_gap_chart_is_a_1200_by_675_png(daily: pd.DataFrame) -> None:
    data = charts.gap_chart(daily)
    assert data.startswith(b"\x89PNG")
    assert png_size(data) == (1200, 675)


def test_pressure_chart_is_a_1200_by_675_png(daily: pd.DataFrame) -> None:
    assert png_size(charts.pressure_chart(daily)) == (1200, 675)


def test_regime_periods_cover_every_run_in_order(daily: pd.DataFrame) -> None:
    periods = charts.regime_periods(daily["regime"])
    assert [p[0] for p in periods] == ["STABLE", "ELEVATED", "UNWINDING"]
    assert periods[0][1] == daily.index[0]
    # Each band ends where the next begins, so bands tile the window with no gap.
    assert all(a[2] == b[1] for a, b in itertools.pairwise(periods))


def test_missing_column_is_a_clear_error(daily: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="usdjpy"):
        charts.gap_chart(daily.drop(columns="usdjpy"))
