"""What if the BoJ or the Fed moved today: the policy-rate gap, carry incentive and carry fuel after.

A hypothetical move (in bp, a multiple of 5 up to 100 either way) is added to the policy rate
in force on the computation's last day; the 2-year yield of the same country moves by
``pass_through`` times as much (1 by default: the market prices the move fully), on the close
its gap reads that day (the latest same-day pair, ``analytics.signal.gaps``). Every other
input is held. The signal is then recomputed on the last ``signal.LOOKBACK_DAYS`` days with the
published anchors, through ``analytics.signal.scores.compute`` itself, and the last day is read.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from analytics.catalogue import pairs
from analytics.catalogue.values import number_or_none
from analytics.errors import CarrybotError
from analytics.signal import anchors, gaps
from analytics.signal import scores as signal
from analytics.signal.panel import Panel
from analytics.signal.pipeline import Computation

STEP_BP = 5
MAX_MOVE_BP = 100
BANKS = ("boj", "fed")
LEGS = {"boj": ("jp_policy", "jp_2y"), "fed": ("us_policy", "us_2y")}
NOT_A_STEP, TOO_LARGE, ZERO, NO_MOVE = "not_a_step", "too_large", "zero", "no_move"


class WhatIfError(CarrybotError, ValueError):
    """A hypothetical move that cannot be applied; ``code`` says why, ``bank``/``step_bp`` what."""

    def __init__(self, code: str, bank: str | None = None, step_bp: float | None = None) -> None:
        self.code = code
        self.bank = bank
        self.step_bp = step_bp
        what = f"{bank} {step_bp:+g} bp" if bank is not None and step_bp is not None else "move"
        super().__init__(
            f"{code}: {what} (steps of {STEP_BP} bp, at most {MAX_MOVE_BP} bp either way)"
        )


@dataclass(frozen=True)
class Scores:
    """The gaps and scores a what-if compares (None where the signal has no value)."""

    policy_gap_bp: float | None
    gap_2y_bp: float | None
    carry_incentive: float | None
    carry_fuel: float | None
    crowding: float | None
    components: dict[str, float | None]


@dataclass(frozen=True)
class WhatIf:
    """Before and after a hypothetical move on ``day``; always hypothetical."""

    day: date
    boj_bp: int
    fed_bp: int
    pass_through: float
    before: Scores
    after: Scores
    hypothetical: bool = True


def validate_step(bank: str, step_bp: float) -> int:
    """The move as whole bp, or WhatIfError naming the bank and the bad step."""
    if bank not in BANKS:
        raise ValueError(f"unknown bank {bank!r}; expected one of {', '.join(BANKS)}")
    if step_bp == 0:
        raise WhatIfError(ZERO, bank, step_bp)
    if abs(step_bp) > MAX_MOVE_BP:
        raise WhatIfError(TOO_LARGE, bank, step_bp)
    if step_bp != int(step_bp) or int(step_bp) % STEP_BP:
        raise WhatIfError(NOT_A_STEP, bank, step_bp)
    return int(step_bp)


def what_if(
    computation: Computation,
    boj_bp: float | None = None,
    fed_bp: float | None = None,
    pass_through: float = 1.0,
    table: anchors.AnchorTable | None = None,
) -> WhatIf:
    """The scores on the computation's last day before and after the hypothetical move(s)."""
    moves = {
        bank: validate_step(bank, bp)
        for bank, bp in (("boj", boj_bp), ("fed", fed_bp))
        if bp is not None
    }
    if not moves:
        raise WhatIfError(NO_MOVE)
    if not 0 <= pass_through <= 1:
        raise ValueError(f"pass_through {pass_through:g} must lie in 0–1")
    panel = computation.panel.tail(signal.LOOKBACK_DAYS + 1)
    values = panel.values.copy()
    for bank, bp in moves.items():
        for leg, step in zip(LEGS[bank], (bp / 100, bp / 100 * pass_through), strict=True):
            rows = _latest_close(panel, leg)
            values.iloc[rows, values.columns.get_loc(leg)] += step
    after = signal.compute(dataclasses.replace(panel, values=values), table).iloc[-1]
    return WhatIf(
        day=computation.day.date(),
        boj_bp=moves.get("boj", 0),
        fed_bp=moves.get("fed", 0),
        pass_through=pass_through,
        before=scores(computation.signal.iloc[-1]),
        after=scores(after),
    )


def _latest_close(panel: Panel, leg: str) -> np.ndarray:
    """The rows holding a leg's close from the day of its gap's latest same-day pair on: moving
    them moves the gap the signal reads on the last day (``analytics.signal.gaps``)."""
    gap = next(g for g in gaps.GAPS if leg in (g.us, g.jp))
    found = pairs.at(gaps.gap_pairs(gap, panel.values, panel.asof), panel.index[-1].date())
    seen = panel.asof[leg].to_numpy(dtype="datetime64[ns]")
    if found is None:
        return np.array([len(seen) - 1])
    with np.errstate(invalid="ignore"):
        return np.flatnonzero(seen >= np.datetime64(found.date, "ns"))


def scores(row: pd.Series) -> Scores:
    """The compared numbers from one row of a signal frame."""
    return Scores(
        policy_gap_bp=number_or_none(row["gap_policy_bp"]),
        gap_2y_bp=number_or_none(row["gap_2y_bp"]),
        carry_incentive=number_or_none(row["A"]),
        carry_fuel=number_or_none(row["fuel"]),
        crowding=number_or_none(row["B"]),
        components={c: number_or_none(row[f"{c}_score"]) for c in ("A1", "A2", "A3")},
    )
