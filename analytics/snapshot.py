"""The Snapshot: everything a chat reply needs on one day, every number with its date.

``build_snapshot(obs, today)`` runs the live computation (``analytics.pipeline``) on a long
observation frame (``ObservationStore.load()``) and freezes its last day: the three gaps, the
USD/JPY block, CFTC positioning, pillars with their components, unwind pressure, carry fuel,
the regime and why, per-series freshness, policy rates with their last decision, and notes
(dropped components, a policy table that disagrees with live rates, offline or seed data).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from analytics import anchors, differential, pipeline, policy, regime, signal
from analytics.panel import last_market_day
from analytics.series import CATALOGUE
from analytics.usdjpy import SOURCE_LABELS

if TYPE_CHECKING:
    from analytics.store import ObservationStore

PILLAR_NAMES = {"A": "carry incentive", "B": "crowding", "C": "unwind pressure"}
BANK_NAMES = {"fed": "Fed", "boj": "BoJ"}
# Panel columns behind each component, for the as-of date and the reason a component is dropped.
SOURCE_COLUMNS: dict[str, tuple[str, ...]] = {
    "A1": ("us_2y", "jp_2y"),
    "A2": ("us_2y", "jp_2y", "usdjpy"),
    "A3": ("us_2y", "jp_2y"),
    "B1": ("cftc_net_pct_oi",),
    "B2": ("lev_pctile",),
    "B3": ("usdjpy",),
    "B4": ("usdjpy",),
    "C1": ("usdjpy",),
    "C2": ("usdjpy",),
    "C3": ("usdjpy",),
    "C4": ("vix", "usdjpy"),
    "C5": ("cftc_flush_pp",),
}
COLUMN_NAMES = {
    "us_2y": "US 2-year yield",
    "jp_2y": "JGB 2-year yield",
    "usdjpy": "USD/JPY",
    "vix": "VIX",
    "cftc_net_pct_oi": "CFTC non-commercial positions",
    "cftc_flush_pp": "CFTC non-commercial positions",
    "lev_pctile": "CFTC leveraged-funds positions",
}
OLD_CLOSE_DAYS = 5  # a long weekend; beyond it the whole snapshot is out of date
STRESS = {regime.Regime.UNWINDING, regime.Regime.ELEVATED, regime.Regime.RESET}


@dataclass(frozen=True)
class FxBlock:
    """USD/JPY on the snapshot day: level, moves, where it came from, drawdown from 60-day high."""

    level: float | None
    as_of: date | None
    source: str
    source_label: str
    stale: bool
    change_1d_pct: float | None
    change_1w_pct: float | None
    change_1m_pct: float | None
    high_60d: float | None
    high_60d_date: date | None
    drawdown_60d_pct: float | None
    h10_last: date | None
    splice_factor: float | None


@dataclass(frozen=True)
class PositioningBlock:
    """CFTC yen futures positioning from the last released reports (None where none exists)."""

    noncomm_net: float | None
    noncomm_net_pct_oi: float | None
    noncomm_report_date: date | None
    noncomm_released: date | None
    noncomm_stale: bool
    lev_net: float | None
    lev_net_pct_oi: float | None
    lev_shortness_pctile: float | None
    lev_report_date: date | None
    lev_released: date | None
    lev_stale: bool


@dataclass(frozen=True)
class ComponentReading:
    """One component: its plain quantity, score, nominal and effective weight, status and why."""

    key: str
    pillar: str
    quantity: str
    unit: str
    raw: float | None
    score: float | None
    weight: float
    effective_weight: float | None
    status: str
    why: str | None
    as_of: date | None
    description: str | None


@dataclass(frozen=True)
class PillarReading:
    """A pillar's score (renormalised over its available components) and its components."""

    key: str
    name: str
    score: float | None
    components: tuple[ComponentReading, ...]

    @property
    def dropped(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.components if c.status != "ok")


@dataclass(frozen=True)
class RegimeReading:
    """The regime, since when, the rule that set it, and a one-line reason."""

    regime: str
    since: date | None
    trigger: str
    previous: str | None
    reason: str
    drivers: tuple[str, ...]


