"""Measurement: DM metrics from the event log, rollups, reports, spikes and topics."""
