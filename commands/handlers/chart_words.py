"""A chart's words in the chat's language, from the same gettext catalogues as the replies.

``words(language)`` answers each key of ``analytics.charts.words.TEXT`` through the template
``templates/charts/words.j2`` (its messages are extracted and translated like every reply's),
with dates written the language's way; English is ``analytics.charts.words.ENGLISH`` itself.
Languages written in CJK characters (their row's ``cjk``) tick the date axis 年/月/日.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import Any

from analytics.charts.words import CJK_TICKS, CJK_ZERO_TICKS, ENGLISH, Words
from commands import languages
from commands.presentation.formatting import formatter
from commands.presentation.render import environment


@cache
def words(language: str | None) -> Words:
    """The ``Words`` of a chat language (English for the source language or an unknown one)."""
    row = languages.language(language)
    if row.catalogue is None:
        return ENGLISH
    module: Any = environment("text", row.code).get_template("charts/words.j2").module
    fmt = formatter(row.code)

    def day(value: date) -> str:
        return str(fmt.date(value))

    def say(key: str, **values: object) -> str:
        shown = {k: day(v) if isinstance(v, date) else v for k, v in values.items()}
        return str(module.say(key, shown)).strip()

    if row.cjk:
        return Words(say, day, row.punctuation.comma, CJK_TICKS, CJK_ZERO_TICKS)
    return Words(say, day, row.punctuation.comma)