@dataclass(frozen=True)
class SeriesFreshness:
    """The last observation of one stored series and whether it is older than its limit."""

    series: str
    name: str
    source: str
    as_of: date | None
    age_days: int | None
    max_age_days: int
    stale: bool


@dataclass(frozen=True)
class PolicyReading:
    """A central bank's policy rate in force (midpoint, %) and the decision that set it."""

    bank: str
    name: str
    rate_pct: float | None
    described: str | None
    decided: date | None
    status: str | None
    next_meeting: date | None


@dataclass(frozen=True)
class Snapshot:
    """Everything a reply needs on ``as_of`` (the last business day computed)."""

    as_of: date
    today: date
    version: str
    differentials: tuple[differential.GapBlock, ...]
    fx: FxBlock
    positioning: PositioningBlock
    pillars: tuple[PillarReading, ...]
    unwind_pressure: float | None
    carry_fuel: float | None
    carry_fuel_note: str | None
    regime: RegimeReading
    freshness: tuple[SeriesFreshness, ...]
    policy: tuple[PolicyReading, ...]
    notes: tuple[str, ...]

    def gap(self, key: str) -> differential.GapBlock:
        """The gap block ``policy``, ``2y`` or ``10y``."""
        return next(g for g in self.differentials if g.key == key)

    def pillar(self, key: str) -> PillarReading:
        """Pillar ``A``, ``B`` or ``C``."""
        return next(p for p in self.pillars if p.key == key)


def inputs_version(obs: pd.DataFrame, today: date) -> str:
    """A short hash of every series' last date and value (and the day), for caching snapshots."""
    last = obs.sort_values(["series", "date"]).groupby("series").tail(1)
    text = ";".join(
        f"{s}={d:%Y-%m-%d}:{v:.6g}"
        for s, d, v in zip(last["series"], last["date"], last["value"], strict=True)
    )
    table = ";".join(
        f"{a.component}={a.weight:g}|{a.points}" for a in anchors.load().anchors.values()
    )
    digest = hashlib.sha256(f"{today:%Y-%m-%d}|{text}|{table}".encode()).hexdigest()
    return digest[:16]


def build_snapshot(
    obs: pd.DataFrame,
    today: date,
    computation: pipeline.Computation | None = None,
    thresholds: regime.Thresholds | None = None,
    offline: bool = False,
    seed: bool = False,
    extra_notes: Iterable[str] = (),
) -> Snapshot:
    """The snapshot for ``today`` from a long observation frame (e.g. ``store.load()``).

    It is computed up to the last business day with a market close (``panel.last_market_day``),
    so ``as_of`` may be before ``today``; freshness is measured against ``today``.
    ``computation`` reuses an up-to-date run (e.g. from ``pipeline.advance``); ``offline`` and
    ``seed`` add a note that live sources could not be reached or the data is the bundled seed.
    """
    end = last_market_day(obs, pd.Timestamp(today))
    result = computation or pipeline.compute(obs, end=end, thresholds=thresholds)
    p, s = result.panel, result.signal
    values, asof, stale = p.values, p.asof, p.stale
    day = s.index[-1]
    row = s.iloc[-1]
    gaps = tuple(differential.block(g, values, asof, stale) for g in differential.GAPS)
    pillars = _pillars(row, asof.iloc[-1], stale.iloc[-1], day)
    regime_reading = _regime(result, pillars)
    fuel_note = (
        "Carry fuel uses carry incentive alone: every crowding component is missing or stale."
        if bool(row["fuel_without_b"])
        else None
    )
    policies = _policy(today)
    notes = [
        *(_dropped_note(c) for p_ in pillars for c in p_.components if c.status != "ok"),
        *([fuel_note] if fuel_note else []),
        *(
            ["A1 and A2 use the policy-rate gap: the 2-year gap is missing or stale."]
            if bool(row["a1_policy_gap"])
            else []
        ),
        *_age_notes(day.date(), today),
        *_regime_notes(result),
        *_policy_notes(obs),
        *(
            ["Live sources could not be reached: figures are the last stored data."]
            if offline
            else []
        ),
        *(["Figures come from the bundled seed data, not a live refresh."] if seed else []),
        *extra_notes,
    ]
    return Snapshot(
        as_of=day.date(),
        today=today,
        version=inputs_version(obs, today),
        differentials=gaps,
        fx=_fx(result),
        positioning=_positioning(result),
        pillars=pillars,
        unwind_pressure=_num(row["C"]),
        carry_fuel=_num(row["fuel"]),
        carry_fuel_note=fuel_note,
        regime=regime_reading,
        freshness=freshness(obs, today),
        policy=policies,
        notes=tuple(notes),
    )


