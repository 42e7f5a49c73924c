"""Triage: sort each inbound message by category, priority, spam, language, sentiment and PII."""
