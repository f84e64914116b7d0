"""Every reply in Japanese and Simplified Chinese carries no English sentence.

The replies: every command's answer (golden cases and more), every error, every alert kind, the
briefing on the real seed on named dates, and a snapshot carrying every note and lede claim the
analytics can hand over. Commands to type (``/carry …``, ``carrybot refresh``), codes (A1, bp,
USD/JPY) and source names (FRED, CFTC) may stay Latin; a run of three English words or an English
function word may not.
"""

from __future__ import annotations

import dataclasses
import html
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from analytics.catalogue import notes
from analytics.ingest.seed import open_seeded_store
from analytics.narrative import decision_day, lede
from analytics.narrative.age import Age
from analytics.narrative.provisional import Reach
from commands.context import CommandContext
from commands.dispatch import dispatch
from commands.dispatch import make_services as store_services
from commands.handlers.snapshot import briefing
from commands.handlers.views import view
from commands.presentation.glossary import untranslated
from commands.presentation.render import render
from commands.reply import Reply
from tests.support.chat import NOW, make_services
from tests.support.snapshots import computed

LOCALES = ("ja", "zh")
FORMATS = ("text", "telegram_html", "discord")
COMMANDS = (
    "/carry",
    "/carry explain",
    "/carry sources",
    "/carry brief",
    "/carry history 5y",
    "/carry chart gap 1y",
    "/carry chart pressure 3m",
    "/carry help",
    "/carry help chart",
    "/carry settings",
    "/carry threshold pressure 55",
    "/carry threshold fuel 500",
    "/carry subscribe 07:00 Asia/Tokyo",
    "/carry subscribe 25:00",
    "/carry subscribe 07:00 Tokio",
    "/carry alerts on",
    "/carry unsubscribe",
    "/carry reset",
    "/carry lang xx",
    "/carry chart gap 10y",
    "/carry nonsense",
    "/carry charts",
    "/carry markets",
    "/carry size",
    "/carry hikes",
    "/carry whatif boj +25",
    "/carry whatif boj +25 fed -25",
    "/carry whatif fed -0.25%",
    "/carry whatif boj +7",
    "/carry whatif boj 150",
    "/carry whatif boj 0",
    "/carry whatif boj abc",
    "/carry whatif boj +25 boj -5",
    "/carry whatif boj +25 fed",
    "/carry whatif boj 25 30",
    "/carry whatif",
    "/carry help whatif",
    "hello",
)
# Latin text a Japanese or Chinese reply may carry: commands, URLs, codes, names of sources.
ALLOWED = re.compile(r"(?:/carry|carrybot)(?:[ \t][\w:/|.@-]+)*|https?://\S+|attachment://\S+")
RUN_OF_WORDS = re.compile(r"\b[A-Za-z][a-z']+(?:[ \t-]+[A-Za-z][a-z']+){2,}\b")
FUNCTION_WORD = re.compile(
    r"(?<![\w/])(?:the|of|and|is|are|was|from|since|with|for|to|not|no|cannot|has)(?![\w/])"
)


def english(text: str) -> list[str]:
    """English sentences (or pieces of them) left in a reply."""
    plain = ALLOWED.sub(" ", re.sub(r"<[^>]+>", " ", text))
    return RUN_OF_WORDS.findall(plain) + FUNCTION_WORD.findall(plain)


def rendered(reply: Reply, locale: str) -> Iterator[tuple[str, str]]:
    for fmt in FORMATS:
        for message in render(reply, fmt, locale):
            yield fmt, message.text
            if message.embed is not None:
                yield fmt, str(message.embed)


def assert_no_english(reply: Reply, locale: str, what: str) -> None:
    found = {(fmt, piece) for fmt, text in rendered(reply, locale) for piece in english(text)}
    # And no Latin word outside the names and glossary renderings (tests/test_glossary.py).
    found |= {
        (fmt, piece)
        for fmt, text in rendered(reply, locale)
        if fmt != "discord"  # its embeds are dicts here; the same text as telegram_html
        for piece in untranslated(html.unescape(re.sub(r"<[^>]+>", " ", text)), locale)
    }
    assert not found, f"{what} ({locale}) carries English: {sorted(found)}"


def test_the_detector_catches_english_and_lets_commands_through() -> None:
    assert english("Unwind pressure cannot be computed today")
    assert english("巻き戻し圧力 since 2026/10/30")
    assert not english("スコアの説明は /carry explain。A1 と USD/JPY、FRED · CFTC")
    assert not english("carrybot refresh を実行してください")


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_reply(tmp_path: Path, locale: str, command: str) -> None:
    for kind in ("stressed", "sparse", "none"):
        services = make_services(f"sqlite:///{tmp_path / f'{kind}.sqlite3'}", kind)
        ctx = CommandContext("telegram", "-1001", "42", "Aiko", True, locale=locale, now=NOW)
        reply = dispatch(command, ctx, services)
        assert_no_english(reply, locale, f"{command} on {kind} data")


