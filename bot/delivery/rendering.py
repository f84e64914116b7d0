"""Rendering each delivery's messages once per (kind, format, language, snapshot version).

A fan-out to thousands of chats renders the briefing once per format and language, not once
per chat; alerts once per set of facts.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from bot.delivery import intraday_alerts
from commands.handlers.charts import chart_filename
from commands.handlers.snapshot import briefing_of
from commands.presentation.layout import Message
from commands.presentation.render import Format, render
from commands.reply import Reply
from commands.services import Current, NoData, Services


@dataclass(frozen=True)
class Rendered:
    """A delivery's messages, the snapshot version they show, or why there are none."""

    messages: tuple[Message, ...]
    version: str
    problem: str = ""


class DeliveryRenderer:
    """Messages per (kind, format, language, snapshot version or alert facts), rendered once.

    Briefings read the snapshot once (``commands.handlers.snapshot.briefing_of``) and, with ``chart=(kind, window)``, attach that
    chart (uploaded once per platform)."""

    def __init__(
        self, services: Services, chart: tuple[str, str] | None = None, cache_size: int = 64
    ) -> None:
        self.services = services
        self.chart = chart
        self.cache_size = cache_size
        self.renders = 0
        self._cache: OrderedDict[tuple[str, ...], Rendered] = OrderedDict()
        self._lock = threading.Lock()

    def rendered(self, kind: str, fmt: Format, locale: str, payload: Mapping[str, Any]) -> Rendered:
        """The messages of one delivery (blocking: call it from a thread)."""
        current = None
        if kind == "briefing":
            try:
                current = self.services.snapshots.current()
            except NoData:
                return Rendered((), "", "no data to brief from yet")
            key: tuple[str, ...] = (kind, fmt, locale, str(current.version))
            if payload:  # a chat's own addition (the verdict on its intraday alert)
                key = (*key, json.dumps(dict(payload), sort_keys=True, default=str))
        else:
            key = (kind, fmt, locale, json.dumps(dict(payload), sort_keys=True, default=str))
        with self._lock:
            found = self._cache.get(key)
            if found is not None:
                self._cache.move_to_end(key)
                return found
            result = self._render(kind, fmt, locale, payload, current)
            self.renders += 1
            self._cache[key] = result
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
            return result

    def _render(
        self,
        kind: str,
        fmt: Format,
        locale: str,
        payload: Mapping[str, Any],
        current: Current | None,
    ) -> Rendered:
        if kind == "alert" and payload.get("kind") == intraday_alerts.PAYLOAD_KIND:
            reply = Reply("intraday_alert", intraday_alerts.alert_context(payload), locale=locale)
            return Rendered(tuple(render(reply, fmt)), "alert")
        if kind == "decision":
            context = dict(payload)
            for field in ("decided", "effective"):
                context[field] = date.fromisoformat(str(payload[field]))
            reply = Reply("decision", context, locale=locale)
            return Rendered(tuple(render(reply, fmt)), "decision")
        if kind == "alert" or current is None:
            context = dict(payload)
            context["as_of"] = date.fromisoformat(str(payload["as_of"]))
            return Rendered(tuple(render(Reply("alert", context, locale=locale), fmt)), "alert")
        # The briefing, its chart and the cache key all come from the one ``current`` read in
        # ``rendered``: a refresh landing meanwhile cannot put one version's text under another's.
        reply = briefing_of(current.snapshot, locale)
        if payload.get("intraday"):  # the verdict on the chat's intraday alert
            context = {**reply.context, **intraday_alerts.briefing_context(payload["intraday"])}
            reply = replace(reply, context=context)
        if self.chart is not None:
            kind_, window = self.chart
            png = self.services.snapshots.chart(kind_, window, current, language=locale).png
            last = current.daily.index[-1]
            reply = replace(reply, image=png, filename=chart_filename(kind_, window, last))
        return Rendered(tuple(render(reply, fmt)), str(current.version))
