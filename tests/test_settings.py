"""Chat settings: defaults, validation with helpful errors, recorded changes, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from commands.settings.model import (
    DEFAULTS,
    Actor,
    ChatKey,
    SettingError,
    parse_language,
    parse_threshold,
    parse_time,
    parse_timezone,
    suggest_timezone,
)
from commands.settings.store import SettingsStore

KEY = ChatKey("telegram", "-1001")
AIKO = Actor("42", "Aiko")
T0 = datetime(2026, 6, 12, 9, 0, tzinfo=UTC)


def test_a_new_chat_reads_as_the_defaults(engine: Engine) -> None:
    store = SettingsStore(engine)
    assert store.get(KEY) == DEFAULTS
    assert store.find(KEY) is None
    assert store.last_change(KEY) is None


def test_update_stores_the_value_and_records_who_what_when(engine: Engine) -> None:
    store = SettingsStore(engine)
    new = store.update(KEY, {"pressure_threshold": 55}, AIKO, T0)
    assert new.pressure_threshold == 55
    assert store.get(KEY).pressure_threshold == 55
    change = store.last_change(KEY)
    assert change is not None
    assert (change.field, change.old_value, change.new_value) == ("pressure_threshold", "65", "55")
    assert (change.user_id, change.user_name) == ("42", "Aiko")
    assert change.changed_at == T0


def test_last_change_is_the_newest_of_several(engine: Engine) -> None:
    store = SettingsStore(engine)
    store.update(KEY, {"alerts": True}, AIKO, T0)
    store.update(KEY, {"language": "ja"}, Actor("7", "Ben"), T0 + timedelta(minutes=5))
    change = store.last_change(KEY)
    assert change is not None
    assert (change.field, change.new_value, change.user_name) == ("language", "ja", "Ben")


def test_an_unchanged_value_records_nothing(engine: Engine) -> None:
    store = SettingsStore(engine)
    store.update(KEY, {"pressure_threshold": 65}, AIKO, T0)
    assert store.last_change(KEY) is None


def test_channels_of_one_server_have_their_own_settings(engine: Engine) -> None:
    store = SettingsStore(engine)
    general = ChatKey("discord", "900", "1")
    markets = ChatKey("discord", "900", "2")
    store.update(markets, {"language": "zh"}, AIKO, T0)
    assert store.get(general).language == "en"
    assert store.get(markets).language == "zh"


def test_reset_returns_to_the_defaults_and_is_recorded(engine: Engine) -> None:
    store = SettingsStore(engine)
    store.update(KEY, {"briefing": True, "briefing_time": "07:30"}, AIKO, T0)
    assert store.reset(KEY, Actor("7", "Ben"), T0 + timedelta(hours=1)) == DEFAULTS
    assert store.get(KEY) == DEFAULTS
    change = store.last_change(KEY)
    assert change is not None and change.field == "reset" and change.user_name == "Ben"


def test_subscribed_lists_chats_with_the_briefing_on(engine: Engine) -> None:
    store = SettingsStore(engine)
    other = ChatKey("discord", "900", "2")
    store.update(KEY, {"briefing": True, "timezone": "Europe/London"}, AIKO, T0)
    store.update(other, {"alerts": True}, AIKO, T0)
    assert [(key, s.timezone) for key, s in store.subscribed()] == [(KEY, "Europe/London")]


def test_an_invalid_value_is_never_stored(engine: Engine) -> None:
    store = SettingsStore(engine)
    with pytest.raises(SettingError):
        store.update(KEY, {"pressure_threshold": 150}, AIKO, T0)
    assert store.find(KEY) is None
    assert store.last_change(KEY) is None


def test_an_unknown_setting_fails_loudly(engine: Engine) -> None:
    with pytest.raises(KeyError, match="colour"):
        SettingsStore(engine).update(KEY, {"colour": "red"}, AIKO, T0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("08:00", "08:00"), ("8:05", "08:05"), ("23:59", "23:59"), (" 00:00 ", "00:00")],
)
def test_times_are_24_hour_hh_mm(text: str, expected: str) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize("text", ["24:00", "8am", "0800", "12:60", "", "8:5", "noon"])
def test_a_malformed_time_is_explained(text: str) -> None:
    with pytest.raises(SettingError) as caught:
        parse_time(text)
    assert caught.value.code == "bad_time"
    assert "24-hour time like 08:00" in str(caught.value)


def test_zones_are_iana_names_in_any_case() -> None:
    assert parse_timezone("Asia/Tokyo") == "Asia/Tokyo"
    assert parse_timezone("asia/tokyo") == "Asia/Tokyo"
    assert parse_timezone("America/New York") == "America/New_York"


@pytest.mark.parametrize(
    ("text", "suggestions"),
    [
        ("Asia/Tokio", ["Asia/Tokyo"]),
        ("Europe/Londn", ["Europe/London"]),
        ("Etc/GMT+14", ["Etc/GMT-14", "Pacific/Kiritimati"]),
        ("Asia", ["Asia/Tokyo", "Asia/Hong_Kong", "Asia/Shanghai"]),
    ],
)
def test_an_unknown_zone_gets_the_nearest_real_ones(text: str, suggestions: list[str]) -> None:
    with pytest.raises(SettingError) as caught:
        parse_timezone(text)
    assert caught.value.code == "bad_timezone"
    assert caught.value.params["suggestions"][: len(suggestions)] == suggestions
    assert caught.value.params["suggestion"] == suggestions[0]
    assert suggestions[0] in str(caught.value)
    for zone in caught.value.params["suggestions"]:
        assert parse_timezone(zone) == zone


def test_a_hopeless_zone_has_no_suggestion() -> None:
    assert suggest_timezone("qqqqqqq") is None
    with pytest.raises(SettingError) as caught:
        parse_timezone("qqqqqqq")
    assert caught.value.params["suggestion"] == ""
    assert caught.value.params["suggestions"] == []


@pytest.mark.parametrize("text", ["-1", "101", "55.5", "fifty", "", "nan", "1e9"])
def test_a_threshold_outside_0_to_100_is_explained(text: str) -> None:
    with pytest.raises(SettingError) as caught:
        parse_threshold(text)
    assert caught.value.code == "bad_threshold"
    assert "0 to 100" in str(caught.value)


def test_thresholds_are_whole_numbers_0_to_100() -> None:
    assert [parse_threshold(t) for t in ("0", "55", "100", "70.0")] == [0, 55, 100, 70]


def test_languages_accept_common_spellings() -> None:
    assert [parse_language(t) for t in ("en", "JA", "zh", "zh-Hans", "zh_CN")] == [
        "en",
        "ja",
        "zh",
        "zh",
        "zh",
    ]
    with pytest.raises(SettingError):
        parse_language("fr")


def test_a_change_of_several_settings_is_one_change(engine: Engine) -> None:
    store = SettingsStore(engine)
    store.update(
        KEY, {"briefing": True, "briefing_time": "07:30", "timezone": "Europe/London"}, AIKO, T0
    )
    change = store.last_change(KEY)
    assert change is not None
    assert [(f.field, f.old_value, f.new_value) for f in change.fields] == [
        ("briefing", "off", "on"),
        ("briefing_time", "08:00", "07:30"),
        ("timezone", "Asia/Tokyo", "Europe/London"),
    ]
    assert change.field == "briefing"  # the first one asked for
