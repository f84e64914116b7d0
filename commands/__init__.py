"""The platform-neutral /carry commands: grammar and dispatch, handlers, settings, presentation."""
