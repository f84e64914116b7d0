"""Why a delivery ended as it did, as a code, and what each code tells an operator to do.

The worker records a code with every delivery it fails, skips or sends with something worth
knowing (``deliveries.reason``); ``carrybot deliveries`` words it with this table. Chats the
platform disabled (the chat registry's reasons) map onto the same codes.
"""

from __future__ import annotations

from dataclasses import dataclass

KICKED = "kicked"
BLOCKED = "blocked"
DEACTIVATED = "deactivated"
CHAT_NOT_FOUND = "chat_not_found"
MIGRATED = "migrated"
NO_RIGHTS = "no_rights"
LATE = "late"
DB_UNAVAILABLE = "db_unavailable"
FLOOD = "flood"
UNREACHABLE = "unreachable"
REFUSED = "refused"
UNCERTAIN = "uncertain"
WORKER_DIED = "worker_died"
STOPPED = "stopped"
NO_DATA = "no_data"
FORBIDDEN = "forbidden"


@dataclass(frozen=True)
class Reason:
    """What happened, in a few words, and what an operator should do about it."""

    label: str
    action: str


REASONS: dict[str, Reason] = {
    KICKED: Reason(
        "the bot was removed from the chat",
        "add the bot back to the chat: deliveries resume by themselves (its subscription is kept)",
    ),
    BLOCKED: Reason(
        "the user blocked the bot",
        "nothing to do: deliveries resume by themselves if the user unblocks the bot",
    ),
    DEACTIVATED: Reason("the user's account was deleted", "nothing to do"),
    CHAT_NOT_FOUND: Reason(
        "the platform does not know the chat (deleted, or the bot was never in it)",
        "if the chat still exists, add the bot to it: deliveries resume by themselves; "
        "otherwise nothing to do",
    ),
    MIGRATED: Reason(
        "the group became a supergroup with a new id",
        "nothing to do: its settings moved to the new id, which gets the briefings",
    ),
    NO_RIGHTS: Reason(
        "the bot may not post in the chat",
        "give the bot the right to send messages (in a channel: make it an administrator who "
        "can post); deliveries resume once the platform reports it",
    ),
    LATE: Reason(
        "due while carrybot was not running, beyond the late window",
        "keep carrybot running at the chats' briefing times, or raise CARRYBOT_LATE_MINUTES",
    ),
    DB_UNAVAILABLE: Reason(
        "due while the database could not be used, beyond the late window",
        "keep the database reachable and writable (/healthz answers 503 when it is not); "
        "raise CARRYBOT_LATE_MINUTES to post later after an outage",
    ),
    FLOOD: Reason(
        "the platform's flood control",
        "nothing to do: it is tried again after the wait the platform asked for",
    ),
    UNREACHABLE: Reason(
        "the platform could not be reached for hours",
        "check the network and the platform's status; the next briefing goes out as usual",
    ),
    REFUSED: Reason(
        "the platform refused the message itself",
        "read the detail: sending it again fails the same way; report it if it persists",
    ),
    UNCERTAIN: Reason(
        "no answer from the platform: it may have been posted",
        "look in the chat; on Telegram it is never resent, so as not to post it twice",
    ),
    WORKER_DIED: Reason(
        "the process sending it stopped mid-send: it may have been posted",
        "look in the chat; on Telegram it is never resent, so as not to post it twice",
    ),
    STOPPED: Reason(
        "carrybot was stopped part-way through its messages",
        "nothing to do: the next briefing goes out as usual",
    ),
    NO_DATA: Reason(
        "there was no market data to write it from",
        "run `carrybot refresh` and check the data sources (`carrybot status`)",
    ),
    FORBIDDEN: Reason(
        "the platform forbids the bot to post there",
        "check the bot's membership and rights in the chat; deliveries resume once the "
        "platform reports it may post",
    ),
}

# The chat registry's reasons for a disabled chat (``bot.chat_registry``), as codes.
_DISABLED = {
    "removed": KICKED,
    "left": KICKED,
    "kicked": KICKED,
    "blocked": BLOCKED,
    "deactivated": DEACTIVATED,
    "no_rights": NO_RIGHTS,
    "chat_not_found": CHAT_NOT_FOUND,
    "migrated": MIGRATED,
    "http_403": NO_RIGHTS,
    "http_404": CHAT_NOT_FOUND,
}


def disabled_code(registry_reason: str) -> str:
    """The code of a chat the registry disabled for ``registry_reason``."""
    return _DISABLED.get(registry_reason, FORBIDDEN)


def explain(code: str) -> Reason | None:
    """The words for ``code`` (None for an unknown or empty one)."""
    return REASONS.get(code)
