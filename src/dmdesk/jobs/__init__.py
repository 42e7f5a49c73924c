"""Background jobs: the outbox sender and periodic work."""
