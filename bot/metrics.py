"""The process's Prometheus metrics (``prometheus_client``), served on ``/metrics`` by
``bot.runtime.health``. What the code observes directly lives here; what is read from the database at
scrape time (deliveries by state, each source's last good fetch) is ``bot.runtime.health``'s collector.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

SEND_SECONDS = Histogram(
    "carrybot_send_seconds",
    "Time to post one reply or delivery (every message of it), flood-control waits included",
    ["platform", "kind"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120),
    registry=REGISTRY,
)
FLOOD_ERRORS = Counter(
    "carrybot_flood_errors_total",
    "Requests the platform answered with flood control (HTTP 429 / retry_after)",
    ["platform"],
    registry=REGISTRY,
)
REPLIES_LOST = Counter(
    "carrybot_replies_lost_total",
    "Replies to commands that could not be posted (flood control beyond 60 s, or an error)",
    ["platform"],
    registry=REGISTRY,
)
REPLY_QUEUE = Gauge(
    "carrybot_reply_queue",
    "Replies waiting for a send slot",
    ["platform"],
    registry=REGISTRY,
)
TICK_AGE = Gauge(
    "carrybot_tick_age_seconds",
    "Seconds since this process's scheduler tick last completed",
    registry=REGISTRY,
)
TICK_LAG = Gauge(
    "carrybot_tick_lag_seconds",
    "How late the last scheduler tick completed after it was due (a second past the minute)",
    registry=REGISTRY,
)
CONNECTED = Gauge(
    "carrybot_connected",
    "1 while the platform connection is up",
    ["platform"],
    registry=REGISTRY,
)
