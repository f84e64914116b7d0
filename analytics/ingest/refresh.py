"""Fetch every source, validate, and upsert: a failing source never blocks the others.

With a ``deadline`` every request of every source shares one time budget: a request is cut
short when the budget runs out and the source's remaining requests are skipped. ``parallel``
refreshes the sources side by side, each in its own thread, so one silent host costs the
others nothing; the caller gets its answer by the deadline even if a thread is still stuck
(in a DNS lookup, say), which is left behind as a daemon.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date

import requests

from analytics.catalogue.series import CATALOGUE
from analytics.errors import FetchError, SourceError
from analytics.ingest.store import ObservationStore
from analytics.sources import REFRESHED, source_module
from analytics.sources.base import SourceModule
from analytics.sources.http import DEFAULT_POLICY, RetryPolicy, fetch
from analytics.sources.validate import check_observations

log = logging.getLogger(__name__)

# Treasury publishes the same CMT yields FRED republishes a day later: FRED stays the primary and
# Treasury only fills dates FRED does not have yet, so the two never flip a value back and forth.
FILL_ONLY_SOURCES = frozenset({"treasury"})
# Treasury fills these FRED series: when they are stale, Treasury is worth asking too.
FILLED_BY = {"treasury": frozenset({"us.2y", "us.10y"})}
# How long past the deadline a parallel refresh waits for a thread to hand its result back.
GRACE_SECONDS = 2.0

# Why a source failed, for a reader: the budget ran out, the host was unreachable, or anything
# else (an HTTP error, a response rejected by validation).
OUT_OF_TIME, UNREACHABLE, ERROR = "out_of_time", "unreachable", "error"


@dataclass
class SourceResult:
    """The outcome of refreshing one source."""

    source: str
    requests: int = 0
    succeeded: int = 0
    inserted: int = 0
    revised: int = 0
    errors: list[str] = field(default_factory=list)
    reason: str = ""  # OUT_OF_TIME, UNREACHABLE or ERROR: the first failure's kind

    @property
    def ok(self) -> bool:
        """True when at least one request succeeded and none failed."""
        return self.succeeded > 0 and not self.errors

    @property
    def failed(self) -> bool:
        """True when nothing from this source could be stored."""
        return self.succeeded == 0


Progress = Callable[[str, str], None]
_NO_LOCK = contextlib.nullcontext()


def refresh(
    store: ObservationStore,
    names: Iterable[str] = REFRESHED,
    *,
    today: date | None = None,
    session: requests.Session | None = None,
    progress: Progress | None = None,
    policy: RetryPolicy = DEFAULT_POLICY,
    deadline: float | None = None,
    parallel: bool = False,
) -> list[SourceResult]:
    """Refresh the named sources and report what each stored or why it failed.

    ``deadline`` is a ``time.monotonic()`` reading that bounds the whole refresh; ``parallel``
    runs one thread per source (each with its own HTTP session).
    """
    today = today or date.today()
    modules = [source_module(name) for name in names]
    if not parallel or len(modules) < 2:
        http = session or requests.Session()
        return [
            _refresh_one(store, module, today, http, progress, policy, deadline)
            for module in modules
        ]
    return _refresh_parallel(store, modules, today, progress, policy, deadline)


def _refresh_parallel(
    store: ObservationStore,
    modules: list[SourceModule],
    today: date,
    progress: Progress | None,
    policy: RetryPolicy,
    deadline: float | None,
) -> list[SourceResult]:
    results = {module.NAME: SourceResult(module.NAME) for module in modules}
    failures: list[BaseException] = []
    writes = threading.Lock()  # one writer at a time: SQLite would make the others wait anyway
    returned = threading.Event()

    def report(source: str, message: str) -> None:
        if progress is not None and not returned.is_set():  # a thread left behind stays quiet
            progress(source, message)

    def work(module: SourceModule) -> None:
        try:
            _refresh_one(
                store,
                module,
                today,
                requests.Session(),
                report,
                policy,
                deadline,
                result=results[module.NAME],
                writes=writes,
            )
        except BaseException as exc:  # handed to the caller (e.g. a stop request)
            failures.append(exc)

    threads = [
        threading.Thread(target=work, args=(m,), name=f"refresh-{m.NAME}", daemon=True)
        for m in modules
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        wait = None if deadline is None else max(0.0, deadline + GRACE_SECONDS - time.monotonic())
        thread.join(wait)
    if failures:
        returned.set()
        raise failures[0]
    final = []
    for module, thread in zip(modules, threads, strict=True):
        result = results[module.NAME]
        snapshot = replace(result, errors=list(result.errors))
        if thread.is_alive():
            snapshot.errors.append(f"{module.NAME}: still busy when the time budget ran out")
            snapshot.reason = snapshot.reason or OUT_OF_TIME
            _notify(progress, module.NAME, "left behind: the time budget ran out")
        final.append(snapshot)
    returned.set()
    return final


def stale_sources(store: ObservationStore, today: date) -> list[str]:
    """The sources worth asking on ``today``: those with a stale or missing live series."""
    status = {row.series: row for row in store.status(today)}
    stale = {
        series
        for series, spec in CATALOGUE.items()
        if not spec.ended_by(today) and (series not in status or status[series].stale)
    }
    wanted = {CATALOGUE[series].source for series in stale}
    wanted |= {name for name, filled in FILLED_BY.items() if filled & stale}
    return [name for name in REFRESHED if name in wanted]


def _refresh_one(
    store: ObservationStore,
    module: SourceModule,
    today: date,
    session: requests.Session,
    progress: Progress | None,
    policy: RetryPolicy,
    deadline: float | None = None,
    *,
    result: SourceResult | None = None,
    writes: threading.Lock | None = None,
) -> SourceResult:
    name = module.NAME
    result = result or SourceResult(name)
    try:
        planned = module.requests_for(store.last_dates(), today)
    except Exception as exc:
        log.exception("%s: could not plan requests", name)
        result.errors.append(f"{name}: could not plan requests ({exc})")
        result.reason = ERROR
        return result
    for request in planned:
        result.requests += 1
        where = request.label if request.label.startswith(name) else f"{name} {request.label}"
        _notify(progress, name, f"{request.label} …")
        try:
            response = fetch(
                name,
                request.url,
                request.params,
                session=session,
                policy=policy,
                deadline=deadline,
            )
            obs = request.parse(response.body)
            if not obs.empty:  # e.g. a new year's file on 1 January, or "no data" from the BoJ
                check_observations(name, obs, today)
        except FetchError as exc:
            result.errors.append(f"{where}: {exc.problem}")
            result.reason = result.reason or (
                OUT_OF_TIME if exc.out_of_time else UNREACHABLE if exc.unreachable else ERROR
            )
            _notify(progress, name, f"{request.label} failed: {exc.problem}")
            if exc.unreachable or exc.out_of_time:
                skipped = len(planned) - result.requests
                if skipped:
                    why = "time budget used up" if exc.out_of_time else "host unreachable"
                    result.errors.append(f"{name}: skipped {skipped} more request(s), {why}")
                break
            continue
        except SourceError as exc:
            result.errors.append(f"{where}: {exc.problem}")
            result.reason = result.reason or ERROR
            _notify(progress, name, f"{request.label} rejected: {exc.problem}")
            continue
        except Exception as exc:
            log.exception("%s: unexpected error on %s", name, request.label)
            result.errors.append(
                f"{name}: unexpected {type(exc).__name__} on {request.label}: {exc}"
            )
            result.reason = result.reason or ERROR
            continue
        with writes or _NO_LOCK:
            if name in FILL_ONLY_SOURCES:
                inserted, revised = store.insert_missing(obs.assign(source=name)), 0
            else:
                written = store.upsert(obs, source=name)
                inserted, revised = written.inserted, written.revised
        result.succeeded += 1
        result.inserted += inserted
        result.revised += revised
        _notify(
            progress, name, f"{request.label}: {len(obs)} rows, {inserted} new, {revised} revised"
        )
    return result


def _notify(progress: Progress | None, source: str, message: str) -> None:
    if progress is not None:
        progress(source, message)
