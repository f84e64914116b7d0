"""The glossary of each language, and the Latin-script names a Japanese or Chinese text may hold.

``templates/locale/<dir>/glossary.txt`` gives each carry term (carry fuel, unwind pressure,
USD/JPY, the regimes…) its one rendering in that language: every message whose English holds the
term holds that rendering in its translation, so a term reads the same in every reply.
``templates/locale/names.txt`` lists the names that stay Latin in every language (FRED, CFTC,
VIX, the signal's part codes…); with the glossary's own Latin renderings (FRB, S&P500 in
Japanese) and the commands a user types, they are the only Latin words a ja or zh text may hold.
``tests/test_glossary.py`` checks both against the catalogues and the rendered replies.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from commands.languages import language as language_row
from commands.presentation.catalogues import locale_dir

# Commands to type, URLs and attachment names: Latin in every language.
_TYPED = re.compile(
    r"(?<![A-Za-z0-9_/])(?:/carry|carrybot)(?:[ \t]+[A-Za-z0-9_:/|.@\[\]+±−-]+)*"
    r"|https?://\S+|attachment://\S+"
    r"|\b\w+(?:\|\w+)+"  # the choices of an argument, gap|pressure|markets
)
# Time zones as IANA names them (the chat's zone, "Asia/Tokyo"), and UTC.
_ZONE = re.compile(
    r"\b(?:Africa|America|Antarctica|Asia|Atlantic|Australia|Europe|Indian|Pacific|Etc|US)"
    r"/[A-Za-z0-9_+/-]+|\bUTC(?:[+-]\d+)?\b|\b[A-Z]{2,4}T\b"
)
# What the user typed, quoted back (「xx」, “abc”): it stays as typed.
_QUOTED = re.compile(r"「[^」]*」|“[^”]*”|\"[^\"]*\"")
_PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%%")
_TAG = re.compile(r"<[^>]+>")
# An ASCII full stop ending a Japanese or Chinese sentence: after a CJK character, a bracket, a
# percent sign, a digit or a unit, followed by a space or the end of the text.
ENGLISH_STOP = re.compile(r"(?:[^\x00-\x7F]|[)%\d]|\bbp)\.(?=\s|$)")
# A Latin-script word, with the joiners names use (S&P500, H.10, USD/JPY, TWELVEDATA_API_KEY).
_LATIN = re.compile(r"[A-Za-z](?:[A-Za-z0-9_]|[&./:'-](?=[A-Za-z0-9]))*")


@dataclass(frozen=True)
class Term:
    """An English term and its one rendering in a language."""

    english: str
    rendering: str

    @property
    def pattern(self) -> re.Pattern[str]:
        """The term as a whole word, plurals included; a term with a capital matches only as
        written (``Fed`` is not the command argument ``fed``), a lower-case one in any case."""
        flags = 0 if self.english != self.english.lower() else re.IGNORECASE
        return re.compile(r"(?<![\w/-])" + re.escape(self.english) + r"s?(?![\w/-])", flags)


def _lines(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line.strip() and not line.startswith("#")]


@cache
def glossary(language: str) -> tuple[Term, ...]:
    """The terms of a language's glossary (none for English), longest first."""
    directory = language_row(language).catalogue
    path = None if directory is None else locale_dir() / directory / "glossary.txt"
    if path is None or not path.exists():  # the source text, or a language without one yet
        return ()
    terms = []
    for line in _lines(path):
        english, rendering = line.split("\t")
        terms.append(Term(english.strip(), rendering.strip()))
    return tuple(sorted(terms, key=lambda t: -len(t.english)))


@cache
def latin_names(language: str) -> tuple[str, ...]:
    """The Latin-script names a text in ``language`` may hold, longest first."""
    names = set(_lines(locale_dir() / "names.txt"))
    for term in glossary(language):
        names.update(_LATIN.findall(term.rendering))
    return tuple(sorted((n.strip() for n in names), key=lambda n: (-len(n), n)))


def masked(english: str, term: Term, language: str) -> str:
    """``english`` without placeholders and without the longer terms that hold ``term``
    (``Fed funds`` is not a use of ``Fed``)."""
    text = _PLACEHOLDER.sub(" ", english)
    for longer in glossary(language):
        if longer != term and term.english.lower() in longer.english.lower():
            text = longer.pattern.sub(" ", text)
    return text


def foreign_words(text: str, language: str) -> list[str]:
    """The Latin-script words of a Japanese or Chinese text that are neither a name, a glossary
    rendering, nor part of a command to type: English left untranslated."""
    plain = _TAG.sub(" ", _PLACEHOLDER.sub(" ", text))
    plain = _ZONE.sub(" ", _TYPED.sub(" ", _QUOTED.sub(" ", plain)))
    for name in latin_names(language):
        plain = re.sub(r"(?<![A-Za-z0-9])" + re.escape(name) + r"(?![A-Za-z0-9])", " ", plain)
    return _LATIN.findall(plain)


def untranslated(text: str, language: str) -> list[str]:
    """What an English reader left in a Japanese or Chinese text: English words and English full
    stops, each described in a few words (empty when the text is clean)."""
    found = [f"English: {w!r}" for w in foreign_words(text, language)]
    for stop in ENGLISH_STOP.finditer(text):
        found.append(f"English full stop: …{text[max(0, stop.start() - 12) : stop.end()]!r}")
    return found
