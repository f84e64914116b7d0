"""The long-running commands: ``run``, ``worker``, ``chat``, and ``deliveries`` that reports on them."""

from __future__ import annotations

import argparse
import sys

from bot.cli.args import unwritable_folder


def cmd_run(args: argparse.Namespace) -> int:
    """Serve every platform whose token is set until SIGINT/SIGTERM."""
    from bot.runtime.supervisor import main_run

    return main_run(args)


def cmd_worker(args: argparse.Namespace) -> int:
    """Tick and send deliveries until SIGINT/SIGTERM, with no chat adapters."""
    from bot.runtime.supervisor import main_worker

    return main_worker(args)


def cmd_chat(args: argparse.Namespace) -> int:
    """Route /carry lines from the terminal or standard input through the command layer."""
    from analytics.ingest.seed import open_seeded_store
    from bot.cli.console import run_chat
    from commands.dispatch import make_services

    problem = unwritable_folder(args.chart_dir)
    if problem:
        print(f"warning: charts cannot be saved: {problem}; use --chart-dir", file=sys.stderr)
    services = make_services(open_seeded_store())
    return run_chat(sys.stdin, sys.stdout, services, args.chart_dir)


def cmd_deliveries(args: argparse.Namespace) -> int:
    """Print counts by state and each failed or ambiguous delivery with its reason."""
    from bot.delivery.report import main_deliveries

    return main_deliveries(args)
