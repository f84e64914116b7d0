"""The banks' feeds and decision documents for tests, BUILT from their documented shape.

No real capture of either feed or of a BoJ decision document is stored (``policy-rates.md`` §3.3
gives the URLs, titles and sentence forms). The Fed's holds quote the real FOMC statements of
June and July 2026 (``shared/data/raw/policy/fomc_meetings_2026_statements.json``); a hike and a
cut use the sentence form §3.3 documents. The BoJ documents carry the guideline sentence §3.3
quotes, in a small PDF written here (one page, Helvetica) and an HTML page.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date

from tests.support.paths import raw_path

FED_TITLE = "Federal Reserve issues FOMC statement"
BOJ_CHANGE = "Change in the Guideline for Money Market Operations"
BOJ_HOLD = "Statement on Monetary Policy"


def fed_statement_url(day: date, host: str = "https://www.federalreserve.gov") -> str:
    return f"{host}/newsevents/pressreleases/monetary{day:%Y%m%d}a.htm"


def boj_document_url(day: date, change: bool, host: str = "https://www.boj.or.jp") -> str:
    folder = f"mpr_{day:%Y}" if change else f"state_{day:%Y}"
    suffix = "pdf" if change else "htm"
    return f"{host}/en/mopo/mpmdeci/{folder}/k{day:%y%m%d}a.{suffix}"


def fed_feed(items: Sequence[tuple[str, str, str]]) -> bytes:
    """An RSS 2.0 feed of (title, link, RFC 822 date) items, newest first."""
    entries = "".join(
        f"<item><title>{title}</title><link>{link}</link><pubDate>{when}</pubDate>"
        f"<category>Monetary Policy</category></item>"
        for title, link, when in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        "<title>FRB: Press Release - Monetary Policy</title>"
        "<link>https://www.federalreserve.gov/feeds/press_monetary.xml</link>"
        f"{entries}</channel></rss>"
    ).encode()


def boj_feed(items: Sequence[tuple[str, str, str]]) -> bytes:
    """An RSS 1.0 (RDF) feed of (title, link, ISO date) items, as the BoJ's what's-new feed."""
    entries = "".join(
        f'<item rdf:about="{link}"><title>{title}</title><link>{link}</link>'
        f"<dc:date>{when}</dc:date></item>"
        for title, link, when in items
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
        ' xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        '<channel rdf:about="https://www.boj.or.jp/en/rss/whatsnew.xml">'
        "<title>Bank of Japan What's New</title></channel>"
        f"{entries}</rdf:RDF>"
    ).encode()


def real_fed_statement(day: str) -> list[str]:
    """The statement paragraphs of a 2026 FOMC meeting, verbatim from the stored corpus."""
    corpus = json.loads(raw_path("policy/fomc_meetings_2026_statements.json").read_text())
    meeting = next(m for m in corpus["meetings"] if m["date"] == day)
    return list(meeting["statement"])


def fed_statement_html(paragraphs: Sequence[str]) -> bytes:
    body = "".join(f"<p>{p}</p>\n" for p in paragraphs)
    return (
        "<!DOCTYPE html><html><head><title>Federal Reserve Board - Federal Reserve issues FOMC "
        f'statement</title></head><body><div id="article">{body}</div></body></html>'
    ).encode()


def fed_change_paragraphs(verb: str, step: str, low: str, high: str) -> list[str]:
    """A statement with the decision sentence of a move (the form §3.3 documents)."""
    return [
        "Recent indicators suggest that economic activity has continued to expand.",
        f"In support of its goals, the Committee decided to {verb} the target range for the "
        f"federal funds rate by {step} percentage point to {low} to {high} percent.",
    ]


def boj_hold_html(rate: str) -> bytes:
    return (
        "<!DOCTYPE html><html><head><title>Statement on Monetary Policy</title></head><body>"
        "<h1>Statement on Monetary Policy</h1><p>1. At the Monetary Policy Meeting held today, "
        "the Policy Board of the Bank of Japan decided, by an 8-1 majority vote, to set the "
        "following guideline for money market operations for the intermeeting period:</p>"
        f"<p>The Bank will encourage the uncollateralized overnight call rate to remain at "
        f"around {rate} percent.</p></body></html>"
    ).encode()


def boj_change_pdf(rate: str, effective: str) -> bytes:
    """A one-page PDF announcing a change of the guideline (built, not the BoJ's file)."""
    lines = [
        BOJ_CHANGE,
        "1. At the Monetary Policy Meeting held today, the Policy Board of the Bank of Japan",
        "decided, by a 7-2 majority vote, to set the following guideline for money market",
        "operations for the intermeeting period: The Bank will encourage the uncollateralized",
        f"overnight call rate to remain at around {rate} percent, effective from {effective}.",
    ]
    return pdf(lines)


def pdf(lines: Sequence[str]) -> bytes:
    """A minimal valid PDF with ``lines`` of text in Helvetica."""
    text = "".join(
        f"BT /F1 11 Tf 56 {760 - 16 * i} Td ({_pdf_escape(line)}) Tj ET\n"
        for i, line in enumerate(lines)
    ).encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(text)).encode() + b" >>\nstream\n" + text + b"endstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)


def _pdf_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
