"""Telegram: the adapter (updates in, /carry through the command layer) and its one send path."""
