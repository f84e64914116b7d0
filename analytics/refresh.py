"""Fetch every source, validate, and upsert: a failing source never blocks the others."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

import requests

from analytics.errors import FetchError, SourceError
from analytics.http import DEFAULT_POLICY, RetryPolicy, fetch
from analytics.sources.base import SourceModule
from analytics.store import ObservationStore
from analytics.validate import check_observations

log = logging.getLogger(__name__)

SOURCE_NAMES = ("fred", "mof", "treasury", "ecb", "boj", "cftc")
# Treasury publishes the same CMT yields FRED republishes a day later: FRED stays the primary and
# Treasury only fills dates FRED does not have yet, so the two never flip a value back and forth.
FILL_ONLY_SOURCES = frozenset({"treasury"})


@dataclass
class SourceResult:
    """The outcome of refreshing one source."""

    source: str
    requests: int = 0
    succeeded: int = 0
    inserted: int = 0
    revised: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when at least one request succeeded and none failed."""
        return self.succeeded > 0 and not self.errors

    @property
    def failed(self) -> bool:
        """True when nothing from this source could be stored."""
        return self.succeeded == 0


Progress = Callable[[str, str], None]


def source_module(name: str) -> SourceModule:
    """The module of a source by name; ValueError lists the valid names."""
    if name not in SOURCE_NAMES:
        raise ValueError(f"unknown source {name!r}; choose one of {', '.join(SOURCE_NAMES)}")
    module: SourceModule = importlib.import_module(f"analytics.sources.{name}")
    return module


def refresh(
    store: ObservationStore,
    names: Iterable[str] = SOURCE_NAMES,
    *,
    today: date | None = None,
    session: requests.Session | None = None,
    progress: Progress | None = None,
    policy: RetryPolicy = DEFAULT_POLICY,
) -> list[SourceResult]:
    """Refresh the named sources in turn and report what each stored or why it failed."""
    today = today or date.today()
    http = session or requests.Session()
    modules = [source_module(name) for name in names]
    return [_refresh_one(store, module, today, http, progress, policy) for module in modules]


def _refresh_one(
    store: ObservationStore,
    module: SourceModule,
    today: date,
    session: requests.Session,
    progress: Progress | None,
    policy: RetryPolicy,
) -> SourceResult:
    name = module.NAME
    result = SourceResult(name)
    try:
        planned = module.requests_for(store.last_dates(), today)
    except Exception as exc:
        log.exception("%s: could not plan requests", name)
        result.errors.append(f"{name}: could not plan requests ({exc})")
        return result
    for request in planned:
        result.requests += 1
        where = request.label if request.label.startswith(name) else f"{name} {request.label}"
        _notify(progress, name, f"{request.label} …")
        try:
            response = fetch(name, request.url, request.params, session=session, policy=policy)
            obs = request.parse(response.body)
            if not obs.empty:  # e.g. a new year's file on 1 January, or "no data" from the BoJ
                check_observations(name, obs, today)
        except FetchError as exc:
            result.errors.append(f"{where}: {exc.problem}")
            _notify(progress, name, f"{request.label} failed: {exc.problem}")
            if exc.unreachable:
                skipped = len(planned) - result.requests
                if skipped:
                    result.errors.append(
                        f"{name}: skipped {skipped} more request(s), host unreachable"
                    )
                break
            continue
        except SourceError as exc:
            result.errors.append(f"{where}: {exc.problem}")
            _notify(progress, name, f"{request.label} rejected: {exc.problem}")
            continue
        except Exception as exc:
            log.exception("%s: unexpected error on %s", name, request.label)
            result.errors.append(
                f"{name}: unexpected {type(exc).__name__} on {request.label}: {exc}"
            )
            continue
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
