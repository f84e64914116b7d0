"""Every table carrybot stores, in one place (SQLite embedded, PostgreSQL for many processes).

The tables are created and upgraded by the Alembic migrations in ``analytics/storage/migrations`` when
the database is opened (``analytics.storage.database.open_database``); nothing creates tables on its own.
A change here needs a migration beside it: a test compares a migrated database with this module.

- ``observations``, ``meta``: the observation store (``analytics.ingest.store``) and its bookkeeping
- ``chat_settings``, ``settings_changes``: per-chat settings and their audit log
  (``commands.settings.store``)
- ``chat_state``, ``platform_files``: what the adapters know about each chat and the platform
  file ids of uploaded charts (``bot.chat_registry``)
- ``deliveries``: every briefing and alert, queued → sent (``bot.delivery.queue``)
- ``scheduler_state``, ``alert_state``: the tick's last run and each chat's alert memory
  (``bot.delivery.scheduler``)
- ``send_budgets``: one row per bot token, the send-slot schedule every process on PostgreSQL
  shares (``bot.sending.budget``)
- ``policy_decisions``: Fed and BoJ decisions learnt after the packaged tables: read from the
  banks' feeds (announced), detected in the live rates, or added by the operator
  (``analytics.policy.records``)
- ``intraday_bars``, ``intraday_requests``, ``intraday_sources``: the intraday watch's price bars
  (kept about ten days), the requests spent per provider and UTC day, and each provider's
  polling state (``analytics.ingest.intraday``)
- ``intraday_alert_state``: each chat's intraday-alert memory, armed or in an episode
  (``bot.delivery.intraday_alerts``)
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
    true,
)

metadata = MetaData()

observations_table = Table(
    "observations",
    metadata,
    Column("series", String(48), primary_key=True),
    Column("date", Date, primary_key=True),
    Column("value", Float, nullable=False),
    Column("source", String(24), nullable=False),
    Column("released", Date, nullable=True),
    Column("fetched_at", DateTime(timezone=True), nullable=False),
)

meta_table = Table(
    "meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

chat_settings_table = Table(
    "chat_settings",
    metadata,
    Column("platform", String(16), primary_key=True),
    Column("chat_id", String(64), primary_key=True),
    Column("channel_id", String(64), primary_key=True),
    Column("briefing", Boolean, nullable=False),
    Column("briefing_time", String(5), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("language", String(8), nullable=False),
    Column("alerts", Boolean, nullable=False),
    Column("pressure_threshold", Integer, nullable=False),
    Column("fuel_threshold", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    # The intraday watch (revision 0004): a chat's move threshold (%) and intraday alerts on/off.
    Column("move_threshold", Float, nullable=False, server_default=text("2.0")),
    Column("intraday_alerts", Boolean, nullable=False, server_default=true()),
)

settings_changes_table = Table(
    "settings_changes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("change_id", String(32), nullable=False, index=True),
    Column("platform", String(16), nullable=False, index=True),
    Column("chat_id", String(64), nullable=False),
    Column("channel_id", String(64), nullable=False),
    Column("field", String(32), nullable=False),
    Column("old_value", String(128), nullable=False),
    Column("new_value", String(128), nullable=False),
    Column("user_id", String(64), nullable=False),
    Column("user_name", String(128), nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False),
)

chat_state_table = Table(
    "chat_state",
    metadata,
    Column("platform", String(16), primary_key=True),
    Column("chat_id", String(64), primary_key=True),
    Column("chat_type", String(16), nullable=False, default=""),
    Column("title", String(256), nullable=False, default=""),
    Column("member_status", String(16), nullable=False, default=""),
    Column("disabled", Boolean, nullable=False, default=False),
    Column("disabled_reason", String(64), nullable=False, default=""),
    Column("migrated_to", String(64), nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

platform_files_table = Table(
    "platform_files",
    metadata,
    Column("platform", String(16), primary_key=True),
    Column("digest", String(64), primary_key=True),
    Column("file_id", String(256), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

deliveries_table = Table(
    "deliveries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("platform", String(16), nullable=False),
    Column("chat_id", String(64), nullable=False),
    Column("channel_id", String(64), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("key", String(64), nullable=False),
    Column("day", Date, nullable=False),  # the chat's local date
    Column("state", String(16), nullable=False),
    Column("nonce", String(32), nullable=False),
    Column("locale", String(8), nullable=False),
    Column("payload", Text, nullable=False),  # alert facts as JSON; "{}" for briefings
    Column("snapshot_version", String(64), nullable=False),
    Column("due_at", DateTime(timezone=True), nullable=False),
    Column("not_before", DateTime(timezone=True), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("claimed_by", String(128), nullable=True),
    Column("claimed_at", DateTime(timezone=True), nullable=True),
    Column("attempts", Integer, nullable=False),
    Column("sent_at", DateTime(timezone=True), nullable=True),
    Column("message_id", String(256), nullable=True),
    Column("error", String(512), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    # Why it ended as it did, as a code ``carrybot deliveries`` explains (bot.sending.reasons).
    Column("reason", String(32), nullable=False, server_default=""),
    UniqueConstraint("platform", "chat_id", "channel_id", "kind", "key", name="uq_delivery_key"),
    Index("ix_deliveries_claim", "state", "not_before"),
    Index("ix_deliveries_day", "day"),
    Index("ix_deliveries_chat", "platform", "chat_id", "channel_id", "kind", "due_at"),
)

scheduler_state_table = Table(
    "scheduler_state",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False),
)

alert_state_table = Table(
    "alert_state",
    metadata,
    Column("platform", String(16), primary_key=True),
    Column("chat_id", String(64), primary_key=True),
    Column("channel_id", String(64), primary_key=True),
    Column("version", String(64), nullable=False),
    Column("regime", String(32), nullable=False),
    Column("c", Float, nullable=True),
    Column("fuel", Float, nullable=True),
    Column("pressure_armed", Boolean, nullable=False),
    Column("fuel_armed", Boolean, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

send_budgets_table = Table(
    "send_budgets",
    metadata,
    Column("bucket", String(64), primary_key=True),  # platform and a hash of the token
    Column("next_slot", Float, nullable=False),  # epoch seconds on the database's clock
    Column("paused_until", Float, nullable=False),
    Column("replies_until", Float, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

policy_decisions_table = Table(
    "policy_decisions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("bank", String(8), nullable=False),
    Column("decided", Date, nullable=False),  # the meeting day (the effective day between meetings)
    Column("effective", Date, nullable=False),  # the first day the rate applies
    Column("lower", Float, nullable=False),
    Column("upper", Float, nullable=False),
    Column("status", String(16), nullable=False),  # announced, live or confirmed
    Column("source", String(512), nullable=False),  # the document's URL or the live series
    Column("added_by", String(32), nullable=False),  # fed-feed, boj-feed, live or operator
    Column("between_meetings", Boolean, nullable=False),
    Column("note", String(256), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("bank", "decided", name="uq_policy_decision"),
)

intraday_bars_table = Table(
    "intraday_bars",
    metadata,
    Column("instrument", String(16), primary_key=True),  # usdjpy, btcusd
    Column("start", DateTime(timezone=True), primary_key=True),  # UTC opening instant
    Column("source", String(16), nullable=False),
    Column("interval_s", Integer, nullable=False),
    Column("open", Float, nullable=False),
    Column("high", Float, nullable=False),
    Column("low", Float, nullable=False),
    Column("close", Float, nullable=False),
    Column("complete", Boolean, nullable=False),
    Column("fetched_at", DateTime(timezone=True), nullable=False),
    Index("ix_intraday_bars_start", "start"),
)

intraday_requests_table = Table(
    "intraday_requests",
    metadata,
    Column("provider", String(16), primary_key=True),
    Column("day", Date, primary_key=True),  # the UTC day a provider's daily allowance counts
    Column("requests", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

intraday_sources_table = Table(
    "intraday_sources",
    metadata,
    Column("provider", String(16), primary_key=True),
    Column("next_at", DateTime(timezone=True), nullable=True),  # the next poll due
    Column("retry_at", DateTime(timezone=True), nullable=True),  # backing off until then
    Column("failures", Integer, nullable=False),  # in a row
    Column("last_ok_at", DateTime(timezone=True), nullable=True),
    Column("last_error", String(256), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

intraday_alert_state_table = Table(
    "intraday_alert_state",
    metadata,
    Column("platform", String(16), primary_key=True),
    Column("chat_id", String(64), primary_key=True),
    Column("channel_id", String(64), primary_key=True),
    Column("armed", Boolean, nullable=False),
    Column("day", Date, nullable=False),  # the chat-local day of the last alert
    Column("episode", String(64), nullable=False),  # the key of the last alert's episode
    Column("high", Float, nullable=True),  # the level the episode's fall started from
    Column("low", Float, nullable=True),  # the episode's lowest level so far
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
