"""Errors raised by the analytics layer, each naming the source and the problem."""

from __future__ import annotations


class CarrybotError(Exception):
    """Base class for errors a user or operator should read."""


class SourceError(CarrybotError):
    """A public data source answered with something we refuse to store."""

    def __init__(self, source: str, problem: str) -> None:
        self.source = source
        self.problem = problem
        super().__init__(f"{source}: {problem}")


class FetchError(SourceError):
    """The source could not be reached or kept failing after retries.

    ``unreachable`` is set when no connection could be made at all (offline, DNS failure), and
    ``out_of_time`` when the caller's deadline passed first, so a caller can skip the source's
    remaining requests instead of failing each one. ``status`` is the HTTP status of a refusal
    and ``retry_after`` the seconds a rate-limited source asked to wait (its ``Retry-After``).
    """

    def __init__(
        self,
        source: str,
        problem: str,
        *,
        unreachable: bool = False,
        out_of_time: bool = False,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(source, problem)
        self.unreachable = unreachable
        self.out_of_time = out_of_time
        self.status = status
        self.retry_after = retry_after


class ValidationError(SourceError):
    """The bytes arrived but are not the data we expect (HTML page, truncated, absurd values)."""