ALERTS = [
    {"kind": "regime", "regime": regime, "previous": "STABLE"}
    for regime in ("UNWINDING", "UNWINDING_GRADUAL", "ELEVATED", "BUILDING", "RESET", "STABLE")
] + [{"kind": "pressure"}, {"kind": "fuel"}, {"kind": "move"}]


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("alert", ALERTS, ids=lambda a: f"{a['kind']}-{a.get('regime', '')}")
def test_every_alert(locale: str, alert: dict[str, str]) -> None:
    context = {
        "as_of": date(2026, 6, 12),
        "regime": "ELEVATED",
        "previous": "STABLE",
        "c": 58.0,
        "fuel": 61.0,
        "last_c": 40.0,
        "pressure_threshold": 55,
        "fuel_threshold": 60,
        "crossed": [],
        **alert,
    }
    assert_no_english(Reply("alert", context, locale=locale), locale, f"alert {alert}")


SAMPLE_NOTES: list[notes.Note] = [
    notes.Offline(),
    notes.LiveRateUsed(
        "boj",
        "jp.call",
        1.5,
        1.5,
        date(2026, 11, 2),
        date(2026, 10, 30),
        False,
        1.25,
        1.25,
        date(2026, 9, 18),
    ),
    notes.LiveRateUsed(
        "fed",
        "us.fed.range",
        3.25,
        3.5,
        date(2026, 11, 16),
        date(2026, 11, 16),
        True,
        3.75,
        4.0,
        date(2026, 9, 16),
    ),
    notes.PolicyTableBehind("fed", date(2026, 3, 18), 3.5, 3.75, 5, date(2026, 10, 28)),
    notes.PolicyTableBehind("boj", date(2026, 1, 23), 0.75, 0.75, 1, date(2026, 3, 19)),
    notes.LiveCheckUnavailable("fed", "us.fed.range", date(2024, 1, 31)),
    notes.LiveCheckUnavailable("fed", "us.fed.target", None),
    notes.LiveCheckUnavailable("boj", "jp.call", None),
]


def sample_claims() -> list[lede.Claim]:
    claims: list[lede.Claim] = [
        lede.NoCloseToday(date(2026, 12, 1), date(2026, 10, 30)),
        lede.PressureUnavailable(date(2026, 10, 30), date(2026, 11, 4), "STABLE"),
        lede.PressureUnavailable(date(2026, 10, 30), None, "STABLE"),
        lede.PressureUnavailable(None, None, "STABLE"),
        lede.PositioningClaim(45.0, 12.0, "building"),
        lede.PositioningClaim(45.0, -13.0, "reducing"),
        lede.PositioningClaim(45.0, -3.0, "steady"),
        lede.PositioningClaim(45.0, None, "steady"),
        lede.PositioningOutOfDate(date(2025, 4, 29)),
        lede.PositioningOutOfDate(None),
    ]
    for regime in ("UNWINDING", "UNWINDING_GRADUAL", "ELEVATED", "BUILDING", "RESET", "STABLE"):
        for pressure in (12.0, 48.0):
            claims.append(lede.RegimeClaim(regime, pressure, -6.2, 58.0, -18.0, -40.0, -3.1))
            claims.append(lede.RegimeClaim(regime, pressure, None, None, None, None, None))
    day = date(2024, 8, 5)
    nikkei = lede.AssetMove("eq.nikkei225", -12.4, day)
    sp500 = lede.AssetMove("eq.sp500", 1.0, date(2024, 8, 2))
    for trigger in ("usdjpy_fall", "pressure"):
        for direction, moves in (("down", (nikkei,)), ("up", (sp500,)), ("mixed", (nikkei, sp500))):
            claims.append(
                lede.RiskAssetMoves(
                    trigger, day, -2.1, 95.0, moves, direction, ("crypto.btcusd",), 38.6, 15.2, day
                )
            )
        claims.append(
            lede.RiskAssetMoves(trigger, day, -2.1, 95.0, (), "mixed", (), 38.6, None, day)
        )
        claims.append(
            lede.RiskAssetMoves(
                trigger, day, -2.1, 95.0, (), "mixed", ("eq.sp500",), None, None, None
            )
        )
    for key, unit in (
        ("eq.nikkei225", "pct"),
        ("gap_2y", "bp"),
        ("jp.30y", "bp"),
        ("usdjpy", "pct"),
    ):
        for notable, named in ((True, True), (True, False), (False, False)):
            claims.append(lede.LargestMove(key, unit, -12.4, 31458.4, -10.5, day, notable, named))
    for direction in ("narrowing", "widening", "flat"):
        for now, then in ((58.0, 91.0), (70.0, 50.0), (60.0, 60.2), (58.0, None)):
            claims.append(lede.ThesisClaim(direction, 362.0, -89.0, now, then))
    for claim in list(claims):
        if isinstance(claim, lede.RegimeClaim) and claim.regime in (
            "STABLE",
            "BUILDING",
            "UNWINDING_GRADUAL",
        ):
            claims.append(replace(claim, no_sign=True, crowding_measured=False))
        if isinstance(claim, lede.LargestMove) and not claim.notable:
            claims.append(replace(claim, quiet=True))
    for days, count, unit in ((1, 1, "day"), (3, 3, "day"), (14, 2, "week"), (38, 5, "week")):
        for reason, sources in (("seed", ()), ("offline", ()), ("sources", ("fred", "ecb"))):
            old = date(2026, 12, 7) - timedelta(days=days)
            claims.append(
                lede.StoreAge(old, date(2026, 12, 7), Age(days, count, unit), reason, sources)
            )
    claims.append(
        lede.StoreAge(date(2026, 8, 7), date(2026, 12, 7), Age(122, 4, "month"), "sources", ())
    )
    claims.append(
        lede.StoreAge(date(2023, 8, 7), date(2026, 12, 7), Age(1218, 3, "year"), "seed", ())
    )
    for groups in (("vix",), ("cftc", "vix"), ("gap_2y", "cftc"), ("usdjpy",)):
        claims.append(lede.ProvisionalClaim(groups, Reach(48.0, 78.0, (65.0,)), None))
        claims.append(lede.ProvisionalClaim(groups, None, Reach(31.0, 67.0, (55.0,))))
    claims.append(lede.ThesisUnavailable(date(2025, 11, 13), date(2026, 4, 30), True))
    claims.append(lede.ThesisUnavailable(date(2026, 4, 30), date(2026, 4, 30), False))
    claims += decision_claims()
    return claims


