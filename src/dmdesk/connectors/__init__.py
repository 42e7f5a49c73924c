"""Platform connectors: pure translators between platform formats and domain events."""
