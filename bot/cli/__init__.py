"""The carrybot command line: main, the parser (one function per command) and each command's handler."""
