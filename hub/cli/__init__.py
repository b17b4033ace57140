"""The `hub` command line: a thin face over the core (see hub.cli.main)."""
