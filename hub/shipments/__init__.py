"""Shipments: goods that left a node, recorded against their order, and the notices they cause."""
