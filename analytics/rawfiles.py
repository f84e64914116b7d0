"""Read a folder of real public data files (as in ``shared/data/raw``) through the project's parsers.

Each known file name is mapped to the parser of the source it came from; files are read in the
order listed, so where two files hold the same series and date the later one wins (newer exports
after older ones).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analytics import observations
from analytics.errors import CarrybotError


class NoRawFiles(CarrybotError, FileNotFoundError):
    """A folder holds none of the raw files ``RAW_FILES`` knows."""


@dataclass(frozen=True)
class RawFile:
    """A raw file name, the source it came from and the parser (module:function) that reads it."""

    name: str
    source: str
    parser: str


RAW_FILES: tuple[RawFile, ...] = (
    RawFile("DFEDTAR.csv", "fred", "fred:parse"),
    RawFile("DFEDTARU.csv", "fred", "fred:parse"),
    RawFile("DFEDTARL.csv", "fred", "fred:parse"),
    RawFile("DFF_legacy_1954-2023.csv", "fred", "fred:parse"),
    RawFile("DFF.csv", "fred", "fred:parse"),
    RawFile("DGS2.csv", "fred", "fred:parse"),
    RawFile("DGS2_1990-2025.csv", "fred", "fred:parse"),
    RawFile("DGS10.csv", "fred", "fred:parse"),
    RawFile("DGS10_1962-2026.csv", "fred", "fred:parse"),
    RawFile("DEXJPUS.csv", "fred", "fred:parse"),
    RawFile("DEXJPUS_2015-2025.csv", "fred", "fred:parse"),
    RawFile("VIXCLS.csv", "fred", "fred:parse"),
    RawFile("NIKKEI225_legacy_1949-2020.csv", "fred", "fred:parse"),
    RawFile("NIKKEI225_2025-2026.csv", "fred", "fred:parse"),
    RawFile("SP500.csv", "fred", "fred:parse"),
    RawFile("SP500_2025-2026.csv", "fred", "fred:parse"),
    RawFile("CBBTCUSD.csv", "fred", "fred:parse"),
    RawFile("jgbcme_all.csv", "mof", "mof:parse"),
    RawFile("eurofxref-hist.csv", "ecb", "ecb:parse_history"),
    RawFile("CFTC_legacy_FO_2025_JPY_rows.txt", "cftc", "cftc:parse_legacy_text"),
    RawFile("CFTC_TFF_FO_2017-2021_JPY_rows.txt", "cftc", "cftc:parse_tff_text"),
    RawFile("CFTC_TFF_FO_2025_JPY_rows.txt", "cftc", "cftc:parse_tff_text"),
)


def read_file(path: Path, raw: RawFile) -> pd.DataFrame:
    """Parse one raw file with its source's parser; adds a ``source`` column."""
    module_name, function_name = raw.parser.split(":")
    module = importlib.import_module(f"analytics.sources.{module_name}")
    parsed: pd.DataFrame = getattr(module, function_name)(path.read_bytes())
    return parsed.assign(source=raw.source)


def read_directory(
    directory: Path, names: Iterable[str] | None = None, series: Iterable[str] | None = None
) -> pd.DataFrame:
    """Observations (with ``source``) from every known file present in ``directory``.

    Later files override earlier ones on the same (series, date); ``series`` filters the result.
    """
    wanted = set(names) if names is not None else None
    parts = []
    for raw in RAW_FILES:
        path = directory / raw.name
        if (wanted is not None and raw.name not in wanted) or not path.exists():
            continue
        parts.append(read_file(path, raw))
    if not parts:
        raise NoRawFiles(
            f"no known raw data file in {directory}: it should hold files such as "
            f"{RAW_FILES[-5].name} or {RAW_FILES[4].name} (see shared/data/raw/SOURCES.md)"
        )
    combined = pd.concat(parts, ignore_index=True)
    combined = combined.drop_duplicates(subset=["series", "date"], keep="last")
    if series is not None:
        combined = combined[combined["series"].isin(set(series))]
    return combined.sort_values(["series", "date"], ignore_index=True)[
        [*observations.COLUMNS, "source"]
    ]