def snapshot_from_store(
    store: ObservationStore, today: date, offline: bool = False, seed: bool = False
) -> Snapshot:
    """``build_snapshot`` on everything an ``ObservationStore`` holds."""
    return build_snapshot(store.load(), today, offline=offline, seed=seed)


def freshness(obs: pd.DataFrame, today: date) -> tuple[SeriesFreshness, ...]:
    """Per catalogue series: last observation date, age in days and whether it is stale."""
    last = obs.groupby("series")["date"].max()
    sources = obs.groupby("series")["source"].last() if "source" in obs else pd.Series(dtype=object)
    out = []
    for series_id, spec in CATALOGUE.items():
        when = last.get(series_id)
        as_of = None if when is None or pd.isna(when) else pd.Timestamp(when).date()
        age = None if as_of is None else (today - as_of).days
        out.append(
            SeriesFreshness(
                series_id,
                spec.name,
                str(sources.get(series_id, spec.source)),
                as_of,
                age,
                spec.max_age_days,
                age is None or age > spec.max_age_days,
            )
        )
    return tuple(out)


# --- blocks ---------------------------------------------------------------------------------


def _fx(result: pipeline.Computation) -> FxBlock:
    p, s = result.panel, result.signal
    fx = s["usdjpy"]
    level = _num(fx.iloc[-1])
    window = fx.iloc[-signal.HIGH_WINDOW :].dropna()
    source = str(p.fx_source.iloc[-1])
    return FxBlock(
        level=level,
        as_of=_day(p.asof["usdjpy"].iloc[-1]),
        source=source,
        source_label=SOURCE_LABELS.get(source, "none"),
        stale=bool(p.stale["usdjpy"].iloc[-1]),
        change_1d_pct=_change_pct(fx, 1),
        change_1w_pct=_change_pct(fx, 5),
        change_1m_pct=_change_pct(fx, 21),
        high_60d=_num(window.max()) if len(window) else None,
        high_60d_date=window.idxmax().date() if len(window) else None,
        drawdown_60d_pct=_num(s["C1_raw"].iloc[-1]),
        h10_last=p.splice.h10_last.date() if p.splice.h10_last is not None else None,
        splice_factor=p.splice.factor if source == "ecb" else None,
    )


def _positioning(result: pipeline.Computation) -> PositioningBlock:
    p = result.panel
    reports = p.reports
    values, asof, stale = p.values.iloc[-1], p.asof.iloc[-1], p.stale.iloc[-1]

    def released(column: str) -> date | None:
        report = asof[column]
        if pd.isna(report) or pd.Timestamp(report) not in reports.index:
            return None
        return pd.Timestamp(reports.loc[pd.Timestamp(report), "released"]).date()

    def report_value(column: str, field: str) -> float | None:
        report = asof[column]
        if pd.isna(report) or pd.Timestamp(report) not in reports.index:
            return None
        return _num(reports.loc[pd.Timestamp(report), field])

    return PositioningBlock(
        noncomm_net=report_value("cftc_net_pct_oi", "noncomm_net"),
        noncomm_net_pct_oi=_num(values["cftc_net_pct_oi"]),
        noncomm_report_date=_day(asof["cftc_net_pct_oi"]),
        noncomm_released=released("cftc_net_pct_oi"),
        noncomm_stale=bool(stale["cftc_net_pct_oi"]),
        lev_net=_num(values["lev_net"]),
        lev_net_pct_oi=_num(values["lev_net_pct_oi"]),
        lev_shortness_pctile=_num(values["lev_pctile"]),
        lev_report_date=_day(asof["lev_net"]),
        lev_released=released("lev_net"),
        lev_stale=bool(stale["lev_net"]),
    )


