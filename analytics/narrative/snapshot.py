"""The Snapshot: everything a chat reply needs on one day, every number with its date.

``build_snapshot(obs, today)`` runs the live computation (``analytics.signal.pipeline``) on a long
observation frame (``ObservationStore.load()``) and freezes its last day: the three gaps, the
USD/JPY block, CFTC positioning, pillars with their components, unwind pressure, carry fuel,
the regime and the rule that set it, per-series freshness, policy rates with their last
decision, and notes (a policy table that disagrees with live rates, offline data). Beside the
signal it carries the day's wider picture: the risk assets (``analytics.picture.markets``), Japan's long
end (``analytics.picture.longend``), the day's moves against each series' own volatility
(``analytics.picture.daymoves``), the thesis line (``analytics.narrative.thesis``), the USD/JPY level to watch
(``analytics.picture.levels``), the CFTC-measured carry size (``analytics.picture.carry_size``) and the BoJ hike
study (``analytics.picture.hikes``). Everything is codes, dates and numbers (``analytics.catalogue.notes``); the
reply templates word it per language.

Time of day: the snapshot of day D is taken after D's US close (06:00–07:00 Tokyo time on
D + 1). A gap on D pairs the US close of D with the JGB close of D, because Japan's MoF
publishes the JGB yields of D the same Tokyo evening, before the US close; the ECB cross of D
is fixed at 14:15 CET, also before it. So every figure of D was public when the snapshot of D
is taken (no look-ahead), and the backtest, which runs the same panel, follows the same rule.
A source that has not published D yet leaves its leg on its last date, and the reply says so.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from analytics.catalogue import horizons
from analytics.catalogue.align import align
from analytics.catalogue.horizons import Change, column_changes
from analytics.catalogue.notes import InputAge, Note, Offline
from analytics.catalogue.series import CATALOGUE
from analytics.catalogue.values import day_or_none, number_or_none
from analytics.narrative import decision_day
from analytics.narrative.thesis import Thesis, thesis
from analytics.picture import carry_size, daymoves, differential, hikes, levels, longend, markets
from analytics.policy import status as policy_status
from analytics.policy.records import DecisionStore, StoredDecision
from analytics.policy.status import PolicyReading
from analytics.signal import anchors, pipeline, regime, usdjpy
from analytics.signal import scores as signal
from analytics.signal.panel import last_market_day
from analytics.signal.regime import Rule

if TYPE_CHECKING:
    from analytics.ingest.store import ObservationStore

FX_HORIZONS = ("1d", "1w", "1m")
VIX_HORIZONS = ("1d", "1w")
STRESS = {regime.Regime.UNWINDING, regime.Regime.ELEVATED, regime.Regime.RESET}


@dataclass(frozen=True)
class FxBlock:
    """USD/JPY on the snapshot day as its source published it (``source``: ``h10`` or ``ecb``).

    ``changes`` compare it with earlier rates of the same source, so no move mixes the New York
    noon rate with the 14:15 CET cross; the 60-day high and the drawdown from it are the ones the
    signal reads (C1), with the source of that high.
    """

    level: float | None
    as_of: date | None
    source: str
    stale: bool
    changes: tuple[Change, ...]
    high_60d: float | None
    high_60d_date: date | None
    high_60d_source: str
    drawdown_60d_pct: float | None
    h10_last: date | None


@dataclass(frozen=True)
class VixBlock:
    """The VIX close on the snapshot day, its date and source (``fred``, ``cboe``; "" if none)."""

    level: float | None
    as_of: date | None
    source: str
    stale: bool
    changes: tuple[Change, ...]


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
    """One component: its raw quantity, score, nominal and effective weight, status and why.

    ``status`` is ``ok``, ``stale`` (``stale_inputs`` names them) or ``missing``
    (``missing_inputs`` names the inputs never observed; empty means too little history).
    """

    key: str
    pillar: str
    raw: float | None
    score: float | None
    weight: float
    effective_weight: float | None
    status: str
    stale_inputs: tuple[InputAge, ...]
    missing_inputs: tuple[str, ...]
    as_of: date | None


@dataclass(frozen=True)
class PillarReading:
    """A pillar's score (renormalised over its available components) and its components."""

    key: str
    score: float | None
    components: tuple[ComponentReading, ...]

    @property
    def dropped(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.components if c.status != "ok")


@dataclass(frozen=True)
class RuleInputs:
    """What the regime rules read on the as-of day (None where it is not current)."""

    c: float | None
    b: float | None
    fuel: float | None
    fx_ret_1d_pct: float | None
    fx_ret_63d_pct: float | None
    b_change_8w: float | None
    gap_2y_3m_bp: float | None


