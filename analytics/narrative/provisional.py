"""Whether the day's regime hangs on an input that is left out.

A pillar is the weighted mean of its components with current data (``analytics.signal.scores``):
a left-out component's weight moves to the others. Putting a left-out component anywhere in its
full range (score 0 to 100) with its weight restored moves the pillar between two bounds; when
those bounds put unwind pressure (pillar C) or carry fuel (0.4·A + 0.6·B) on both sides of a
regime threshold, the regime could read differently with that input, and the verdict is
provisional. Inputs are grouped as a reader knows them (the VIX, CFTC positioning, the 2-year
gap, USD/JPY's history); the templates word the groups.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from analytics.signal.regime import Regime, Thresholds
from analytics.signal.scores import FUEL_WEIGHTS

# The input a left-out component is missing, as a reader would name it.
GROUPS = {
    "A1": "gap_2y",
    "A2": "gap_2y",
    "A3": "gap_2y",
    "B1": "cftc",
    "B2": "cftc",
    "B3": "usdjpy",
    "B4": "usdjpy",
    "C1": "usdjpy",
    "C2": "usdjpy",
    "C3": "usdjpy",
    "C4": "vix",
    "C5": "cftc",
}
SCORE_RANGE = (0.0, 100.0)
# The labels the carry-fuel threshold separates (BUILDING's entry and exit).
FUEL_REGIMES = frozenset({Regime.BUILDING, Regime.STABLE})


class Component(Protocol):
    """What this module reads of a component (``analytics.narrative.snapshot.ComponentReading``)."""

    @property
    def key(self) -> str: ...
    @property
    def pillar(self) -> str: ...
    @property
    def weight(self) -> float: ...
    @property
    def score(self) -> float | None: ...
    @property
    def status(self) -> str: ...


@dataclass(frozen=True)
class Reach:
    """The bounds of a quantity with left-out inputs anywhere in their range, and the regime
    thresholds (``thresholds``) that lie between them."""

    low: float
    high: float
    thresholds: tuple[float, ...]


@dataclass(frozen=True)
class Provisional:
    """The left-out inputs (``groups``: codes; ``components``: their keys) whose full range
    could carry unwind pressure (``pressure``) or carry fuel (``fuel``) across a threshold."""

    groups: tuple[str, ...]
    components: tuple[str, ...]
    pressure: Reach | None
    fuel: Reach | None


def pillar_bounds(
    components: Iterable[Component], restored: frozenset[str]
) -> tuple[float, float] | None:
    """A pillar's bounds with the ``restored`` left-out components anywhere in 0–100 (the other
    left-out ones stay out); None when no component would count."""
    present = [c for c in components if c.status == "ok" and c.score is not None]
    back = [c for c in components if c.status != "ok" and c.key in restored]
    total = sum(c.weight for c in present) + sum(c.weight for c in back)
    if total <= 0:
        return None
    known = sum(c.weight * (c.score or 0.0) for c in present)
    extra = sum(c.weight for c in back)
    low, high = SCORE_RANGE
    return (known + low * extra) / total, (known + high * extra) / total


def fuel_bounds(
    a: tuple[float, float] | None, b: tuple[float, float] | None
) -> tuple[float, float] | None:
    """Carry fuel's bounds from pillar A's and B's (either alone when the other has none)."""
    if a is None or b is None:
        return a or b
    wa, wb = FUEL_WEIGHTS["A"], FUEL_WEIGHTS["B"]
    return wa * a[0] + wb * b[0], wa * a[1] + wb * b[1]


def between(bounds: tuple[float, float] | None, levels: Iterable[float]) -> tuple[float, ...]:
    """The levels the bounds straddle: some placement is below, another at or above."""
    if bounds is None:
        return ()
    low, high = bounds
    return tuple(x for x in levels if low < x <= high)


def provisional(
    components: Sequence[Component],
    regime: str,
    pressure: float | None,
    thresholds: Thresholds | None = None,
) -> Provisional | None:
    """The left-out inputs the regime hangs on (None when no single one or all together could
    carry pressure or fuel across a threshold, or when pressure has no score)."""
    if pressure is None:
        return None
    t = thresholds or Thresholds()
    left_out = [c for c in components if c.status != "ok"]
    groups = list(dict.fromkeys(GROUPS[c.key] for c in left_out))
    hanging = [g for g in groups if _reach(components, _keys(left_out, {g}), regime, pressure, t)]
    if not hanging and len(groups) > 1:
        everything = _keys(left_out, set(groups))
        hanging = groups if _reach(components, everything, regime, pressure, t) else []
    if not hanging:
        return None
    keys = _keys(left_out, set(hanging))
    c, fuel = _reach(components, keys, regime, pressure, t) or (None, None)
    return Provisional(tuple(hanging), tuple(c.key for c in left_out if c.key in keys), c, fuel)


def _keys(left_out: Sequence[Component], groups: set[str]) -> frozenset[str]:
    return frozenset(c.key for c in left_out if GROUPS[c.key] in groups)


def _reach(
    components: Sequence[Component],
    restored: frozenset[str],
    regime: str,
    pressure: float,
    t: Thresholds,
) -> tuple[Reach | None, Reach | None] | None:
    """Pressure's and fuel's reach with ``restored`` back; None when neither crosses."""

    def of(pillar: str) -> tuple[float, float] | None:
        return pillar_bounds([c for c in components if c.pillar == pillar], restored)

    c = of("C")
    c_levels = between(c, (t.elevated_c, t.unwind_c))
    fuel = fuel_bounds(of("A"), of("B"))
    fuel_levels: tuple[float, ...] = ()
    if regime in FUEL_REGIMES and pressure < t.building_c:
        fuel_levels = between(fuel, (t.building_fuel,))
    if not c_levels and not fuel_levels:
        return None
    return (
        Reach(c[0], c[1], c_levels) if c is not None and c_levels else None,
        Reach(fuel[0], fuel[1], fuel_levels) if fuel is not None and fuel_levels else None,
    )
