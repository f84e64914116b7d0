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

A failure carries the ids of the messages of the delivery that were posted before it, and a
``code`` saying why (``bot.sending.reasons``), which ``carrybot deliveries`` explains.

A send stops between two messages when the process stops: ``Pacing.next_request`` then raises
``Stopped`` and the sender answers ``NotSent`` with code ``stopped`` and what it posted.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from bot.sending.reasons import FLOOD, FORBIDDEN, REFUSED, UNCERTAIN
from commands.presentation.layout import Message
from commands.presentation.render import Format


class Stopped(Exception):
    """The process is stopping: no further request of this send may start."""


@dataclass(frozen=True)
class Sent:
    """Every message was posted (``code`` and ``note``: something worth knowing, e.g. the
    group became a supergroup and the messages went to its new id)."""

    message_ids: tuple[str, ...]
    code: str = ""
    note: str = ""


@dataclass(frozen=True)
class RetryAfter:
    """Flood control: wait ``seconds`` before anything else goes to the chat (``scope``
    ``global``: to the platform; None when the platform does not say)."""

    seconds: float
    reason: str
    posted: tuple[str, ...] = ()
    scope: str | None = None
    code: str = FLOOD


@dataclass(frozen=True)
class Blocked:
    """The chat blocked or removed the bot, or took its right to post (``code`` says which)."""

    reason: str
    posted: tuple[str, ...] = ()
    code: str = FORBIDDEN


@dataclass(frozen=True)
class BadRequest:
    """The platform refused the message itself."""

    reason: str
    posted: tuple[str, ...] = ()
    code: str = REFUSED


@dataclass(frozen=True)
class NotSent:
    """Certainly not posted; safe to try again. ``unreachable``: the platform could not be
    reached at all (an outage), which says nothing about the delivery itself."""

    reason: str
    posted: tuple[str, ...] = ()
    unreachable: bool = False
    code: str = ""


@dataclass(frozen=True)
class Ambiguous:
    """It may have been posted."""

    reason: str
    posted: tuple[str, ...] = ()
    code: str = UNCERTAIN


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
    (the caller took the first one's slot), retries included; it raises ``Stopped`` when the
    process stops. ``flood`` when the platform asks to wait (the next ``next_request`` waits it
    out)."""

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
    """``Pacing`` on a platform-wide slot source and a flood callback (a test's, or a caller
    with no chat windows)."""

    acquire: Callable[[], Awaitable[object]]
    pause: Callable[[float], None]

    def next_request(self) -> Awaitable[object]:
        return self.acquire()

    def flood(self, seconds: float) -> None:
        self.pause(seconds)
