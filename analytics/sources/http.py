"""The one HTTP helper: timeouts, retries with backoff on 5xx and timeouts, an optional overall
deadline, an honest User-Agent."""

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
CHUNK_BYTES = 64 * 1024


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
    deadline: float | None = None,
    clock: Callable[[], float] = time.monotonic,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """GET ``url``; retry 5xx, 429 and timeouts with exponential backoff; raise FetchError.

    ``headers`` are sent besides the User-Agent (a key in a header stays out of every URL, so
    out of logs and error messages). The FetchError of a request that ends refused carries its
    HTTP ``status``, and the ``retry_after`` a rate-limited server asked for.

    ``deadline`` (a ``clock`` reading) bounds the whole call, retries and download included: each
    attempt's timeouts shrink to the time left and no retry starts that could not finish, so a
    host that accepts connections and never answers costs at most the time to the deadline.
    """
    http = session or requests.Session()
    host = _host(url)
    last_problem = "no attempt made"
    last_status: int | None = None
    last_retry_after: float | None = None
    sent_headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate", **(headers or {})}
    for attempt in range(1, policy.attempts + 1):
        left = _left(deadline, clock)
        if left <= 0:
            raise _out_of_time(source, host, last_problem if attempt > 1 else None)
        connect, read = min(policy.connect_timeout, left), min(policy.read_timeout, left)
        try:
            reply = http.get(
                url,
                params=params,
                headers=sent_headers,
                timeout=(connect, read),
                stream=True,
            )
            try:
                body = (
                    _read_body(reply, source, host, deadline, clock)
                    if reply.status_code < 400
                    else b""
                )
            finally:
                reply.close()
        except requests.Timeout as exc:
            if _left(deadline, clock) <= 0.05:
                raise _out_of_time(source, host, None) from exc
            last_problem = f"{type(exc).__name__} reaching {host}"
        except (
            requests.exceptions.ChunkedEncodingError,
            requests.exceptions.ContentDecodingError,
        ) as exc:
            # The server dropped the connection mid-body: a partial download, worth another try.
            last_problem = f"connection dropped mid-download from {host} ({type(exc).__name__})"
        except requests.ConnectionError as exc:
            # No connection at all: retrying will not help, and offline runs must stay fast.
            raise FetchError(
                source, f"cannot connect to {host} ({type(exc).__name__})", unreachable=True
            ) from exc
        else:
            if reply.status_code in RETRY_STATUSES:
                last_problem = f"HTTP {reply.status_code} from {host}"
                retry_after = _retry_after(reply)
                last_status, last_retry_after = reply.status_code, retry_after
                if retry_after is not None and attempt < policy.attempts:
                    wait = min(retry_after, 60.0)
                    if wait >= _left(deadline, clock):
                        raise _out_of_time(source, host, last_problem)
                    sleep(wait)
                    continue
            elif reply.status_code >= 400:
                raise FetchError(
                    source, f"HTTP {reply.status_code} for {reply.url}", status=reply.status_code
                )
            else:
                return Response(
                    url=reply.url,
                    status=reply.status_code,
                    content_type=reply.headers.get("Content-Type", ""),
                    body=body,
                )
        if attempt < policy.attempts:
            delay = policy.backoff * 2 ** (attempt - 1)
            if delay >= _left(deadline, clock):
                raise _out_of_time(source, host, last_problem)
            log.info("%s: %s; retrying in %.1fs", source, last_problem, delay)
            sleep(delay)
    raise FetchError(
        source,
        f"gave up after {policy.attempts} attempts: {last_problem}",
        status=last_status,
        retry_after=last_retry_after,
    )


def _read_body(
    reply: requests.Response,
    source: str,
    host: str,
    deadline: float | None,
    clock: Callable[[], float],
) -> bytes:
    """The body, read in chunks so a server that trickles bytes cannot outlast the deadline."""
    chunks = []
    for chunk in reply.iter_content(CHUNK_BYTES):
        chunks.append(chunk)
        if _left(deadline, clock) <= 0:
            raise _out_of_time(source, host, "the download was still running")
    return b"".join(chunks)


def _left(deadline: float | None, clock: Callable[[], float]) -> float:
    return float("inf") if deadline is None else deadline - clock()


def _out_of_time(source: str, host: str, problem: str | None) -> FetchError:
    detail = f" (last problem: {problem})" if problem else ""
    return FetchError(
        source, f"no complete answer from {host} within the time budget{detail}", out_of_time=True
    )


def _retry_after(reply: requests.Response) -> float | None:
    value = reply.headers.get("Retry-After", "")
    try:
        return float(value)
    except ValueError:
        return None


def _host(url: str) -> str:
    return urlsplit(url).netloc or url
