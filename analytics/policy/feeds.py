"""The banks' own announcements: their RSS feeds and decision documents, parsed from bytes.

Fed (``policy-rates.md`` §3.3): the Board's RSS feed of monetary-policy press releases
(``/feeds/press_monetary.xml``) lists the FOMC statement as "Federal Reserve issues FOMC statement"
at ``/newsevents/pressreleases/monetaryYYYYMMDDa.htm`` at 14:00 New York time. The statement's
decision sentence has a fixed form: "decided to maintain the target range for the federal funds
rate at 3-1/2 to 3-3/4 percent" / "decided to raise (lower) the target range for the federal
funds rate by 1/4 percentage point to 3-3/4 to 4 percent".

BoJ: the English what's-new RSS (``/en/rss/whatsnew.xml``) lists "Change in the Guideline for
Money Market Operations" (``/en/mopo/mpmdeci/mpr_YYYY/kYYMMDDa.pdf``) for a change and
"Statement on Monetary Policy" (``/en/mopo/mpmdeci/state_YYYY/kYYMMDDa.htm``) for a hold, around
noon Tokyo time on the meeting's last day. Both state the guideline: "encourage the
uncollateralized overnight call rate to remain at around 1.0 percent", a change with the day it
takes effect ("effective from September 24, 2026").

Everything here is a pure function of bytes: a feed that is not RSS (an HTML page, an empty or
cut answer) raises ``FeedError``; a document without its fixed sentence raises ``Unparsable`` and
is never guessed at.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime
from html import unescape

from analytics.errors import ValidationError

FED_FEED_PATH = "/feeds/press_monetary.xml"
BOJ_FEED_PATH = "/en/rss/whatsnew.xml"
FED_TITLE = "federal reserve issues fomc statement"
BOJ_CHANGE_TITLE = "change in the guideline for money market operations"
BOJ_HOLD_TITLE = "statement on monetary policy"
FED_DOCUMENT = re.compile(r"/newsevents/pressreleases/monetary(\d{8})a\.htm$")
BOJ_DOCUMENT = re.compile(r"/mopo/mpmdeci/(mpr|state)_(\d{4})/k(\d{6})a\.(pdf|htm)$")

_NUMBER = r"\d+-\d/\d|\d/\d|\d+(?:\.\d+)?"
_FED_SENTENCE = re.compile(
    r"decided to (maintain|raise|lower) the target range for the federal funds rate"
    rf" (?:at|by ({_NUMBER}) percentage points? to) ({_NUMBER}) to ({_NUMBER}) percent",
    re.IGNORECASE,
)
_BOJ_SENTENCE = re.compile(
    r"encourage the uncollateralized overnight call rate to remain(?: at)? around"
    r" (-?\d+(?:\.\d+)?) ?(?:percent|%)",
    re.IGNORECASE,
)
_EFFECTIVE = re.compile(r"effective(?: from)? ([A-Z][a-z]+ \d{1,2}, \d{4})")
_MONTHS = {
    m: i
    for i, m in enumerate(
        [
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ],
        start=1,
    )
}


class FeedError(ValidationError):
    """A feed answer that is not an RSS document (an HTML page, empty, cut off, malformed)."""


class Unparsable(ValidationError):
    """A decision document without the fixed sentence it should carry: nothing is guessed."""


@dataclass(frozen=True)
class FeedItem:
    """One item of a feed: its title, link and publication time (None when it has none)."""

    title: str
    link: str
    published: datetime | None


@dataclass(frozen=True)
class Announcement:
    """A decision document in a feed: the bank, the meeting day its URL names, the link."""

    bank: str
    decided: date
    url: str
    change: bool | None  # the BoJ's title says whether the guideline changed; None for the Fed


@dataclass(frozen=True)
class FeedDecision:
    """A decision read from a bank's document: the new rate or range (%) and its first day."""

    bank: str
    decided: date
    lower: float
    upper: float
    effective: date
    action: str  # maintain, raise or lower (the Fed's words); held or changed (the BoJ's title)
    url: str


# --- feeds -----------------------------------------------------------------------------------


def parse_feed(source: str, body: bytes) -> list[FeedItem]:
    """The items of an RSS 2.0 or RSS 1.0 (RDF) feed; FeedError when the answer is not one."""
    text = body.lstrip()[:512].lower()
    if not text:
        raise FeedError(source, "the feed answered nothing")
    if text.startswith((b"<!doctype html", b"<html")) or b"<html" in text[:200]:
        raise FeedError(source, "the feed answered an HTML page, not RSS")
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise FeedError(source, f"the feed is not well-formed XML ({exc})") from None
    if _local(root.tag) not in ("rss", "RDF", "feed"):
        raise FeedError(source, f"the answer is <{_local(root.tag)}>, not an RSS feed")
    items = []
    for node in root.iter():
        if _local(node.tag) not in ("item", "entry"):
            continue
        fields = {_local(child.tag): (child.text or "").strip() for child in node}
        link = fields.get("link", "")
        if not link:
            link = next(
                (c.get("href", "") for c in node if _local(c.tag) == "link" and c.get("href")),
                "",
            )
        published = _when(fields.get("pubDate") or fields.get("date") or fields.get("updated"))
        items.append(FeedItem(fields.get("title", ""), link.strip(), published))
    return items


