"""Time zones as users type them: every IANA name, a city alone, suggestions for the rest."""

from __future__ import annotations

from zoneinfo import ZoneInfo, available_timezones

import pytest

from commands.settings import timezones
from commands.settings.timezones import NOT_ZONES, choices, resolve, suggest


def test_every_name_zoneinfo_knows_is_accepted_as_spelled() -> None:
    names = sorted(available_timezones() - NOT_ZONES)
    assert {"UTC", "Etc/UTC", "GMT", "Etc/GMT-9", "Japan", "US/Pacific"} <= set(names)
    for name in names:
        assert resolve(name) == name
        assert resolve(name.lower()) == name
        assert resolve(name.upper()) == name
        ZoneInfo(resolve(name) or "")  # what is stored always loads


@pytest.mark.parametrize("text", ["localtime", "Factory", "posixrules", "", "   "])
def test_machine_files_and_blanks_are_not_zones(text: str) -> None:
    assert resolve(text) is None


@pytest.mark.parametrize(
    ("text", "zone"),
    [
        ("Tokyo", "Asia/Tokyo"),
        ("tokyo", "Asia/Tokyo"),
        ("new york", "America/New_York"),
        ("  London ", "Europe/London"),
        ("asia / tokyo", "Asia/Tokyo"),
        ("Sao Paulo", "America/Sao_Paulo"),
        # listed twice (an alias of the same clock): the specific, canonical name
        ("Buenos Aires", "America/Argentina/Buenos_Aires"),
        ("Indianapolis", "America/Indiana/Indianapolis"),
    ],
)
def test_a_city_alone_names_its_zone(text: str, zone: str) -> None:
    assert resolve(text) == zone


def test_a_city_in_two_different_clocks_is_not_guessed(monkeypatch: pytest.MonkeyPatch) -> None:
    cities = {**timezones._by_city(), "springfield": ("America/Chicago", "America/New_York")}
    monkeypatch.setattr(timezones, "_by_city", lambda: cities)
    assert resolve("Springfield") is None
    assert suggest("Springfield")[:2] == ["America/Chicago", "America/New_York"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("UTC+9", ["Asia/Tokyo", "Asia/Seoul", "Etc/GMT-9"]),
        ("gmt+9", ["Asia/Tokyo", "Asia/Seoul", "Etc/GMT-9"]),
        ("+05:30", ["Asia/Kolkata"]),
        # IANA's Etc signs are reversed: Etc/GMT+14 would be UTC−14, which no clock uses
        ("Etc/GMT+14", ["Etc/GMT-14", "Pacific/Kiritimati"]),
        ("UTC+15", ["Pacific/Kiritimati", "Etc/GMT-14"]),
        ("JST", ["Asia/Tokyo"]),
        ("Asia", ["Asia/Tokyo", "Asia/Hong_Kong", "Asia/Shanghai"]),
        ("europe", ["Europe/London", "Europe/Berlin", "Europe/Paris"]),
        ("Tokio", ["Asia/Tokyo"]),
        ("Europe/Londn", ["Europe/London"]),
    ],
)
def test_suggestions_are_the_nearest_real_zones(text: str, expected: list[str]) -> None:
    found = suggest(text)
    assert found[: len(expected)] == expected
    assert "Etc/GMT+4" not in found and "Pacific/Apia" not in found  # the old near-misses
    assert all(resolve(zone) == zone for zone in found)


@pytest.mark.parametrize("text", ["qqqqqqq", "Mars/Olympus", ""])
def test_nothing_close_suggests_nothing(text: str) -> None:
    assert suggest(text) == []


def test_autocomplete_offers_the_exact_name_first_and_only_real_zones() -> None:
    assert choices("utc")[0] == "UTC"
    assert choices("Tokyo")[0] == "Asia/Tokyo"
    assert choices("UTC+9")[:3] == ["Asia/Tokyo", "Asia/Seoul", "Etc/GMT-9"]
    assert len(choices("a")) == 25
    for zone in [*choices(""), *choices("a"), *choices("etc"), *choices("UTC+9")]:
        assert resolve(zone) == zone
