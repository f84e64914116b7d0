"""The offline seed: a compact history built from real public files through the project's parsers.

Only series whose terms allow redistribution go in (US Treasury and Fed series, MoF, ECB, CFTC);
VIX (Cboe's terms), the Nikkei 225, the S&P 500 and Coinbase Bitcoin stay out and are fetched
live; raw files that hold only such series are not even named in the provenance note. The seed is one gzip'd CSV in ``analytics/data``
with a provenance note beside it; on first run the store is filled from it.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import logging
import zlib
from dataclasses import dataclass
from datetime import date
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

import pandas as pd

from analytics.catalogue.series import CATALOGUE
from analytics.errors import CarrybotError
from analytics.ingest.rawfiles import known_files, read_directory, read_file
from analytics.ingest.store import ObservationStore

log = logging.getLogger(__name__)

SEED_NAME = "seed.csv.gz"
NOTE_NAME = "SEED.md"
SEED_START = date(1990, 1, 1)
SEED_MARK = "seed_sha256"
SEED_LABEL = "seed"
# The raw files the committed seed was built from (``SEED.md``). Newer exports in the same
# folder (``DEXJPUS_2021-2026.csv``, ``VIXCLS_2025-2026.csv``, …) are read by the backtest
# (``analytics.ingest.rawfiles``) but change the seed only when this list does, on purpose.
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
    keep = [s for s, spec in CATALOGUE.items() if spec.redistributable]
    used = _files_with(raw_dir, keep)
    obs = read_directory(raw_dir, names=used)
    obs = obs[obs["series"].isin(keep) & (obs["date"] >= pd.Timestamp(SEED_START))]
    obs = obs.sort_values(["series", "date"], ignore_index=True)
    payload = to_bytes(obs)
    (out_dir / SEED_NAME).write_bytes(payload)
    (out_dir / NOTE_NAME).write_text(_provenance(obs, raw_dir, used, payload), encoding="utf-8")
    return obs


def _files_with(raw_dir: Path, series: list[str]) -> list[str]:
    """The seed's raw files (``SEED_FILES``) in ``raw_dir`` that hold one of ``series``."""
    return [
        path.name
        for path, raw in known_files(raw_dir, SEED_FILES)
        if read_file(path, raw)["series"].isin(series).any()
    ]


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
    return seed_file().read_bytes()


def seed_file() -> Traversable:
    """Where the bundled seed is installed."""
    return resources.files("analytics").joinpath("data", SEED_NAME)


class SeedUnavailable(CarrybotError):
    """The bundled seed is missing or unreadable and the store has nothing to fall back on."""


def ensure_loaded(store: ObservationStore, need_seed: bool = True) -> SeedInfo:
    """Fill the store from the seed once; later runs (and live data) are left alone.

    A store that already holds observations does not need the seed: when it is missing or
    corrupt the store is used as it is (with a warning); so is an empty one when ``need_seed``
    is False (a refresh that is about to fetch); otherwise that raises ``SeedUnavailable``."""
    try:
        payload = seed_bytes()
        digest = hashlib.sha256(payload).hexdigest()
        if store.get_meta(SEED_MARK) == digest:
            return SeedInfo(False, 0, digest)
        obs = read(payload)
    except (OSError, EOFError, ValueError, zlib.error, pd.errors.ParserError, KeyError) as exc:
        problem = f"the bundled seed {seed_file()} is missing or unreadable ({_reason(exc)})"
        stored = store.count()
        if stored or not need_seed:
            log.warning("%s; going on with the %d observations stored", problem, stored)
            return SeedInfo(False, 0, "")
        raise SeedUnavailable(
            f"{problem} and the data store is empty: reinstall carrybot "
            "(pip install --force-reinstall carrybot), or run `carrybot refresh` online"
        ) from None
    obs = obs.assign(source=SEED_LABEL + "/" + obs["source"])
    # Values fetched live are at least as new as the seed's: only fill dates that are missing.
    inserted = store.insert_missing(obs)
    store.set_meta(SEED_MARK, digest)
    return SeedInfo(True, inserted, digest)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, FileNotFoundError):
        return "no such file"
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def is_seed_source(source: str) -> bool:
    """True when a stored row came from the bundled seed rather than a live fetch."""
    return source.startswith(SEED_LABEL + "/")


def _provenance(obs: pd.DataFrame, raw_dir: Path, used: list[str], payload: bytes) -> str:
    lines = [
        "# Offline seed: provenance",
        "",
        f"`{SEED_NAME}` is built by `carrybot seed build --raw DIR` from the real public files",
        "described in `shared/data/raw/SOURCES.md`, read through the project's own parsers.",
        "Only series whose terms allow redistribution are included (US Treasury and Federal",
        "Reserve series via FRED, Japan MoF, ECB, CFTC). VIX (Cboe's terms), the Nikkei 225,",
        "the S&P 500 and Coinbase Bitcoin are left out and fetched live. Columns: series, date,",
        "value, released (CFTC release date), source.",
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
    for name in used:
        digest = hashlib.sha256((raw_dir / name).read_bytes()).hexdigest()
        lines.append(f"| {name} | `{digest[:16]}` |")
    return "\n".join(lines) + "\n"


def open_seeded_store(url: str | None = None, need_seed: bool = True) -> ObservationStore:
    """The configured store (opened and migrated once here), filled from the seed on first use."""
    from analytics.storage.database import open_database

    store = ObservationStore(open_database(url))
    ensure_loaded(store, need_seed)
    return store
