"""Serve the real files of ``shared/data/raw`` at the sources' real paths, on a local server.

Only what the sources really publish in that form is served: FRED's fredgraph.csv (one real
file per series code, the one that reaches furthest), MoF's English JGB history, and the ECB's
history zip (the real CSV in the zip the ECB ships). MoF's current-month file, Treasury's
yearly files, the BoJ API and the CFTC API have no real copy here and answer 404.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from analytics.refresh import SOURCE_NAMES
from analytics.sources import ecb, fred, mof
from tests.support.http_server import LocalServer

FRED_FILES = {
    "DGS2": "DGS2_1990-2025.csv",
    "DGS10": "DGS10_1962-2026.csv",
    "DFEDTARU": "DFEDTARU.csv",
    "DFEDTARL": "DFEDTARL.csv",
    "DFF": "DFF.csv",
    "DEXJPUS": "DEXJPUS_2025-2026.csv",
    "VIXCLS": "VIXCLS_2025-2026.csv",
    "NIKKEI225": "NIKKEI225_2025-2026.csv",
    "SP500": "SP500.csv",
    "CBBTCUSD": "CBBTCUSD.csv",
}


def serve_real_files(server: LocalServer, raw_dir: Path) -> None:
    """Routes for every source file that has a real copy in ``raw_dir``."""
    for code, name in FRED_FILES.items():
        server.serve_file(fred.PATH, raw_dir / name, "text/csv", query={"id": code})
    server.serve_file(mof.HISTORY_PATH, raw_dir / "jgbcme_all.csv", "text/csv")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(raw_dir / "eurofxref-hist.csv", "eurofxref-hist.csv")
    server.serve_bytes(ecb.HISTORY_PATH, buffer.getvalue(), "application/zip")


def source_environment(server: LocalServer) -> dict[str, str]:
    """``CARRYBOT_<SOURCE>_URL`` for every source, all pointing at ``server``."""
    return {f"CARRYBOT_{name.upper()}_URL": server.url for name in SOURCE_NAMES}
