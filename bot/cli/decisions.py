"""``carrybot decisions``: the Fed and BoJ decisions the bot knows, and correcting them by hand.

``list`` (the default) prints the merged decisions (``analytics.policy.history``: the packaged
tables, the stored ones, the live rates) with rate, effective day, status and source. ``add``
records one by hand as *announced* (for a feed that changed, or a correction: the same bank and
day replaces it); ``remove`` deletes a stored one. Imports its dependencies only when it runs.
"""

from __future__ import annotations

import argparse
import re
from datetime import date, timedelta
from typing import TYPE_CHECKING

from analytics.errors import CarrybotError

if TYPE_CHECKING:
    from analytics.policy.history import KnownDecision

BANK_NAMES = {"fed": "the Fed", "boj": "the BoJ"}
MAX_EFFECTIVE_DELAY = timedelta(days=31)
_URL = re.compile(r"https?://\S+\.\S+")
_NUMBER = r"-?\d+(?:\.\d+)?"
_RATE = re.compile(rf"({_NUMBER})(?:\s*[-–]\s*({_NUMBER}))?%?")
SERIES_SOURCES = {"us.fed.range": "FRED DFEDTARU/DFEDTARL", "jp.call": "BoJ call rate"}


def bank(text: str) -> str:
    """``fed`` or ``boj`` (any case)."""
    value = text.strip().lower()
    if value not in BANK_NAMES:
        raise argparse.ArgumentTypeError(f"unknown bank '{text}': type fed or boj")
    return value


def decision_day(text: str) -> date:
    """A past business day: decisions are announced on weekdays, never in the future."""
    from bot.cli.args import past_date

    day = past_date(text)
    if day.weekday() >= 5:
        raise argparse.ArgumentTypeError(
            f"{day:%Y-%m-%d} is a {day:%A}: give the weekday the decision was announced "
            "(the meeting's last day)"
        )
    return day


def parse_rate(bank_code: str, text: str) -> tuple[float, float]:
    """The rate as typed: ``1.25`` for the BoJ, ``3.75-4.00`` for the Fed's range. CarrybotError
    says what to type when it is not on the bank's steps."""
    found = _RATE.fullmatch(text.strip())
    if found is None:
        example = "3.75-4.00" if bank_code == "fed" else "1.25"
        raise CarrybotError(f"'{text}' is not a rate: type it like {example}")
    lower = float(found.group(1))
    upper = float(found.group(2)) if found.group(2) else lower
    if bank_code == "fed":
        on_steps = all(abs(v * 4 - round(v * 4)) < 1e-9 for v in (lower, upper))
        if not on_steps or abs(upper - lower - 0.25) > 1e-9 or lower < 0:
            raise CarrybotError(
                f"'{text}' is not a Fed target range on its 25 bp steps: type the range, "
                "e.g. 3.75-4.00"
            )
    else:
        on_steps = all(abs(v * 20 - round(v * 20)) < 1e-9 for v in (lower, upper))
        if not on_steps or not -1 <= lower <= upper <= 10:
            raise CarrybotError(
                f"'{text}' is not on the BoJ's steps (multiples of 0.05%): type e.g. 1.25 or 0-0.1"
            )
    return lower, upper


def cmd_list(args: argparse.Namespace) -> int:
    """Print the decisions known, oldest first."""
    from analytics.ingest.seed import open_seeded_store
    from analytics.policy.records import DecisionStore
    from analytics.policy.status import policy_state

    store = open_seeded_store()
    today = date.today()
    since = args.since or today - timedelta(days=365)
    state = policy_state(store.load(), today, DecisionStore(store.engine).all())
    banks = [args.bank] if args.bank else ["fed", "boj"]
    header = f"{'bank':<4} {'decided':<10} {'rate':<11} {'effective':<10} {'status':<11} source"
    print(header)
    print("-" * len(header))
    rows = 0
    for code in banks:
        history = state.histories[code]
        shown = [(d, "") for d in history.decisions if d.decided >= since]
        shown += [(d, "overridden") for d in history.overridden if d.decided >= since]
        for d, flag in sorted(shown, key=lambda x: (x[0].decided, x[1])):
            print(_line(d, flag))
            rows += 1
    if not rows:
        print(f"(no decision since {since:%Y-%m-%d})")
    for note in state.notes:
        if note.code == "policy_table_behind" and note.bank in banks:  # type: ignore[attr-defined]
            print(
                f"note: {BANK_NAMES[note.bank]} has met {note.meetings} time(s) since "  # type: ignore[attr-defined]
                f"its last known decision, the last on {note.last_meeting:%Y-%m-%d}; "  # type: ignore[attr-defined]
                "add it with `carrybot decisions add` once it is published"
            )
    return 0


