"""Storage: every table, the engine, opening and migrating the one database carrybot uses."""
