"""The size of the yen carry trade: the published table by definition, and the CFTC measured size."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from analytics.picture import carry_size, markets
from analytics.sources import cftc
from tests.support import realdata
from tests.support.paths import raw_path

TABLE = Path(carry_size.__file__).parents[1] / "data" / carry_size.TABLE_NAME


def test_the_bis_estimate_leads_with_its_definition_author_and_date() -> None:
    table = carry_size.table()
    bis = table.reference
    assert table.ordered[0] is bis
    assert (bis.amount, bis.unit, bis.usd_amount) == (40e12, "JPY", 250e9)
    assert bis.definition == "fx_carry_on_and_off_balance_sheet"
    assert (bis.who, bis.published, bis.published_in) == (
        "BIS",
        date(2024, 8, 27),
        "BIS Bulletin No 90",
    )
    assert bis.note("biased_down") == ""


def test_every_size_carries_a_definition_and_an_author() -> None:
    table = carry_size.table()
    assert len(table.estimates) == 7
    assert all(e.definition and e.who for e in table.estimates)
    db = table["deutsche_bank_japan_inc"]
    assert (db.amount, db.unit, db.kind, db.published, db.date_precision) == (
        20e12,
        "USD",
        "balance_sheet",
        date(2023, 12, 1),
        "month",
    )
    assert db.note("pct_of_gdp") == "505"
    nine = table["cmb_global_liquidity"]
    # The "$9 trillion" is a relayed attribution whose primary report was not found.
    assert nine.kind == "unverified_claim" and nine.published is None
    assert {"attributed", "primary_report_not_found"} <= set(nine.notes)
    assert nine.note("after") == "2025-12-19"
    unwound = table["banks_share_unwound"]
    assert (unwound.amount, unwound.amount_high, unwound.unit) == (50, 75, "pct")


def _table_with(line: str) -> str:
    text = TABLE.read_text(encoding="utf-8")
    return text.rstrip("\n") + "\n" + line + "\n"


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("x,1e9,,EUR,,false,ceiling,d,W,2024-08,,false,", r"carry_size.csv line 14: unit 'EUR'"),
        ("x,1e9,,USD,,false,guess,d,W,2024-08,,false,", r"kind 'guess'"),
        ("x,-1e9,,USD,,false,ceiling,d,W,2024-08,,false,", r"amount -1e\+09 must be positive"),
        ("x,5e9,1e9,USD,,false,ceiling,d,W,2024-08,,false,", r"amount_high 1e\+09 is below"),
        ("x,1e9,,USD,2e9,false,ceiling,d,W,2024-08,,false,", r"usd_amount is only for a yen"),
        ("x,1e9,,USD,,false,ceiling,d,W,Aug 2024,,false,", r"date 'Aug 2024'"),
        ("x,1e9,,USD,,false,ceiling,d,,2024-08,,false,", r"who is empty"),
        ("x,1e9,,USD,,false,ceiling,d,W,2024-08,,yes,", r"reference 'yes' must be true or false"),
        ("x,1e9,,USD,,false,ceiling,d,W,2024-08,,false,big one", r"note 'big one'"),
        ("bis_bulletin_90,1e9,,USD,,false,ceiling,d,W,2024-08,,false,", r"appears twice"),
        ("x,1e9,,USD,,false,ceiling,d,W,2024-08,,true,", r"exactly one reference"),
        ("x,1e9,,USD,,false,ceiling,d,W,2024-08", r"does not have 13 fields"),
    ],
)
def test_a_bad_row_is_rejected_naming_its_line(line: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        carry_size.parse_table(_table_with(line))


def test_a_renamed_column_is_rejected() -> None:
    text = TABLE.read_text(encoding="utf-8").replace(",who,", ",author,")
    with pytest.raises(ValueError, match="header is"):
        carry_size.parse_table(text)


@pytest.fixture(scope="module")
def fx() -> pd.Series:
    return markets.observed_usdjpy(realdata.panel())


def test_measured_size_from_the_latest_released_cftc_report(fx: pd.Series) -> None:
    obs = realdata.observations()
    size = carry_size.measured(obs, date(2025, 3, 21), fx)
    assert size is not None and size.status == "ok"
    assert (size.report_date, size.released) == (date(2025, 3, 18), date(2025, 3, 21))
    rows = cftc.parse_legacy_text(raw_path("CFTC_legacy_FO_2025_JPY_rows.txt").read_bytes())
    on = rows[rows["date"] == "2025-03-18"].set_index("series")["value"]
    net = on["cftc.jpy.noncomm_long"] - on["cftc.jpy.noncomm_short"]
    assert size.net_contracts == net and size.direction == "long_yen"
    assert size.net_yen == net * 12_500_000
    assert (size.usdjpy, size.usdjpy_date) == (fx.loc["2025-03-18"], date(2025, 3, 18))
    assert size.net_usd == pytest.approx(net * 12.5e6 / fx.loc["2025-03-18"])
    assert size.caveat == "cme_futures_only"


def test_a_report_is_used_only_once_released(fx: pd.Series) -> None:
    size = carry_size.measured(realdata.observations(), date(2025, 3, 20), fx)
    assert size is not None and size.report_date == date(2025, 3, 11)


def test_an_old_report_is_stale_and_none_before_the_first(fx: pd.Series) -> None:
    obs = realdata.observations()
    old = carry_size.measured(obs, date(2025, 4, 20), fx)
    assert old is not None and old.status == "stale" and old.report_date == date(2025, 3, 18)
    assert carry_size.measured(obs, date(2024, 8, 5), fx) is None


def test_without_usdjpy_the_size_has_no_dollar_figure() -> None:
    size = carry_size.measured(realdata.observations(), date(2025, 3, 21), pd.Series(dtype=float))
    assert size is not None and size.net_usd is None and size.net_contracts > 0
