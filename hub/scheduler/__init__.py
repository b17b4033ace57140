"""Scheduled work: leased polls of connections with persisted cursors."""
