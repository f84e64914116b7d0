"""``python -m bot.cli``: the carrybot command line."""

from bot.cli import main

raise SystemExit(main())
