"""The languages carrybot speaks: one row each, and everything language-specific reads it.

A row says how a language is named, where its gettext catalogue lives, which Discord and
Telegram locales it answers, how it writes numbers, dates and lists, and its punctuation.
The settings (``/carry lang``), the renderer and its templates, the catalogues, the chart
words, the CLI's ``--lang``, Discord's choices and translator and Telegram's command menu all
read ``LANGUAGES``. Adding a language is one row here plus its catalogue
(``pybabel init -i templates/locale/messages.pot -d templates/locale -l <catalogue>``); see the
README's "Adding a language".

The table is read at call time (never copied into another module's constant), so a test may
register a row with ``monkeypatch``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Punctuation:
    """The marks a template puts between its own pieces of text."""

    full_stop: str = "."
    comma: str = ", "  # between clauses or items joined by a template
    colon: str = ": "
    semicolon: str = "; "  # between the clauses of one sentence (a footnote's items)
    parentheses: tuple[str, str] = (" (", ")")
    sentence_space: str = " "  # between two sentences


@dataclass(frozen=True)
class Listing:
    """How items join: ``a, b and c`` — the separator, then the word before the last item
    (``pair``: between two items alone, where a language writes it differently)."""

    separator: str = ", "
    and_last: str = " and "
    and_pair: str = " and "
    or_last: str = " or "
    or_pair: str = " or "

    def join(self, items: list[str], *, choice: bool = False) -> str:
        """The items as one phrase (``choice``: joined by "or" instead of "and")."""
        if len(items) <= 1:
            return "".join(items)
        if len(items) == 2:
            return items[0] + (self.or_pair if choice else self.and_pair) + items[1]
        last = self.or_last if choice else self.and_last
        return self.separator.join(items[:-1]) + last + items[-1]


@dataclass(frozen=True)
class Numbers:
    """Digits, separators and the words for large amounts of money."""

    decimal: str = "."
    group: str = ","
    # Large-number words, largest first (Japanese and Chinese count in steps of 10^4).
    big_units: tuple[tuple[float, str], ...] = ((1e12, "tn"), (1e9, "bn"), (1e6, "m"))
    unit_space: str = " "  # between the number and its large-number word
    # Currency code → (prefix, suffix): ``¥40 tn``, ``40兆円``.
    currencies: tuple[tuple[str, str, str], ...] = (("JPY", "¥", ""), ("USD", "$", ""))
    # Small counts written as words in running text ("five weeks ago"); beyond them, digits.
    words: tuple[str, ...] = (
        "zero", "one", "two", "three", "four", "five", "six",
        "seven", "eight", "nine", "ten", "eleven", "twelve",
    )  # fmt: skip

    def currency(self, code: str) -> tuple[str, str] | None:
        """(prefix, suffix) of a currency, None when the language writes no such amount."""
        return next(((p, s) for c, p, s in self.currencies if c == code), None)


@dataclass(frozen=True)
class Dates:
    """CLDR patterns (month names come from the row's Babel locale)."""

    date: str = "d MMM y"
    month: str = "MMM y"
    time: str = "HH:mm"
    datetime: str = "{date}, {time}"


@dataclass(frozen=True)
class Language:
    """One language carrybot speaks."""

    code: str  # what /carry lang, --lang and the settings store use
    catalogue: str | None  # directory under templates/locale (None: the source text, English)
    native_name: str  # how the language calls itself: what users pick from
    english_name: str
    babel_locale: str  # month names, plural rules of the catalogue
    discord_locales: tuple[
        str, ...
    ]  # Discord client locales it answers (``discord.Locale`` values)
    telegram_code: str | None  # its Telegram command menu's language_code (None: the default menu)
    spellings: tuple[str, ...] = ()  # other ways to type it in /carry lang (lower case)
    cjk: bool = False  # written in CJK characters: charts tick dates 年/月/日 and need the CJK font
    numbers: Numbers = Numbers()
    dates: Dates = Dates()
    listing: Listing = Listing()
    punctuation: Punctuation = Punctuation()


_CJK_PUNCTUATION = Punctuation(
    full_stop="。", comma="、", colon="：", parentheses=("（", "）"), sentence_space=""
)

ENGLISH = Language(
    code="en",
    catalogue=None,
    native_name="English",
    english_name="English",
    babel_locale="en_GB",  # British English writes dates day-first ("17 Jun 2026")
    discord_locales=("en-US", "en-GB"),
    telegram_code=None,
)

LANGUAGES: tuple[Language, ...] = (
    ENGLISH,
    Language(
        code="ja",
        catalogue="ja",
        native_name="日本語",
        english_name="Japanese",
        babel_locale="ja",
        discord_locales=("ja",),
        telegram_code="ja",
        spellings=("jp", "jpn"),
        cjk=True,
        numbers=Numbers(
            big_units=((1e12, "兆"), (1e8, "億"), (1e4, "万")),
            unit_space="",
            currencies=(("JPY", "", "円"), ("USD", "", "ドル")),
            words=(),
        ),
        dates=Dates(date="y/MM/dd", month="y年M月", time="H:mm", datetime="{date} {time}"),
        listing=Listing(
            separator="、", and_last="、", and_pair="、", or_last="、または", or_pair="または"
        ),
        punctuation=replace(_CJK_PUNCTUATION, semicolon="。"),
    ),
    Language(
        code="zh",
        catalogue="zh_Hans",
        native_name="简体中文",
        english_name="Simplified Chinese",
        babel_locale="zh_Hans",
        discord_locales=("zh-CN",),
        telegram_code="zh",
        spellings=("zh-hans", "zh-cn", "zh-sg", "cn"),
        cjk=True,
        numbers=Numbers(
            big_units=((1e12, "万亿"), (1e8, "亿"), (1e4, "万")),
            unit_space="",
            currencies=(("JPY", "", "日元"), ("USD", "", "美元")),
            words=(),
        ),
        dates=Dates(date="y年M月d日", month="y年M月", time="HH:mm", datetime="{date} {time}"),
        listing=Listing(separator="、", and_last="和", and_pair="和", or_last="或", or_pair="或"),
        punctuation=replace(_CJK_PUNCTUATION, semicolon="；"),
    ),
)


def codes() -> tuple[str, ...]:
    """Every language's code, in the table's order."""
    return tuple(row.code for row in LANGUAGES)


def language(code: str | None) -> Language:
    """The row of a chat language (``normalise_language`` spellings accepted; English when
    unknown)."""
    found = normalise_language(code)
    return next((row for row in LANGUAGES if row.code == found), ENGLISH)


def parse_language(text: str) -> str | None:
    """The code a user typed: a code or one of a row's spellings, any case, ``_`` for ``-``;
    None when no language is written so."""
    key = text.strip().lower().replace("_", "-")
    return next((row.code for row in LANGUAGES if key == row.code or key in row.spellings), None)


def normalise_language(value: str | None) -> str | None:
    """A language code from a platform or Babel locale code (``ja-JP``, ``zh_Hans``,
    ``zh-TW``): its own spelling, else the part before the region; None when no row matches."""
    if not value:
        return None
    typed = parse_language(value)
    if typed is not None:
        return typed
    head = value.strip().lower().replace("_", "-").split("-", 1)[0]
    return head if head in codes() else None


def by_discord_locale(locale: str) -> Language | None:
    """The row a Discord client locale (``zh-CN``) reads, None when carrybot does not speak it."""
    return next((row for row in LANGUAGES if locale in row.discord_locales), None)


def translated() -> tuple[Language, ...]:
    """The rows with a catalogue (every language but the source text)."""
    return tuple(row for row in LANGUAGES if row.catalogue is not None)
