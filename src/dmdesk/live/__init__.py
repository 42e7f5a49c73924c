"""Live updates to browsers over server-sent events."""
