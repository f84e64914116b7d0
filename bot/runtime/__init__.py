"""carrybot run and worker: the supervisor, the adapters' assembly, reconnecting, the refresh loop, health and metrics endpoints."""
