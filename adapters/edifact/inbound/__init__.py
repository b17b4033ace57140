"""Inbound EDIFACT messages mapped to the hub's canonical documents."""
