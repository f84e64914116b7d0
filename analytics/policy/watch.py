"""Watching the banks' feeds on a meeting day until the decision document appears.

On a scheduled meeting day, from the announcement (Fed 14:00 New York; BoJ from 11:00 Tokyo, no
fixed time) to the end of the window, ``DecisionWatch.poll(now)`` reads the bank's RSS feed every
``interval`` (a budget of ``budget`` requests per meeting, the interval doubling after each failed
request up to ``max_backoff``). When the decision document of the day is listed it is fetched and
read (``analytics.policy.feeds``) and the decision is recorded as *announced* with its URL
(``analytics.policy.records``); it becomes *confirmed* when the live series show it. A document
that does not parse is logged once and never guessed at: the live series then decide.

Base URLs: ``CARRYBOT_FEDFEED_URL`` (default ``https://www.federalreserve.gov``) and
``CARRYBOT_BOJFEED_URL`` (default ``https://www.boj.or.jp``), scheme and host serving the real
paths, like every source.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from analytics.errors import SourceError
from analytics.policy import decisions as policy
from analytics.policy import feeds
from analytics.policy.records import ANNOUNCED, DecisionStore, StoredDecision
from analytics.sources.config import base_url
from analytics.sources.http import RetryPolicy, fetch

log = logging.getLogger(__name__)

FEED_OF = {"fed": "fedfeed", "boj": "bojfeed"}
FEED_PATHS = {"fed": feeds.FED_FEED_PATH, "boj": feeds.BOJ_FEED_PATH}
# The window each bank's feed is watched in, in its own time zone.
WINDOWS = {
    "fed": (time(14, 0), time(16, 30), "America/New_York"),
    "boj": (time(11, 0), time(17, 0), "Asia/Tokyo"),
}
INTERVAL = timedelta(minutes=3)
MAX_BACKOFF = timedelta(minutes=20)
BUDGET = 60  # requests per meeting: feed reads and the document
# One quick attempt per request: the watch itself retries on its next poll.
WATCH_POLICY = RetryPolicy(attempts=1, connect_timeout=10.0, read_timeout=20.0)

Fetcher = Callable[[str, str], bytes]  # (source name, url) → body


def feed_base(name: str) -> str:
    """Scheme and host of a feed (``fedfeed``, ``bojfeed``), ``CARRYBOT_<NAME>_URL`` overriding."""
    return base_url(name)


def http_fetch(source: str, url: str) -> bytes:
    """One GET through the project's HTTP helper (FetchError on failure)."""
    return fetch(source, url, policy=WATCH_POLICY).body


@dataclass
class MeetingWatch:
    """What the watch knows about one meeting: requests made, failures in a row, when to ask
    again, and how it ended (``recorded``, ``known``, ``unparsable``, ``budget``, ``closed``)."""

    bank: str
    day: date
    requests: int = 0
    failures: int = 0
    next_at: datetime | None = None
    outcome: str = ""
    logged: set[str] = field(default_factory=set)


