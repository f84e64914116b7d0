"""The /carry subcommands, one module per family; each reads the services and returns a Reply."""
