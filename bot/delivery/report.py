"""``carrybot deliveries``: counts by state, and every delivery not posted (or worth a look)
with why, and what to do about each reason (``bot.sending.reasons``)."""

from __future__ import annotations

import argparse
from collections import Counter
from datetime import date

from sqlalchemy import Engine

from bot.delivery.queue import STATES, Delivery, DeliveryQueue, Report
from bot.sending.reasons import explain

KINDS_SHOWN = ("briefing", "alert")  # a column each; other kinds count in the total


def format_report(report: Report, total_problems: int | None = None) -> str:
    """``carrybot deliveries``: a table of counts by state, each delivery that was not posted
    (or was, with something to know) with its reason, then what to do per reason."""
    scope = f"on {report.day:%Y-%m-%d} (chats' local date)" if report.day else "(all days)"
    lines = [f"Deliveries {scope}"]
    if not report.counts:
        lines.append("none")
        return "\n".join(lines)
    by_state: Counter[str] = Counter()
    header = f"{'state':<10} {'briefing':>9} {'alert':>7} {'total':>7}"
    lines += [header, "-" * len(header)]
    for state in STATES:
        briefing = report.counts.get(("briefing", state), 0)
        alert = report.counts.get(("alert", state), 0)
        others = sum(
            n for (kind, s), n in report.counts.items() if s == state and kind not in KINDS_SHOWN
        )
        by_state[state] = briefing + alert + others
        if by_state[state]:
            lines.append(f"{state:<10} {briefing:>9} {alert:>7} {by_state[state]:>7}")
    lines.append(f"{'total':<10} {'':>9} {'':>7} {sum(by_state.values()):>7}")
    if report.problems:
        lines += [
            "",
            "Not posted, or worth a look (ambiguous: may have been posted; never resent on "
            "Telegram):",
        ]
        lines += [_row(d) for d in report.problems]
        shown = len(report.problems)
        total = total_problems if total_problems is not None else shown
        if total > shown:
            lines.append(f"  … and {total - shown} more")
        lines += _actions(report.problems)
    return "\n".join(lines)


def _row(d: Delivery) -> str:
    where = d.chat_id + (f"/{d.channel_id}" if d.channel_id else "")
    reason = explain(d.reason)
    why = reason.label if reason is not None else ""
    detail = d.error or ("" if why else "no reason recorded")
    said = f"{why}: {detail}" if why and detail else why or detail
    return (
        f"  {d.state:<9} {d.platform:<8} {where:<28} {d.kind:<8} {d.key:<14} "
        f"attempts {d.attempts}: {said}"
    )


def _actions(problems: list[Delivery]) -> list[str]:
    """What to do, once per reason, the most frequent first."""
    codes = Counter(d.reason for d in problems if explain(d.reason) is not None)
    if not codes:
        return []
    lines = ["", "What to do:"]
    for code, n in codes.most_common():
        reason = explain(code)
        assert reason is not None
        lines.append(f"  {reason.label} ({n}): {reason.action}")
    return lines


def deliveries_report(engine: Engine, day: date | None = None) -> str:
    """The text ``carrybot deliveries [--date D]`` prints."""
    queue = DeliveryQueue(engine)
    return format_report(queue.report(day), queue.problem_count(day))


def main_deliveries(args: argparse.Namespace) -> int:
    """Print counts by state and each delivery not posted with its reason and what to do."""
    from analytics.storage.database import open_database

    engine = open_database()
    try:
        print(deliveries_report(engine, args.date))
    finally:
        engine.dispose()
    return 0
