"""300 groups send ``/carry`` in the same second: every one answered, within Telegram's limits.

The fake Bot API answers 429 beyond 30 messages in any second. Replies go through the send
budget ahead of deliveries and wait out flood control, so all 300 are answered at close to the
limit (measured over the middle of the run, where the rate is steady), with at most a few 429s
and no ``getChatMember`` call (``/carry`` is public).
"""

from __future__ import annotations

import asyncio

import pytest

from tests.support.burst import burst
from tests.support.chat import make_services

pytestmark = pytest.mark.slow

GROUPS = 300


def test_a_burst_of_300_groups_is_answered_in_full_within_the_limits(database_url: str) -> None:
    """On SQLite the process paces alone; on PostgreSQL through the token's shared budget."""
    services = make_services(database_url)
    services.snapshots.current()
    shared = services.settings.engine.dialect.name == "postgresql"
    result = asyncio.run(burst(services, GROUPS, shared=shared))
    services.settings.engine.dispose()
    assert result.answered == GROUPS, f"{GROUPS - result.answered} groups never answered"
    assert max(result.answers.values()) == 1, "a group was answered twice"
    assert result.lost == 0
    assert result.lookups == 0, "a public command looked the user's rights up"
    assert result.floods <= 3, f"{result.floods} flood errors"
    assert result.busiest_second <= 30
    rate = result.steady_rate()
    assert 27.0 <= rate <= 30.0, f"{rate:.1f} replies a second"
    assert max(result.latencies) < 60.0
