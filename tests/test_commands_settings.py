"""Settings commands: moderators change them, everyone reads them, mistakes get a way out."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from analytics.storage.schema import settings_changes_table
from commands.dispatch import dispatch
from commands.presentation.render import render_text
from commands.services import Services
from commands.settings.model import ChatKey
from tests.support.chat import MakeContext

KEY = ChatKey("telegram", "-1001")


def test_settings_shows_the_defaults_and_no_change_yet(
    services: Services, context: MakeContext
) -> None:
    text = render_text(dispatch("/carry settings", context(is_moderator=False), services))
    assert "Chat: Carry desk" in text
    assert "Daily briefing: off (time 08:00 Asia/Tokyo when turned on)." in text
    assert "Unwind pressure alert threshold: 65." in text
    assert "Nothing has been changed here yet" in text
    assert "Moderators change these" in text


def test_moderator_sets_the_pressure_threshold(services: Services, context: MakeContext) -> None:
    reply = dispatch("/carry threshold pressure 55", context(), services)
    assert reply.ok
    text = render_text(reply)
    assert "is now 55 (it was 65)" in text
    assert "/carry alerts on" in text  # alerts are off: say how to turn them on
    assert services.settings.get(KEY).pressure_threshold == 55


def test_settings_shows_who_changed_what_last(services: Services, context: MakeContext) -> None:
    dispatch("/carry threshold fuel 80", context(), services)
    text = render_text(dispatch("/carry settings", context(user_name="Ben"), services))
    assert "Carry fuel alert threshold: 80." in text
    assert "Aiko changed the carry fuel threshold from 70 to 80 on 12 Jun 2026, 18:30 JST." in text


def test_non_moderator_cannot_change_threshold(services: Services, context: MakeContext) -> None:
    reply = dispatch("/carry threshold pressure 55", context(is_moderator=False), services)
    assert not reply.ok and reply.ephemeral
    text = render_text(reply)
    assert "Only the group's administrators can use /carry threshold." in text
    assert services.settings.find(KEY) is None


@pytest.mark.parametrize(
    ("platform", "who"),
    [
        ("telegram", "the group's administrators"),
        ("discord", "members with the Manage Server permission"),
        ("console", "the console user"),
        ("matrix", "the chat's moderators"),
    ],
)
def test_refusal_says_who_may_do_it(
    services: Services, context: MakeContext, platform: str, who: str
) -> None:
    for command in (
        "subscribe 08:00",
        "unsubscribe",
        "threshold fuel 50",
        "alerts on",
        "lang ja",
        "reset",
    ):
        reply = dispatch(
            f"/carry {command}", context(platform=platform, is_moderator=False), services
        )
        assert render_text(reply).startswith(f"Only {who} can use /carry {command.split()[0]}.")


def test_subscribe_with_time_and_zone(services: Services, context: MakeContext) -> None:
    text = render_text(dispatch("/carry subscribe 07:30 Europe/London", context(), services))
    assert "every day at 07:30 Europe/London" in text
    assert "The next one: 13 Jun 2026, 07:30 BST." in text
    stored = services.settings.get(KEY)
    assert (stored.briefing, stored.briefing_time, stored.timezone) == (
        True,
        "07:30",
        "Europe/London",
    )


def test_subscribe_keeps_the_zone_when_none_is_given(
    services: Services, context: MakeContext
) -> None:
    text = render_text(dispatch("/carry subscribe 19:00", context(), services))
    assert "at 19:00 Asia/Tokyo" in text and "12 Jun 2026, 19:00 JST" in text


def test_subscribe_with_a_malformed_time(services: Services, context: MakeContext) -> None:
    reply = dispatch("/carry subscribe 8am Asia/Tokyo", context(), services)
    assert not reply.ok
    assert render_text(reply) == (
        "“8am” is not a time. Write it as 24-hour HH:MM, for example "
        "/carry subscribe 08:00 Asia/Tokyo."
    )


def test_subscribe_with_a_city_or_utc(services: Services, context: MakeContext) -> None:
    text = render_text(dispatch("/carry subscribe 07:00 Tokyo", context(), services))
    assert text.startswith(
        "Done: the daily briefing will be posted here every day at 07:00 Asia/Tokyo."
    )
    assert services.settings.get(KEY).timezone == "Asia/Tokyo"
    dispatch("/carry subscribe 08:00 UTC", context(), services)
    assert services.settings.get(KEY).timezone == "UTC"


def test_subscribe_with_a_misspelt_zone_suggests_the_nearest(
    services: Services, context: MakeContext
) -> None:
    text = render_text(dispatch("/carry subscribe 07:00 Asia", context(), services))
    assert text == (
        "“Asia” is not a time zone. Did you mean Asia/Tokyo, Asia/Hong_Kong or Asia/Shanghai? "
        "Use /carry subscribe 07:00 Asia/Tokyo."
    )
    assert services.settings.find(KEY) is None


def test_subscribe_with_an_unknown_zone(services: Services, context: MakeContext) -> None:
    text = render_text(dispatch("/carry subscribe 07:00 Mars/Olympus", context(), services))
    assert "is not a time zone" in text and "Europe/London" in text


def test_subscribe_without_a_time(services: Services, context: MakeContext) -> None:
    text = render_text(dispatch("/carry subscribe", context(), services))
    assert text == (
        "/carry subscribe needs HH:MM.\n"
        "Use /carry subscribe HH:MM [Area/City], for example /carry subscribe 08:00 Asia/Tokyo."
    )


def test_unsubscribe(services: Services, context: MakeContext) -> None:
    dispatch("/carry subscribe 08:00", context(), services)
    text = render_text(dispatch("/carry unsubscribe", context(), services))
    assert "no more daily briefings" in text and "/carry subscribe 08:00 Asia/Tokyo" in text
    assert services.settings.get(KEY).briefing is False


@pytest.mark.parametrize("value", ["150", "-5", "abc", "55.5"])
def test_threshold_out_of_range(services: Services, context: MakeContext, value: str) -> None:
    text = render_text(dispatch(f"/carry threshold fuel {value}", context(), services))
    assert text == (
        f"A threshold is a whole number from 0 to 100, so “{value}” does not work. "
        "Use /carry threshold fuel 55."
    )


def test_threshold_of_an_unknown_kind(services: Services, context: MakeContext) -> None:
    text = render_text(dispatch("/carry threshold vix 30", context(), services))
    assert text == (
        "“vix” is not one of pressure|fuel|move.\n"
        "Use /carry threshold pressure|fuel|move N, for example /carry threshold pressure 55."
    )


def test_threshold_with_a_missing_number(services: Services, context: MakeContext) -> None:
    text = render_text(dispatch("/carry threshold pressure", context(), services))
    assert text.startswith("/carry threshold needs N.")


def test_alerts_on_and_off(services: Services, context: MakeContext) -> None:
    on = render_text(dispatch("/carry alerts on", context(), services))
    assert "alerts are on" in on and "reaches 65" in on
    assert services.settings.get(KEY).alerts is True
    off = render_text(dispatch("/carry alerts OFF", context(), services))
    assert "alerts are off" in off
    assert services.settings.get(KEY).alerts is False


def test_alerts_needs_on_or_off(services: Services, context: MakeContext) -> None:
    text = render_text(dispatch("/carry alerts maybe", context(), services))
    assert text.startswith("“maybe” is not one of on|off.")


def test_lang_switches_the_chat_and_answers_in_it(services: Services, context: MakeContext) -> None:
    reply = dispatch("/carry lang ja", context(), services)
    assert reply.locale == "ja"
    assert services.settings.get(KEY).language == "ja"
    assert dispatch("/carry", context(), services).locale == "ja"
    assert dispatch("/carry lang zh-Hans", context(), services).locale == "zh"


def test_lang_rejects_an_unknown_language(services: Services, context: MakeContext) -> None:
    text = render_text(dispatch("/carry lang fr", context(), services))
    assert text == (
        "“fr” is not a language carrybot speaks. "
        "Use /carry lang en, /carry lang ja or /carry lang zh."
    )


def test_reset(services: Services, context: MakeContext) -> None:
    dispatch("/carry lang ja", context(), services)
    reply = dispatch("/carry reset", context(), services)
    assert reply.locale == "en"
    assert "every setting is back to its default" in render_text(reply)
    change = services.settings.last_change(KEY)
    assert change is not None and change.field == "reset"


def test_user_locale_applies_until_the_chat_chooses(
    services: Services, context: MakeContext
) -> None:
    assert dispatch("/carry", context(locale="ja-JP"), services).locale == "ja"
    dispatch("/carry lang en", context(), services)
    assert dispatch("/carry", context(locale="ja-JP"), services).locale == "en"


def test_discord_channels_are_separate_chats(services: Services, context: MakeContext) -> None:
    dispatch("/carry lang zh", context(platform="discord", chat_id="900", channel_id="1"), services)
    assert services.settings.get(ChatKey("discord", "900", "1")).language == "zh"
    assert services.settings.get(ChatKey("discord", "900", "2")).language == "en"


def _audit_rows(services: Services) -> int:
    with services.settings.engine.connect() as conn:
        return len(conn.execute(select(settings_changes_table)).all())


def test_setting_a_threshold_to_its_current_value_answers_unchanged(
    services: Services, context: MakeContext
) -> None:
    dispatch("/carry threshold pressure 55", context(), services)
    rows = _audit_rows(services)
    reply = dispatch("/carry threshold pressure 55", context(user_name="Ben"), services)
    text = render_text(reply)
    assert reply.ok
    assert "Unchanged: the unwind pressure alert threshold is already 55." in text
    assert "is now" not in text
    assert _audit_rows(services) == rows
    change = services.settings.last_change(KEY)
    assert change is not None and change.user_name == "Aiko"  # Ben changed nothing


UNCHANGED = {
    "/carry threshold pressure 65": "the unwind pressure alert threshold is already 65",
    "/carry threshold fuel 70": "the carry fuel alert threshold is already 70",
    "/carry alerts off": "alerts are already off here",
    "/carry unsubscribe": "the daily briefing is already off here",
    "/carry reset": "every setting is already at its default",
}


@pytest.mark.parametrize("line", sorted(UNCHANGED))
def test_asking_a_new_chat_for_a_default_writes_nothing(
    line: str, services: Services, context: MakeContext
) -> None:
    text = render_text(dispatch(line, context(), services))
    assert f"Unchanged: {UNCHANGED[line]}." in text
    assert services.settings.find(KEY) is None and _audit_rows(services) == 0


def test_an_unchanged_subscription_names_the_next_briefing(
    services: Services, context: MakeContext
) -> None:
    dispatch("/carry subscribe 08:00 Asia/Tokyo", context(), services)
    text = render_text(dispatch("/carry subscribe 08:00 Asia/Tokyo", context(), services))
    assert "Unchanged: the daily briefing is already posted here every day at 08:00" in text
    assert "The next one: 13 Jun 2026, 08:00 JST." in text


def test_last_change_times_carry_their_zone(services: Services, context: MakeContext) -> None:
    dispatch("/carry threshold fuel 80", context(), services)
    text = render_text(dispatch("/carry settings", context(), services))
    assert "from 70 to 80 on 12 Jun 2026, 18:30 JST." in text
    dispatch("/carry subscribe 09:00 Europe/London", context(), services)
    text = render_text(dispatch("/carry settings", context(), services))
    assert "on 12 Jun 2026, 10:30 BST." in text  # the chat's zone, named
