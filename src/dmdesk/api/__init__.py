"""The REST API under /api/v1, with RFC 9457 problem details."""