@dataclass(frozen=True)
class RegimeReading:
    """The regime, since when, the rule that set it, its strongest components, the numbers its
    rules read, and the last day unwind pressure could be computed (``computed_on``; None when
    it never could)."""

    regime: str
    since: date | None
    rule: Rule
    previous: str | None
    drivers: tuple[str, ...]
    computed_on: date | None
    inputs: RuleInputs


@dataclass(frozen=True)
class SeriesFreshness:
    """The last observation of one stored series and whether it is older than its limit."""

    series: str
    source: str
    as_of: date | None
    age_days: int | None
    max_age_days: int
    stale: bool


@dataclass(frozen=True)
class Snapshot:
    """Everything a reply needs on ``as_of`` (the last business day computed)."""

    as_of: date
    today: date
    version: str
    differentials: tuple[differential.GapBlock, ...]
    fx: FxBlock
    vix: VixBlock
    positioning: PositioningBlock
    pillars: tuple[PillarReading, ...]
    unwind_pressure: float | None
    carry_fuel: float | None
    fuel_without_crowding: bool
    a1_policy_gap: bool
    regime: RegimeReading
    freshness: tuple[SeriesFreshness, ...]
    policy: tuple[PolicyReading, ...]
    notes: tuple[Note, ...]
    markets: markets.MarketsBlock
    long_end: longend.LongEndBlock
    day_moves: tuple[daymoves.DayMove, ...]
    thesis: Thesis
    level: levels.LevelToWatch
    carry_size: carry_size.MeasuredSize | None
    hikes: hikes.HikeStudy
    decisions: decision_day.DecisionNews = field(default_factory=decision_day.DecisionNews)

    def gap(self, key: str) -> differential.GapBlock:
        """The gap block ``policy``, ``2y`` or ``10y``."""
        return next(g for g in self.differentials if g.key == key)

    def pillar(self, key: str) -> PillarReading:
        """Pillar ``A``, ``B`` or ``C``."""
        return next(p for p in self.pillars if p.key == key)


def inputs_version(obs: pd.DataFrame, today: date) -> str:
    """A short hash of every series' last date and value (and the day), for caching snapshots."""
    last = horizons.last_rows(obs)
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
    stored: Iterable[StoredDecision] = (),
    now: datetime | None = None,
    policy: policy_status.PolicyState | None = None,
) -> Snapshot:
    """The snapshot for ``today`` from a long observation frame (e.g. ``store.load()``).

    It is computed up to the last business day with a market close (``panel.last_market_day``),
    so ``as_of`` may be before ``today``; freshness is measured against ``today``.
    ``computation`` reuses an up-to-date run (e.g. from ``pipeline.advance``; its policy rates
    should be ``analytics.policy.status.policy_state(...).rate``); ``offline`` adds a note that live sources could not be
    reached. Policy rates merge the decision tables, the ``stored`` decisions and the live rates
    (``analytics.policy.status``) as known at ``now`` (default: the evening of ``today``);
    ``policy`` reuses that merge when the caller made it for the computation.
    """
    state = policy or policy_status.policy_state(obs, today, stored, now)
    end = last_market_day(obs, pd.Timestamp(today))
    result = computation or pipeline.compute(
        obs, end=end, thresholds=thresholds, policy_rate=state.rate
    )
    p, s = result.panel, result.signal
    values, asof, stale = p.values, p.asof, p.stale
    day = s.index[-1]
    row = s.iloc[-1]
    gaps = tuple(
        _policy_gap(g, state, p.index, today) if g.key == "policy" else
        differential.block(g, values, asof, stale)
        for g in differential.GAPS
    )  # fmt: skip
    pillars = _pillars(row, asof.iloc[-1], stale.iloc[-1], day)
    notes: list[Note] = [*state.notes, *([Offline()] if offline else [])]
    fx_seen = markets.observed_usdjpy(p)
    return Snapshot(
        as_of=day.date(),
        today=today,
        version=inputs_version(obs, today),
        differentials=gaps,
        fx=_fx(result, obs),
        vix=_vix(result, obs),
        positioning=_positioning(result),
        pillars=pillars,
        unwind_pressure=number_or_none(row["C"]),
        carry_fuel=number_or_none(row["fuel"]),
        fuel_without_crowding=bool(row["fuel_without_b"]),
        a1_policy_gap=bool(row["a1_policy_gap"]),
        regime=_regime(result, pillars),
        freshness=freshness(obs, today),
        policy=state.readings,
        notes=tuple(notes),
        markets=markets.block(obs, today, fx_seen),
        long_end=longend.block(obs, today),
        day_moves=daymoves.day_moves(obs, result, day.date()),
        thesis=thesis(next(g for g in gaps if g.key == "2y"), s),
        level=levels.elevated_level(result),
        carry_size=carry_size.measured(obs, today, fx_seen),
        hikes=hikes.study(obs, today, fx_seen),
        decisions=decision_day.news(state, s, today, now),
    )


