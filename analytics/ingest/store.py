"""The observation store: idempotent upserts, revisions, last dates and per-series freshness."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pandas as pd
from sqlalchemy import Engine, String, and_, cast, func, select

from analytics.catalogue.series import CATALOGUE
from analytics.storage.engine import insert
from analytics.storage.schema import meta_table, observations_table

_CHUNK = 2000


@dataclass(frozen=True)
class UpsertResult:
    """What an upsert changed: new rows, revised values, rows already identical."""

    inserted: int
    revised: int
    unchanged: int


@dataclass(frozen=True)
class SeriesStatus:
    """The freshness line of one series."""

    series: str
    last_date: date
    last_value: float
    source: str
    rows: int
    stale: bool
    age_days: int
    ended: bool = False  # the series was discontinued: an old last value is not stale


def _iso_dates(column: pd.Series) -> pd.Series:
    return pd.to_datetime(column, format="ISO8601").astype("datetime64[ns]")


class ObservationStore:
    """Observations keyed by (series, date); the newest value of a date wins."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine  # opened (and migrated) by storage.database.open_database

    def upsert(
        self, obs: pd.DataFrame, source: str | None = None, fetched_at: datetime | None = None
    ) -> UpsertResult:
        """Insert new observations and replace revised values; identical rows are left alone.

        ``source`` labels every row; without it the frame must carry a ``source`` column.
        """
        if obs.empty:
            return UpsertResult(0, 0, 0)
        frame = obs.copy()
        if source is not None:
            frame["source"] = source
        frame = frame.drop_duplicates(subset=["series", "date"], keep="last")
        existing = self._existing(frame)
        merged = frame.merge(existing, on=["series", "date"], how="left", suffixes=("", "_old"))
        is_new = merged["value_old"].isna()
        changed = ~is_new & (
            (merged["value"] != merged["value_old"]) | (merged["source"] != merged["source_old"])
        )
        to_write = merged[is_new | changed]
        if not to_write.empty:
            rows = self._rows(to_write, fetched_at)
            with self.engine.begin() as conn:
                for start in range(0, len(rows), _CHUNK):
                    conn.execute(self._upsert_statement(), rows[start : start + _CHUNK])
        inserted = int(is_new.sum())
        revised = int(changed.sum())
        return UpsertResult(inserted, revised, len(frame) - inserted - revised)

    def insert_missing(self, obs: pd.DataFrame, fetched_at: datetime | None = None) -> int:
        """Insert rows whose (series, date) is not stored yet; never overwrite. Returns rows added."""
        if obs.empty:
            return 0
        before = self.count()
        rows = self._rows(obs.drop_duplicates(subset=["series", "date"], keep="last"), fetched_at)
        statement = insert(self.engine, observations_table).on_conflict_do_nothing(
            index_elements=[observations_table.c.series, observations_table.c.date]
        )
        with self.engine.begin() as conn:
            for start in range(0, len(rows), _CHUNK):
                conn.execute(statement, rows[start : start + _CHUNK])
        return self.count() - before

    def load(self, series: Iterable[str] | None = None, start: date | None = None) -> pd.DataFrame:
        """Observations as a long frame (series, date, value, released, source), sorted."""
        t = observations_table
        # Dates travel as ISO text: converting 10^5 driver date objects row by row is the
        # slow part of a load, parsing one text column with pandas is not.
        query = select(
            t.c.series,
            cast(t.c.date, String).label("date"),
            t.c.value,
            cast(t.c.released, String).label("released"),
            t.c.source,
        )
        if series is not None:
            query = query.where(t.c.series.in_(list(series)))
        if start is not None:
            query = query.where(t.c.date >= start)
        with self.engine.connect() as conn:
            # The driver's own tuples: wrapping 10^5 rows in Row objects costs more than the query
            # (every column is text or float, so no result processing is skipped).
            rows = conn.execute(query).cursor.fetchall()
        frame = pd.DataFrame(rows, columns=["series", "date", "value", "released", "source"])
        frame["series"] = frame["series"].astype(object)
        frame["source"] = frame["source"].astype(object)
        frame["date"] = _iso_dates(frame["date"])
        frame["released"] = _iso_dates(frame["released"])
        frame["value"] = frame["value"].astype("float64")
        return frame.sort_values(["series", "date"], ignore_index=True)

    def last_dates(self) -> dict[str, date]:
        """The last stored date of every series."""
        t = observations_table
        query = select(t.c.series, func.max(t.c.date)).group_by(t.c.series)
        with self.engine.connect() as conn:
            return {series: last for series, last in conn.execute(query)}

    def count(self) -> int:
        """Rows in the store."""
        with self.engine.connect() as conn:
            return int(
                conn.execute(select(func.count()).select_from(observations_table)).scalar_one()
            )

    def status(self, today: date | None = None) -> list[SeriesStatus]:
        """Last date, value, source, row count and staleness of every series, as they stood on
        ``today`` (default: the real today): later rows are not counted."""
        today = today or date.today()
        t = observations_table
        summary = (
            select(t.c.series, func.max(t.c.date).label("last"), func.count().label("rows"))
            .where(t.c.date <= today)
            .group_by(t.c.series)
            .subquery()
        )
        query = select(
            summary.c.series, summary.c.last, summary.c.rows, t.c.value, t.c.source
        ).join(t, and_(t.c.series == summary.c.series, t.c.date == summary.c.last))
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        result = []
        for series, last, count, value, source in sorted(rows):
            spec = CATALOGUE.get(series)
            age = (today - last).days
            ended = spec is not None and spec.ended_by(today)
            stale = spec is None or (not ended and age > spec.max_age_days)
            result.append(SeriesStatus(series, last, value, source, count, stale, age, ended))
        return result

    def get_meta(self, key: str) -> str | None:
        """A stored bookkeeping value (e.g. the seed version loaded)."""
        with self.engine.connect() as conn:
            return conn.execute(
                select(meta_table.c.value).where(meta_table.c.key == key)
            ).scalar_one_or_none()

    def set_meta(self, key: str, value: str) -> None:
        """Store a bookkeeping value."""
        statement = insert(self.engine, meta_table).values(key=key, value=value)
        statement = statement.on_conflict_do_update(
            index_elements=[meta_table.c.key], set_={"value": statement.excluded.value}
        )
        with self.engine.begin() as conn:
            conn.execute(statement)

    @staticmethod
    def _rows(frame: pd.DataFrame, fetched_at: datetime | None) -> list[dict[str, object]]:
        stamp = fetched_at or datetime.now(UTC)
        return [
            {
                "series": r.series,
                "date": r.date.date(),
                "value": float(r.value),
                "source": r.source,
                "released": None if pd.isna(r.released) else r.released.date(),
                "fetched_at": stamp,
            }
            for r in frame.itertuples(index=False)
        ]

    def _existing(self, frame: pd.DataFrame) -> pd.DataFrame:
        t = observations_table
        parts: list[Any] = []
        with self.engine.connect() as conn:
            for series_id, group in frame.groupby("series"):
                query = select(t.c.series, t.c.date, t.c.value, t.c.source).where(
                    t.c.series == series_id,
                    t.c.date >= group["date"].min().date(),
                    t.c.date <= group["date"].max().date(),
                )
                parts.extend(tuple(row) for row in conn.execute(query))
        existing = pd.DataFrame(parts, columns=["series", "date", "value", "source"])
        existing["date"] = pd.to_datetime(existing["date"]).astype("datetime64[ns]")
        existing["value"] = existing["value"].astype("float64")
        return existing

    def _upsert_statement(self) -> Any:
        statement = insert(self.engine, observations_table)
        return statement.on_conflict_do_update(
            index_elements=[observations_table.c.series, observations_table.c.date],
            set_={
                "value": statement.excluded.value,
                "source": statement.excluded.source,
                "released": statement.excluded.released,
                "fetched_at": statement.excluded.fetched_at,
            },
        )
