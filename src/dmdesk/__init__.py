"""dmdesk: a self-hosted desk for direct messages."""

__version__ = "0.1.0"
