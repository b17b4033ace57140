"""The outbox: durable delivery of every message to another system, with retries and dead letters."""
