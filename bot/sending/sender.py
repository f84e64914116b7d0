"""What a platform hands the delivery service: one ``Sender``, and what a send comes back as.

Each adapter (Telegram, Discord) offers ``delivery_sender()``; nothing here knows a platform. A
send returns one typed ``Outcome``, never a string to be mapped back: ``Sent`` with the
platform's message ids, or a failure saying what the worker should do with the delivery:

- ``RetryAfter``: flood control; nothing more was posted; try again in ``seconds``
- ``Blocked``: the chat blocked or removed the bot, or took its right to post (now disabled)
- ``BadRequest``: the platform refused the message itself; sending it again fails the same way
- ``NotSent``: certainly not posted (no connection, a server error before it was accepted);
  ``unreachable`` when the platform could not be reached at all
- ``Ambiguous``: it may have been posted (a timeout after the request left)

A failure carries the ids of the messages of the delivery that were posted before it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from commands.presentation.layout import Message
from commands.presentation.render import Format


@dataclass(frozen=True)
class Sent:
    """Every message was posted."""

    message_ids: tuple[str, ...]


@dataclass(frozen=True)
class RetryAfter:
    """Flood control: wait ``seconds`` before anything else goes to the platform."""

    seconds: float
    reason: str
    posted: tuple[str, ...] = ()


@dataclass(frozen=True)
class Blocked:
    """The chat blocked or removed the bot, or took its right to post."""

    reason: str
    posted: tuple[str, ...] = ()


@dataclass(frozen=True)
class BadRequest:
    """The platform refused the message itself."""

    reason: str
    posted: tuple[str, ...] = ()


@dataclass(frozen=True)
class NotSent:
    """Certainly not posted; safe to try again. ``unreachable``: the platform could not be
    reached at all (an outage), which says nothing about the delivery itself."""

    reason: str
    posted: tuple[str, ...] = ()
    unreachable: bool = False


@dataclass(frozen=True)
class Ambiguous:
    """It may have been posted."""

    reason: str
    posted: tuple[str, ...] = ()


Failure = RetryAfter | Blocked | BadRequest | NotSent | Ambiguous
Outcome = Sent | Failure


@dataclass(frozen=True)
class Target:
    """Where a delivery goes, and its nonce for platforms that de-duplicate by one."""

    platform: str
    chat_id: str
    channel_id: str
    nonce: str


class Pacing(Protocol):
    """How a send paces its requests: ``next_request`` before each request after the first
    (the caller took the first one's slot), retries included; ``flood`` when the platform asks
    to wait (the next ``next_request`` waits it out)."""

    def next_request(self) -> Awaitable[object]: ...

    def flood(self, seconds: float) -> None: ...


class Sender(Protocol):
    """One platform's send of a delivery: every message in order, one ``Outcome``.

    ``idempotent`` is True when resending with the same ``Target.nonce`` cannot post twice."""

    @property
    def platform(self) -> str: ...

    @property
    def format(self) -> Format: ...

    @property
    def idempotent(self) -> bool: ...

    def send(
        self, target: Target, messages: Sequence[Message], pacing: Pacing
    ) -> Awaitable[Outcome]: ...


class OffersSender(Protocol):
    """An adapter that can post deliveries: it hands the service its own sender."""

    def delivery_sender(self) -> Sender: ...


@dataclass
class PlatformPacing:
    """``Pacing`` on a platform-wide slot source (the worker's pacer) and its pause."""

    acquire: Callable[[], Awaitable[object]]
    pause: Callable[[float], None]

    def next_request(self) -> Awaitable[object]:
        return self.acquire()

    def flood(self, seconds: float) -> None:
        self.pause(seconds)
