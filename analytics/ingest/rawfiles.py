"""Read a folder of real public data files (as in ``shared/data/raw``) through the project's parsers.

Each family of file names (``DEXJPUS*.csv``, ``VIXCLS*.csv``, ``VIX_cboe*.csv``, …) is mapped to
the parser of the source it came from, and every file of a family in the folder is read. Where
several files hold the same series and date, the later file wins: files are ordered by their
``rank`` (US Treasury files only fill dates FRED lacks, as a live refresh does), then by the
last date they hold, so the export that reaches furthest is the one kept.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analytics.catalogue import observations
from analytics.errors import CarrybotError
from analytics.sources import SOURCES, RawFamily, raw_parser


class NoRawFiles(CarrybotError, FileNotFoundError):
    """A folder holds none of the raw files ``RAW_FILES`` knows."""


@dataclass(frozen=True)
class RawFile:
    """A family of raw file names, with the source it came from (``analytics.sources.SOURCES``)."""

    source: str
    family: RawFamily

    @property
    def pattern(self) -> str:
        return self.family.pattern

    @property
    def rank(self) -> int:
        return self.family.rank

    def matches(self, name: str) -> bool:
        return self.family.matches(name)


RAW_FILES: tuple[RawFile, ...] = tuple(
    RawFile(source.name, family) for source in SOURCES for family in source.raw_files
)


def family(name: str) -> RawFile | None:
    """The family a file name belongs to (None for a file no parser reads)."""
    return next((raw for raw in RAW_FILES if raw.matches(name)), None)


def known_files(directory: Path, names: Iterable[str] | None = None) -> list[tuple[Path, RawFile]]:
    """Every file in ``directory`` some family reads (only ``names`` if given), by name."""
    wanted = set(names) if names is not None else None
    found = []
    for path in sorted(directory.iterdir()) if directory.is_dir() else []:
        raw = family(path.name)
        if raw is not None and path.is_file() and (wanted is None or path.name in wanted):
            found.append((path, raw))
    return found


def read_file(path: Path, raw: RawFile | None = None) -> pd.DataFrame:
    """Parse one raw file with its source's parser; adds a ``source`` column."""
    raw = raw or family(path.name)
    if raw is None:
        raise ValueError(f"no parser reads {path.name}")
    parsed: pd.DataFrame = raw_parser(raw.source, raw.family)(path.read_bytes())
    return parsed.assign(source=raw.source)


def read_directory(
    directory: Path, names: Iterable[str] | None = None, series: Iterable[str] | None = None
) -> pd.DataFrame:
    """Observations (with ``source``) from every known file present in ``directory``.

    Later files override earlier ones on the same (series, date), in the order of the module
    docstring; ``series`` filters the result.
    """
    parts = []
    for path, raw in known_files(directory, names):
        frame = read_file(path, raw)
        last = frame["date"].max() if len(frame) else pd.Timestamp.min
        parts.append((raw.rank, last, path.name, frame))
    if not parts:
        raise NoRawFiles(
            f"no known raw data file in {directory}: it should hold files such as "
            "DEXJPUS*.csv or jgbcme_all.csv (see shared/data/raw/SOURCES.md)"
        )
    parts.sort(key=lambda part: part[:3])
    combined = pd.concat([frame for *_, frame in parts], ignore_index=True)
    combined = combined.drop_duplicates(subset=["series", "date"], keep="last")
    if series is not None:
        combined = combined[combined["series"].isin(set(series))]
    return combined.sort_values(["series", "date"], ignore_index=True)[
        [*observations.COLUMNS, "source"]
    ]
