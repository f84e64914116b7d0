"""The one renderer: a ``Reply`` → messages for Telegram HTML, Discord or plain text, per locale.

Templates live in the ``templates`` package (``replies/<name>.j2``); one template serves every
format through the ``m`` markup helper (``commands.presentation.markup``), and every locale through gettext
(``commands.presentation.catalogues``). Environments are built once per (format, language) and cached.
"""

from __future__ import annotations

import gettext
import logging
from collections.abc import Callable
from dataclasses import replace
from functools import cache
from typing import Any

from jinja2 import (
    BytecodeCache,
    Environment,
    FileSystemBytecodeCache,
    PackageLoader,
    StrictUndefined,
)
from jinja2.bccache import Bucket
from markupsafe import Markup

from analytics.storage.location import cache_dir
from commands import languages
from commands.languages import normalise_language
from commands.presentation.catalogues import translations
from commands.presentation.formatting import available, formatter
from commands.presentation.layout import Message, discord_messages, telegram_messages, text_messages
from commands.presentation.markup import (
    FORMATS,
    Format,
    InlineMarkup,
    finalize,
    markup_class,
    parse_document,
)
from commands.reply import Reply

log = logging.getLogger(__name__)

__all__ = ["FORMATS", "Format", "Message", "environment", "render", "render_text"]


class _TemplateCache(FileSystemBytecodeCache):
    """Compiled templates on disk, so a fresh process skips Jinja's compile (about 0.3 s for the
    briefing); a cache that cannot be read or written is simply not used."""

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except OSError:
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError:
            log.debug("template cache not writable: %s", self.directory)


@cache
def template_cache(fmt: Format) -> BytecodeCache | None:
    """One compiled-template cache per format (autoescaping changes the compiled code)."""
    directory = cache_dir() / "templates" / fmt
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return _TemplateCache(str(directory))


@cache
def environment(fmt: Format, language: str) -> Environment:
    """The Jinja2 environment of one format and language (autoescaped HTML for Telegram)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    env = Environment(
        loader=PackageLoader("templates", "."),
        autoescape=fmt == "telegram_html",
        undefined=StrictUndefined,
        finalize=finalize(fmt),
        extensions=["jinja2.ext.i18n", "jinja2.ext.do"],
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
        bytecode_cache=template_cache(fmt),
    )
    catalogue = translations(language)
    safe = markup_class(fmt)

    # Translated sentences become the format's safe type, so ``%(value)s`` is escaped its way
    # (Jinja's own newstyle wrappers would turn them into plain Markup under autoescaping,
    # which HTML-escapes but does not clean what is interpolated).
    @cache
    def translate(message: str) -> Markup:
        return safe(catalogue.gettext(message))

    def gettext(__message: str, **variables: Any) -> Markup:
        return translate(__message) % variables

    def ngettext(__singular: str, __plural: str, __num: int, **variables: Any) -> Markup:
        variables.setdefault("num", __num)
        return safe(catalogue.ngettext(__singular, __plural, __num)) % variables

    env.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(gettext=gettext, ngettext=ngettext)  # already newstyle: no re-wrapping
    fmtr = formatter(language)
    # ``language``: the chat language's row (its punctuation, list words); ``lang``: its code.
    env.globals.update(m=InlineMarkup(fmt), fmt=fmt, lang=fmtr.language, f=fmtr)
    env.globals.update(language=fmtr.row, languages=languages, N_=safe_name(catalogue))
    env.filters.update(
        num=fmtr.number,
        signed=fmtr.signed,
        pct=fmtr.percent,
        spct=fmtr.signed_percent,
        share=fmtr.share,
        money=fmtr.money,
        day=fmtr.date,
        month=fmtr.month,
        moment=fmtr.datetime,
    )
    env.filters["listing"] = lambda items: safe(fmtr.listing([str(i) for i in items]))
    env.filters["alternatives"] = lambda items: safe(
        fmtr.alternatives([str(safe.escape(i)) for i in items])
    )
    env.tests["available"] = available
    return env


def safe_name(catalogue: gettext.NullTranslations) -> Callable[[str], str]:
    """``N_("S&P 500")`` in a template: a name translated through the catalogue but kept plain
    text, so the format escapes it (a translated sentence is trusted markup: an "&" in it would
    reach Telegram's HTML unescaped)."""

    def name(message: str) -> str:
        return str(catalogue.gettext(message))

    return name


def warm_up(fmt: Format) -> int:
    """Build the format's environment in every language and load each template once (returns
    how many). An adapter calls it before it takes updates: otherwise the first replies of a
    burst compile the same templates side by side, one worker thread each, and the event loop
    starved meanwhile sends the paced requests late and bunched."""
    loaded = 0
    for language in languages.codes():
        env = environment(fmt, language)
        for name in env.list_templates(filter_func=lambda name: name.endswith(".j2")):
            env.get_template(name)
            loaded += 1
    return loaded


def render(reply: Reply, fmt: Format, locale: str | None = None) -> list[Message]:
    """The reply as messages within the platform's limits (``locale`` defaults to the reply's).

    A template that fails to render is logged and replaced by the apologetic error reply.
    """
    language = normalise_language(locale or reply.locale) or "en"
    try:
        return _render(reply, fmt, language)
    except Exception:
        if reply.template == "error" and reply.context.get("code") == "internal":
            raise
        log.exception("rendering %s (%s, %s) failed", reply.template, fmt, language)
        return _render(Reply.error("internal", language), fmt, language)


def _render(reply: Reply, fmt: Format, language: str) -> list[Message]:
    env = environment(fmt, language)
    template = env.get_template(f"replies/{reply.template}.j2")
    document = parse_document(template.render(**reply.context))
    if fmt == "telegram_html":
        messages = telegram_messages(document, reply.image, reply.filename)
    elif fmt == "discord":
        messages = discord_messages(document, reply.image, reply.filename, reply.ok)
    else:
        messages = text_messages(document, reply.image, reply.filename)
    if not reply.ok and len(messages) > 1:
        # An error is one message: a reply that floods a chat would be worse than the error.
        log.warning("%s error reply cut to one of %d messages", fmt, len(messages))
        first = messages[0]
        messages = [replace(first, text=first.text + " …") if first.text else first]
    if reply.image is None:
        return messages
    note = env.get_template("replies/no_image.j2").render().strip()
    return [replace(m, image_note=note) if m.image is not None else m for m in messages]


def render_text(reply: Reply, locale: str | None = None) -> str:
    """The plain-text rendering as one string (console, ``carrybot brief``)."""
    return "\n\n".join(message.text for message in render(reply, "text", locale))
