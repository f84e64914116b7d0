"""Realistic Telegram ``Update`` JSON, shaped as the Bot API sends it, for the fake server.

Chats and users are plain dicts so a test can tweak any field. Anonymous group admins post as
``GroupAnonymousBot`` (id 1087968824) with ``sender_chat`` set to the group itself; channel posts
carry ``sender_chat`` (the channel) and no ``from``.
"""

from __future__ import annotations

import itertools
import time
from typing import Any

ANONYMOUS_ADMIN_BOT = {
    "id": 1087968824,
    "is_bot": True,
    "first_name": "Group",
    "username": "GroupAnonymousBot",
}
_message_ids = itertools.count(1)


def user(
    user_id: int = 5001, first_name: str = "Aiko", language_code: str = "en"
) -> dict[str, Any]:
    """A human user."""
    return {
        "id": user_id,
        "is_bot": False,
        "first_name": first_name,
        "username": first_name.lower(),
        "language_code": language_code,
    }


def group(chat_id: int = -1001234567890, title: str = "Carry Desk") -> dict[str, Any]:
    """A supergroup (ids start with -100)."""
    return {"id": chat_id, "title": title, "type": "supergroup"}


def basic_group(chat_id: int = -4012345678, title: str = "Old Desk") -> dict[str, Any]:
    """A basic group (before migration to a supergroup)."""
    return {"id": chat_id, "title": title, "type": "group"}


def private(of: dict[str, Any]) -> dict[str, Any]:
    """The private chat with ``of``."""
    return {
        "id": of["id"],
        "first_name": of["first_name"],
        "username": of.get("username", ""),
        "type": "private",
    }


def channel(chat_id: int = -1009876543210, title: str = "Yen Carry Watch") -> dict[str, Any]:
    """A channel."""
    return {"id": chat_id, "title": title, "type": "channel", "username": "yencarrywatch"}


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _text_fields(text: str) -> dict[str, Any]:
    fields: dict[str, Any] = {"text": text}
    if text.startswith("/"):
        command = text.split()[0]
        fields["entities"] = [{"offset": 0, "length": _utf16(command), "type": "bot_command"}]
    return fields


def message(
    chat: dict[str, Any],
    text: str,
    sender: dict[str, Any] | None = None,
    *,
    sender_chat: dict[str, Any] | None = None,
    message_id: int | None = None,
) -> dict[str, Any]:
    """A ``message`` update (bot_command entity when ``text`` starts with ``/``)."""
    body: dict[str, Any] = {
        "message_id": message_id or next(_message_ids),
        "date": int(time.time()),
        "chat": chat,
        **_text_fields(text),
    }
    if sender is not None:
        body["from"] = sender
    if sender_chat is not None:
        body["sender_chat"] = sender_chat
    return {"message": body}


def group_command(
    text: str = "/carry@carrybot_test_bot",
    chat: dict[str, Any] | None = None,
    sender: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A member's command in a supergroup."""
    return message(chat or group(), text, sender or user())


def private_command(text: str = "/carry", sender: dict[str, Any] | None = None) -> dict[str, Any]:
    """A command in the private chat with the bot."""
    who = sender or user()
    return message(private(who), text, who)


def anonymous_admin_command(
    text: str = "/carry@carrybot_test_bot", chat: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A command from an anonymous administrator: from GroupAnonymousBot, sender_chat = chat."""
    where = chat or group()
    update = message(where, text, dict(ANONYMOUS_ADMIN_BOT), sender_chat=where)
    update["message"]["author_signature"] = "Desk admin"
    return update


def channel_post(text: str = "/carry", chat: dict[str, Any] | None = None) -> dict[str, Any]:
    """A post in a channel (no ``from``; ``sender_chat`` is the channel)."""
    where = chat or channel()
    body: dict[str, Any] = {
        "message_id": next(_message_ids),
        "date": int(time.time()),
        "chat": where,
        "sender_chat": where,
        **_text_fields(text),
    }
    return {"channel_post": body}


def automatic_forward(
    post: dict[str, Any], group_chat: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A channel post as Telegram copies it into the channel's linked discussion group."""
    channel_chat = post["channel_post"]["chat"]
    body = {
        **post["channel_post"],
        "message_id": next(_message_ids),
        "chat": group_chat or group(),
        "from": {"id": 777000, "is_bot": False, "first_name": "Telegram"},
        "sender_chat": channel_chat,
        "is_automatic_forward": True,
        "forward_origin": {
            "type": "channel",
            "chat": channel_chat,
            "message_id": post["channel_post"]["message_id"],
            "date": post["channel_post"]["date"],
        },
    }
    return {"message": body}


def _chat_member(member_user: dict[str, Any], status: str) -> dict[str, Any]:
    member: dict[str, Any] = {"user": member_user, "status": status}
    if status == "administrator":
        member.update(
            {
                "can_be_edited": False,
                "is_anonymous": False,
                "can_manage_chat": True,
                "can_delete_messages": True,
                "can_manage_video_chats": False,
                "can_restrict_members": False,
                "can_promote_members": False,
                "can_change_info": False,
                "can_invite_users": True,
                "can_post_stories": False,
                "can_edit_stories": False,
                "can_delete_stories": False,
                "can_post_messages": True,
                "can_edit_messages": False,
            }
        )
    elif status == "kicked":
        member["until_date"] = 0
    elif status == "creator":
        member["is_anonymous"] = False
    return member


def my_chat_member(
    chat: dict[str, Any],
    bot: dict[str, Any],
    old_status: str,
    new_status: str,
    by: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The bot's own membership changed (added, promoted, removed, blocked in private)."""
    return {
        "my_chat_member": {
            "chat": chat,
            "from": by or user(),
            "date": int(time.time()),
            "old_chat_member": _chat_member(bot, old_status),
            "new_chat_member": _chat_member(bot, new_status),
        }
    }


def chat_member(
    chat: dict[str, Any],
    member: dict[str, Any],
    old_status: str,
    new_status: str,
    by: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Another member's status changed (promoted, demoted, left); sent to administrator bots
    that ask for ``chat_member`` in ``allowed_updates``."""
    return {
        "chat_member": {
            "chat": chat,
            "from": by or user(),
            "date": int(time.time()),
            "old_chat_member": _chat_member(member, old_status),
            "new_chat_member": _chat_member(member, new_status),
        }
    }


def migrate_to(
    old: dict[str, Any], new_chat_id: int, sender: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The service message in the old group: it became the supergroup ``new_chat_id``."""
    body = {
        "message_id": next(_message_ids),
        "date": int(time.time()),
        "chat": old,
        "from": sender or user(),
        "migrate_to_chat_id": new_chat_id,
    }
    return {"message": body}


def migrate_from(new: dict[str, Any], old_chat_id: int) -> dict[str, Any]:
    """The service message in the new supergroup, naming the group it came from."""
    body = {
        "message_id": next(_message_ids),
        "date": int(time.time()),
        "chat": new,
        "from": dict(ANONYMOUS_ADMIN_BOT),
        "sender_chat": new,
        "migrate_from_chat_id": old_chat_id,
    }
    return {"message": body}
