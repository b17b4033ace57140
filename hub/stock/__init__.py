"""The unified stock ledger: movements, snapshots and drift, incoming stock, safety, channel holds, publishing."""
