"""The one Telegram send path: what each Bot API answer comes back as (a typed outcome)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from telegram import Bot
from telegram.request import HTTPXRequest

from analytics.storage.database import open_database
from bot.chat_registry import ChatRegistry
from bot.sending.sender import (
    Ambiguous,
    BadRequest,
    Blocked,
    NotSent,
    Outcome,
    PlatformPacing,
    RetryAfter,
    Sent,
    Target,
)
from bot.telegram.send import TelegramSend, TelegramSender, WaitOut
from commands.presentation.layout import Message
from tests.support.delivery_fakes import ServerThread
from tests.support.fake_telegram import FakeBotAPI
from tests.support.telegram_harness import TOKEN, free_port

CHAT = -100123
TWO = [Message(text="<b>first</b>"), Message(text="second")]


class Recorder:
    """The worker's side of ``Pacing``: counts the slots asked for and the pauses."""

    def __init__(self) -> None:
        self.slots = 0
        self.pauses: list[float] = []

    async def acquire(self) -> None:
        self.slots += 1

    def pacing(self) -> PlatformPacing:
        return PlatformPacing(self.acquire, self.pauses.append)


def send_with(
    tmp_path: Path,
    arrange: Callable[[FakeBotAPI], None],
    messages: list[Message],
    base_url: str | None = None,
    **options: Any,
) -> tuple[Outcome, FakeBotAPI, Recorder, ChatRegistry]:
    engine = open_database(f"sqlite:///{tmp_path / 'send.sqlite3'}")
    registry = ChatRegistry(engine)
    recorder = Recorder()
    with ServerThread(FakeBotAPI(token=TOKEN)) as api:
        api.add_chat({"id": CHAT, "title": "Desk", "type": "supergroup"})
        arrange(api)

        async def main() -> Outcome:
            timeout = options.pop("request_timeout", 5.0)
            request = HTTPXRequest(read_timeout=timeout, write_timeout=timeout)
            bot = Bot(TOKEN, base_url=base_url or api.base_url, request=request)
            sender = TelegramSender(TelegramSend(bot, registry, **options))
            target = Target("telegram", str(CHAT), "", "nonce")
            if base_url is not None:  # nothing answers getMe there: send without logging in
                return await sender.send(target, messages, recorder.pacing())
            async with bot:
                return await sender.send(target, messages, recorder.pacing())

        outcome = asyncio.run(main())
    return outcome, api, recorder, registry


def test_every_message_posted_is_sent_with_its_ids(tmp_path: Path) -> None:
    outcome, api, recorder, _ = send_with(tmp_path, lambda api: None, TWO)
    assert isinstance(outcome, Sent) and len(outcome.message_ids) == 2
    assert [c.params["text"] for c in api.sent(CHAT)] == ["<b>first</b>", "second"]
    assert recorder.slots == 1  # the second message's slot; the worker took the first one's


def test_flood_control_on_a_deliverys_first_message_hands_it_back_at_once(
    tmp_path: Path,
) -> None:
    """Nothing of it was posted: the worker queues it again after the wait and the concurrency
    slot is free meanwhile (a flooded chat holds up nothing)."""
    outcome, api, recorder, _ = send_with(tmp_path, lambda api: api.flood(CHAT, 3), TWO)
    assert outcome == RetryAfter(3.0, "Telegram flood control")
    assert recorder.pauses == [3.0] and recorder.slots == 0
    assert api.sent(CHAT) == []


def test_flood_control_after_a_posted_message_is_waited_out_through_the_pacer(
    tmp_path: Path,
) -> None:
    chart = Message(text="chart", image=b"\x89PNG\r\n\x1a\n fake", filename="gap.png")
    arrange = lambda api: api.flood(CHAT, 3, method="sendPhoto")  # noqa: E731
    outcome, api, recorder, _ = send_with(tmp_path, arrange, [TWO[0], chart])
    assert isinstance(outcome, Sent) and len(outcome.message_ids) == 2
    assert recorder.pauses == [3.0] and recorder.slots == 2  # the retry waited for a slot
    assert [c.method for c in api.sent(CHAT)] == ["sendMessage", "sendPhoto"]


