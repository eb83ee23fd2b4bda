"""The `heard` command: thin wiring over the library."""
