"""Time zones as users type them: IANA names, a city alone, and suggestions for the rest.

``resolve`` accepts every name Python's ``zoneinfo`` knows (``Asia/Tokyo``, ``UTC``,
``Etc/GMT-9``, ``US/Pacific``; any case, spaces for underscores) and a city alone when it names
one zone (``Tokyo``, ``new york``, ``Buenos Aires``: a city listed under several areas counts
as one when the names are aliases that keep the same clock). Anything else gets ``suggest``:
the zones for an offset (``UTC+9``, ``GMT+14``, ``+05:30``; ``Etc/GMT+14``, which does not
exist, is read both ways: IANA's ``Etc`` signs are the reverse of the usual ones), the cities
of an area typed alone (``Asia``), the zone of a common abbreviation (``JST``), or the closest
spellings.
"""

from __future__ import annotations

import difflib
import re
from datetime import UTC, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

# Canonical IANA areas: "Area/City" zones are preferred over legacy aliases ("Japan", "US/Pacific").
ZONE_AREAS = (
    "Africa",
    "America",
    "Antarctica",
    "Asia",
    "Atlantic",
    "Australia",
    "Europe",
    "Indian",
    "Pacific",
)
# Offered first: where carry-trade readers mostly are.
POPULAR_ZONES = (
    "Asia/Tokyo",
    "Asia/Hong_Kong",
    "Asia/Shanghai",
    "Asia/Singapore",
    "Australia/Sydney",
    "Europe/London",
    "Europe/Berlin",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "Etc/UTC",
    "Asia/Seoul",
    "Asia/Kolkata",
    "Asia/Dubai",
    "Europe/Paris",
    "Europe/Zurich",
    "America/Toronto",
    "America/Sao_Paulo",
    "Pacific/Auckland",
)
# Abbreviations people type for a zone; only suggested (several are ambiguous: CST, IST).
ABBREVIATIONS = {
    "jst": ("Asia/Tokyo",),
    "kst": ("Asia/Seoul",),
    "hkt": ("Asia/Hong_Kong",),
    "sgt": ("Asia/Singapore",),
    "aest": ("Australia/Sydney", "Australia/Brisbane"),
    "aedt": ("Australia/Sydney",),
    "nzst": ("Pacific/Auckland",),
    "bst": ("Europe/London",),
    "cest": ("Europe/Berlin", "Europe/Paris"),
    "ist": ("Asia/Kolkata", "Europe/Dublin", "Asia/Jerusalem"),
    "cst": ("America/Chicago", "Asia/Shanghai"),
    "cdt": ("America/Chicago",),
    "edt": ("America/New_York",),
    "pst": ("America/Los_Angeles",),
    "pdt": ("America/Los_Angeles",),
    "mdt": ("America/Denver",),
}
NOT_ZONES = frozenset({"localtime", "posixrules", "Factory"})  # machine files, no real clock
MAX_SUGGESTIONS = 3
_OFFSET = re.compile(
    r"^(?P<etc>etc/)?(?:utc|gmt|z)?(?P<sign>[+\-−])(?P<hours>\d{1,2})(?::?(?P<minutes>[0-5]\d))?$"
)


def normalise(text: str) -> str:
    """What a user typed, spelled as zone names are: ``america / new york`` → ``america/new_york``."""
    cleaned = re.sub(r"\s*/\s*", "/", text.strip())
    return re.sub(r"\s+", "_", cleaned)


def resolve(text: str) -> str | None:
    """The zone ``text`` names (an IANA name in any case, or a city alone), or None."""
    key = normalise(text).lower()
    if not key:
        return None
    found = _by_lower().get(key)
    if found:
        return found
    if "/" not in key:
        candidates = _by_city().get(key, ())
        if candidates and len({_behaviour(zone) for zone in candidates}) == 1:
            return _preferred(candidates)
    return None


def suggest(text: str, limit: int = MAX_SUGGESTIONS) -> list[str]:
    """The zones a user most likely meant, best first (empty when nothing is close)."""
    key = normalise(text).lower()
    if not key:
        return []
    found: list[str] = []
    offsets = _offsets(key)
    if offsets:
        for minutes in offsets:
            found += _zones_at(minutes, etc_first=key.startswith("etc/"))
    elif key in ABBREVIATIONS:
        found += ABBREVIATIONS[key]
    elif key in _areas():
        area = _areas()[key]
        found += [z for z in POPULAR_ZONES if z.startswith(f"{area}/")]
        found += [z for z in _canonical() if z.startswith(f"{area}/")]
    else:
        found += sorted(_by_city().get(key, ()))  # a city in several zones
        zones = _by_lower()
        found += [
            zones[z] for z in difflib.get_close_matches(key, list(zones), n=limit, cutoff=0.8)
        ]
        city = key.rsplit("/", 1)[-1]
        for name in difflib.get_close_matches(city, list(_by_city()), n=limit, cutoff=0.75):
            found.append(_preferred(_by_city()[name]))
    unique = list(dict.fromkeys(found))
    return unique[:limit]


