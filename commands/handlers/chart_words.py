"""A chart's words in the chat's language, from the same gettext catalogues as the replies.

``words(language)`` answers each key of ``analytics.charts.words.TEXT`` through the template
``templates/charts/words.j2`` (its messages are extracted and translated like every reply's),
with dates written the language's way; English is ``analytics.charts.words.ENGLISH`` itself.
Languages whose dates use 年/月/日 tick the date axis so too.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import Any

from analytics.charts.words import CJK_TICKS, CJK_ZERO_TICKS, ENGLISH, Words
from commands.presentation.formatting import formatter, normalise_language
from commands.presentation.render import environment

CJK_LANGUAGES = frozenset({"ja", "zh", "ko"})  # Babel language codes


@cache
def words(language: str | None) -> Words:
    """The ``Words`` of a chat language (English for ``en`` or an unknown one)."""
    code = normalise_language(language or "en") or "en"
    if code == "en":
        return ENGLISH
    module: Any = environment("text", code).get_template("charts/words.j2").module
    fmt = formatter(code)

    def day(value: date) -> str:
        return str(fmt.date(value))

    def say(key: str, **values: object) -> str:
        shown = {k: day(v) if isinstance(v, date) else v for k, v in values.items()}
        return str(module.say(key, shown)).strip()

    if fmt.locale.language in CJK_LANGUAGES:
        return Words(say, day, "、", CJK_TICKS, CJK_ZERO_TICKS)
    return Words(say, day)
