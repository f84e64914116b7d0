"""Per-chat settings: the model with its defaults and validation, the store that writes them, time zones as users type them."""
