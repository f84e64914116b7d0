"""The chat adapters, the delivery engine, the runtime and the command line."""
