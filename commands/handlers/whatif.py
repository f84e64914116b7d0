"""``/carry whatif boj +25 [fed -25]``: the gaps and scores after a hypothetical policy move.

A move is written in basis points with or without a sign (``+25``, ``-25``, ``25``, ``−25``,
``25bp``) or in percent (``+0.25%``); steps of 5 bp up to 100 bp either way
(``analytics.picture.whatif``). Each bank may move once. The answer is computed on request from the warm
computation and is always labelled hypothetical.
"""

from __future__ import annotations

import re

from analytics.picture import whatif
from commands.grammar import Arg, Command, Invocation
from commands.handlers.views import view
from commands.reply import Reply
from commands.services import NoData

BANKS = whatif.BANKS
_MOVE = re.compile(
    r"^(?P<sign>[+\-\u2212]?)(?P<number>\d+(?:\.\d+)?)(?P<unit>bp|%)?$", re.IGNORECASE
)


class MoveError(ValueError):
    """A move that cannot be read or applied: ``code`` for the error template, what it was."""

    def __init__(self, code: str, value: str, bank: str | None = None) -> None:
        super().__init__(f"{code}: {value}")
        self.code = code
        self.value = value
        self.bank = bank


def parse_move(text: str) -> float:
    """Basis points from ``+25``, ``-25``, ``25bp``, ``−25`` or ``+0.25%``; MoveError otherwise."""
    match = _MOVE.match(text.strip().replace(",", "."))
    if match is None:
        raise MoveError("whatif_not_a_number", text)
    value = float(match["number"]) * (100 if match["unit"] == "%" else 1)
    return -value if match["sign"] in ("-", "\u2212") else value


def moves(args: dict[str, str | None]) -> dict[str, float]:
    """The requested move per bank from the parsed arguments; MoveError names the problem."""
    found: dict[str, float] = {}
    pairs = ((args["bank"], args["bp"]), (args.get("bank2"), args.get("bp2")))
    for bank, step in pairs:
        if bank is None and step is None:
            continue
        if bank is None:
            raise MoveError("whatif_step_without_bank", step or "")
        if step is None:
            raise MoveError("whatif_bank_without_step", bank, bank)
        if bank in found:
            raise MoveError("whatif_same_bank", bank, bank)
        bp = parse_move(step)
        try:
            whatif.validate_step(bank, bp)
        except whatif.WhatIfError as exc:
            raise MoveError(f"whatif_{exc.code}", step, bank) from None
        found[bank] = bp
    return found


def what_if(inv: Invocation) -> Reply:
    """Scores before and after the hypothetical move(s), on the last computed day."""
    try:
        requested = moves(dict(inv.args))
    except MoveError as exc:
        return inv.error(exc.code, value=exc.value, bank=exc.bank or "")
    try:
        current = inv.services.snapshots.current()
    except NoData:
        return inv.error("no_data")
    if current.computation is None:
        return inv.error("no_data")
    result = whatif.what_if(current.computation, requested.get("boj"), requested.get("fed"))
    return inv.reply("whatif", w=result, v=view(current.snapshot))


COMMANDS = (
    Command(
        "whatif",
        what_if,
        (
            Arg("bank", BANKS),
            Arg("bp", label="±bp"),
            Arg("bank2", BANKS, optional=True),
            Arg("bp2", optional=True, label="±bp"),
        ),
        example="/carry whatif boj +25",
    ),
)
