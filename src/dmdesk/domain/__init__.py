"""Pure domain types: enums, inbound/outbound messages, events, errors. No I/O."""
