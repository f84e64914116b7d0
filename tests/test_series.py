"""The series catalogue: risk assets are known, plausible, and never redistributed."""

from __future__ import annotations

from datetime import date

import pytest

from analytics.catalogue.series import CATALOGUE, spec
from analytics.errors import ValidationError
from analytics.ingest import seed
from analytics.sources import fred
from analytics.sources.validate import check_observations

RISK_ASSETS = ("eq.nikkei225", "eq.sp500", "crypto.btcusd")


@pytest.mark.parametrize("series_id", RISK_ASSETS)
def test_risk_assets_are_catalogued_as_not_redistributable(series_id: str) -> None:
    entry = spec(series_id)
    assert entry.source == "fred"
    assert entry.redistributable is False
    assert series_id in fred.SERIES_IDS.values()


def test_bitcoin_goes_stale_sooner_than_the_nikkei() -> None:
    # Bitcoin trades every calendar day; Tokyo closes for up to six days at New Year.
    assert spec("crypto.btcusd").max_age_days < spec("eq.sp500").max_age_days
    assert spec("eq.sp500").max_age_days < spec("eq.nikkei225").max_age_days
    assert spec("eq.nikkei225").max_age_days >= 7


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"observation_date,SP500\n2024-08-05,5.18633\n", "implausible eq.sp500 value 5.18633"),
        (b"observation_date,CBBTCUSD\n2024-08-05,0.5\n", "implausible crypto.btcusd value 0.5"),
        (b"observation_date,NIKKEI225\n2024-08-05,3145842\n", "implausible eq.nikkei225"),
    ],
)
def test_absurd_risk_asset_values_are_rejected(body: bytes, problem: str) -> None:
    with pytest.raises(ValidationError, match=problem):
        check_observations("fred", fred.parse(body), date(2024, 8, 6))


def test_committed_seed_holds_no_series_whose_terms_forbid_redistribution() -> None:
    in_seed = set(seed.read()["series"])
    forbidden = {s for s, entry in CATALOGUE.items() if not entry.redistributable}
    assert {"vix", *RISK_ASSETS} <= forbidden
    assert not in_seed & forbidden
