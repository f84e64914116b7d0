"""Every message in the templates is translated into Japanese and Simplified Chinese."""

from __future__ import annotations

import re

import pytest

from commands.languages import translated
from commands.presentation.catalogues import extract, read_catalogue, translations

PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%%")


def messages() -> dict[str, str | tuple[str, str]]:
    """Unique msgids (plurals keyed by their singular)."""
    found: dict[str, str | tuple[str, str]] = {}
    for _filename, _line, message in extract():
        found[message if isinstance(message, str) else message[0]] = message
    return found


def test_the_templates_have_messages() -> None:
    assert len(messages()) > 200


@pytest.mark.parametrize("directory", [row.catalogue for row in translated()])
def test_every_message_is_translated_with_the_same_placeholders(directory: str) -> None:
    catalogue = read_catalogue(directory)
    problems = []
    for key, message in messages().items():
        entry = catalogue.get(message if isinstance(message, str) else message[0])
        if entry is None or not entry.string or entry.fuzzy:
            problems.append(f"untranslated: {key!r}")
            continue
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        for text in strings:
            wanted = sorted(PLACEHOLDER.findall(key))
            if sorted(PLACEHOLDER.findall(text)) != wanted:
                problems.append(f"placeholders differ: {key!r} → {text!r}")
    assert problems == []


def test_english_is_the_source_text() -> None:
    assert translations("en").gettext("Signal") == "Signal"


def test_catalogues_compile_and_translate() -> None:
    assert translations("ja").gettext("Signal") == "シグナル"
    assert translations("zh").gettext("Signal") == "信号"
    assert translations("zh-Hans").gettext("Signal") == "信号"
