"""Testing support for the hub and for adapters: databases and the conformance kit."""
