"""The real raw files read once per test session: observations, the Nikkei gap filled, the panel."""

from __future__ import annotations

import functools

import pandas as pd

from analytics.ingest import rawfiles
from analytics.signal import pipeline
from analytics.signal.panel import Panel, build_panel
from tests.support.paths import RAW_DIR, raw_path
from tests.support.yahoo import with_nikkei_gap_filled


@functools.cache
def _observations() -> pd.DataFrame:
    return with_nikkei_gap_filled(rawfiles.read_directory(RAW_DIR))


def observations() -> pd.DataFrame:
    """Every known raw file parsed, plus the yfinance Nikkei closes of 2020–2025 (test only)."""
    raw_path("SOURCES.md")  # skips without ../shared
    return _observations()


@functools.cache
def _panel() -> Panel:
    return build_panel(_observations())


def panel() -> Panel:
    """The point-in-time panel over the whole real history."""
    raw_path("SOURCES.md")
    return _panel()


@functools.cache
def _computation(end: str) -> pipeline.Computation:
    return pipeline.compute(_observations(), end=pd.Timestamp(end))


def computation(end: str) -> pipeline.Computation:
    """The full signal computation with what was available by ``end`` (cached per day)."""
    raw_path("SOURCES.md")
    return _computation(end)