class DecisionWatch:
    """Polls the feeds of the banks that meet today; call ``poll`` about once a minute."""

    def __init__(
        self,
        store: DecisionStore,
        fetcher: Fetcher = http_fetch,
        *,
        interval: timedelta = INTERVAL,
        max_backoff: timedelta = MAX_BACKOFF,
        budget: int = BUDGET,
    ) -> None:
        self.store = store
        self.fetcher = fetcher
        self.interval = interval
        self.max_backoff = max_backoff
        self.budget = budget
        self.meetings: dict[tuple[str, date], MeetingWatch] = {}

    def active(self, now: datetime) -> list[tuple[str, date]]:
        """The (bank, day) meetings whose watch window is open at ``now``."""
        found = []
        for bank, (start, end, zone) in WINDOWS.items():
            local = now.astimezone(ZoneInfo(zone))
            day = local.date()
            if not start <= local.time() < end:
                continue
            if any(
                m.bank == bank and m.date == day and m.kind == "scheduled"
                for m in policy.meetings()
            ):
                found.append((bank, day))
        return found

    def poll(self, now: datetime | None = None) -> list[str]:
        """One round: each open meeting not settled yet asks its feed when due. Returns what
        happened, one line per meeting asked (for the log and tests)."""
        now = now or datetime.now(UTC)
        done = []
        for bank, day in self.active(now):
            watch = self.meetings.setdefault((bank, day), MeetingWatch(bank, day))
            if watch.outcome or (watch.next_at is not None and now < watch.next_at):
                continue
            done.append(f"{bank} {day}: {self._ask(watch, now)}")
        return done

    def _ask(self, watch: MeetingWatch, now: datetime) -> str:
        if self.store.get(watch.bank, watch.day) is not None:
            watch.outcome = "known"
            return "already recorded"
        if watch.requests >= self.budget:
            watch.outcome = "budget"
            self._log_once(watch, "budget", logging.WARNING,
                           "%s feed: no decision document for %s after %d requests; the live "
                           "rates will tell", watch.bank, watch.day, watch.requests)  # fmt: skip
            return "out of requests"
        name = FEED_OF[watch.bank]
        base = feed_base(name)
        try:
            watch.requests += 1
            items = feeds.parse_feed(name, self.fetcher(name, base + FEED_PATHS[watch.bank]))
            find = feeds.fed_announcement if watch.bank == "fed" else feeds.boj_announcement
            announcement = find(items, watch.day)
            if announcement is None:
                watch.failures = 0
                watch.next_at = now + self.interval
                return "not listed yet"
            url = _absolute(base, announcement.url)
            announcement = replace(announcement, url=url)
            watch.requests += 1
            body = self.fetcher(name, url)
            read = feeds.parse_fed_statement if watch.bank == "fed" else feeds.parse_boj_document
            decision = read(announcement, body)
        except feeds.Unparsable as exc:
            watch.outcome = "unparsable"
            self._log_once(watch, "unparsable", logging.WARNING,
                           "%s; not recorded: the live rates will tell", exc)  # fmt: skip
            return "unparsable document"
        except SourceError as exc:
            watch.failures += 1
            wait = min(self.interval * (2**watch.failures), self.max_backoff)
            watch.next_at = now + wait
            self._log_once(watch, f"error:{type(exc).__name__}", logging.WARNING,
                           "%s feed: %s; trying again in %d s", watch.bank, exc,
                           wait.total_seconds())  # fmt: skip
            return f"failed ({exc.problem}); next in {wait.total_seconds():.0f} s"
        outcome = self.store.record(
            StoredDecision(
                bank=decision.bank,
                decided=decision.decided,
                effective=decision.effective,
                lower=decision.lower,
                upper=decision.upper,
                status=ANNOUNCED,
                source=decision.url,
                added_by=f"{watch.bank}-feed",
                note=f"read from the {watch.bank} feed ({decision.action})",
            )
        )
        watch.outcome = "recorded"
        log.info("%s decision of %s read from %s: %s (%s)", watch.bank, watch.day,
                 decision.url, _rate(decision), outcome)  # fmt: skip
        return f"recorded {_rate(decision)} ({outcome})"

    def _log_once(
        self, watch: MeetingWatch, key: str, level: int, message: str, *args: object
    ) -> None:
        if key in watch.logged:
            log.debug(message, *args)
            return
        watch.logged.add(key)
        log.log(level, message, *args)


def _absolute(base: str, link: str) -> str:
    """The document's URL on the configured host: a feed lists the banks' own absolute links,
    which a mirror or test server replaces by its own host with the same path."""
    if "://" not in link:
        return base + ("" if link.startswith("/") else "/") + link
    path = link.split("://", 1)[1]
    path = path[path.find("/") :] if "/" in path else "/"
    return base + path


def _rate(d: feeds.FeedDecision) -> str:
    rate = f"{d.lower:.2f}%" if d.lower == d.upper else f"{d.lower:.2f}-{d.upper:.2f}%"
    return f"{rate} from {d.effective.isoformat()}"
