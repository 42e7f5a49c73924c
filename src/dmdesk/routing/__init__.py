"""Routing and assignment: which team and agent own a conversation."""