def test_flood_control_beyond_the_retries_is_retry_after_with_what_was_posted(
    tmp_path: Path,
) -> None:
    def arrange(api: FakeBotAPI) -> None:
        api.fail("sendPhoto", chat_id=CHAT, error_code=429, description="Too Many Requests: "
                 "retry after 7", parameters={"retry_after": 7}, times=None)  # fmt: skip

    chart = Message(text="chart", image=b"\x89PNG\r\n\x1a\n fake", filename="gap.png")
    outcome, api, recorder, _ = send_with(tmp_path, arrange, [TWO[0], chart], max_retries=1)
    assert len(api.sent(CHAT)) == 1
    assert isinstance(outcome, RetryAfter) and len(outcome.posted) == 1
    assert (outcome.seconds, outcome.reason) == (7.0, "Telegram flood control")
    assert recorder.pauses == [7.0, 7.0]


@pytest.mark.parametrize(
    ("description", "code", "registry_reason"),
    [
        ("Forbidden: bot was blocked by the user", "blocked", "blocked"),
        ("Forbidden: bot was kicked from the supergroup chat", "kicked", "removed"),
        ("Forbidden: bot is not a member of the channel chat", "kicked", "removed"),
        ("Forbidden: user is deactivated", "deactivated", "deactivated"),
    ],
)
def test_a_forbidden_chat_is_blocked_and_disabled_with_its_reason(
    tmp_path: Path, description: str, code: str, registry_reason: str
) -> None:
    def arrange(api: FakeBotAPI) -> None:
        api.fail("sendMessage", chat_id=CHAT, error_code=403, description=description)

    outcome, _, _, registry = send_with(tmp_path, arrange, TWO)
    assert outcome == Blocked(f"Telegram: {description} (chat disabled)", code=code)
    state = registry.get("telegram", str(CHAT))
    assert state is not None and state.disabled and state.disabled_reason == registry_reason


def test_lost_rights_are_blocked_and_a_refused_message_is_a_bad_request(tmp_path: Path) -> None:
    def no_rights(api: FakeBotAPI) -> None:
        api.fail("sendMessage", chat_id=CHAT, error_code=400,
                 description="Bad Request: not enough rights to send text messages")  # fmt: skip

    outcome, _, _, registry = send_with(tmp_path, no_rights, TWO)
    assert outcome == Blocked(
        "Telegram: Not enough rights to send text messages (chat disabled)",
        code="no_rights",
    )
    assert registry.is_disabled("telegram", str(CHAT))

    def refused(api: FakeBotAPI) -> None:
        api.fail("sendMessage", chat_id=CHAT, error_code=400,
                 description="Bad Request: can't parse entities", times=None)  # fmt: skip

    (tmp_path / "second").mkdir()
    outcome, _, _, _ = send_with(tmp_path / "second", refused, TWO)
    assert outcome == BadRequest("Telegram refused the message (bad request)")


def test_chat_not_found_is_its_own_reason_not_lost_rights(tmp_path: Path) -> None:
    def gone(api: FakeBotAPI) -> None:
        api.fail(
            "sendMessage", chat_id=CHAT, error_code=400, description="Bad Request: chat not found"
        )

    outcome, _, _, registry = send_with(tmp_path, gone, TWO)
    assert isinstance(outcome, Blocked) and outcome.code == "chat_not_found"
    state = registry.get("telegram", str(CHAT))
    assert state is not None and state.disabled_reason == "chat_not_found"


def test_a_group_that_became_a_supergroup_is_sent_there_and_says_so(tmp_path: Path) -> None:
    outcome, api, _, registry = send_with(tmp_path, lambda api: api.migrate(CHAT, -100999), TWO)
    assert isinstance(outcome, Sent) and outcome.code == "migrated"
    assert "-100999" in outcome.note
    assert len(api.sent(-100999)) == 2
    assert registry.resolve("telegram", str(CHAT)) == "-100999"


def test_a_failure_after_the_first_message_carries_the_posted_id(tmp_path: Path) -> None:
    def photo_refused(api: FakeBotAPI) -> None:
        api.fail("sendPhoto", chat_id=CHAT, error_code=403,
                 description="Forbidden: bot was kicked from the supergroup chat")  # fmt: skip

    chart = Message(text="chart", image=b"\x89PNG\r\n\x1a\n fake", filename="gap.png")
    outcome, api, _, registry = send_with(tmp_path, photo_refused, [TWO[0], chart])
    assert isinstance(outcome, Blocked) and len(outcome.posted) == 1
    assert [c.method for c in api.sent(CHAT)] == ["sendMessage"]
    state = registry.get("telegram", str(CHAT))
    assert state is not None and state.disabled_reason == "removed"


