"""Inbound X12 mappings: one module per transaction set, each a pure function of a TransactionSet and a partner."""
