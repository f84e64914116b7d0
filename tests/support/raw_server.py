"""Serve the real files of ``shared/data/raw`` at the sources' real paths, on a local server.

Only what the sources really publish in that form is served: FRED's fredgraph.csv, MoF's English
JGB history, and the ECB's history zip (the real CSV in the zip the ECB ships). MoF's
current-month file, Treasury's yearly files, the BoJ API and the CFTC API have no real copy here
and answer 404.

FRED answers a ``fredgraph.csv`` request with the whole history of a series from ``cosd`` on.
No single real copy holds that for most series (one copy ends in 2023, another starts in 2025),
so each series is served as FRED would: every real copy of it merged by date, later copies
winning on the dates they share (they agree there; ``SOURCES.md`` records the cross-checks), in
FRED's current layout (``observation_date,CODE``, an empty field where a value is missing). A
hole no copy covers stays a hole: FRED's own Nikkei copies miss April 2020 to November 2025.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from analytics.sources import REFRESHED, ecb, fred, mof
from tests.support.http_server import LocalServer

# Every real copy of a FRED series, oldest first.
FRED_FILES: dict[str, tuple[str, ...]] = {
    "DGS2": ("DGS2.csv", "DGS2_1990-2025.csv"),
    "DGS10": ("DGS10.csv", "DGS10_1962-2026.csv"),
    "DFEDTARU": ("DFEDTARU.csv",),
    "DFEDTARL": ("DFEDTARL.csv",),
    "DFF": ("DFF_legacy_1954-2023.csv", "DFF.csv"),
    "DEXJPUS": (
        "DEXJPUS.csv",
        "DEXJPUS_2015-2025.csv",
        "DEXJPUS_2021-2026.csv",
        "DEXJPUS_2025-2026.csv",
    ),
    "VIXCLS": ("VIXCLS.csv", "VIXCLS_1990-2026.csv", "VIXCLS_2025-2026.csv"),
    "NIKKEI225": ("NIKKEI225_legacy_1949-2020.csv", "NIKKEI225_2025-2026.csv"),
    "SP500": ("SP500.csv", "SP500_2025-2026.csv"),
    "CBBTCUSD": ("CBBTCUSD.csv",),
}


def fred_history(code: str, files: list[Path]) -> bytes:
    """One FRED series as fredgraph.csv serves it, merged from real copies (later ones win)."""
    values: dict[str, str] = {}
    for path in files:
        _dates, columns = fred.parse_columns(path.read_bytes())
        for day, value in zip(_dates, columns[next(iter(columns))], strict=True):
            values[day.isoformat()] = "" if value is None else format(value, ".12g")
    lines = [f"observation_date,{code}", *(f"{d},{values[d]}" for d in sorted(values))]
    return ("\n".join(lines) + "\n").encode()


def serve_real_files(
    server: LocalServer, raw_dir: Path, extra: dict[str, list[Path]] | None = None
) -> None:
    """Routes for every source file that has a real copy in ``raw_dir``.

    ``extra`` adds FRED-format files per series code (a test fixture in a temp folder, e.g. the
    Nikkei closes FRED's copies lack), merged after the real copies.
    """
    for code, names in FRED_FILES.items():
        files = [raw_dir / name for name in names] + list((extra or {}).get(code, []))
        body = fred_history(code, files)
        server.serve_bytes(fred.PATH, body, "text/csv", query={"id": code})
    server.serve_file(mof.HISTORY_PATH, raw_dir / "jgbcme_all.csv", "text/csv")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(raw_dir / "eurofxref-hist.csv", "eurofxref-hist.csv")
    server.serve_bytes(ecb.HISTORY_PATH, buffer.getvalue(), "application/zip")


def source_environment(server: LocalServer) -> dict[str, str]:
    """``CARRYBOT_<SOURCE>_URL`` for every source, all pointing at ``server``."""
    return {f"CARRYBOT_{name.upper()}_URL": server.url for name in REFRESHED}
