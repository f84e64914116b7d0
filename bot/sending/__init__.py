"""Sending within the platforms' limits, shared by replies and deliveries: the pacer, the budget shared on PostgreSQL, the Sender protocol and its outcomes."""
