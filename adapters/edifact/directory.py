"""The partner profiles an edifact connection knows: hub.edi.directory (the hub's directory plus `partner_profiles`)."""

from hub.edi.directory import partner_directory

__all__ = ["partner_directory"]
