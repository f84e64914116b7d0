"""``/carry settings`` and the moderators' commands that change them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from commands import languages
from commands.grammar import Arg, Command, Invocation
from commands.reply import Reply
from commands.settings.model import (
    DEFAULTS,
    THRESHOLD_KINDS,
    ChatSettings,
    parse_language,
    parse_move_threshold,
    parse_threshold,
    parse_time,
    parse_timezone,
)


def next_briefing(settings: ChatSettings, now: datetime) -> datetime:
    """The next moment the daily briefing is due, in the chat's zone (DST-safe)."""
    zone = ZoneInfo(settings.timezone)
    local_now = now.astimezone(zone)
    hour, minute = (int(part) for part in settings.briefing_time.split(":"))
    due = local_now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if due <= local_now:
        due = (due.replace(tzinfo=None) + timedelta(days=1)).replace(tzinfo=zone)
    return due


def _settings_context(inv: Invocation, settings: ChatSettings) -> dict[str, object]:
    store = inv.services.settings
    change = store.last_change(inv.ctx.key)
    return {
        "settings": settings,
        "chat_title": inv.ctx.chat_title,
        "zone": ZoneInfo(settings.timezone),
        "next_at": next_briefing(settings, inv.ctx.now) if settings.briefing else None,
        "last_change": change,
        "is_moderator": inv.ctx.is_moderator,
    }


def show(inv: Invocation) -> Reply:
    """This chat's settings and who changed them last."""
    return inv.reply("settings", **_settings_context(inv, inv.settings))


def _change(
    inv: Invocation, what: str, changes: Mapping[str, object], reply_locale: str | None = None
) -> Reply:
    store = inv.services.settings
    stored = store.find(inv.ctx.key)
    current = stored or DEFAULTS
    # A chat without settings is answered in each user's language: choosing one always pins it.
    pins_language = stored is None and "language" in changes
    if not pins_language and all(getattr(current, k) == v for k, v in changes.items()):
        # Asking for what is already set changes nothing and records nothing.
        context = {"what": what, "unchanged": True, **_settings_context(inv, current)}
        return Reply("changed", context, locale=inv.locale)
    if "language" not in changes and stored is None:
        # A chat's first setting keeps the language it has been answered in so far.
        changes = {**changes, "language": inv.locale}
    new = store.update(inv.ctx.key, changes, inv.ctx.actor, inv.ctx.now)
    context = {"what": what, "before": inv.settings, **_settings_context(inv, new)}
    return Reply("changed", context, locale=reply_locale or inv.locale)


def subscribe(inv: Invocation) -> Reply:
    """Turn the daily briefing on at a local time (and zone)."""
    changes: dict[str, object] = {
        "briefing": True,
        "briefing_time": parse_time(inv.args["time"] or ""),
    }
    if inv.args["zone"]:
        changes["timezone"] = parse_timezone(inv.args["zone"])
    return _change(inv, "subscribed", changes)


def unsubscribe(inv: Invocation) -> Reply:
    """Turn the daily briefing off."""
    return _change(inv, "unsubscribed", {"briefing": False})


def threshold(inv: Invocation) -> Reply:
    """Set the alert threshold of unwind pressure or carry fuel (points), or the intraday
    alert's USD/JPY move (percent)."""
    kind = inv.args["kind"] or "pressure"
    text = inv.args["value"] or ""
    value = parse_move_threshold(text) if kind == "move" else parse_threshold(text)
    return _change(inv, f"threshold_{kind}", {f"{kind}_threshold": value})


def alerts(inv: Invocation) -> Reply:
    """Turn alerts on or off, or only the intraday alert (``alerts intraday off``)."""
    on = inv.args["state"] == "on"
    if inv.args["scope"] == "intraday":
        return _change(inv, "alerts_intraday", {"intraday_alerts": on})
    return _change(inv, "alerts", {"alerts": on})


def lang(inv: Invocation) -> Reply:
    """Choose the chat's language; the confirmation already speaks it."""
    language = parse_language(inv.args["language"] or "")
    return _change(inv, "language", {"language": language}, reply_locale=language)


def reset(inv: Invocation) -> Reply:
    """Back to the defaults."""
    store = inv.services.settings
    if store.find(inv.ctx.key) is None:  # already the defaults: nothing to reset or record
        context = {"what": "reset", "unchanged": True, **_settings_context(inv, DEFAULTS)}
        return Reply("changed", context, locale=inv.locale)
    new = store.reset(inv.ctx.key, inv.ctx.actor, inv.ctx.now)
    context = {"what": "reset", "before": inv.settings, **_settings_context(inv, new)}
    return Reply("changed", context, locale=new.language)


COMMANDS = (
    Command("settings", show, example="/carry settings"),
    Command(
        "subscribe",
        subscribe,
        (Arg("time", label="HH:MM"), Arg("zone", optional=True, rest=True, label="Area/City")),
        moderator_only=True,
        example="/carry subscribe 08:00 Asia/Tokyo",
    ),
    Command("unsubscribe", unsubscribe, moderator_only=True, example="/carry unsubscribe"),
    Command(
        "threshold",
        threshold,
        (Arg("kind", THRESHOLD_KINDS), Arg("value", label="N")),
        moderator_only=True,
        example="/carry threshold pressure 55",
    ),
    Command(
        "alerts",
        alerts,
        (Arg("scope", ("intraday",), optional=True), Arg("state", ("on", "off"))),
        moderator_only=True,
        example="/carry alerts on",
    ),
    Command(
        "lang",
        lang,
        (Arg("language", label=lambda: "|".join(languages.codes())),),
        moderator_only=True,
        example="/carry lang ja",
        aliases=("language",),
    ),
    Command("reset", reset, moderator_only=True, example="/carry reset"),
)
