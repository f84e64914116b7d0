"""The published anchor points and weights of every signal component, read from one CSV table.

``analytics/data/anchors.csv`` holds one row per component: its pillar, weight, the plain
quantity it measures and the anchor points ``x:score`` of a piecewise-linear map to 0–100 (flat
beyond the end points). Fixed anchors mean a score of 70 says the same thing next year.
"""

from __future__ import annotations

import csv
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

DEFAULT_PATH = Path(__file__).resolve().parents[1] / "data" / "anchors.csv"
PILLARS = ("A", "B", "C")


@dataclass(frozen=True)
class Anchor:
    """One component's map: anchor points sorted by x, and its weight within its pillar."""

    component: str
    pillar: str
    weight: float
    quantity: str
    unit: str
    xs: tuple[float, ...]
    scores: tuple[float, ...]

    def score(self, values: np.ndarray | float) -> np.ndarray:
        """Scores 0–100 by linear interpolation between the anchors; NaN stays NaN."""
        return np.asarray(np.interp(values, self.xs, self.scores))

    @property
    def points(self) -> str:
        """The anchors as written in the table (``x:score`` pairs)."""
        return " ".join(f"{x:g}:{s:g}" for x, s in zip(self.xs, self.scores, strict=True))


@dataclass(frozen=True)
class AnchorTable:
    """Every component's anchors, keyed by component id (``A1`` … ``C5``, ``C4.vix`` …)."""

    anchors: Mapping[str, Anchor]

    def __getitem__(self, component: str) -> Anchor:
        return self.anchors[component]

    def pillar(self, pillar: str) -> tuple[Anchor, ...]:
        """The components of a pillar (or of a composite component such as ``C4``), in order."""
        return tuple(a for a in self.anchors.values() if a.pillar == pillar)


def parse(text: str) -> AnchorTable:
    """Parse and check the CSV text: monotone maps, scores in 0–100, weights summing to 1."""
    anchors: dict[str, Anchor] = {}
    for row in csv.DictReader(text.splitlines()):
        pairs = sorted(
            (float(x), float(s)) for x, s in (p.split(":") for p in row["points"].split())
        )
        xs = tuple(x for x, _ in pairs)
        scores = tuple(s for _, s in pairs)
        anchor = Anchor(
            row["component"],
            row["pillar"],
            float(row["weight"]),
            row["quantity"],
            row["unit"],
            xs,
            scores,
        )
        _check(anchor)
        anchors[anchor.component] = anchor
    table = AnchorTable(anchors)
    for group in {a.pillar for a in anchors.values()}:
        total = sum(a.weight for a in table.pillar(group))
        if abs(total - 1.0) > 1e-9:
            raise ValueError(f"weights of {group} sum to {total:g}, not 1")
    return table


@functools.cache
def load(path: Path = DEFAULT_PATH) -> AnchorTable:
    """The anchor table at ``path`` (the published one by default), read once."""
    return parse(path.read_text(encoding="utf-8"))


def _check(anchor: Anchor) -> None:
    name = anchor.component
    if len(anchor.xs) < 2 or len(set(anchor.xs)) != len(anchor.xs):
        raise ValueError(f"{name}: needs at least two anchors with distinct x")
    steps = np.diff(anchor.scores)
    if not ((steps >= 0).all() or (steps <= 0).all()):
        raise ValueError(f"{name}: anchors are not monotone ({anchor.points})")
    if min(anchor.scores) < 0 or max(anchor.scores) > 100:
        raise ValueError(f"{name}: scores must lie in 0–100 ({anchor.points})")
    if not 0 < anchor.weight <= 1:
        raise ValueError(f"{name}: weight {anchor.weight:g} outside (0, 1]")
