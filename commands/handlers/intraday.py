"""``/carry intraday``: USD/JPY between two closes, with a chart of the day.

The reading is provisional (``analytics.picture.intraday``): intraday prices until the next daily
close replaces them. The chart draws the last 24 hours of bars, USD/JPY in yen with Bitcoin
rebased, its words in the chat's language (English where no CJK font is installed, and the reply
says so). Without the watch (no ``TWELVEDATA_API_KEY`` on this deployment) the reply says it is
off and how the operator turns it on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from commands import languages
from commands.grammar import Command, Invocation
from commands.presentation.render import environment
from commands.reply import Reply

if TYPE_CHECKING:
    from analytics.charts.intraday import ChartText

CHART_LINES = ("title", "subtitle", "usdjpy", "bitcoin", "left_axis", "right_axis", "footer")


def intraday(inv: Invocation) -> Reply:
    """The provisional reading and the day's chart."""
    watch = inv.services.intraday
    zone = ZoneInfo(inv.settings.timezone)
    if watch is None or not watch.on:
        return inv.reply("intraday", r=None, on=False, zone=zone, english_chart=False)
    now = watch.now()
    found = watch.reading(now)
    if found is None:
        return inv.reply("intraday", r=None, on=True, zone=zone, english_chart=False)
    # matplotlib loads only when a chart is drawn: every other command (and `brief`) starts faster.
    from analytics.charts.intraday import cjk_font, intraday_chart

    fx, btc = watch.day_bars(now)
    row = languages.language(inv.locale)
    language = row.code if not row.cjk or cjk_font() else languages.ENGLISH.code
    text = chart_text(language, fx, zone, found)
    png = intraday_chart(fx, btc, text, zone)
    reply = inv.reply("intraday", r=found, on=True, zone=zone, english_chart=language != inv.locale)
    return Reply(
        reply.template,
        reply.context,
        locale=reply.locale,
        image=png,
        filename=f"carrybot-intraday-{found.at:%Y%m%d-%H%M}.png",
    )


def chart_text(language: str, fx: object, zone: ZoneInfo, found: object) -> ChartText:
    """The chart's words in ``language``, from ``replies/intraday_chart_text.j2`` (one a line)."""
    from analytics.charts.intraday import ChartText

    template = environment("text", language).get_template("replies/intraday_chart_text.j2")
    lines = [line.strip() for line in template.render(r=found, zone=zone, bars=fx).splitlines()]
    words = [line for line in lines if line]
    return ChartText(**dict(zip(CHART_LINES, words, strict=True)))


COMMANDS = (Command("intraday", intraday, example="/carry intraday"),)
