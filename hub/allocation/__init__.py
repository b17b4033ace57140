"""Stock ledger, allocation policies and the allocator the pipeline forwards orders to."""