def snapshot_from_store(store: ObservationStore, today: date, offline: bool = False) -> Snapshot:
    """``build_snapshot`` on everything an ``ObservationStore`` holds (its stored decisions too)."""
    stored = DecisionStore(store.engine).all()
    return build_snapshot(store.load(), today, offline=offline, stored=stored)


def freshness(obs: pd.DataFrame, today: date) -> tuple[SeriesFreshness, ...]:
    """Per catalogue series: last observation date, age in days and whether it is stale."""
    rows = horizons.last_rows(obs)
    last = pd.Series(rows["date"].to_numpy(), index=rows["series"].to_numpy())
    sources = (
        pd.Series(rows["source"].to_numpy(), index=rows["series"].to_numpy())
        if "source" in rows
        else pd.Series(dtype=object)
    )
    out = []
    for series_id, spec in CATALOGUE.items():
        when = last.get(series_id)
        as_of = None if when is None or pd.isna(when) else pd.Timestamp(when).date()
        age = None if as_of is None else (today - as_of).days
        out.append(
            SeriesFreshness(
                series_id,
                str(sources.get(series_id, spec.source)),
                as_of,
                age,
                spec.max_age_days,
                age is None or age > spec.max_age_days,
            )
        )
    return tuple(out)


# --- blocks ---------------------------------------------------------------------------------


def _policy_gap(
    spec: differential.GapSpec,
    state: policy_status.PolicyState,
    index: pd.DatetimeIndex,
    today: date,
) -> differential.GapBlock:
    """The policy-rate gap, to ``today`` when a rate changed after the last close: policy rates
    need no market close, so a decision in force since is in the gap shown beside the rates in
    force (the other gaps stop at that close)."""
    days = index
    end = pd.DatetimeIndex([pd.Timestamp(today)])
    if end[0] > index[-1] and any(
        state.rate(b, index[-1:]).iloc[0] != state.rate(b, end).iloc[0] for b in ("fed", "boj")
    ):
        days = index.append(end)
    columns = {"fed": spec.us, "boj": spec.jp}
    values = pd.DataFrame({columns[b]: state.rate(b, days).to_numpy() for b in columns}, index=days)
    asof = pd.DataFrame(
        {c: np.where(values[c].isna(), np.datetime64("NaT"), days.to_numpy()) for c in values},
        index=days,
    )
    stale = pd.DataFrame(False, index=days, columns=values.columns)
    return differential.block(spec, values, asof, stale)


def _fx(result: pipeline.Computation, obs: pd.DataFrame) -> FxBlock:
    p, s = result.panel, result.signal
    fx = s["usdjpy"]
    window = fx.iloc[-signal.HIGH_WINDOW :].dropna()
    source = str(p.fx_source.iloc[-1])
    stale = bool(p.stale["usdjpy"].iloc[-1])
    moves: tuple[Change, ...] = ()
    if source in usdjpy.SOURCES:
        values, observed, too_old = _one_source(obs, usdjpy.SOURCES[source], p.index)
        moves = column_changes(values, observed, too_old | stale, FX_HORIZONS, percent=True)
    high_day = window.idxmax() if len(window) else None
    return FxBlock(
        level=number_or_none(fx.iloc[-1]),
        as_of=day_or_none(p.asof["usdjpy"].iloc[-1]),
        source=source,
        stale=stale,
        changes=moves,
        high_60d=number_or_none(window.max()) if len(window) else None,
        high_60d_date=day_or_none(p.asof["usdjpy"].loc[high_day]) if high_day is not None else None,
        high_60d_source=str(p.fx_source.loc[high_day]) if high_day is not None else "",
        drawdown_60d_pct=number_or_none(s["C1_raw"].iloc[-1]),
        h10_last=p.splice.h10_last.date() if p.splice.h10_last is not None else None,
    )


def _vix(result: pipeline.Computation, obs: pd.DataFrame) -> VixBlock:
    p = result.panel
    seen = p.asof["vix"].iloc[-1]
    source = ""
    if not pd.isna(seen) and "source" in obs:
        rows = obs[(obs["series"] == "vix") & (obs["date"] == seen)]
        source = str(rows["source"].iloc[-1]) if len(rows) else ""
    return VixBlock(
        level=number_or_none(p.values["vix"].iloc[-1]),
        as_of=day_or_none(seen),
        source=source,
        stale=bool(p.stale["vix"].iloc[-1]),
        changes=column_changes(p.values["vix"], p.asof["vix"], p.stale["vix"], VIX_HORIZONS),
    )