def decision_claims() -> list[lede.Claim]:
    """A decision just taken (raised, cut, held; by each bank; announced, live, from the table;
    between meetings) and a bank deciding later today."""
    claims: list[lede.Claim] = []
    september, effective = date(2026, 9, 18), date(2026, 9, 24)
    for bank, (old, new) in (("boj", (1.0, 1.25)), ("fed", (3.75, 3.5))):
        for action, rate in (("raised", new), ("cut", new), ("held", old)):
            for status, origin, source in (
                ("announced", f"{bank}-feed", "https://example.org/decision"),
                ("live", "live", "jp.call" if bank == "boj" else "us.fed.range"),
                ("table", "table", ""),
            ):
                for between in (False, True):
                    claims.append(
                        decision_day.DecisionClaim(
                            bank,
                            september,
                            action,
                            rate,
                            rate + (0.25 if bank == "fed" else 0),
                            old,
                            old + (0.25 if bank == "fed" else 0),
                            25.0,
                            effective if not between else None,
                            status,
                            origin,
                            source,
                            between,
                            287.5,
                            262.5 if action != "held" else 287.5,
                            64.0 if status == "table" else None,
                            61.0 if status == "table" else None,
                            september if status == "table" else None,
                        )
                    )
    claims.append(
        decision_day.DecisionClaim(
            "boj",
            september,
            "raised",
            1.25,
            1.25,
            None,
            None,
            25.0,
            None,
            "table",
            "table",
            "",
            False,
            None,
            None,
            None,
            None,
            None,
        )
    )
    at = datetime(2026, 7, 29, 14, 0, tzinfo=ZoneInfo("America/New_York"))
    claims.append(decision_day.DecidesToday("fed", date(2026, 7, 29), at, at, 3.5, 3.75))
    claims.append(
        decision_day.DecidesToday("fed", date(2026, 7, 29), at, at, 3.5, 3.75).in_zone("Asia/Tokyo")
    )
    noon = datetime(2026, 10, 30, 12, 0, tzinfo=ZoneInfo("Asia/Tokyo"))
    claims.append(decision_day.DecidesToday("boj", date(2026, 10, 30), None, noon, 1.25, 1.25))
    return claims


