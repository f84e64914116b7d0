"""The acceptance check of "live rates win": refreshed from a local server that serves FRED's real
target range continued past the tables (a hike on 16 Sep 2026, then one the tables lack on 28 Oct)
and a BoJ call rate (built from the documented shape) that moved after its 30 Oct 2026 meeting,
``carrybot brief``, ``/carry``, ``/carry explain`` and ``carrybot decisions`` show the live rates
with their sources and decision days, and name the disagreement once."""

from __future__ import annotations

import io
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from analytics.sources import REFRESHED, boj
from bot.cli import main
from tests.support.http_server import LocalServer
from tests.support.paths import RAW_DIR, raw_path
from tests.support.policy_data import BOJ_2024_2026, boj_call_body, fred_range_body
from tests.support.raw_server import serve_real_files


@pytest.fixture(autouse=True)
def fresh_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CARRYBOT_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("CARRYBOT_DATABASE_URL", raising=False)


def last_business_day() -> date:
    day = date.today() - timedelta(days=1)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


@pytest.mark.slow
def test_every_reply_shows_the_live_rates_with_their_sources_and_decision_days(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    raw_path("DFF.csv")
    if date.today() < date(2026, 11, 16):
        pytest.skip("the served history runs to mid-November 2026")
    end = last_business_day().isoformat()
    fed = {
        "DFEDTARU": [("2026-08-22", "2026-09-16", 3.75), ("2026-09-17", "2026-10-28", 4.0), ("2026-10-29", end, 4.25)],
        "DFEDTARL": [("2026-08-22", "2026-09-16", 3.5), ("2026-09-17", "2026-10-28", 3.75), ("2026-10-29", end, 4.0)],
    }  # fmt: skip
    extra = {}
    for code, segments in fed.items():
        path = tmp_path / f"{code}.csv"
        path.write_bytes(fred_range_body(code, segments))
        extra[code] = [path]
    with LocalServer() as server:
        serve_real_files(server, RAW_DIR, extra=extra)
        call = (*BOJ_2024_2026, ("2026-11-02", end, 1.477))
        server.serve_bytes(boj.PATH, boj_call_body(call), "application/json")
        for name in REFRESHED:
            monkeypatch.setenv(f"CARRYBOT_{name.upper()}_URL", server.url)
        assert main(["refresh", "--source", "fred", "--source", "boj", "--budget", "300"]) == 0
    capsys.readouterr()

    assert main(["brief", "--offline"]) == 0
    brief = capsys.readouterr().out
    assert (
        "policy rates 262.5 bp (Fed 4.00–4.25% (live: FRED's target range, decided 28 Oct 2026) "
        "and BoJ 1.50% (live: the BoJ's call rate, decided 30 Oct 2026))" in brief
    )
    # The briefing names each live rate's source; the tables' disagreement is in /carry explain.
    assert "decision table" not in brief

    monkeypatch.setattr(sys, "stdin", io.StringIO("/carry\n/carry explain\n"))
    assert main(["chat", "--chart-dir", str(tmp_path)]) == 0
    chat = capsys.readouterr().out
    assert (
        "Rates in force: Fed 4.00–4.25% (live: FRED's target range, decided 28 Oct 2026) and "
        "BoJ 1.50% (live: the BoJ's call rate, decided 30 Oct 2026)." in chat
    )
    assert "The Fed's target range is 4.00–4.25%, set on 28 Oct 2026." in chat
    assert "Source: live: FRED's target range." in chat
    assert (
        "Live data and the decision table of the BoJ disagree: the BoJ's call rate has "
        "shown 1.50% since 2 Nov 2026, dated to the meeting of 30 Oct 2026; the table's latest "
        "decision (18 Sept 2026) sets 1.25%. The live rate is the one shown." in chat
    )

    assert main(["decisions", "--since", "2026-09-01"]) == 0
    listing = capsys.readouterr().out
    assert "fed  2026-09-16 3.75-4.00%  2026-09-17 confirmed   table (secondary)" in listing
    assert "fed  2026-10-28 4.00-4.25%  2026-10-29 live        FRED DFEDTARU/DFEDTARL" in listing
    assert "boj  2026-09-18 1.25%       2026-09-24 confirmed   table (secondary)" in listing
    assert "boj  2026-10-30 1.50%       2026-11-02 live        BoJ call rate" in listing