def _pillars(
    row: pd.Series, asof: pd.Series, stale: pd.Series, day: pd.Timestamp
) -> tuple[PillarReading, ...]:
    table = anchors.load()
    out = []
    for key in signal.PILLARS:
        members = table.pillar(key)
        present = sum(a.weight for a in members if int(row[f"{a.component}_status"]) == signal.OK)
        components = []
        for a in members:
            status = signal.STATUS_NAMES[int(row[f"{a.component}_status"])]
            columns = SOURCE_COLUMNS[a.component]
            if a.component in ("A1", "A2") and bool(row["a1_policy_gap"]):
                columns = ("us_policy", "jp_policy", *signal.INPUTS[a.component])
            dates = [_day(asof[c]) for c in columns]
            known = [d for d in dates if d is not None]
            components.append(
                ComponentReading(
                    key=a.component,
                    pillar=key,
                    quantity=a.quantity,
                    unit=a.unit,
                    raw=_num(row[f"{a.component}_raw"]),
                    score=_num(row[f"{a.component}_score"]),
                    weight=a.weight,
                    effective_weight=a.weight / present if status == "ok" and present else None,
                    status=status,
                    why=_why(a.component, status, asof, stale, day),
                    as_of=min(known) if known else None,
                    description=describe(a.component, row),
                )
            )
        out.append(PillarReading(key, PILLAR_NAMES[key], _num(row[key]), tuple(components)))
    return tuple(out)


def _why(
    component: str, status: str, asof: pd.Series, stale: pd.Series, day: pd.Timestamp
) -> str | None:
    if status == "ok":
        return None
    columns = SOURCE_COLUMNS[component]
    if status == "stale":
        old = [c for c in signal.INPUTS[component] if bool(stale[c])]
        parts = []
        for column in old:
            seen = pd.Timestamp(asof[column])
            parts.append(
                f"{COLUMN_NAMES.get(column, column)} last observed {_fmt(seen.date())} "
                f"({(day - seen).days} days old)"
            )
        return "; ".join(parts) or "an input is stale"
    absent = [c for c in columns if pd.isna(asof[c])]
    if absent:
        names = sorted({COLUMN_NAMES.get(c, c) for c in absent})
        return f"no {', '.join(names)} data"
    return "not enough history for its window"


def describe(component: str, row: pd.Series) -> str | None:
    """The component's quantity in a few plain words (None when it has no value)."""
    x = _num(row[f"{component}_raw"])
    if x is None:
        return None
    texts = {
        "A1": f"US–Japan {'policy-rate' if bool(row['a1_policy_gap']) else '2-year'} gap {x:.0f} bp",
        "A2": f"carry-to-risk {x:.2f} (gap ÷ 63-day volatility)",
        "A3": f"2-year gap {x:+.0f} bp over 3 months",
        "B1": f"speculators' net yen position {x:+.0f}% of open interest",
        "B2": f"leveraged funds shorter yen than {x:.0f}% of the last 5 years",
        "B3": f"USD/JPY {x:+.1f}% over 126 days",
        "B4": f"63-day volatility {x:.2f}× its 3-year median",
        "C1": f"USD/JPY {x:+.1f}% from its 60-day high",
        "C2": f"20-day move {x:+.1f}σ",
        "C3": f"20-day volatility {x:.1f}× its 1-year median",
        "C4": _describe_c4(row),
        "C5": f"speculators' net yen position {x:+.1f} pp over two reports",
    }
    return texts[component]


def _describe_c4(row: pd.Series) -> str:
    vix, change = _num(row["vix"]), _num(row["vix_5d_change"])
    gated = float(row["c4_gate"]) < 1
    text = (
        f"VIX {vix:.1f} ({change:+.1f} in 5 days)"
        if vix is not None and change is not None
        else "VIX"
    )
    return text + (", yen not rising (gated ×0.3)" if gated else ", yen rising")