DECISION_POSTS = [
    {
        "bank": bank,
        "decided": date(2026, 9, 18),
        "effective": date(2026, 9, 24),
        "lower": 1.25,
        "upper": 1.25,
        "previous_lower": 1.0,
        "previous_upper": 1.0,
        "action": action,
        "change_bp": 25.0,
        "status": "announced",
        "origin": origin,
        "source": source,
        "between_meetings": between,
        "other_lower": 3.75,
        "other_upper": 4.0,
        "gap_before_bp": 287.5,
        "gap_after_bp": 262.5,
        "carry": carry,
    }
    for bank in ("fed", "boj")
    for action, carry in (("raised", "narrower"), ("cut", "wider"), ("held", "unchanged"))
    for origin, source, between in (
        (f"{bank}-feed", "https://example.org/d", False),
        ("live", "jp.call", True),
        ("operator", "https://example.org/e", False),
    )
]


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize(
    "post", DECISION_POSTS, ids=lambda p: f"{p['bank']}-{p['action']}-{p['origin']}"
)
def test_every_decision_post(locale: str, post: dict[str, object]) -> None:
    assert_no_english(Reply("decision", post, locale=locale), locale, f"decision post {post}")


def subclasses(base: type) -> set[type]:
    found = set()
    for sub in base.__subclasses__():
        found |= {sub} | subclasses(sub)
    return found


def test_the_samples_cover_every_note_and_claim() -> None:
    assert {type(n) for n in SAMPLE_NOTES} == subclasses(notes.Note)
    assert {type(c) for c in sample_claims()} == subclasses(lede.Claim)


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("template", ["carry", "brief", "explain", "sources"])
def test_every_note_and_claim_is_worded(locale: str, template: str) -> None:
    snapshot = computed("stressed")[0]
    snapshot = dataclasses.replace(snapshot, notes=tuple(SAMPLE_NOTES))
    v = dataclasses.replace(view(snapshot), lede=tuple(sample_claims()))
    reply = Reply(template, {"v": v}, locale=locale)
    assert_no_english(reply, locale, template)
    text = "\n".join(t for _, t in rendered(reply, locale))
    if template in ("carry", "brief"):
        assert text.count("2026/10/30" if locale == "ja" else "2026年10月30日") >= 1


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path_factory.mktemp('seed') / 'seed.sqlite3'}"
    return open_seeded_store(url)


@pytest.mark.slow
@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize(
    "day", [date(2026, 12, 1), date(2024, 8, 5), date(2008, 10, 10), date(1998, 10, 8)]
)
def test_the_briefing_on_real_data(seeded, locale: str, day: date) -> None:  # type: ignore[no-untyped-def]
    services = store_services(seeded, today=lambda: day)
    assert_no_english(briefing(services, locale), locale, f"briefing of {day}")
    for command in ("/carry", "/carry explain", "/carry sources"):
        ctx = CommandContext("telegram", "-1001", "42", "Aiko", True, locale=locale, now=NOW)
        assert_no_english(dispatch(command, ctx, services), locale, f"{command} on {day}")


@pytest.mark.parametrize(("locale", "lang_command"), [("ja", None), ("zh", "/carry lang zh")])
def test_an_alert_reaches_the_chat_in_its_language(
    tmp_path: Path, locale: str, lang_command: str | None
) -> None:
    """From the chat's own commands through the scheduler tick to the rendered delivery."""
    from datetime import UTC, datetime, timedelta

    from analytics.storage.database import open_database
    from bot.delivery.queue import DeliveryQueue
    from bot.delivery.rendering import DeliveryRenderer
    from bot.delivery.scheduler import Reading, Scheduler, Subscriptions
    from commands.settings.store import SettingsStore

    url = f"sqlite:///{tmp_path / 'alerts.sqlite3'}"
    services = make_services(url)
    ctx = CommandContext("telegram", "-1001", "7", "Aiko", True, locale=locale, now=NOW)
    for command in filter(None, (lang_command, "/carry alerts on")):
        assert dispatch(command, ctx, services).ok
    engine = open_database(url)
    readings = [
        Reading("v1", date(2026, 6, 11), "STABLE", 20.0, 40.0),
        Reading("v2", date(2026, 6, 12), "ELEVATED", 50.0, 40.0),
    ]
    scheduler = Scheduler(
        engine, Subscriptions(SettingsStore(engine)), DeliveryQueue(engine), lambda: readings[0]
    )
    now = datetime(2026, 6, 12, 9, 0, tzinfo=UTC)
    scheduler.tick(now)
    readings.pop(0)
    assert scheduler.tick(now + timedelta(minutes=1)).alerts == 1
    [row] = DeliveryQueue(engine).rows()
    assert row.locale == locale
    renderer = DeliveryRenderer(services)
    for fmt in FORMATS:
        for message in renderer.rendered("alert", fmt, row.locale, row.payload).messages:  # type: ignore[arg-type]
            text = message.text + str(message.embed or "")
            assert not english(text), (fmt, english(text))
            assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", text)