def cmd_add(args: argparse.Namespace) -> int:
    """Record a decision by hand (or correct the one of that bank and day)."""
    from analytics.ingest.seed import open_seeded_store
    from analytics.policy.records import ANNOUNCED, DecisionStore, StoredDecision

    lower, upper = parse_rate(args.bank, args.rate)
    if not args.source:
        raise CarrybotError(
            "a decision needs its source: add --source URL (the bank's statement or document)"
        )
    if not _URL.fullmatch(args.source.strip()):
        raise CarrybotError(
            f"--source '{args.source}' is not a web address: give the document's URL, "
            "e.g. https://www.boj.or.jp/en/mopo/mpmdeci/mpr_2026/k260918a.pdf"
        )
    default = args.date + timedelta(days=1) if args.bank == "fed" else args.date
    effective = args.effective or default
    if not args.date <= effective <= args.date + MAX_EFFECTIVE_DELAY:
        raise CarrybotError(
            f"--effective {effective:%Y-%m-%d} must be on or after the decision "
            f"({args.date:%Y-%m-%d}) and within {MAX_EFFECTIVE_DELAY.days} days of it"
        )
    store = open_seeded_store()
    outcome = DecisionStore(store.engine).record(
        StoredDecision(
            bank=args.bank,
            decided=args.date,
            effective=effective,
            lower=lower,
            upper=upper,
            status=ANNOUNCED,
            source=args.source.strip(),
            added_by="operator",
            between_meetings=args.between_meetings,
            note="added by hand",
        )
    )
    verb = {"new": "recorded", "corrected": "corrected", "unchanged": "already recorded"}[outcome]
    print(
        f"{verb}: {BANK_NAMES[args.bank]} {args.date:%Y-%m-%d} {_rate(lower, upper)} "
        f"from {effective:%Y-%m-%d} (announced; source {args.source.strip()})"
    )
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    """Delete a stored decision."""
    from analytics.ingest.seed import open_seeded_store
    from analytics.policy.records import DecisionStore

    store = open_seeded_store()
    removed = DecisionStore(store.engine).remove(args.bank, args.date)
    if removed is None:
        raise CarrybotError(
            f"no stored decision of {BANK_NAMES[args.bank]} on {args.date:%Y-%m-%d}: "
            "`carrybot decisions --bank "
            f"{args.bank}` lists them (a packaged table's row cannot be removed; add a "
            "correction for its day instead)"
        )
    print(
        f"removed: {BANK_NAMES[args.bank]} {args.date:%Y-%m-%d} "
        f"{_rate(removed.lower, removed.upper)} ({removed.status}, added by {removed.added_by})"
    )
    return 0


def _rate(lower: float, upper: float) -> str:
    return f"{lower:.2f}%" if lower == upper else f"{lower:.2f}-{upper:.2f}%"


def _line(d: KnownDecision, flag: str) -> str:
    status = flag or d.status
    if d.origin == "table":
        source = f"table ({d.tag})" if d.tag else "table"
    elif d.origin == "live":
        source = SERIES_SOURCES.get(d.source, d.source)
    else:
        source = f"{d.source} ({d.origin})"
    if d.between_meetings:
        source += "; between meetings"
    return (
        f"{d.bank:<4} {d.decided:%Y-%m-%d} {_rate(d.lower, d.upper):<11} "
        f"{d.effective:%Y-%m-%d} {status:<11} {source}"
    )
