"""Webhook ingestion: the receiver (verify, store, ack) and the pipeline (the job)."""
