"""The one HTTP helper: timeouts, retries with backoff on 5xx and timeouts, an honest User-Agent."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests

from analytics.errors import FetchError

log = logging.getLogger(__name__)

USER_AGENT = "carrybot/0.1 (yen carry-trade commentary bot; +https://github.com/carrybot/carrybot)"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class Response:
    """What a source received: the final URL, status, content type and raw bytes."""

    url: str
    status: int
    content_type: str
    body: bytes


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try: attempts in all, first backoff in seconds (doubling), timeouts."""

    attempts: int = 4
    backoff: float = 1.0
    connect_timeout: float = 10.0
    read_timeout: float = 60.0


DEFAULT_POLICY = RetryPolicy()


def fetch(
    source: str,
    url: str,
    params: Mapping[str, str] | None = None,
    *,
    session: requests.Session | None = None,
    policy: RetryPolicy = DEFAULT_POLICY,
    sleep: Callable[[float], None] = time.sleep,
) -> Response:
    """GET ``url``; retry 5xx, 429 and timeouts with exponential backoff; raise FetchError."""
    http = session or requests.Session()
    last_problem = "no attempt made"
    for attempt in range(1, policy.attempts + 1):
        try:
            reply = http.get(
                url,
                params=params,
                headers={"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"},
                timeout=(policy.connect_timeout, policy.read_timeout),
            )
        except requests.Timeout as exc:
            last_problem = f"{type(exc).__name__} reaching {_host(url)}"
        except (
            requests.exceptions.ChunkedEncodingError,
            requests.exceptions.ContentDecodingError,
        ) as exc:
            # The server dropped the connection mid-body: a partial download, worth another try.
            last_problem = (
                f"connection dropped mid-download from {_host(url)} ({type(exc).__name__})"
            )
        except requests.ConnectionError as exc:
            # No connection at all: retrying will not help, and offline runs must stay fast.
            raise FetchError(
                source, f"cannot connect to {_host(url)} ({type(exc).__name__})", unreachable=True
            ) from exc
        else:
            if reply.status_code in RETRY_STATUSES:
                last_problem = f"HTTP {reply.status_code} from {_host(url)}"
                retry_after = _retry_after(reply)
                if retry_after is not None and attempt < policy.attempts:
                    sleep(min(retry_after, 60.0))
                    continue
            elif reply.status_code >= 400:
                raise FetchError(source, f"HTTP {reply.status_code} for {reply.url}")
            else:
                return Response(
                    url=reply.url,
                    status=reply.status_code,
                    content_type=reply.headers.get("Content-Type", ""),
                    body=reply.content,
                )
        if attempt < policy.attempts:
            delay = policy.backoff * 2 ** (attempt - 1)
            log.info("%s: %s; retrying in %.1fs", source, last_problem, delay)
            sleep(delay)
    raise FetchError(source, f"gave up after {policy.attempts} attempts: {last_problem}")


def _retry_after(reply: requests.Response) -> float | None:
    value = reply.headers.get("Retry-After", "")
    try:
        return float(value)
    except ValueError:
        return None


def _host(url: str) -> str:
    return urlsplit(url).netloc or url
