"""The HTTP API face: thin routes over the core."""