def test_no_connection_is_not_sent(tmp_path: Path) -> None:
    dead = f"http://127.0.0.1:{free_port()}/bot"
    outcome, _, _, _ = send_with(tmp_path, lambda api: None, TWO, base_url=dead)
    assert isinstance(outcome, NotSent) and "no connection to Telegram" in outcome.reason


def test_no_answer_after_the_request_left_is_ambiguous(tmp_path: Path) -> None:
    """A server that accepts the connection and never answers: the request may have arrived."""
    import socket

    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(4)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/bot"
        outcome, _, _, _ = send_with(
            tmp_path, lambda api: None, TWO, base_url=url, request_timeout=0.5
        )
    assert isinstance(outcome, Ambiguous) and "may have been posted" in outcome.reason


CHART = Message(
    text="<b>Rate gaps</b> as of 12 Jun",
    image=b"\x89PNG\r\n\x1a\n chart",
    filename="gap.png",
    image_note="<i>The chart could not be attached this time.</i>",
)


def test_a_refused_photo_falls_back_to_the_text_with_a_note(tmp_path: Path) -> None:
    def refuse(api: FakeBotAPI) -> None:
        api.fail("sendPhoto", chat_id=CHAT, error_code=400,
                 description="Bad Request: IMAGE_PROCESS_FAILED")  # fmt: skip

    outcome, api, recorder, registry = send_with(tmp_path, refuse, [CHART, TWO[1]])
    assert isinstance(outcome, Sent) and len(outcome.message_ids) == 2
    [text, second] = api.sent(CHAT)
    assert (text.method, second.method) == ("sendMessage", "sendMessage")
    assert text.params["text"] == (
        "<b>Rate gaps</b> as of 12 Jun\n\n<i>The chart could not be attached this time.</i>"
    )
    assert recorder.slots == 2  # the text took a slot of its own, as the second message did
    assert not registry.is_disabled("telegram", str(CHAT))


def test_a_photo_refused_for_lost_rights_is_not_retried_as_text(tmp_path: Path) -> None:
    def no_rights(api: FakeBotAPI) -> None:
        api.fail("sendPhoto", chat_id=CHAT, error_code=400,
                 description="Bad Request: not enough rights to send photos")  # fmt: skip

    outcome, api, _, registry = send_with(tmp_path, no_rights, [CHART])
    assert isinstance(outcome, Blocked)
    assert not api.sent(CHAT) and registry.is_disabled("telegram", str(CHAT))


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ('{"ok": true}', 200),  # no result
        ('{"ok": true, "result": "sent"}', 200),  # not a Message
        ('{"ok": true, "result": {"message_id": 1', 200),  # cut off
        ("<html><body>Service Unavailable</body></html>", 200),
        ("<html><body>Bad Gateway</body></html>", 502),
    ],
)
def test_an_answer_the_library_cannot_parse_is_a_failed_send(
    tmp_path: Path, body: str, status: int
) -> None:
    def garble(api: FakeBotAPI) -> None:
        api.garble("sendMessage", body, status=status, chat_id=CHAT)

    outcome, api, _, _ = send_with(tmp_path, garble, TWO)
    assert isinstance(outcome, Ambiguous) and "may have been posted" in outcome.reason
    assert len(api.calls_to("sendMessage", CHAT)) == 1, "an uncertain send is not repeated"


def test_a_reply_waits_out_flood_control_until_its_deadline_then_reports_it(
    tmp_path: Path,
) -> None:
    with ServerThread(FakeBotAPI(token=TOKEN)) as api:
        api.add_chat({"id": CHAT, "title": "Desk", "type": "supergroup"})
        api.fail("sendMessage", chat_id=CHAT, error_code=429, description="Too Many Requests: "
                 "retry after 1", parameters={"retry_after": 1}, times=None)  # fmt: skip
        registry = ChatRegistry(open_database(f"sqlite:///{tmp_path / 'r.sqlite3'}"))

        async def main() -> tuple[Outcome, float]:
            async with Bot(TOKEN, base_url=api.base_url) as bot:
                start = time.monotonic()
                outcome = await TelegramSend(bot, registry, max_retries=0).send(
                    CHAT, TWO[:1], pacing=WaitOut(), deadline=start + 2.5
                )
                return outcome, time.monotonic() - start

        outcome, took = asyncio.run(main())
        calls = api.calls_to("sendMessage", CHAT)
    # retried after 1 s and 2 s (max_retries is for deliveries); a third wait would pass 2.5 s
    assert len(calls) == 3 and 1.9 <= took < 2.5
    assert outcome == RetryAfter(1.0, "Telegram flood control")