def _regime(result: pipeline.Computation, pillars: tuple[PillarReading, ...]) -> RegimeReading:
    labels = result.regimes["regime"]
    state = result.state
    current = regime.Regime(labels.iloc[-1])
    earlier = labels[labels != current.value]
    previous = str(earlier.iloc[-1]) if len(earlier) else None
    if current in STRESS or current is regime.Regime.UNWINDING_GRADUAL:
        pool = [c for p in pillars if p.key == "C" for c in p.components]
    else:
        pool = [c for p in pillars if p.key in ("A", "B") for c in p.components]
    ranked = sorted(
        (c for c in pool if c.score is not None and c.effective_weight),
        key=lambda c: (c.score or 0) * (c.effective_weight or 0),
        reverse=True,
    )
    drivers = tuple(c.key for c in ranked[:2] if (c.score or 0) > 0)
    c = next(p.score for p in pillars if p.key == "C")
    since = state.since_date
    head = current.value.replace("_", " ").lower()
    lead = f"{head.capitalize()} since {_fmt(since)}" if since else head.capitalize()
    lead += f" ({state.trigger})" if state.trigger and state.trigger != "start" else ""
    pressure = f"unwind pressure {c:.0f}" if c is not None else "unwind pressure unavailable"
    named = "; ".join(
        f"{c_.description} ({c_.key} {c_.score:.0f})" for c_ in ranked[:2] if c_.key in drivers
    )
    reason = f"{lead}: {pressure}" + (f"; strongest: {named}" if named else "") + "."
    return RegimeReading(current.value, since, state.trigger, previous, reason, drivers)


def _policy(today: date) -> tuple[PolicyReading, ...]:
    upcoming = {m.bank: m.date for m in policy.next_meetings(today)}
    out = []
    for bank in policy.BANKS:
        decision = policy.last_decision(bank, today)
        out.append(
            PolicyReading(
                bank,
                BANK_NAMES[bank],
                decision.mid if decision else None,
                decision.describe() if decision else None,
                decision.decision_date if decision else None,
                decision.status if decision else None,
                upcoming.get(bank),
            )
        )
    return tuple(out)


def live_policy_rates(obs: pd.DataFrame) -> dict[str, pd.Series]:
    """Live cross-check series: the Fed range midpoint (FRED) and the BoJ call rate."""

    def series(series_id: str) -> pd.Series:
        rows = obs[obs["series"] == series_id]
        return pd.Series(rows["value"].to_numpy(), index=pd.DatetimeIndex(rows["date"]))

    upper, lower = series("us.fed.upper"), series("us.fed.lower")
    fed = ((upper + lower) / 2).dropna()
    return {"fed": fed, "boj": series("jp.call")}


def _policy_notes(obs: pd.DataFrame) -> list[str]:
    notes = []
    for bank, live in live_policy_rates(obs).items():
        if len(live):
            message = policy.table_disagrees(bank, live)
            if message:
                notes.append(message)
    return notes


def _age_notes(as_of: date, today: date) -> list[str]:
    if (today - as_of).days <= OLD_CLOSE_DAYS:
        return []
    return [
        f"The latest market close in the data is {_fmt(as_of)}, {(today - as_of).days} days "
        "before today: every figure is as of that day."
    ]


def _regime_notes(result: pipeline.Computation) -> list[str]:
    c = result.signal["C"]
    if not np.isnan(c.iloc[-1]):
        return []
    valid = c.dropna()
    if not len(valid):
        return ["Unwind pressure cannot be computed: no USD/JPY history."]
    return [
        "Unwind pressure cannot be computed today; the regime is the one of "
        f"{_fmt(valid.index[-1].date())}, the last day it could be."
    ]


def _fmt(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def _dropped_note(component: ComponentReading) -> str:
    return (
        f"{component.key} ({component.quantity}) dropped as {component.status}: "
        f"{component.why}; {PILLAR_NAMES[component.pillar]} is renormalised over the rest."
    )


# --- helpers --------------------------------------------------------------------------------


def _change_pct(series: pd.Series, days: int) -> float | None:
    if len(series) <= days:
        return None
    return _num(100 * (series.iloc[-1] / series.iloc[-1 - days] - 1))


def _num(value: object) -> float | None:
    if value is None:
        return None
    number = float(value)  # type: ignore[arg-type]
    return None if np.isnan(number) else number


def _day(value: object) -> date | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date()


__all__ = [
    "ComponentReading",
    "FxBlock",
    "PillarReading",
    "PolicyReading",
    "PositioningBlock",
    "RegimeReading",
    "SeriesFreshness",
    "Snapshot",
    "build_snapshot",
    "freshness",
    "inputs_version",
    "snapshot_from_store",
]
