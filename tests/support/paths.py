"""Where the shared real data lives beside the repository."""

from __future__ import annotations

from pathlib import Path

import pytest

RAW_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "raw"


def raw_path(name: str) -> Path:
    """Path of a real raw file; skips the test when ../shared is not beside the repo."""
    path = RAW_DIR / name
    if not path.exists():
        pytest.skip(f"real data file {name} not found under {RAW_DIR}")
    return path
