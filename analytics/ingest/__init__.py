"""Getting data in and keeping it: the observation store, the refresh of every source, raw public files, the bundled seed."""
