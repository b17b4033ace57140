"""The hub's shared layer for EDI adapters (X12, EDIFACT): what both standards do the same way.

Adapters import from here; nothing here imports an adapter.
"""