def choices(typed: str, limit: int = 25) -> list[str]:
    """Zones for an autocomplete box: the exact name, names and cities starting with what was
    typed, then names containing it; suggestions when nothing matches."""
    key = normalise(typed).lower()
    if not key:
        return list(POPULAR_ZONES)[:limit]
    exact = resolve(typed)
    zones = sorted(_by_lower().values(), key=lambda z: (z.split("/", 1)[0] not in ZONE_AREAS, z))
    starts = [
        z
        for z in zones
        if z.lower().startswith(key) or z.rsplit("/", 1)[-1].lower().startswith(key)
    ]
    contains = [z for z in zones if key in z.lower()]
    found = list(dict.fromkeys([*([exact] if exact else []), *starts, *contains]))
    return (found or suggest(typed, limit))[:limit]


# --- the catalogue --------------------------------------------------------------------------


@cache
def _by_lower() -> dict[str, str]:
    return {zone.lower(): zone for zone in available_timezones() if zone not in NOT_ZONES}


@cache
def _canonical() -> tuple[str, ...]:
    return tuple(sorted(z for z in _by_lower().values() if z.split("/", 1)[0] in ZONE_AREAS))


@cache
def _by_city() -> dict[str, tuple[str, ...]]:
    cities: dict[str, list[str]] = {}
    for zone in _canonical():
        cities.setdefault(zone.rsplit("/", 1)[-1].lower(), []).append(zone)
    return {city: tuple(zones) for city, zones in cities.items()}


@cache
def _areas() -> dict[str, str]:
    return {area.lower(): area for area in ZONE_AREAS}


def _preferred(zones: tuple[str, ...]) -> str:
    """Of names for one clock, the popular one, else the most specific (IANA's canonical
    ``America/Argentina/Buenos_Aires`` over the alias ``America/Buenos_Aires``)."""
    popular = [z for z in zones if z in POPULAR_ZONES]
    return popular[0] if popular else min(zones, key=lambda z: (-z.count("/"), z))


@cache
def _behaviour(zone: str) -> tuple[tuple[float, str], ...]:
    """The zone's UTC offset and abbreviation twice a year from 1970 to 2037: two names with
    the same behaviour keep the same clock."""
    tz = ZoneInfo(zone)
    start = datetime(1970, 1, 15, tzinfo=UTC)
    samples = []
    for step in range(0, 68 * 2):
        moment = (start + timedelta(days=182.5 * step)).astimezone(tz)
        offset = moment.utcoffset() or timedelta()
        samples.append((offset.total_seconds(), moment.tzname() or ""))
    return tuple(samples)


def _offsets(key: str) -> list[int]:
    """UTC offsets in minutes that an offset-like text can mean, likeliest first: ``UTC+9`` is
    +540; ``Etc/GMT+14`` is −840 the IANA way, which no zone has, so +840 as people mean it."""
    match = _OFFSET.match(key)
    if match is None:
        return []
    minutes = int(match["hours"]) * 60 + int(match["minutes"] or 0)
    usual = minutes if match["sign"] == "+" else -minutes
    readings = [-usual, usual] if match["etc"] else [usual, -usual]
    found = [m for m in dict.fromkeys(readings) if _zones_at(m)]
    if found:
        return found
    # Beyond the offsets clocks use (UTC−12 to UTC+14): the nearest ones.
    return list(dict.fromkeys(min(max(m, -12 * 60), 14 * 60) for m in readings))


def _zones_at(minutes: int, etc_first: bool = False) -> list[str]:
    """Zones at a UTC offset now: popular cities (else the first other city) and the ``Etc``
    zone, that one first with ``etc_first``."""
    now = datetime.now(UTC)

    def at(zone: str) -> bool:
        offset = now.astimezone(ZoneInfo(zone)).utcoffset() or timedelta()
        return offset == timedelta(minutes=minutes)

    cities = [z for z in POPULAR_ZONES if z.startswith(tuple(ZONE_AREAS)) and at(z)]
    cities = cities or [z for z in _canonical() if at(z)][:1]
    etc = []
    if minutes % 60 == 0:
        hours = -minutes // 60
        name = "Etc/UTC" if hours == 0 else f"Etc/GMT{hours:+d}"
        if name.lower() in _by_lower():
            etc.append(name)
    return [*etc, *cities] if etc_first else [*cities, *etc]
