"""``carrybot deliveries``: counts by state and every failed or ambiguous delivery with its reason."""

from __future__ import annotations

import argparse
from collections import Counter
from datetime import date

from sqlalchemy import Engine

from bot.delivery.queue import AMBIGUOUS, FAILED, STATES, DeliveryQueue, Report


def format_report(report: Report, total_problems: int | None = None) -> str:
    """``carrybot deliveries``: a table of counts by state and each failure with its reason."""
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
        by_state[state] = briefing + alert
        if briefing or alert:
            lines.append(f"{state:<10} {briefing:>9} {alert:>7} {briefing + alert:>7}")
    lines.append(f"{'total':<10} {'':>9} {'':>7} {sum(by_state.values()):>7}")
    if report.problems:
        lines += ["", "Failed and ambiguous (ambiguous: may have been posted; never resent):"]
        for d in report.problems:
            where = d.chat_id + (f"/{d.channel_id}" if d.channel_id else "")
            lines.append(
                f"  {d.state:<9} {d.platform:<8} {where:<28} {d.kind:<8} {d.key:<14} "
                f"attempts {d.attempts}: {d.error or 'no reason recorded'}"
            )
        shown = len(report.problems)
        total = total_problems if total_problems is not None else shown
        if total > shown:
            lines.append(f"  … and {total - shown} more")
    return "\n".join(lines)


def deliveries_report(engine: Engine, day: date | None = None) -> str:
    """The text ``carrybot deliveries [--date D]`` prints."""
    queue = DeliveryQueue(engine)
    report = queue.report(day)
    counts = report.counts
    total = sum(n for (_, state), n in counts.items() if state in (FAILED, AMBIGUOUS))
    return format_report(report, total)


def main_deliveries(args: argparse.Namespace) -> int:
    """Print counts by state and each failed or ambiguous delivery with its reason."""
    from analytics.storage.database import open_database

    engine = open_database()
    try:
        print(deliveries_report(engine, args.date))
    finally:
        engine.dispose()
    return 0
