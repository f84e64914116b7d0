"""The snapshot ``carrybot brief`` computed last, kept on disk for the next run on the same data.

A briefing is a pure function of the stored observations, the day and the analytics code
(package data included). The key hashes all three: the store's fingerprint (row count and last
fetch), the day, and a digest of every file under ``analytics/``. Any change to any of them is a
miss and the snapshot is computed afresh. A file that cannot be read back (truncated, written by
another Python, a renamed class) is a miss too and is removed; a cache folder that cannot be
written leaves the briefing as it is, only uncached.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import pickle
import tempfile
from collections.abc import Hashable
from datetime import date
from pathlib import Path

import analytics
from analytics.narrative.snapshot import Snapshot
from analytics.storage.location import CACHE_FOLDER

log = logging.getLogger(__name__)

FOLDER = CACHE_FOLDER  # the snapshots lie in the cache folder itself
KEEP = 8  # snapshots kept (a few days and languages' worth; each is a few kB)


@functools.cache
def code_digest() -> str:
    """A digest of every file of the analytics package (its code and its data tables)."""
    root = Path(analytics.__file__).parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def cache_key(fingerprint: Hashable, day: date) -> str:
    """The file name of the snapshot of ``day`` on data with ``fingerprint``."""
    text = f"{code_digest()}|{day.isoformat()}|{fingerprint!r}"
    return f"snapshot-{hashlib.sha256(text.encode()).hexdigest()[:24]}.pickle"


class SnapshotCache:
    """Snapshots by key in one folder, the ``KEEP`` most recent kept."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def load(self, key: str) -> Snapshot | None:
        """The snapshot stored under ``key``, or None (missing or unreadable: then removed)."""
        path = self.folder / key
        try:
            with path.open("rb") as file:
                snapshot = pickle.load(file)
        except FileNotFoundError:
            return None
        except OSError as exc:  # the folder is not one (a file in its place), or unreadable
            log.info("snapshot cache: cannot read %s (%s)", path, exc)
            return None
        except Exception as exc:  # any unpickling failure means: compute it again
            log.info("snapshot cache: %s is unreadable (%s); computing afresh", path.name, exc)
            path.unlink(missing_ok=True)
            return None
        if not isinstance(snapshot, Snapshot):
            path.unlink(missing_ok=True)
            return None
        os.utime(path)  # most recently used
        return snapshot

    def save(self, key: str, snapshot: Snapshot) -> None:
        """Store ``snapshot`` under ``key`` atomically; a failure only logs."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=self.folder, suffix=".tmp", delete=False) as file:
                pickle.dump(snapshot, file, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(file.name, self.folder / key)
            self._trim()
        except Exception as exc:
            log.info("snapshot cache: cannot write to %s (%s)", self.folder, exc)

    def _trim(self) -> None:
        kept = sorted(
            self.folder.glob("snapshot-*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True
        )
        for stale in kept[KEEP:]:
            stale.unlink(missing_ok=True)
