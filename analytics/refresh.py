"""Fetch every source, validate, and upsert: a failing source never blocks the others."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

import requests

from analytics.errors import FetchError, SourceError
from analytics.http import fetch
from analytics.sources.base import SourceModule
from analytics.store import ObservationStore
from analytics.validate import check_observations

log = logging.getLogger(__name__)

SOURCE_NAMES = ("fred", "mof", "treasury", "ecb", "boj", "cftc")


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
    module: SourceModule = importlib.import_module(f"analytics.sources.{name}")  # type: ignore[assignment]
    return module


def refresh(
    store: ObservationStore,
    names: Iterable[str] = SOURCE_NAMES,
    *,
    today: date | None = None,
    session: requests.Session | None = None,
    progress: Progress | None = None,
) -> list[SourceResult]:
    """Refresh the named sources in turn and report what each stored or why it failed."""
    today = today or date.today()
    http = session or requests.Session()
    modules = [source_module(name) for name in names]
    return [_refresh_one(store, module, today, http, progress) for module in modules]


def _refresh_one(
    store: ObservationStore,
    module: SourceModule,
    today: date,
    session: requests.Session,
    progress: Progress | None,
) -> SourceResult:
    name = module.NAME
    result = SourceResult(name)
    try:
        planned = module.requests_for(store.last_dates(), today)
    except Exception as exc:  # noqa: BLE001 - a broken source must not stop the others
        log.exception("%s: could not plan requests", name)
        result.errors.append(f"{name}: could not plan requests ({exc})")
        return result
    for request in planned:
        result.requests += 1
        _notify(progress, name, f"{request.label} …")
        try:
            response = fetch(name, request.url, request.params, session=session)
            obs = request.parse(response.body)
            check_observations(name, obs, today)
        except FetchError as exc:
            result.errors.append(str(exc))
            _notify(progress, name, f"{request.label} failed: {exc.problem}")
            if exc.unreachable:
                skipped = len(planned) - result.requests
                if skipped:
                    result.errors.append(f"{name}: skipped {skipped} more request(s), host unreachable")
                break
            continue
        except SourceError as exc:
            result.errors.append(str(exc))
            _notify(progress, name, f"{request.label} rejected: {exc.problem}")
            continue
        except Exception as exc:  # noqa: BLE001 - unexpected parser failure: report, keep going
            log.exception("%s: unexpected error on %s", name, request.label)
            result.errors.append(f"{name}: unexpected {type(exc).__name__} on {request.label}: {exc}")
            continue
        written = store.upsert(obs, source=name)
        result.succeeded += 1
        result.inserted += written.inserted
        result.revised += written.revised
        _notify(
            progress, name,
            f"{request.label}: {len(obs)} rows, {written.inserted} new, {written.revised} revised",
        )
    return result


def _notify(progress: Progress | None, source: str, message: str) -> None:
    if progress is not None:
        progress(source, message)