def _one_source(
    obs: pd.DataFrame, series: str, index: pd.DatetimeIndex
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """One series' own values, observation dates and staleness on the last 13 months of days."""
    days = index[index >= index[-1] - pd.DateOffset(months=13)]
    rows = obs[obs["series"] == series]
    own = usdjpy.clean(pd.Series(rows["value"].to_numpy(), index=pd.DatetimeIndex(rows["date"])))
    values, observed = align(own.index, own.index, own.to_numpy(), days)
    age = (days.to_numpy() - observed) / np.timedelta64(1, "D")
    with np.errstate(invalid="ignore"):
        too_old = ~(age <= CATALOGUE[series].max_age_days)
    return (
        pd.Series(values, index=days),
        pd.Series(observed, index=days),
        pd.Series(too_old, index=days),
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
        return number_or_none(reports.loc[pd.Timestamp(report), field])

    return PositioningBlock(
        noncomm_net=report_value("cftc_net_pct_oi", "noncomm_net"),
        noncomm_net_pct_oi=number_or_none(values["cftc_net_pct_oi"]),
        noncomm_report_date=day_or_none(asof["cftc_net_pct_oi"]),
        noncomm_released=released("cftc_net_pct_oi"),
        noncomm_stale=bool(stale["cftc_net_pct_oi"]),
        lev_net=number_or_none(values["lev_net"]),
        lev_net_pct_oi=number_or_none(values["lev_net_pct_oi"]),
        lev_shortness_pctile=number_or_none(values["lev_pctile"]),
        lev_report_date=day_or_none(asof["lev_net"]),
        lev_released=released("lev_net"),
        lev_stale=bool(stale["lev_net"]),
    )


def _pillars(
    row: pd.Series, asof: pd.Series, stale: pd.Series, day: pd.Timestamp
) -> tuple[PillarReading, ...]:
    table = anchors.load()
    policy_gap = bool(row["a1_policy_gap"])
    out = []
    for key in signal.PILLARS:
        members = table.pillar(key)
        present = sum(a.weight for a in members if int(row[f"{a.component}_status"]) == signal.OK)
        components = []
        for a in members:
            status = signal.STATUS_NAMES[int(row[f"{a.component}_status"])]
            columns = signal.inputs_of(a.component, policy_gap)
            dates = [day_or_none(asof[c]) for c in columns]
            known = [d for d in dates if d is not None]
            stale_inputs: tuple[InputAge, ...] = ()
            missing: tuple[str, ...] = ()
            if status == "stale":
                stale_inputs = tuple(
                    _age(c, asof[c], day) for c in signal.drop_inputs(a.component) if stale[c]
                )
            elif status == "missing":
                missing = tuple(c for c in columns if pd.isna(asof[c]))
            components.append(
                ComponentReading(
                    key=a.component,
                    pillar=key,
                    raw=number_or_none(row[f"{a.component}_raw"]),
                    score=number_or_none(row[f"{a.component}_score"]),
                    weight=a.weight,
                    effective_weight=a.weight / present if status == "ok" and present else None,
                    status=status,
                    stale_inputs=stale_inputs,
                    missing_inputs=missing,
                    as_of=min(known) if known else None,
                )
            )
        out.append(PillarReading(key, number_or_none(row[key]), tuple(components)))
    return tuple(out)


def _age(column: str, seen: object, day: pd.Timestamp) -> InputAge:
    when = day_or_none(seen)
    return InputAge(column, when, None if when is None else (day.date() - when).days)


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
    valid = result.signal["C"].dropna()
    computed_on = valid.index[-1].date() if len(valid) else None
    last = regime.inputs_frame(result.signal.iloc[-(regime.EIGHT_WEEKS + 1) :]).iloc[-1]
    inputs = RuleInputs(**{f.name: number_or_none(last[f.name]) for f in fields(RuleInputs)})
    return RegimeReading(
        current.value, state.since_date, state.trigger, previous, drivers, computed_on, inputs
    )


__all__ = [
    "ComponentReading",
    "FxBlock",
    "PillarReading",
    "PositioningBlock",
    "RegimeReading",
    "RuleInputs",
    "SeriesFreshness",
    "Snapshot",
    "VixBlock",
    "build_snapshot",
    "freshness",
    "inputs_version",
    "snapshot_from_store",
]
