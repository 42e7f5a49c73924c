"""The demo workspace and its simulated live traffic."""
