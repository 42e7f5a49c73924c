"""Engines, sessions, the single writer with group commit, and migrations."""
