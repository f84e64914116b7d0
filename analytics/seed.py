"""The offline seed: a compact history built from real public files through the project's parsers.

Only series whose terms allow redistribution go in (US Treasury and Fed series, MoF, ECB, CFTC);
VIX stays out (Cboe's terms) and is fetched live. The seed is one gzip'd CSV in ``analytics/data``
with a provenance note beside it; on first run the store is filled from it.
"""

from __future__ import annotations

import gzip
import hashlib
import io
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path

import pandas as pd

from analytics.rawfiles import known_files, read_directory
from analytics.series import CATALOGUE
from analytics.store import ObservationStore

SEED_NAME = "seed.csv.gz"
NOTE_NAME = "SEED.md"
SEED_START = date(1990, 1, 1)
SEED_MARK = "seed_sha256"
SEED_LABEL = "seed"
# The raw files the committed seed was built from (``SEED.md``). Newer exports in the same
# folder (``DEXJPUS_2021-2026.csv``, ``VIXCLS_2025-2026.csv``, …) are read by the backtest
# (``analytics.rawfiles``) but change the seed only when this list does, on purpose.
SEED_FILES = (
    "DFEDTAR.csv",
    "DFEDTARU.csv",
    "DFEDTARL.csv",
    "DFF_legacy_1954-2023.csv",
    "DFF.csv",
    "DGS2.csv",
    "DGS2_1990-2025.csv",
    "DGS10.csv",
    "DGS10_1962-2026.csv",
    "DEXJPUS.csv",
    "DEXJPUS_2015-2025.csv",
    "VIXCLS.csv",
    "jgbcme_all.csv",
    "eurofxref-hist.csv",
    "CFTC_legacy_FO_2025_JPY_rows.txt",
    "CFTC_TFF_FO_2017-2021_JPY_rows.txt",
    "CFTC_TFF_FO_2025_JPY_rows.txt",
)


@dataclass(frozen=True)
class SeedInfo:
    """What a seed load did."""

    loaded: bool
    rows: int
    sha256: str


def build(raw_dir: Path, out_dir: Path) -> pd.DataFrame:
    """Parse ``raw_dir`` and write the seed and its provenance note into ``out_dir``."""
    obs = read_directory(raw_dir, names=SEED_FILES)
    keep = [s for s, spec in CATALOGUE.items() if spec.redistributable]
    obs = obs[obs["series"].isin(keep) & (obs["date"] >= pd.Timestamp(SEED_START))]
    obs = obs.sort_values(["series", "date"], ignore_index=True)
    payload = to_bytes(obs)
    (out_dir / SEED_NAME).write_bytes(payload)
    (out_dir / NOTE_NAME).write_text(_provenance(obs, raw_dir, payload), encoding="utf-8")
    return obs


def to_bytes(obs: pd.DataFrame) -> bytes:
    """Deterministic gzip'd CSV of observations (same input, same bytes)."""
    table = obs.assign(
        date=obs["date"].dt.strftime("%Y-%m-%d"),
        released=obs["released"].dt.strftime("%Y-%m-%d").fillna(""),
    )[["series", "date", "value", "released", "source"]]
    text = table.to_csv(index=False, lineterminator="\n", float_format="%.6g")
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0, compresslevel=9) as gz:
        gz.write(text.encode("ascii"))
    return buffer.getvalue()


def read(payload: bytes | None = None) -> pd.DataFrame:
    """The seed's observations (series, date, value, released, source)."""
    data = payload if payload is not None else seed_bytes()
    frame = pd.read_csv(
        io.BytesIO(gzip.decompress(data)),
        dtype={"series": str, "source": str, "value": "float64"},
        keep_default_na=False,
        na_values={"released": [""]},
    )
    frame["date"] = pd.to_datetime(frame["date"]).astype("datetime64[ns]")
    frame["released"] = pd.to_datetime(frame["released"]).astype("datetime64[ns]")
    return frame


def seed_bytes() -> bytes:
    """The committed seed file's bytes."""
    return resources.files("analytics").joinpath("data", SEED_NAME).read_bytes()


def ensure_loaded(store: ObservationStore) -> SeedInfo:
    """Fill the store from the seed once; later runs (and live data) are left alone."""
    payload = seed_bytes()
    digest = hashlib.sha256(payload).hexdigest()
    if store.get_meta(SEED_MARK) == digest:
        return SeedInfo(False, 0, digest)
    obs = read(payload)
    obs = obs.assign(source=SEED_LABEL + "/" + obs["source"])
    # Values fetched live are at least as new as the seed's: only fill dates that are missing.
    inserted = store.insert_missing(obs)
    store.set_meta(SEED_MARK, digest)
    return SeedInfo(True, inserted, digest)


def is_seed_source(source: str) -> bool:
    """True when a stored row came from the bundled seed rather than a live fetch."""
    return source.startswith(SEED_LABEL + "/")


def _provenance(obs: pd.DataFrame, raw_dir: Path, payload: bytes) -> str:
    lines = [
        "# Offline seed: provenance",
        "",
        f"`{SEED_NAME}` is built by `carrybot seed build --raw DIR` from the real public files",
        "described in `shared/data/raw/SOURCES.md`, read through the project's own parsers.",
        "Only series whose terms allow redistribution are included (US Treasury and Federal",
        "Reserve series via FRED, Japan MoF, ECB, CFTC). VIX is left out (Cboe's terms) and is",
        "fetched live. Columns: series, date, value, released (CFTC release date), source.",
        "",
        f"SHA-256 of the seed: `{hashlib.sha256(payload).hexdigest()}`",
        "",
        "| series | source | first | last | rows |",
        "|---|---|---|---|---|",
    ]
    for series_id, group in obs.groupby("series", sort=True):
        lines.append(
            f"| {series_id} | {', '.join(sorted(set(group['source'])))} | "
            f"{group['date'].min():%Y-%m-%d} | {group['date'].max():%Y-%m-%d} | {len(group)} |"
        )
    lines += ["", "| raw file | SHA-256 |", "|---|---|"]
    for path, _ in known_files(raw_dir, SEED_FILES):
        lines.append(f"| {path.name} | `{hashlib.sha256(path.read_bytes()).hexdigest()[:16]}` |")
    return "\n".join(lines) + "\n"


def open_seeded_store(url: str | None = None) -> ObservationStore:
    """The configured store, filled from the seed on first use."""
    from analytics.db import make_engine

    store = ObservationStore(make_engine(url))
    ensure_loaded(store)
    return store