def fed_announcement(items: list[FeedItem], day: date) -> Announcement | None:
    """The FOMC statement of ``day`` in the Fed's feed, if it is there yet."""
    for item in items:
        found = FED_DOCUMENT.search(item.link)
        if found is None or item.title.strip().lower() != FED_TITLE:
            continue
        if _ymd(found.group(1)) == day:
            return Announcement("fed", day, item.link, None)
    return None


def boj_announcement(items: list[FeedItem], day: date) -> Announcement | None:
    """The BoJ's decision document of ``day`` in its feed: the change of the guideline or the
    statement of a hold, whichever is there."""
    for item in items:
        found = BOJ_DOCUMENT.search(item.link)
        title = item.title.strip().lower()
        if found is None or title not in (BOJ_CHANGE_TITLE, BOJ_HOLD_TITLE):
            continue
        if _ymd("20" + found.group(3)) == day:
            return Announcement("boj", day, item.link, title == BOJ_CHANGE_TITLE)
    return None


# --- documents -------------------------------------------------------------------------------


def parse_fed_statement(announcement: Announcement, body: bytes) -> FeedDecision:
    """The decision of an FOMC statement (HTML): its fixed decision sentence."""
    text = _plain(body.decode("utf-8", errors="replace"))
    found = _FED_SENTENCE.search(text)
    if found is None:
        raise Unparsable(
            "fed-feed", f"{announcement.url} has no 'decided to … the target range' sentence"
        )
    action, step, low, high = found.groups()
    lower, upper = _fraction(low), _fraction(high)
    if not (upper - lower == 0.25 and 0 <= lower < 25):
        raise Unparsable("fed-feed", f"{announcement.url}: implausible range {low} to {high}")
    if (action.lower() == "maintain") != (step is None):
        raise Unparsable("fed-feed", f"{announcement.url}: the sentence's parts do not agree")
    effective = _effective(text) or announcement.decided + timedelta(days=1)
    return FeedDecision(
        "fed", announcement.decided, lower, upper, effective, action.lower(), announcement.url
    )


def parse_boj_document(announcement: Announcement, body: bytes) -> FeedDecision:
    """The guideline of a BoJ decision document (the PDF of a change, the HTML of a hold)."""
    if body.lstrip().startswith(b"%PDF"):
        text = _pdf_text(announcement.url, body)
    else:
        text = _plain(body.decode("utf-8", errors="replace"))
    found = _BOJ_SENTENCE.search(text)
    if found is None:
        raise Unparsable(
            "boj-feed", f"{announcement.url} has no 'encourage the … call rate to remain' sentence"
        )
    rate = float(found.group(1))
    if not (-1 <= rate <= 10) or abs(rate * 20 - round(rate * 20)) > 1e-9:
        raise Unparsable("boj-feed", f"{announcement.url}: implausible guideline {rate}%")
    effective = _effective(text[found.start() :]) if announcement.change else None
    if announcement.change and effective is None:
        effective = announcement.decided + timedelta(days=1)
    action = "changed" if announcement.change else "held"
    return FeedDecision(
        "boj",
        announcement.decided,
        rate,
        rate,
        effective or announcement.decided,
        action,
        announcement.url,
    )


# --- helpers ---------------------------------------------------------------------------------


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _when(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _ymd(text: str) -> date | None:
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return None


def _plain(html: str) -> str:
    """The text of an HTML document, tags removed and white space collapsed."""
    html = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", html)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def _pdf_text(url: str, body: bytes) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(body))
        text = " ".join(page.extract_text() or "" for page in reader.pages)
    except (PdfReadError, ValueError, KeyError, OSError) as exc:
        raise Unparsable("boj-feed", f"{url} is not a readable PDF ({exc})") from None
    return re.sub(r"\s+", " ", text)


def _fraction(text: str) -> float:
    """``3-1/2`` → 3.5, ``1/4`` → 0.25, ``4`` → 4.0."""
    whole, _, part = text.partition("-") if "/" in text and "-" in text else ("", "", text)
    if "/" in part:
        numerator, denominator = part.split("/")
        value = int(numerator) / int(denominator)
    else:
        value = float(part)
    return (int(whole) if whole else 0) + value


def _effective(text: str) -> date | None:
    found = _EFFECTIVE.search(text)
    if found is None:
        return None
    month, day, year = found.group(1).replace(",", "").split()
    number = _MONTHS.get(month.lower())
    try:
        return date(int(year), number, int(day)) if number else None
    except ValueError:
        return None
